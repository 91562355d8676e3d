"""The tray-only start path stays lean (bench/startup.py: ≤ 1.3× a bare PySide6 tray app).

Importing the app and the tray must not pull in the main window, its tabs or
their heavy dependencies; those load when the window first opens.  A module
that slips in here costs every login (readiness_notice alone was ~20 ms, the
snapshot's dataclasses ~30 ms: they load with the first snapshot).
"""
from __future__ import annotations

import subprocess
import sys

HEAVY = ("oncall_desktop.core.time.clock", "oncall_desktop.ui.main_window", "oncall_desktop.ui.shift.readiness_notice",
         "oncall_desktop.ui.runbooks.runbooks_tab", "oncall_desktop.services.storage.store",
         "oncall_desktop.core.runbooks.runbooks", "oncall_desktop.services.app.view_model",
         "yaml", "sqlite_utils", "keyring", "requests", "holidays", "icalendar")


def test_tray_start_path_imports_no_window_or_heavy_modules() -> None:
    code = ("import sys; import oncall_desktop.ui.app, oncall_desktop.ui.tray; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == ""


def test_the_demo_clock_variables_are_the_clock_modules() -> None:
    from oncall_desktop.core.time.clock import FAKE_NOW_VARIABLE, OFFSET_VARIABLE
    from oncall_desktop.ui.app import DEMO_CLOCK_VARIABLES

    assert DEMO_CLOCK_VARIABLES == {FAKE_NOW_VARIABLE, OFFSET_VARIABLE}

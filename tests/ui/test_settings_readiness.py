"""The pre-shift check at shift start, as the tech sees it: the window's bar, the tray entry, the checklist.

A fake clock crosses the start of my shift; the poll sends the shift notice,
the check runs by itself, and its failures show until dismissed.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from oncall_desktop.core.rotation.model import Layer, Schedule
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.shift.readiness_dialog import ReadinessDialog
from oncall_desktop.ui.tray import TrayController, tooltip_text

SHOTS = os.environ.get("ONCALL_SCREENSHOTS")


@pytest.fixture
def controller(make_controller, fake_clock, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no login item: one known failure

    def seed(ws) -> None:
        layer = Layer("Weekly", ["Ana", "Ben", "Cem"], datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("Europe/Berlin")),
                      "weekly", "09:00")
        ws.rotation.save(Schedule("Primary", "Europe/Berlin", (layer,)))  # no backup schedule: the other failure
        ws.store.set_setting("me", "Ben")  # Ben's turn starts Mon 30 Nov 09:00 Berlin
        fake_clock.set(datetime(2026, 11, 30, 7, 55, tzinfo=timezone.utc))

    return make_controller(seed=seed)


def test_failed_check_at_shift_start_shows_and_opens_the_checklist(qtbot, controller, fake_clock, recorder) -> None:
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    tray = TrayController(controller, window.show_and_raise, lambda: None)
    controller.start()
    window.show()
    controller.check_now()
    notice = window.readiness_notice
    assert not notice.isVisible() and not tray.action_readiness.isVisible()
    fake_clock.set(datetime(2026, 11, 30, 8, 2, tzinfo=timezone.utc))  # the shift has started
    controller.check_now()
    assert recorder.sent[-1].title == "You are on call now — Primary"
    assert notice.isVisible()
    assert notice.text.text().startswith("<b>Pre-shift check: 2 problems — open the checklist</b> (ran by itself "
                                         "at the start of your shift): A backup covers this shift, The app starts")
    assert tray.action_readiness.isVisible()
    assert tray.action_readiness.text() == "Pre-shift check: 2 problems — open the checklist"
    assert "Pre-shift check: 2 problems — open the checklist" in tooltip_text(controller.snapshot)
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, "readiness-notice.png"))
    qtbot.mouseClick(notice.open_button, Qt.MouseButton.LeftButton)
    dialog = window.shift_menu.dialog
    assert isinstance(dialog, ReadinessDialog) and dialog.isVisible()
    assert dialog.table.rowCount() == 7  # the recorded results, before anyone presses Run check
    assert [dialog.table.item(r, 0).text() for r in range(6)].count("FAIL") == 2
    when = datetime(2026, 11, 30, 8, 2, tzinfo=timezone.utc).astimezone().strftime("%a %d %b %H:%M")
    assert dialog.summary.text().startswith(f"Last check {when}: 2 item(s) need attention")
    if SHOTS:
        dialog.grab().save(os.path.join(SHOTS, "readiness-from-notice.png"))
    dialog.close()
    qtbot.mouseClick(notice.dismiss_button, Qt.MouseButton.LeftButton)
    assert not notice.isVisible() and not tray.action_readiness.isVisible()
    fake_clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))
    controller.check_now()
    assert len(controller.ws.store.events(kind="readiness.checked")) == 1  # once per shift

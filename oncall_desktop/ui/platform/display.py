"""Is there a screen to draw on?  Asked before Qt is imported.

Why: without a display Qt aborts the process with a core dump and a wall of
text; a technician should instead read one line saying what to do.
"""
from __future__ import annotations

import os
import sys


def display_problem(environ: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """A readable sentence when no display can be reached, else None."""
    env = os.environ if environ is None else environ
    plat = platform or sys.platform
    if not plat.startswith("linux") and not plat.startswith("freebsd"):
        return None
    if env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return ("no display found (DISPLAY and WAYLAND_DISPLAY are not set). oncall-desktop is a "
            "desktop app: start it from your desktop session, or on a headless machine run it "
            "under a virtual screen, e.g. 'xvfb-run -a make run'.")

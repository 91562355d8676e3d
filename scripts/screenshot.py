#!/usr/bin/env python3
"""Screenshots of the main window on the demo workspace, for the README tour.

Runs under a real X server: the current DISPLAY, or a private Xvfb it starts
(and stops).  Usage: scripts/screenshot.py OUT.png [TAB ...]  — with tab names
(now, rotation, runbooks, time, insights, settings) one PNG per tab is written
next to OUT as OUT-<tab>.png.  ``--dark`` draws with a dark Fusion palette, as a
desktop in dark mode hands the app, to look at what the tour does not show.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _ensure_desktop() -> list[subprocess.Popen]:
    """A display, and (when dunst exists) a session bus with a notification server."""
    procs: list[subprocess.Popen] = []
    if not os.environ.get("DISPLAY"):
        read_fd, write_fd = os.pipe()
        procs.append(subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                                       "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL))
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            os.environ["DISPLAY"] = ":" + pipe.readline().strip()
    bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    if (not bus or bus.startswith("disabled:")) and shutil.which("dbus-daemon") and shutil.which("dunst"):
        daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1", "--nopidfile"],
                                  stdout=subprocess.PIPE, text=True)
        procs.append(daemon)
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = daemon.stdout.readline().strip()  # type: ignore[union-attr]
        procs.append(subprocess.Popen(["dunst"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)
    return procs


def _use_dark_palette(app: object) -> None:
    """A dark palette of the kind KDE's Breeze Dark or GNOME's dark style hands Qt apps."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = {QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
             QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.AlternateBase: "#2d2d2d",
             QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#353535",
             QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d6fb4",
             QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#353535",
             QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.PlaceholderText: "#9a9a9a",
             QPalette.ColorRole.Link: "#8ab4f8"}
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    app.setStyle("Fusion")  # type: ignore[attr-defined]
    app.setPalette(palette)  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    dark = "--dark" in argv
    argv = [a for a in argv if a != "--dark"]
    out = Path(argv[0])
    tabs = [t.lower() for t in argv[1:]]
    procs = _ensure_desktop()
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    try:
        from PySide6.QtWidgets import QApplication

        from oncall_desktop.services.app.workspace import Workspace
        from oncall_desktop.services.demo.demo import seed_demo
        from oncall_desktop.ui.controller import AppController
        from oncall_desktop.ui.main_window import MainWindow
        from oncall_desktop.ui.tasks import TaskRunner

        directory = Path(tempfile.mkdtemp(prefix="oncall-shot-"))
        ws = Workspace(directory)
        seed_demo(ws)
        ws.close()
        app = QApplication([])
        if dark:
            _use_dark_palette(app)
        controller = AppController(directory, runner=TaskRunner(synchronous=True))
        window = MainWindow(controller, hide_on_close=False)
        window.resize(1100, 620)
        controller.start()
        controller.check_now()
        window.show()

        def settle() -> None:
            end = time.monotonic() + 0.8
            while time.monotonic() < end:
                app.processEvents()
                time.sleep(0.02)

        settle()
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        print(f"wrote {out}")
        names = [window.tabs.tabText(i).replace("&", "").lower() for i in range(window.tabs.count())]
        for tab in tabs:
            window.tabs.setCurrentIndex(names.index(tab))
            settle()
            path = out.with_name(f"{out.stem}-{tab}{out.suffix}")
            window.grab().save(str(path))
            print(f"wrote {path}")
        controller.shutdown()
        return 0
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Start the tray app: tray first, then the workspace, then polling.

Why this order: the icon is the promise that the app is watching; it must be
up in about a tenth of a second.  The main window is built the first time it
is opened, and the store opens once the event loop has gone idle.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.tray import TrayController
from oncall_desktop.ui.widgets.icons import app_icon

if TYPE_CHECKING:
    from oncall_desktop.core.time.clock import Clock
    from oncall_desktop.ui.main_window import MainWindow

NO_TRAY = ("No system tray was found on this desktop, so the window stays open instead. "
           "On GNOME install the 'AppIndicator and KStatusNotifierItem Support' extension "
           "to get the tray icon.")


class TrayApp:
    """Wires the controller, the tray and the window together (no logic of its own)."""

    def __init__(self, app: QApplication, directory: Path, clock: Clock | None = None) -> None:
        self.app = app
        self.controller = AppController(directory, clock=clock)
        self.tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self._window: MainWindow | None = None
        self._notices: dict[str, str | None] = {}
        self.tray = TrayController(self.controller, self.show_window, self.quit)
        self.controller.sig_paged.connect(self._paged)
        app.aboutToQuit.connect(self.controller.shutdown)

    @property
    def window(self) -> MainWindow:
        """The main window, built on first use (a tray-only start never pays for it)."""
        if self._window is None:
            from oncall_desktop.ui.main_window import MainWindow

            self._window = MainWindow(self.controller, hide_on_close=self.tray_available)
            for key, text in self._notices.items():
                self._window.set_notice(key, text)
        return self._window

    def show_window(self) -> None:
        self.window.show_and_raise()

    def notice(self, key: str, text: str | None) -> None:
        self._notices[key] = text
        if self._window is not None:
            self._window.set_notice(key, text)

    def start(self, show: bool = False, after_idle=None) -> None:
        if self.tray_available:
            self.tray.show()
        else:
            print(f"oncall-desktop: {NO_TRAY}", file=sys.stderr)
            self.notice("no-tray", NO_TRAY)
        if show or not self.tray_available:
            self.show_window()
        # the store opens once the first frame is out and the loop is idle
        QTimer.singleShot(0, after_idle or self.controller.start)

    def _paged(self, note: dict) -> None:
        """A page whose native notification could not be delivered falls back to the tray balloon."""
        if note.get("delivered"):
            return
        if self.tray_available and QSystemTrayIcon.supportsMessages():
            self.tray.icon.showMessage(note["title"], note["body"], QSystemTrayIcon.MessageIcon.Critical, 30000)
        else:
            self.show_window()
        self.notice("notify-status", "Notifications are not reaching you: " + note.get("problem", "")
                    + " — pages still show here and in the tray.")

    def quit(self) -> None:
        self.tray.icon.hide()
        self.app.quit()


#: clock.FAKE_NOW_VARIABLE and clock.OFFSET_VARIABLE, spelt out: importing the clock module costs every tray start ~5 ms
DEMO_CLOCK_VARIABLES = frozenset({"ONCALL_FAKE_NOW", "ONCALL_CLOCK_OFFSET"})


def run(directory: Path, show: bool = False) -> int:
    started = time.perf_counter()
    clock = None
    if DEMO_CLOCK_VARIABLES & os.environ.keys():  # demos and e2e tests only: the module loads only then
        from oncall_desktop.core.time.clock import clock_from_environ

        try:
            clock = clock_from_environ(os.environ)
        except ValueError as exc:
            print(f"oncall-desktop: {exc}", file=sys.stderr)
            return 2
    if clock is not None:
        print(f"oncall-desktop: demo clock from the environment — it is now {clock.now():%Y-%m-%d %H:%M:%S} UTC "
              "here, running at real speed", file=sys.stderr)
    running = QApplication.instance()
    app = running if isinstance(running, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("oncall-desktop")
    app.setDesktopFileName("oncall-desktop")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    tray_app = TrayApp(app, directory, clock)
    if "ONCALL_STATS_FILE" in os.environ:  # services/app/diagnostics.py: the soak bench's numbers
        from oncall_desktop.services.app.diagnostics import start_from_environ

        start_from_environ()
    probe = None
    if os.environ.get("ONCALL_STARTUP_PROBE"):
        # bench/startup.py: report when the tray is up and the loop first idles, then leave
        def probe() -> None:
            print(f"ready {1000 * (time.perf_counter() - started):.1f}", flush=True)
            app.quit()

    tray_app.start(show, after_idle=probe)
    return app.exec()

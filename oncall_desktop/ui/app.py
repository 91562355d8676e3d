"""Start the tray app: tray first, then the workspace, then polling.

Why this order: the icon is the promise that the app is watching; it must be
up in about a tenth of a second, and the store and network come after.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.icons import app_icon
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.tray import TrayController

NO_TRAY = ("No system tray was found on this desktop, so the window stays open instead. "
           "On GNOME install the 'AppIndicator and KStatusNotifierItem Support' extension "
           "to get the tray icon.")


class TrayApp:
    """Wires the controller, the tray and the window together (no logic of its own)."""

    def __init__(self, app: QApplication, directory: Path) -> None:
        self.app = app
        self.controller = AppController(directory)
        self.tray_available = QSystemTrayIcon.isSystemTrayAvailable()
        self.window = MainWindow(self.controller, hide_on_close=self.tray_available)
        self.tray = TrayController(self.controller, self.window.show_and_raise, self.quit)
        self.controller.sig_paged.connect(self._paged)
        app.aboutToQuit.connect(self.controller.shutdown)

    def start(self) -> None:
        if self.tray_available:
            self.tray.show()
        else:
            self.window.show_and_raise()
            self.window.statusBar().showMessage(NO_TRAY)
        # the store opens after the first paint
        QTimer.singleShot(0, self.controller.start)

    def _paged(self, note: dict) -> None:
        """A page whose native notification could not be delivered falls back to the tray balloon."""
        if note.get("delivered"):
            return
        if self.tray_available and QSystemTrayIcon.supportsMessages():
            self.tray.icon.showMessage(note["title"], note["body"], QSystemTrayIcon.MessageIcon.Critical, 30000)
        else:
            self.window.show_and_raise()
            self.window.statusBar().showMessage(f"{note['title']}: {note['body']}")

    def quit(self) -> None:
        self.tray.icon.hide()
        self.app.quit()


def run(directory: Path) -> int:
    started = time.perf_counter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("oncall-desktop")
    app.setDesktopFileName("oncall-desktop")
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(app_icon())
    tray_app = TrayApp(app, directory)
    tray_app.start()
    if os.environ.get("ONCALL_STARTUP_PROBE"):
        # bench/startup.py: report when the event loop first runs idle, then leave
        def probe() -> None:
            print(f"ready {1000 * (time.perf_counter() - started):.1f}", flush=True)
            tray_app.controller.shutdown()
            app.quit()

        QTimer.singleShot(0, probe)
    return app.exec()

"""The main window: six tabs, each its own module; closing hides to the tray."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.insights.insights_tab import InsightsTab
from oncall_desktop.ui.now.now_tab import NowTab
from oncall_desktop.ui.rotation.rotation_tab import RotationTab
from oncall_desktop.ui.runbooks.runbooks_tab import RunbooksTab
from oncall_desktop.ui.settings.settings_tab import SettingsTab
from oncall_desktop.ui.shift.readiness_notice import ReadinessNotice
from oncall_desktop.ui.shift.shift_menu import ShiftMenu
from oncall_desktop.ui.time.time_tab import TimeTab
from oncall_desktop.ui.widgets.icons import app_icon

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import Snapshot

#: The parts the status bar and the notices draw.
STATUS_PARTS = ("status", "offline_since", "last_poll_local")


class MainWindow(QMainWindow):
    def __init__(self, controller: AppController, *, hide_on_close: bool = True) -> None:
        super().__init__()
        self.controller = controller
        self.hide_on_close = hide_on_close
        self.setWindowTitle("oncall-desktop")
        self.setWindowIcon(app_icon())
        self.resize(960, 600)
        self.tabs = QTabWidget()
        self.now_tab = NowTab(controller, now_fn=controller.now)
        self.rotation_tab = RotationTab(controller)
        self.runbooks_tab = RunbooksTab(controller)
        self.time_tab = TimeTab(controller, now_fn=controller.now)
        self.insights_tab = InsightsTab(controller)
        self.settings_tab = SettingsTab(controller)
        for widget, title in ((self.now_tab, "&Now"), (self.rotation_tab, "R&otation"),
                              (self.runbooks_tab, "Run&books"), (self.time_tab, "T&ime"),
                              (self.insights_tab, "In&sights"), (self.settings_tab, "Se&ttings")):
            self.tabs.addTab(widget, title)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("QLabel { background: #fde2e1; color: #5c0b07; padding: 6px; }")
        self.notice.hide()
        self._notices: dict[str, str] = {}
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Opening workspace…")
        controller.sig_error.connect(lambda msg: self.statusBar().showMessage(msg, 15000))
        controller.watch(self, STATUS_PARTS, self._status)
        controller.sig_workspace_failed.connect(self._workspace_failed)
        controller.sig_notice.connect(lambda key, text: self.set_notice(key, text or None))
        controller.sig_troubles.connect(self._troubles)
        QShortcut(QKeySequence("Ctrl+R"), self, controller.check_now)
        # "Open triage" (Now tab): show the Runbooks tab; the tree walker takes the signal from there
        controller.sig_open_triage.connect(lambda page_id, tree_id: self.tabs.setCurrentWidget(self.runbooks_tab))
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        self.shift_menu = ShiftMenu(self, controller)  # handoff, readiness, maintenance
        self.readiness_notice = ReadinessNotice(controller)  # "Pre-shift check: 2 problems — open the checklist"
        layout.insertWidget(1, self.readiness_notice)

    def _status(self, snapshot: Snapshot, parts: frozenset[str]) -> None:
        if "status" in parts:
            status = snapshot.status
            self.set_notice("notify-status", None if status.notifications_ok else status.notifications)
        if snapshot.offline_since:
            self.statusBar().showMessage(f"Offline since {snapshot.offline_since} — showing cached tickets")
        elif snapshot.last_poll_local:
            self.statusBar().showMessage(f"Last checked {snapshot.last_poll_local}")

    def _troubles(self, troubles: dict) -> None:
        """A background feature failing (the poll, the page clock …): said until it works again."""
        for key in [k for k in self._notices if k.startswith("trouble-") and k[8:] not in troubles]:
            self.set_notice(key, None)
        for feature, sentence in troubles.items():
            self.set_notice(f"trouble-{feature}", sentence)

    def set_notice(self, key: str, text: str | None) -> None:
        """Persistent warnings (no tray, notifications failing) that a status message would hide."""
        if text:
            self._notices[key] = text
        else:
            self._notices.pop(key, None)
        self.notice.setText("\n".join(self._notices.values()))
        self.notice.setVisible(bool(self._notices))

    def _workspace_failed(self, message: str) -> None:
        self.statusBar().showMessage(message)
        QMessageBox.critical(self, "Workspace cannot be opened", message)

    def show_and_raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 — Qt override
        super().showEvent(event)
        self.shift_menu.offer()  # a handoff waiting for me opens once the window is up

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 — Qt override
        if self.hide_on_close:
            event.ignore()
            self.hide()
        else:
            event.accept()

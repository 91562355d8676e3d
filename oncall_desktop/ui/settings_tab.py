"""The Settings tab: where this workspace lives and how it reaches people."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSpinBox, QWidget

from oncall_desktop.ui.controller import AppController


class SettingsTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.workspace = QLabel(str(controller.directory))
        self.workspace.setWordWrap(True)
        self.system = QLabel("Local book (tickets kept in this workspace)")
        self.notifications = QLabel("checking…")
        self.notifications.setWordWrap(True)
        self.keyring = QLabel("checking…")
        self.poll = QSpinBox()
        self.poll.setRange(10, 3600)
        self.poll.setSuffix(" s")
        self.demo_feed = QCheckBox("Drop a demo escalated ticket every few minutes")
        layout = QFormLayout(self)
        layout.addRow("Workspace", self.workspace)
        layout.addRow("Ticket system", self.system)
        layout.addRow("Poll every", self.poll)
        layout.addRow("Notifications", self.notifications)
        layout.addRow("Keyring", self.keyring)
        layout.addRow("Demo", self.demo_feed)
        self._loading = False
        self.poll.editingFinished.connect(lambda: self._save("poll_seconds", self.poll.value()))
        self.demo_feed.toggled.connect(lambda on: self._save("demo_feed", on))
        controller.sig_snapshot.connect(self.update_snapshot)

    def _save(self, key: str, value: Any) -> None:
        if not self._loading:
            self.controller.set_setting(key, value)

    def update_snapshot(self, snapshot: dict[str, Any]) -> None:
        settings = snapshot.get("settings", {})
        self._loading = True
        try:
            if not self.poll.hasFocus():
                self.poll.setValue(int(settings.get("poll_seconds", 60)))
            self.demo_feed.setChecked(bool(settings.get("demo_feed", False)))
        finally:
            self._loading = False
        status = snapshot.get("status", {})
        self.system.setText(status.get("ticket_system", self.system.text()))
        self.notifications.setText(status.get("notifications", "unknown"))
        self.keyring.setText(status.get("keyring", "unknown"))

"""The Settings tab: where this workspace lives, which ticket system it watches, how it reaches people."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QWidget)

from oncall_desktop.services.notifier import QuietHours
from oncall_desktop.ui.controller import AppController


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return box


class SettingsTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.workspace = QLabel(str(controller.directory))
        self.workspace.setWordWrap(True)
        self.system = QLabel("Local book (tickets kept in this workspace)")
        self.system.setWordWrap(True)
        self.connect_button = QPushButton("&Connect…")
        self.connect_button.setToolTip("Choose the PSA, helpdesk or inbox to watch; test the sign-in")
        self.rules_button = QPushButton("Edit &rules…")
        self.rules_button.setToolTip("Which tickets page, and why (TOML, checked as you type)")
        self.notifications = QLabel("checking…")
        self.notifications.setWordWrap(True)
        self.keyring = QLabel("checking…")
        self.poll = QSpinBox()
        self.poll.setRange(10, 3600)
        self.poll.setSuffix(" s")
        self.poll.setToolTip("While the system cannot be reached, checks slow down (30 s, 1, 2 … 10 min)")
        self.quiet = QLineEdit()
        self.quiet.setPlaceholderText("e.g. 22:00-07:00 — pop-ups held back only while you are off call")
        self.quiet_status = QLabel("")
        self.sound = QCheckBox("Play a chime with each new page")
        self.demo_feed = QCheckBox("Drop a demo escalated ticket every few minutes")
        layout = QFormLayout(self)
        layout.addRow("Workspace", self.workspace)
        layout.addRow("Ticket system", _row(self.system, self.connect_button))
        layout.addRow("Escalation", _row(QLabel("rules decide what pages"), self.rules_button))
        layout.addRow("Poll every", self.poll)
        layout.addRow("Notifications", self.notifications)
        layout.addRow("Quiet hours", _row(self.quiet, self.quiet_status))
        layout.addRow("Sound", self.sound)
        layout.addRow("Keyring", self.keyring)
        layout.addRow("Demo", self.demo_feed)
        self._loading = False
        self.poll.editingFinished.connect(lambda: self._save("poll_seconds", self.poll.value()))
        self.demo_feed.toggled.connect(lambda on: self._save("demo_feed", on))
        self.sound.toggled.connect(lambda on: self._save("sound", on))
        self.quiet.editingFinished.connect(self._save_quiet)
        self.connect_button.clicked.connect(self.open_connection)
        self.rules_button.clicked.connect(self.open_rules)
        controller.sig_snapshot.connect(self.update_snapshot)
        self.dialog: QWidget | None = None

    def _save(self, key: str, value: Any) -> None:
        if not self._loading:
            self.controller.set_setting(key, value)

    def _save_quiet(self) -> None:
        text = self.quiet.text().strip()
        try:
            QuietHours.parse(text)
        except ValueError as exc:
            self.quiet_status.setText(f"✗ {exc}")
            return
        self.quiet_status.setText("")
        self._save("quiet_hours", text)

    def open_connection(self) -> None:
        from oncall_desktop.ui.connection_dialog import ConnectionDialog

        self.dialog = ConnectionDialog(self.controller, self)
        self.dialog.open()

    def open_rules(self) -> None:
        from oncall_desktop.ui.rules_editor import RulesEditor

        self.dialog = RulesEditor(self.controller, self)
        self.dialog.open()

    def update_snapshot(self, snapshot: dict[str, Any]) -> None:
        settings = snapshot.get("settings", {})
        self._loading = True
        try:
            if not self.poll.hasFocus():
                self.poll.setValue(int(settings.get("poll_seconds", 60)))
            if not self.quiet.hasFocus():
                self.quiet.setText(str(settings.get("quiet_hours") or ""))
            self.demo_feed.setChecked(bool(settings.get("demo_feed", False)))
            self.sound.setChecked(bool(settings.get("sound", False)))
        finally:
            self._loading = False
        status = snapshot.get("status", {})
        self.system.setText(status.get("ticket_system", self.system.text()))
        self.notifications.setText(status.get("notifications", "unknown"))
        self.keyring.setText(status.get("keyring", "unknown"))

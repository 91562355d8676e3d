"""The Settings tab: a list of sections on the left, one page of grouped fields on the right.

Why sections: there are some forty settings and a tech looking for "start at
login" at 3 AM should not scroll one endless form.  Every page draws from
``services.preferences.Preferences.values()`` (read on the store thread when
the tab first shows, and again after each save) and saves through it, so a
refusal is shown in words beside the field and nothing half-valid is stored.
The General page keeps the ticket system, rules, polling and alerts.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.services.paging.notifier import QuietHours
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.settings_clients import ClientsPage
from oncall_desktop.ui.settings.settings_common import SettingsPage, row
from oncall_desktop.ui.settings.settings_rotation import RotationPage
from oncall_desktop.ui.settings.settings_team import TeamPage
from oncall_desktop.ui.settings.settings_work import WorkPage
from oncall_desktop.ui.settings.settings_you import YouPage

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import Snapshot


class SettingsTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.controller = controller
        self.dialog: QWidget | None = None
        self._loading = False
        self._loaded_once = False
        general = self._general_page()
        self.you = YouPage(controller)
        self.work = WorkPage(controller)
        self.rotation = RotationPage(controller)
        self.team = TeamPage(controller)
        self.clients = ClientsPage(controller)
        self.pages: list[SettingsPage] = [self.you, self.work, self.rotation, self.team, self.clients]
        self.sections = QListWidget()
        self.sections.setMaximumWidth(170)
        self.stack = QStackedWidget()
        for title, page in [("General", general)] + [(p.title, p) for p in self.pages]:
            self.sections.addItem(title)
            self.stack.addWidget(page)
        for page in self.pages:
            page.on_saved = self.reload
        self.sections.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sections.setCurrentRow(0)
        layout = QHBoxLayout(self)
        layout.addWidget(self.sections)
        layout.addWidget(self.stack, 1)
        controller.watch(self, ("settings", "status"), self.update_snapshot)

    def _general_page(self) -> QWidget:
        self.workspace = QLabel(str(self.controller.directory))
        self.workspace.setWordWrap(True)
        self.workspace.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.system = QLabel("Local book (tickets kept in this workspace)")
        self.system.setWordWrap(True)
        self.connect_button = QPushButton("&Connect…")
        self.connect_button.setToolTip("Choose the PSA, helpdesk or inbox to watch; test the sign-in")
        self.rules_button = QPushButton("Edit &rules…")
        self.rules_button.setToolTip("Which tickets page, and why (TOML, checked as you type)")
        self.notifications = QLabel("checking…")
        self.notifications.setWordWrap(True)
        self.keyring = QLabel("checking…")
        self.keyring.setWordWrap(True)
        self.poll = QSpinBox()
        self.poll.setRange(10, 3600)
        self.poll.setSuffix(" s")
        self.poll.setToolTip("While the system cannot be reached, checks slow down (30 s, 1, 2 … 10 min)")
        self.budget = QSpinBox()
        self.budget.setRange(10, 2000)
        self.budget.setSuffix(" requests an hour")
        self.budget.setToolTip("The most this app may ask the ticket system in an hour (the vendor's limit is shared "
                               "by the whole team): near it the app checks less often, at it it waits")
        self.requests = QLabel("")
        self.requests.setWordWrap(True)
        self.quiet = QLineEdit()
        self.quiet.setPlaceholderText("e.g. 22:00-07:00 — pop-ups held back only while you are off call")
        self.quiet_status = QLabel("")
        self.sound = QCheckBox("Chime for each new page, again every 30 s until acknowledged or snoozed")
        self.sound.setChecked(True)  # the default (services.preferences.CHIME_DEFAULT) before the first snapshot
        self.sound_status = QLabel("")
        self.sound_status.setWordWrap(True)
        self.demo_feed = QCheckBox("Drop a demo escalated ticket every few minutes")
        tickets = QGroupBox("Ticket system")
        form = QFormLayout(tickets)
        form.addRow("Workspace", self.workspace)
        form.addRow("System", row(self.system, self.connect_button))
        form.addRow("Escalation", row(QLabel("rules decide what pages"), self.rules_button))
        form.addRow("Poll every", self.poll)
        form.addRow("Request budget", self.budget)
        form.addRow("Requests", self.requests)
        form.addRow("Demo", self.demo_feed)
        alerts = QGroupBox("Alerts")
        aform = QFormLayout(alerts)
        aform.addRow("Notifications", self.notifications)
        aform.addRow("Quiet hours", row(self.quiet, self.quiet_status))
        aform.addRow("Sound", row(self.sound, self.sound_status))
        aform.addRow("Keyring", self.keyring)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(tickets)
        layout.addWidget(alerts)
        layout.addStretch(1)
        self.poll.editingFinished.connect(lambda: self._save("poll_seconds", self.poll.value()))
        self.budget.editingFinished.connect(self._save_budget)
        self.demo_feed.toggled.connect(lambda on: self._save("demo_feed", on))
        self.sound.toggled.connect(self._sound_toggled)
        self.quiet.editingFinished.connect(self._save_quiet)
        self.connect_button.clicked.connect(self.open_connection)
        self.rules_button.clicked.connect(self.open_rules)
        return page

    # ---------------------------------------------------------------- values
    def reload(self) -> None:
        """Read every page's values on the store thread, then redraw the pages."""
        from oncall_desktop.services.app.preferences import Preferences

        self.controller.query(lambda ws: Preferences(ws).values(), self.load)
        self._show_requests()

    def _show_requests(self) -> None:
        """This app's requests in the last hour, its budget and the next check (poll_schedule.request_report)."""
        from oncall_desktop.services.paging.poll_schedule import request_report

        def shown(report: dict[str, Any]) -> None:
            self._loading = True
            try:
                if not self.budget.hasFocus():
                    self.budget.setValue(int(report["budget"]))
            finally:
                self._loading = False
            self.requests.setText(str(report["line"]))

        self.controller.query(request_report, shown)

    def _save_budget(self) -> None:
        from oncall_desktop.services.paging.poll_schedule import set_budget

        if not self._loading:
            value = self.budget.value()
            self.controller.act(lambda ws: set_budget(ws, value), lambda _n: self._show_requests())

    def load(self, values: dict[str, Any]) -> None:
        for page in self.pages:
            page.load(values)

    def _save(self, key: str, value: Any) -> None:
        if not self._loading:
            self.controller.set_setting(key, value)

    def _sound_toggled(self, on: bool) -> None:
        self._save("sound", on)
        sound = getattr(self.controller.actions, "sound", None)
        if not on or sound is None:
            self.sound_status.setText("")
            return
        # looking for a player touches the disk: on the store thread
        self.controller.query(lambda ws: sound.problem if not sound.available() else "",
                              lambda problem: self.sound_status.setText(f"✗ {problem}" if problem else ""))

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
        from oncall_desktop.ui.settings.connection_dialog import ConnectionDialog

        self.dialog = ConnectionDialog(self.controller, self)
        self.dialog.open()

    def open_rules(self) -> None:
        from oncall_desktop.ui.settings.rules_editor import RulesEditor

        self.dialog = RulesEditor(self.controller, self)
        self.dialog.open()

    def update_snapshot(self, snapshot: Snapshot, _parts: frozenset[str] = frozenset()) -> None:
        if not self._loaded_once:  # the workspace has just opened: fill the pages once
            self._loaded_once = True
            self.reload()
        settings = snapshot.settings
        self._loading = True
        try:
            if not self.poll.hasFocus():
                self.poll.setValue(settings.poll_seconds)
            if not self.quiet.hasFocus():
                self.quiet.setText(settings.quiet_hours)
            self.demo_feed.setChecked(settings.demo_feed)
            self.sound.setChecked(settings.sound)
        finally:
            self._loading = False
        status = snapshot.status
        self.system.setText(status.ticket_system or self.system.text())
        self.notifications.setText(status.notifications)
        self.keyring.setText(status.keyring)

    def showEvent(self, event: Any) -> None:  # noqa: N802 — Qt override
        """Values changed elsewhere (the CLI, a team pack sync) show when the tab comes forward."""
        super().showEvent(event)
        if self._loaded_once and self.controller.ws is not None:
            self.reload()

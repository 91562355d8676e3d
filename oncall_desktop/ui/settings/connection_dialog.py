"""Settings → Ticket system: choose the system, enter where and who, test, save.

Why a dialog with its own Test button: a tech sets this up once, usually while
something is already on fire; a wrong password, a wrong URL, a TLS problem and
"no network" need different fixes, so each gets its own headline above the
adapter's sentence.  Testing and saving run on the store thread
(``controller.query``); the secret goes to the keyring, never to the form's
memory after the dialog closes.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.tickets.tickets import SEVERITIES
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.ticket_systems import LOCAL, SYSTEMS, Connection
from oncall_desktop.ui.controller import AppController

HEADLINES = {
    ErrorKind.AUTH: "Wrong user name, password or API key",
    ErrorKind.NETWORK: "Cannot reach the server (network)",
    ErrorKind.TLS: "Certificate (TLS) problem",
    ErrorKind.NOT_FOUND: "Wrong address (nothing there)",
    ErrorKind.CONFIG: "Something is missing",
    ErrorKind.RATE_LIMIT: "The server asks us to slow down",
    ErrorKind.BAD_RESPONSE: "The server answered strangely",
    ErrorKind.REJECTED: "The server refused the request",
}


def explain(exc: BaseException) -> str:
    """One headline per kind of failure, then the adapter's own sentence."""
    if isinstance(exc, TicketSystemError):
        return f"✗ {HEADLINES.get(exc.kind, 'Failed')}: {exc}"
    return f"✗ {exc}"


def default_priorities(kind: str) -> list[tuple[str, int]]:
    """The vendor's priority table as shipped (vendor value → our level)."""
    if kind == LOCAL:
        return []
    from oncall_desktop.services.psa.mapping import field_map

    return sorted(field_map(kind).priorities.items(), key=lambda kv: (kv[1], kv[0]))


class ConnectionDialog(QDialog):
    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Ticket system")
        self.setMinimumWidth(560)
        self.kind = QComboBox()
        for info in SYSTEMS.values():
            self.kind.addItem(info.title, info.kind)
        self.url = QLineEdit()
        self.user = QLineEdit()
        self.company = QLineEdit()
        self.secret = QLineEdit()
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.form = QFormLayout()
        self.labels = {name: QLabel() for name in ("user", "company", "secret")}
        self.form.addRow("&System", self.kind)
        self.form.addRow("&Address", self.url)
        self.form.addRow(self.labels["user"], self.user)
        self.form.addRow(self.labels["company"], self.company)
        self.form.addRow(self.labels["secret"], self.secret)
        #: every vendor option, each row shown only for the systems that have it
        self.all_options: dict[str, QLineEdit] = {}
        for info in SYSTEMS.values():
            for name in info.options:
                if name not in self.all_options:
                    self.all_options[name] = QLineEdit()
                    self.form.addRow(name.replace("_", " ").capitalize(), self.all_options[name])
        self.option_edits: dict[str, QLineEdit] = {}
        self.priorities = QTableWidget(0, 2)
        self.priorities.setHorizontalHeaderLabels(["Vendor priority", "Pages as"])
        self.priorities.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.priorities.verticalHeader().hide()
        self.priorities.setMaximumHeight(170)
        self.outcome = QLabel("")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_button = QPushButton("&Test connection")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        self.priority_label = QLabel("Map the system's priorities to ours (P1 most urgent):")
        layout.addWidget(self.priority_label)
        layout.addWidget(self.priorities)
        layout.addWidget(self.outcome)
        row = QHBoxLayout()
        row.addWidget(self.buttons)
        layout.addLayout(row)
        self.kind.currentIndexChanged.connect(lambda _: self._rebuild())
        self.test_button.clicked.connect(self.test)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+T"), self, self.test)
        self._stored: Connection = Connection()
        self._rebuild()
        controller.query(lambda ws: ws.connection(), self.load, self._failed)

    # --------------------------------------------------------------- form
    def load(self, conn: Connection) -> None:
        self._stored = conn
        self.kind.setCurrentIndex(max(0, self.kind.findData(conn.kind)))
        self._rebuild()

    def _rebuild(self) -> None:
        """Fields for the chosen system; values carried over when it is the stored one."""
        kind = str(self.kind.currentData())
        info = SYSTEMS[kind]
        same = kind == self._stored.kind
        remote = kind != LOCAL
        self._show(self.url, remote)
        self.url.setPlaceholderText(info.url_hint)
        self.url.setText(self._stored.url if same else "")
        self._show(self.user, remote and info.needs_user)
        self.labels["user"].setText(info.user_label)
        self.user.setText(self._stored.user if same else "")
        self._show(self.company, remote and bool(info.company_label))
        self.labels["company"].setText(info.company_label)
        self.company.setText(self._stored.company if same else "")
        self._show(self.secret, remote)
        self.labels["secret"].setText(info.secret_label)
        self.secret.clear()
        self.secret.setPlaceholderText("stored in the keyring — leave empty to keep it" if same and self._stored.url
                                       else f"your {info.secret_label.lower()}")
        self.option_edits = {name: edit for name, edit in self.all_options.items() if name in info.options}
        for name, edit in self.all_options.items():
            self._show(edit, name in info.options)
            edit.setPlaceholderText(info.options.get(name, ""))
            edit.setText(str(self._stored.options.get(name, "")) if same else "")
        self._fill_priorities(kind, (self._stored.options.get("mapping") or {}).get("priorities", {}) if same else {})
        self.priorities.setVisible(kind != LOCAL)
        self.priority_label.setVisible(kind != LOCAL)
        self.test_button.setEnabled(True)
        self.outcome.clear()

    def _show(self, field: QWidget, visible: bool) -> None:
        self.form.setRowVisible(field, visible)

    def _fill_priorities(self, kind: str, overrides: dict[str, Any]) -> None:
        rows = dict(default_priorities(kind))
        rows.update({str(k).strip().lower(): int(str(v).upper().lstrip("P")) for k, v in overrides.items()})
        self.priorities.setRowCount(0)
        for vendor, level in sorted(rows.items(), key=lambda kv: (kv[1], kv[0])):
            row = self.priorities.rowCount()
            self.priorities.insertRow(row)
            self.priorities.setItem(row, 0, QTableWidgetItem(vendor))
            box = QComboBox()
            box.addItems(SEVERITIES)
            box.setCurrentIndex(level - 1)
            self.priorities.setCellWidget(row, 1, box)

    def connection(self) -> Connection:
        kind = str(self.kind.currentData())
        options: dict[str, Any] = {k: e.text().strip() for k, e in self.option_edits.items() if e.text().strip()}
        table = {}
        for row in range(self.priorities.rowCount()):
            item = self.priorities.item(row, 0)
            box = self.priorities.cellWidget(row, 1)
            if item is not None and item.text().strip() and isinstance(box, QComboBox):
                table[item.text().strip()] = box.currentIndex() + 1
        if kind != LOCAL and table and table != dict(default_priorities(kind)):
            options["mapping"] = {"priorities": table}
        return Connection(kind=kind, url=self.url.text().strip() if kind != LOCAL else "",
                          user=self.user.text().strip() if SYSTEMS[kind].needs_user else "",
                          company=self.company.text().strip() if SYSTEMS[kind].company_label else "",
                          options=options)

    # ------------------------------------------------------------- actions
    def test(self) -> None:
        conn, secret = self.connection(), self.secret.text() or None
        self.outcome.setText("Testing… (up to 30 s when the server does not answer)")
        self.test_button.setEnabled(False)
        self.controller.fetch(lambda ws: ws.test_connection(conn, secret), self._tested, self._failed)

    def _tested(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.outcome.setText(f"✓ {message}")

    def _failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.outcome.setText(explain(exc))

    def save(self) -> None:
        conn, secret = self.connection(), self.secret.text() or None

        def work(ws: Any) -> Connection:
            return ws.connect(conn.kind, url=conn.url, user=conn.user, company=conn.company, secret=secret,
                              options=dict(conn.options))

        def done(saved: Connection) -> None:
            self.secret.clear()
            self.accept()

        self.controller.act(work, done, self._failed)  # act: every view redraws with the new system

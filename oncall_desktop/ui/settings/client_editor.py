"""Settings → Clients → Edit clients: tier, mail domains and production systems per client.

Why these three: the tier raises a page's severity, the production systems
make "X is down" page, and the mail domains are how the shared-inbox (IMAP)
adapter knows which client wrote — a missing domain means an outage mail
arrives as "unknown client".  Lists are typed comma-separated; everything is
checked by ``services.preferences`` and stored all-or-none.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.settings_common import Status

COLUMNS = ("Client", "Tier", "Email domains", "Production systems")


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


class ClientEditor(QDialog):
    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Clients")
        self.resize(820, 420)
        intro = QLabel("Mail from a listed domain is filed under that client (shared inbox); the tier and "
                       "production systems decide what pages. Separate several entries with commas.")
        intro.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("&Add client")
        self.status = Status()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.add_button.clicked.connect(self.add_client)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        tools = QHBoxLayout()
        tools.addWidget(self.add_button)
        tools.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(tools)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.save_button.setEnabled(False)
        self.status.ok("loading clients…")
        controller.query(lambda ws: _profiles(ws), self.fill, lambda exc: self.status.fail(str(exc)))

    def fill(self, profiles: list[dict[str, Any]]) -> None:
        self.table.setRowCount(0)
        for p in profiles:
            self._append(p["name"], p["tier"], ", ".join(p["domains"]), ", ".join(p["production_systems"]))
        self.save_button.setEnabled(True)
        self.status.clear_text() if profiles else self.status.ok("no clients yet: press Add client")

    def _append(self, *values: str) -> int:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, value in enumerate(values):
            self.table.setItem(r, c, QTableWidgetItem(value))
        return r

    def add_client(self) -> None:
        r = self._append("", "", "", "")
        self.table.setCurrentCell(r, 0)
        item = self.table.item(r, 0)
        if item is not None:
            self.table.editItem(item)

    def profiles(self) -> list[dict[str, Any]]:
        out = []
        for r in range(self.table.rowCount()):
            cells = [(item.text() if (item := self.table.item(r, c)) else "") for c in range(len(COLUMNS))]
            if not any(cell.strip() for cell in cells):
                continue  # an empty row someone added and left
            out.append({"name": cells[0].strip(), "tier": cells[1].strip(), "domains": split_list(cells[2]),
                        "production_systems": split_list(cells[3])})
        return out

    def save(self) -> None:
        from oncall_desktop.services.app.preferences import Preferences

        profiles = self.profiles()
        self.save_button.setEnabled(False)

        def done(names: list[str]) -> None:
            self.save_button.setEnabled(True)
            self.status.ok(f"saved {len(names)} client(s)")
            self.accept()

        def failed(exc: BaseException) -> None:
            self.save_button.setEnabled(True)
            self.status.fail(str(exc) or exc.__class__.__name__)

        self.controller.act(lambda ws: Preferences(ws).save_client_profiles(profiles), done, failed)


def _profiles(ws: Any) -> list[dict[str, Any]]:
    from oncall_desktop.services.app.preferences import Preferences

    return Preferences(ws).client_profiles()

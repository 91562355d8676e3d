"""Settings → Clients: the billing agreements file, and each client's tier, domains and systems.

Why two buttons: the clients file (TOML, usually from the lead) decides how
after-hours work is billed; the editor holds what paging and the shared
inbox need.  Loading a new file bills work finished from now on — entries
already billed keep the agreement they were billed under.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.settings_common import SettingsPage, Status, row


class ClientsPage(SettingsPage):
    title = "Clients"

    def __init__(self, controller: AppController) -> None:
        super().__init__(controller)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.edit_button = QPushButton("&Edit clients…")
        self.edit_button.setToolTip("Tier, email domains (shared inbox) and production systems per client")
        self.load_button = QPushButton("&Load clients file…")
        self.load_button.setToolTip("Billing agreements per client (TOML, docs/billing.md); checked whole first")
        self.load_status = Status()
        group = QGroupBox("Clients")
        layout_g = QVBoxLayout(group)
        layout_g.addWidget(self.summary)
        layout_g.addWidget(row(self.edit_button, self.load_button))
        layout_g.addWidget(self.load_status)
        note = QLabel("A new clients file bills work finished from now on; entries already billed are not billed "
                      "again.")
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #57606a; }")
        layout_g.addWidget(note)
        layout = QVBoxLayout(self)
        layout.addWidget(group)
        layout.addStretch(1)
        self.editor: Any = None
        self.edit_button.clicked.connect(self.open_editor)
        self.load_button.clicked.connect(self._load_file)

    def fill(self, values: dict[str, Any]) -> None:
        clients = values.get("clients", [])
        text = f"{len(clients)} client(s): {', '.join(clients)}." if clients else "No clients yet."
        text += (" A clients file with billing agreements is loaded." if values.get("clients_file_loaded") else
                 " No clients file loaded: after-hours work is billed by the default agreement.")
        self.summary.setText(text)

    def open_editor(self) -> None:
        from oncall_desktop.ui.settings.client_editor import ClientEditor

        self.editor = ClientEditor(self.controller, self)
        self.editor.accepted.connect(self.on_saved)
        self.editor.open()

    def _load_file(self) -> None:
        path = self.pick_file("Load clients file", "Clients files (*.toml);;All files (*)")
        if not path:
            return
        self.save(lambda p: p.load_clients_file(path), self.load_status,
                  lambda names: f"loaded agreements for {len(names)} client(s): {', '.join(names)}")

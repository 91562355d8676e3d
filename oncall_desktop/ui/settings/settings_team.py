"""Settings → Team: the team pack the leads publish, and where shift handoffs are shared.

Why "Sync now" shows the result in words: a refused pack keeps the previous
one active, and the tech must see both facts — which version is in use and
which file and line to send back to the lead.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QVBoxLayout

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.settings.settings_common import SettingsPage, Status, row

MAX_PROBLEMS_SHOWN = 8


def pack_text(status: dict[str, Any]) -> str:
    if not status.get("active"):
        return "No team pack in use yet." + (f" Last problem: {status['last_problem']}"
                                             if status.get("last_problem") else "")
    text = (f"In use: {status['name']} {status['version']} ({status['documents']} runbooks and trees), "
            f"accepted {status['synced_at']}, last checked {status['checked_at'] or '—'}.")
    if status.get("last_problem"):
        text += f" Last problem: {status['last_problem']}"
    return text


class TeamPage(SettingsPage):
    title = "Team"

    def __init__(self, controller: AppController) -> None:
        super().__init__(controller)
        self.pack_source = QLineEdit()
        self.pack_source.setPlaceholderText("a folder (synced share) or an https:// link to the pack as a .zip")
        self.sync_button = QPushButton("S&ync now")
        self.sync_button.setToolTip("Fetch the pack, check every file, and use it only if all of it is sound")
        self.pack_state = QLabel("")
        self.pack_state.setWordWrap(True)
        self.pack_status = Status()
        pack = QGroupBox("Team pack")
        form = QFormLayout(pack)
        form.addRow("&Source", row(self.pack_source, self.sync_button, stretch=False))
        form.addRow("", self.pack_state)
        form.addRow("", self.pack_status)
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("the team's synced folder; empty: handoffs/ in a folder team pack")
        self.browse_button = QPushButton("&Browse…")
        self.ticket = QLineEdit()
        self.ticket.setPlaceholderText("optional: a ticket id that receives each handoff as an internal note")
        self.handoff_status = Status()
        handoffs = QGroupBox("Shift handoffs")
        hform = QFormLayout(handoffs)
        hform.addRow("Handoff &folder", row(self.folder, self.browse_button, stretch=False))
        hform.addRow("Handoff &ticket", self.ticket)
        hform.addRow("", self.handoff_status)
        layout = QVBoxLayout(self)
        layout.addWidget(pack)
        layout.addWidget(handoffs)
        layout.addStretch(1)
        self.sync_button.clicked.connect(self.sync_now)
        self.folder.editingFinished.connect(self._save_folder)
        self.browse_button.clicked.connect(self._browse)
        self.ticket.editingFinished.connect(self._save_ticket)

    def fill(self, values: dict[str, Any]) -> None:
        status = values.get("team_pack", {})
        if not self.pack_source.hasFocus():
            self.pack_source.setText(str(status.get("source", "")))
        self.pack_state.setText(pack_text(status))
        if not self.folder.hasFocus():
            self.folder.setText(values.get("handoff_folder", ""))
        if not self.ticket.hasFocus():
            self.ticket.setText(values.get("handoff_ticket", ""))

    def sync_now(self) -> None:
        source = self.pack_source.text().strip()
        if not source:
            self.pack_status.fail("type a folder path or an https:// link to the team pack first")
            return
        self.sync_button.setEnabled(False)
        self.pack_status.ok("syncing…")

        def sync(ws: Any) -> dict[str, Any]:
            return ws.team_pack.sync(source, on_store=ws.on_store).to_dict()  # the download: off the store thread

        def done(result: dict[str, Any]) -> None:
            self.sync_button.setEnabled(True)
            problems = result.get("problems", [])
            text = result["message"] + "".join(f"\n  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
            if len(problems) > MAX_PROBLEMS_SHOWN:
                text += f"\n  … and {len(problems) - MAX_PROBLEMS_SHOWN} more"
            (self.pack_status.ok if result["state"] in ("updated", "unchanged") else self.pack_status.fail)(text)
            self.pack_state.setText(pack_text(result["status"]))
            self.on_saved()

        def failed(exc: BaseException) -> None:
            self.sync_button.setEnabled(True)
            self.pack_status.fail(str(exc) or exc.__class__.__name__)

        self.controller.fetch(sync, done, failed, redraw=True)

    def _browse(self) -> None:
        folder = self.pick_folder("Handoff folder")
        if folder:
            self.folder.setText(folder)
            self._save_folder()

    def _save_folder(self) -> None:
        text = self.folder.text()
        if text.strip() == self.values.get("handoff_folder", ""):
            return
        self.save(lambda p: p.set_handoff_folder(text), self.handoff_status,
                  lambda v: f"handoffs are shared through {v}" if v else "handoffs are kept in this workspace only")

    def _save_ticket(self) -> None:
        text = self.ticket.text()
        if text.strip() == self.values.get("handoff_ticket", ""):
            return
        self.save(lambda p: p.set_handoff_ticket(text), self.handoff_status,
                  lambda v: f"each handoff is also a note on ticket {v}" if v else "no ticket receives handoffs")

"""The handoff dialog: write one at the end of a shift, read one at the start.

Why one dialog with two modes: the outgoing tech edits a draft the app wrote
from the log; the incoming tech sees the same text, read-only, before anything
else, and "Mark as read" is recorded.  Store work goes through the controller.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from oncall_desktop.ui.controller import AppController

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import HandoffView

_SECTIONS = (("Open pages", "open_pages"), ("Time-sensitive", "time_sensitive"), ("Done this shift", "done"))


def draft_to_text(handoff: Any) -> str:
    """Editable text: one section per list, then notes."""
    parts = []
    for title, name in _SECTIONS:
        items = getattr(handoff, name)
        parts.append(f"{title}:\n" + ("\n".join(f"- {i}" for i in items) if items else "- none"))
    parts.append("Notes:\n" + handoff.notes)
    return "\n\n".join(parts)


def text_to_fields(text: str) -> dict[str, Any]:
    """Back from the edited text; lines under an unknown heading go to the notes."""
    fields: dict[str, Any] = {name: [] for _, name in _SECTIONS}
    notes: list[str] = []
    current: str | None = None
    headings = {f"{title.lower()}:": name for title, name in _SECTIONS}
    for line in text.splitlines():
        key = line.strip().lower()
        if key in headings:
            current = headings[key]
            continue
        if key == "notes:":
            current = "notes"
            continue
        if current in fields and line.strip().startswith("- "):
            item = line.strip()[2:].strip()
            if item and item != "none":
                fields[current].append(item)
        elif line.strip() or current == "notes":
            notes.append(line)
    fields["notes"] = "\n".join(notes).strip()
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


class HandoffDialog(QDialog):
    """``mode`` is "write" (draft, edit, save) or "read" (a stored handoff, mark as read)."""

    def __init__(self, controller: AppController, mode: str = "write", stored: HandoffView | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.mode = mode
        self.stored = stored
        self.draft: Any = None
        self.setWindowTitle("Write the shift handoff" if mode == "write" else "Handoff for your shift")
        self.resize(640, 520)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        if mode == "write":
            self.action = QPushButton("&Save and share")
            self.header.setText("Drafting from tonight's log…")
            self.text.setPlaceholderText("Open pages, what was done, what is time-sensitive, anything else.")
        else:
            self.action = QPushButton("&Mark as read")
            self.text.setReadOnly(True)
            self.header.setText(f"<b>{stored.author if stored else ''}</b> handed over — read this before "
                                "starting.")
            self.text.setPlainText(stored.text if stored else "")
        self.buttons.addButton(self.action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close if mode == "read"
                               else QDialogButtonBox.StandardButton.Cancel)
        self.action.clicked.connect(self._act)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._act)
        if mode == "write":
            self.action.setEnabled(False)
            controller.query(lambda ws: ws.handoffs.draft(), self._drafted, self._failed)

    def _drafted(self, handoff: Any) -> None:
        self.draft = handoff
        who = f" for {handoff.for_person}" if handoff.for_person else ""
        self.header.setText(f"Handoff from <b>{handoff.author}</b>{who}. The app drafted it from the log; "
                            "edit anything, add notes at the end. Ctrl+Enter saves.")
        self.text.setPlainText(draft_to_text(handoff))
        self.action.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not do that: {exc}")
        self.action.setEnabled(self.mode == "read" or self.draft is not None)

    def _act(self) -> None:
        if self.mode == "write":
            if self.draft is None:
                return
            handoff = replace(self.draft, **text_to_fields(self.text.toPlainText()))
            self.action.setEnabled(False)
            self.controller.act(lambda ws: ws.handoffs.write(handoff), self._saved)
            self.controller.sig_error.connect(self._failed_text)
        elif self.stored is not None:
            handoff_id = self.stored.id
            self.controller.act(lambda ws: ws.handoffs.mark_read(handoff_id), lambda _r: self.accept())

    def _failed_text(self, message: str) -> None:
        if self.isVisible():
            self.status.setText(message)
            self.action.setEnabled(True)

    def _saved(self, stored: Any) -> None:
        where = "shared to the team folder" if stored.shared_at else (
            f"saved, not shared yet: {stored.share_problem}" if stored.share_problem else "saved")
        self.status.setText(f"Handoff {where}.")
        self.accept()

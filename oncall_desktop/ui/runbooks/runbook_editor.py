"""The tech lead's runbook editor: Markdown with live preview, live validation, history with diff and revert.

Why validation blocks the Save button instead of warning: a broken runbook or
tree reaches a tired tech at 3 AM; the lead at their desk is the one who can
fix it.  Validation runs on the store thread (it checks against the whole
library), a moment after typing stops.  ``DocumentEditor`` is shared with the
tree editor; subclasses only provide the editing area.
"""
from __future__ import annotations

import difflib
import html
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.runbooks.tree_walker import SafeBrowser

VALIDATE_DELAY_MS = 250
NEW_RUNBOOK = """---
id: new-runbook
title: What is broken, in the words a tech would search for
tags: []
severity: P3
clients: []
systems: []
version: 1
owner: Your role
reviewed-on: 2026-01-01
---
# Title

## First checks
1. …

## Containment
1. …

## Escalation contacts
| Who | When | Contact |
|---|---|---|
| Client emergency contact | before any outage you cause | `[CLIENT EMERGENCY CONTACT]` |

## What to write in the ticket
- …
"""


def monospace() -> QFont:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(11)
    return font


def diff_html(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff as coloured HTML (red removed, green added)."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm="")
    out = []
    for line in lines:
        colour = "#137333" if line.startswith("+") else "#c5221f" if line.startswith("-") else \
            "#1a73e8" if line.startswith("@@") else "#3c4043"
        out.append(f"<span style='color:{colour}'>{html.escape(line) or '&nbsp;'}</span>")
    body = "<br>".join(out) or "<span style='color:#5f6368'>No differences.</span>"
    return f"<pre style='font-family: monospace; white-space: pre-wrap'>{body}</pre>"


class HistoryPanel(QWidget):
    """Saved versions, newest first; selecting one shows its diff to the current text."""

    def __init__(self) -> None:
        super().__init__()
        self.versions: list[Any] = []
        self.current_text = ""
        self.list = QListWidget()
        self.diff = QTextBrowser()
        self.revert_button = QPushButton("Revert to this version")
        self.revert_button.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>History</b>")
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.diff, 2)
        layout.addWidget(self.revert_button)
        self.list.currentRowChanged.connect(self._show)

    def set_versions(self, versions: list[Any], current_text: str) -> None:
        self.versions = list(versions)
        self.current_text = current_text
        self.list.clear()
        for v in self.versions:
            who = f" · {v.saved_by}" if v.saved_by else ""
            note = f" · {v.note}" if v.note else ""
            self.list.addItem(QListWidgetItem(f"v{v.version} · {v.saved_at[:16].replace('T', ' ')}{who}{note}"))
        if not self.versions:
            self.diff.setHtml("<span style='color:#5f6368'>Not saved in this workspace yet. "
                              "The first save starts its history.</span>")
        self.revert_button.setEnabled(False)

    def selected(self) -> Any | None:
        row = self.list.currentRow()
        return self.versions[row] if 0 <= row < len(self.versions) else None

    def _show(self, row: int) -> None:
        version = self.selected()
        self.revert_button.setEnabled(version is not None and row > 0)
        if version is not None:
            self.diff.setHtml(diff_html(version.text, self.current_text, f"v{version.version}", "current"))


class DocumentEditor(QWidget):
    """Shared by the runbook and tree editors: load, validate live, save, history, revert."""

    kind = "runbook"
    template = NEW_RUNBOOK

    def __init__(self, controller: AppController, doc_id: str | None = None) -> None:
        super().__init__()
        self.controller = controller
        self.doc_id = doc_id
        self.saved_text = ""
        self.problems: list[Any] = []
        self._seq = 0
        self.setWindowTitle(f"Edit {self.kind} — {doc_id or 'new'}")
        self.resize(1100, 720)
        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.status = QLabel()
        self.status.setStyleSheet("color: #5f6368;")
        self.save_button = QPushButton("&Save (Ctrl+S)")
        self.save_button.setStyleSheet("QPushButton { padding: 6px 16px; font-weight: bold; }")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        self.problem_list = QListWidget()
        self.problem_list.setMaximumHeight(120)
        self.problem_list.setStyleSheet("QListWidget { color: #a50e0e; }")
        self.problem_list.itemActivated.connect(self._jump)
        self.history = HistoryPanel()
        self.history.revert_button.clicked.connect(self.revert)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VALIDATE_DELAY_MS)
        self._timer.timeout.connect(self.validate_now)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.status)
        top.addWidget(self.save_button)
        self.split = QSplitter()
        self.split.addWidget(self.build_editing_area())
        self.split.addWidget(self.history)
        self.split.setStretchFactor(0, 4)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([820, 280])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)
        layout.addWidget(self.problem_list)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._load()

    # ----------------------------------------------------------- for subclasses
    def build_editing_area(self) -> QWidget:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def set_text(self, text: str) -> None:
        raise NotImplementedError

    def goto_line(self, line: int) -> None:
        """Put the cursor on ``line`` (1-based) of the source text."""

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        if self.doc_id is None:
            self.heading.setText(f"New {self.kind}")
            self.set_text(self.template)
            self.history.set_versions([], self.template)
            self.changed()
            return
        kind, doc_id = self.kind, self.doc_id

        def loaded(pair: tuple[str, list[Any]]) -> None:
            text, versions = pair
            self.saved_text = text if versions else ""
            self.heading.setText(f"{kind.capitalize()} {doc_id}" + ("" if versions else
                                 " — bundled or team pack copy; saving makes the workspace's own version"))
            self.set_text(text)
            self.history.set_versions(versions, text)
            self.changed()

        self.controller.query(lambda ws: (ws.runbooks.text_of(kind, doc_id), ws.runbooks.history(kind, doc_id)),
                              loaded, self._failed)

    # ---------------------------------------------------------------- validating
    def changed(self) -> None:
        """Call on every edit: the Save button waits for the next validation."""
        self.save_button.setEnabled(False)
        self.status.setText("Checking…")
        self.history.current_text = self.text()
        self._timer.start()

    def validate_now(self) -> None:
        self._timer.stop()
        self._seq += 1
        seq, text, kind = self._seq, self.text(), self.kind
        self.controller.query(lambda ws: ws.runbooks.validate(kind, text),
                              lambda problems: self._validated(seq, text, problems), self._failed)

    def _validated(self, seq: int, text: str, problems: list[Any]) -> None:
        if seq != self._seq:
            return
        self.problems = problems
        self.problem_list.clear()
        for problem in problems:
            item = QListWidgetItem(f"line {problem.line}: {problem.message}")
            item.setData(Qt.ItemDataRole.UserRole, problem.line)
            self.problem_list.addItem(item)
        unchanged = text == self.saved_text
        self.save_button.setEnabled(not problems and not unchanged)
        if problems:
            self.status.setText(f"{len(problems)} problem(s) — fix them to save")
        else:
            self.status.setText("No changes" if unchanged else "Valid — ready to save")

    def _jump(self, item: QListWidgetItem) -> None:
        self.goto_line(int(item.data(Qt.ItemDataRole.UserRole)))

    # ------------------------------------------------------------------ writing
    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        text, kind = self.text(), self.kind
        self.save_button.setEnabled(False)
        self._write(lambda ws: ws.runbooks.save(kind, text, ws.me), self._saved)

    def revert(self) -> None:
        version = self.history.selected()
        if version is None or self.doc_id is None:
            return
        kind, doc_id = self.kind, self.doc_id
        self._write(lambda ws: ws.runbooks.revert(kind, doc_id, version.version, ws.me), self._saved)

    def _write(self, fn: Any, done: Any) -> None:
        self.controller.act(fn, done, self._failed)  # act: every view redraws with the new library

    def _saved(self, version: Any) -> None:
        self.doc_id = version.doc_id
        self.saved_text = version.text
        self.setWindowTitle(f"Edit {self.kind} — {version.doc_id}")
        self.heading.setText(f"{self.kind.capitalize()} {version.doc_id}")
        if self.text() != version.text:
            self.set_text(version.text)
        self.status.setText(f"Saved as version {version.version}")
        kind, doc_id = self.kind, version.doc_id
        self.controller.query(lambda ws: ws.runbooks.history(kind, doc_id),
                              lambda versions: self.history.set_versions(versions, self.text()))
        self.save_button.setEnabled(False)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("Not saved")
        QMessageBox.warning(self, f"The {self.kind} was not saved", str(exc))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 — Qt override
        if self.text() != self.saved_text and self.saved_text and QMessageBox.question(
                self, "Discard changes?", "This text has changes that are not saved. Close anyway?") \
                != QMessageBox.StandardButton.Yes:
            event.ignore()
            return
        event.accept()


class RunbookEditor(DocumentEditor):
    """Markdown on the left, the rendered runbook (as techs will see it) on the right."""

    kind = "runbook"
    template = NEW_RUNBOOK

    def build_editing_area(self) -> QWidget:
        self.source = QPlainTextEdit()
        self.source.setFont(monospace())
        self.source.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview = SafeBrowser()
        self.source.textChanged.connect(self._edited)
        area = QSplitter()
        area.addWidget(self.source)
        area.addWidget(self.preview)
        return area

    def text(self) -> str:
        return self.source.toPlainText()

    def set_text(self, text: str) -> None:
        self.source.setPlainText(text)

    def _edited(self) -> None:
        self.preview.show_markdown(_body_of(self.source.toPlainText()))
        self.changed()

    def goto_line(self, line: int) -> None:
        block = self.source.document().findBlockByLineNumber(max(0, line - 1))
        cursor = QTextCursor(block)
        self.source.setTextCursor(cursor)
        self.source.setFocus()


def _body_of(text: str) -> str:
    """The Markdown after the front matter (the whole text while the front matter is unfinished)."""
    from oncall_desktop.core.runbooks.runbooks import RunbookFormatError, split_front_matter

    try:
        return split_front_matter(text, "")[1]
    except RunbookFormatError:
        return text

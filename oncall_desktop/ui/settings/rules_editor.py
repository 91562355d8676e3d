"""Settings → Escalation rules: the TOML file, checked as you type.

Why live validation: a lead editing rules at 2 AM must see *which line* is
wrong before saving, and must not be able to save rules that would silently
stop paging.  Parsing is pure and takes well under a millisecond, so it runs
on every keystroke; only loading and saving touch the store (store thread).
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QFontDatabase, QKeySequence, QShortcut, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.paging.escalation_rules import RULE_KINDS
from oncall_desktop.services.paging.rules_store import RulesStore, Validation, validate
from oncall_desktop.ui.controller import AppController


class RulesEditor(QDialog):
    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Escalation rules")
        self.resize(720, 560)
        self.editor = QPlainTextEdit()
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.editor.setPlaceholderText("Loading the rules…")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.reset_button = QPushButton("Built-in rules")
        self.reset_button.setToolTip("Replace the text with the built-in rules (saved only when you press Save)")
        self.buttons.addButton(self.reset_button, QDialogButtonBox.ButtonRole.ResetRole)
        hint = QLabel(f"One [[rule]] per table, applied in order; kinds: {', '.join(RULE_KINDS)}. Ctrl+S saves.")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.editor)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.editor.textChanged.connect(self.check)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.reset_button.clicked.connect(self._builtin)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self.verdict = Validation(False, "loading…")
        controller.query(lambda ws: RulesStore(ws.store).text(), self.editor.setPlainText, self._failed)

    def check(self) -> Validation:
        self.verdict = validate(self.editor.toPlainText())
        self.save_button.setEnabled(self.verdict.ok)
        colour = "#1b5e20" if self.verdict.ok else "#b71c1c"
        mark = "✓" if self.verdict.ok else "✗"
        self.status.setText(f"<span style='color:{colour}'>{mark} {_escape(self.verdict.message)}</span>")
        self._mark_line(self.verdict.line)
        return self.verdict

    def _mark_line(self, line: int | None) -> None:
        if line is None:
            self.editor.setExtraSelections([])
            return
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(QColor("#fde2e1"))
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        cursor = QTextCursor(self.editor.document().findBlockByNumber(max(0, line - 1)))
        selection.cursor = cursor
        self.editor.setExtraSelections([selection])

    def _builtin(self) -> None:
        from oncall_desktop.core.paging.escalation import default_rules
        from oncall_desktop.core.paging.rules_toml import dump_rules

        self.editor.setPlainText(dump_rules(default_rules()))

    def save(self) -> None:
        if not self.check().ok:
            return
        text = self.editor.toPlainText()
        self.save_button.setEnabled(False)

        # act: save, then every view redraws with the new rules
        self.controller.act(lambda ws: RulesStore(ws.store).save_text(text), lambda _: self.accept(), self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"<span style='color:#b71c1c'>✗ {_escape(str(exc))}</span>")
        self.save_button.setEnabled(self.verdict.ok)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

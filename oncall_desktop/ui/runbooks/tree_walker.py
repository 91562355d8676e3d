"""The decision-tree walker: one question at a time, big buttons, keys 1–9, at 3 AM.

Why a widget with so little logic: the walk itself is the pure core's
``runbooks.walk`` (the same one ``tree walk`` uses), re-run from the answers
list on every step, so Back and Restart cannot drift from what scripts get.
The walker only emits what happened; the Runbooks tab records the walk and
applies the outcome to the page through the controller.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage, QKeyEvent, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.runbooks.runbooks import viewable_markdown
from oncall_desktop.core.runbooks.trees import DecisionTree, WalkResult, walk

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import PageView

SEVERITY_COLOURS = {"P1": "#c5221f", "P2": "#e37400", "P3": "#1a73e8", "P4": "#5f6368"}
ANSWER_STYLE = (
    "QPushButton { text-align: left; padding: 12px 18px; font-size: 16px; border: 1px solid #9aa0a6;"
    " border-radius: 8px; background: #f8f9fa; color: #202124; }"
    "QPushButton:hover { background: #e8f0fe; border-color: #1a73e8; }"
    "QPushButton:pressed { background: #d2e3fc; }")
PRIMARY_STYLE = ("QPushButton { padding: 10px 18px; font-size: 15px; font-weight: bold; border-radius: 8px;"
                 " background: #1a73e8; color: white; border: none; } QPushButton:disabled { background: #9aa0a6; }")


#: Characters of a ``data:`` image a runbook may carry inline (the only images it can show).
MAX_DATA_URL_CHARS = 64 * 1024


class SafeDocument(QTextDocument):
    """A document that loads no file and no URL: only a small inline ``data:`` image.

    ``QTextDocument.loadResource`` itself reads any local path or ``file://`` URL an image names
    when the widget's loader answers nothing, and Qt's image handler then reads the path *itself*
    when the answer is no image, so every other image gets a blank 1×1 picture instead.
    """

    def loadResource(self, kind: int, url: QUrl | str) -> Any:  # noqa: N802 — Qt override
        url = QUrl(url) if isinstance(url, str) else url
        if url.scheme().lower() == "data" and len(url.toString()) <= MAX_DATA_URL_CHARS:
            found = super().loadResource(kind, url)
            if found is not None:
                return found
        if kind == int(QTextDocument.ResourceType.ImageResource):
            return _blank_image()
        return None


def _blank_image() -> QImage:
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    return image


class SafeBrowser(QTextBrowser):
    """A text browser that never fetches anything: remote and local images stay blank, links inert."""

    def __init__(self) -> None:
        super().__init__()
        self.setDocument(SafeDocument(self))
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)

    def loadResource(self, kind: int, url: QUrl | str) -> Any:  # noqa: N802 — Qt override
        return None

    def show_markdown(self, text: str) -> None:
        """Render a runbook, its tables and length cut to what renders fast (``viewable_markdown``)."""
        self.document().setMarkdown(viewable_markdown(text), QTextDocument.MarkdownFeature.MarkdownDialectGitHub)


def severity_badge(severity: str | None) -> str:
    """Rich text for a coloured severity pill (``unchanged`` when the outcome leaves it alone)."""
    if not severity:
        return "<span style='color:#5f6368'>severity unchanged</span>"
    colour = SEVERITY_COLOURS.get(severity, "#5f6368")
    return f"<span style='background:{colour}; color:white; font-weight:bold'>&nbsp;{severity}&nbsp;</span>"


class TreeWalker(QWidget):
    """Walks one tree; ``page`` (a snapshot page row) makes the outcome applicable to its ticket."""

    sig_finished = Signal(object)
    """An outcome was reached (a ``WalkResult``); the tab records the walk in the event log."""

    sig_apply = Signal(object)
    """The tech confirmed the outcome for the page (``WalkResult``): queue the note, set the severity."""

    sig_open_runbook = Signal(str)
    """Open this runbook id in the viewer."""

    def __init__(self, runbook_body: Callable[[str], str | None] = lambda _id: None) -> None:
        super().__init__()
        self.runbook_body = runbook_body
        self.tree: DecisionTree | None = None
        self.page: PageView | None = None
        self.answers: list[str] = []
        self.result: WalkResult | None = None
        self.applied = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 13px; color: #5f6368;")
        self.context = QLabel()
        self.context.setWordWrap(True)
        self.context.setStyleSheet("background: #fff4ce; color: #3b2f00; padding: 6px 10px; border-radius: 6px;")
        self.crumbs = QLabel()
        self.crumbs.setWordWrap(True)
        self.crumbs.setTextFormat(Qt.TextFormat.RichText)
        self.crumbs.setStyleSheet("font-size: 13px; color: #3c4043;")
        self.crumbs.linkActivated.connect(self._crumb_clicked)
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setStyleSheet("font-size: 22px; font-weight: bold; color: #202124;")
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.help.setStyleSheet("font-size: 14px; color: #5f6368;")
        self.answer_box = QVBoxLayout()
        self.answer_box.setSpacing(8)
        self.answer_buttons: list[QPushButton] = []

        self.outcome = QFrame()
        self.outcome.setObjectName("outcome")
        self.outcome_title = QLabel()
        self.outcome_title.setWordWrap(True)
        self.outcome_title.setTextFormat(Qt.TextFormat.RichText)
        self.outcome_title.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.outcome_facts = QLabel()
        self.outcome_facts.setTextFormat(Qt.TextFormat.RichText)
        self.outcome_facts.setStyleSheet("font-size: 14px;")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note.setStyleSheet("background: #f1f3f4; padding: 8px; border-radius: 6px; font-size: 13px;")
        self.apply_button = QPushButton("Apply to ticket (Enter)")
        self.apply_button.setStyleSheet(PRIMARY_STYLE)
        self.apply_button.clicked.connect(self.apply)
        self.open_button = QPushButton("Open runbook (O)")
        self.open_button.clicked.connect(self.open_runbook)
        self.applied_label = QLabel()
        self.applied_label.setStyleSheet("color: #137333; font-weight: bold;")
        self.runbook_view = SafeBrowser()
        self.runbook_view.setMinimumHeight(160)
        outcome_buttons = QHBoxLayout()
        outcome_buttons.addWidget(self.apply_button)
        outcome_buttons.addWidget(self.open_button)
        outcome_buttons.addWidget(self.applied_label, 1)
        outcome_layout = QVBoxLayout(self.outcome)
        outcome_layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.outcome_title, self.outcome_facts, self.note):
            outcome_layout.addWidget(w)
        outcome_layout.addLayout(outcome_buttons)
        outcome_layout.addWidget(self.runbook_view, 1)

        self.back_button = QPushButton("← Back (Backspace)")
        self.restart_button = QPushButton("Restart (R)")
        self.back_button.clicked.connect(self.back)
        self.restart_button.clicked.connect(self.restart)
        for b in (self.back_button, self.restart_button, self.open_button):
            b.setStyleSheet("QPushButton { padding: 8px 14px; font-size: 14px; }")
        for b in (self.back_button, self.restart_button, self.open_button, self.apply_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the walker
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addWidget(self.restart_button)
        nav.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.context)
        layout.addWidget(self.crumbs)
        layout.addWidget(self.question)
        layout.addWidget(self.help)
        layout.addLayout(self.answer_box)
        layout.addWidget(self.outcome, 1)
        layout.addStretch(0)
        layout.addLayout(nav)
        self._stretch_when_asking = QWidget()
        self._stretch_when_asking.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)
        layout.insertWidget(layout.count() - 1, self._stretch_when_asking)
        self.outcome.hide()

    # ------------------------------------------------------------------ verbs
    def start(self, tree: DecisionTree, page: PageView | None = None) -> None:
        """Begin a walk (again); ``page`` is the page row the triage was opened from, if any."""
        self.tree = tree
        self.page = page
        self.title.setText(f"Decision tree · {tree.title}")
        self.context.setVisible(page is not None)
        if page is not None:
            self.context.setText(f"Triage for page {page.id} · {page.client} — "
                                 f"{page.title} (now {page.severity})")
        self.restart()

    def restart(self) -> None:
        self.answers = []
        self._redraw()

    def back(self) -> None:
        if self.answers:
            self.answers.pop()
            self._redraw()

    def answer(self, number: int) -> None:
        """Answer the current question with its ``number``-th answer (1-based), as key ``number`` does."""
        if self.result is None or self.result.pending is None or not 1 <= number <= len(self.result.pending.answers):
            return
        self.answers.append(self.result.pending.answers[number - 1].key)
        self._redraw()
        if self.result is not None and self.result.outcome is not None:
            self.sig_finished.emit(self.result)

    def apply(self) -> None:
        if self.result is not None and self.result.outcome is not None and self.page is not None and not self.applied:
            self.applied = True
            self.apply_button.setEnabled(False)
            self.applied_label.setText("Queuing note…")
            self.sig_apply.emit(self.result)

    def mark_applied(self, text: str) -> None:
        """What the tab reports back after applying (shown beside the button)."""
        self.applied_label.setText(text)

    def open_runbook(self) -> None:
        if self.result is not None and self.result.outcome is not None and self.result.outcome.runbook:
            self.sig_open_runbook.emit(self.result.outcome.runbook)

    # --------------------------------------------------------------- drawing
    def _redraw(self) -> None:
        assert self.tree is not None
        self.result = walk(self.tree, self.answers)
        self.applied = False
        self._draw_crumbs()
        for button in self.answer_buttons:
            self.answer_box.removeWidget(button)
            button.hide()
            button.setParent(None)
            button.deleteLater()
        self.answer_buttons = []
        done = self.result.outcome is not None
        self.question.setVisible(not done)
        self.help.setVisible(False)
        self.outcome.setVisible(done)
        self._stretch_when_asking.setVisible(not done)
        self.back_button.setEnabled(bool(self.answers))
        if done:
            self._draw_outcome()
        else:
            node = self.result.pending
            assert node is not None
            self.question.setText(node.question)
            self.help.setText(node.help)
            self.help.setVisible(bool(node.help))
            for number, answer in enumerate(node.answers, start=1):
                button = QPushButton(f"{number}    {answer.label}")
                button.setObjectName(f"answer-{answer.key}")
                button.setMinimumHeight(52)
                button.setStyleSheet(ANSWER_STYLE)
                button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                button.setToolTip(f"Press {number}")
                button.clicked.connect(lambda _=False, n=number: self.answer(n))
                self.answer_box.addWidget(button)
                self.answer_buttons.append(button)
        self.setFocus()

    def _draw_crumbs(self) -> None:
        assert self.result is not None
        if not self.result.path:
            self.crumbs.setText("<span style='color:#5f6368'>Question 1 — answer with the buttons or keys 1–9</span>")
            return
        parts = [f"<a href='step:{i}' style='color:#1a73e8; text-decoration:none'>{html.escape(s.question)}</a>"
                 f" <b>{html.escape(s.answer_label)}</b>" for i, s in enumerate(self.result.path)]
        self.crumbs.setText(" &nbsp;›&nbsp; ".join(parts))

    def _crumb_clicked(self, link: str) -> None:
        """Clicking a crumb goes back to that question (its answer and later ones are dropped)."""
        if link.startswith("step:"):
            self.answers = self.answers[:int(link.split(":", 1)[1])]
            self._redraw()

    def _draw_outcome(self) -> None:
        assert self.result is not None and self.result.outcome is not None
        outcome = self.result.outcome
        self.outcome_title.setText(f"{severity_badge(outcome.severity)}&nbsp; {html.escape(outcome.title)}")
        page_now = ("<b style='color:#c5221f'>Page now: yes</b>" if outcome.page
                    else "<b style='color:#137333'>Page now: no</b>")
        runbook = f" · runbook <b>{html.escape(outcome.runbook)}</b>" if outcome.runbook else ""
        self.outcome_facts.setText(page_now + runbook)
        self.note.setText(("Ticket note: " + self.result.note) if self.result.note else "No ticket note for this outcome.")
        on_page = self.page is not None
        self.apply_button.setVisible(on_page)
        self.apply_button.setEnabled(on_page)
        sev = f", set {outcome.severity}" if outcome.severity else ""
        self.apply_button.setText(f"Queue note{sev} (Enter)")
        self.applied_label.setText("")
        self.open_button.setEnabled(bool(outcome.runbook))
        body = self.runbook_body(outcome.runbook) if outcome.runbook else None
        self.runbook_view.setVisible(body is not None)
        if body is not None:
            self.runbook_view.show_markdown(body)

    # ------------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 — Qt override
        key = event.key()
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            self.answer(key - Qt.Key.Key_0)
        elif key in (Qt.Key.Key_Backspace, Qt.Key.Key_Left):
            self.back()
        elif key == Qt.Key.Key_R:
            self.restart()
        elif key == Qt.Key.Key_O:
            self.open_runbook()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply()
        else:
            super().keyPressEvent(event)

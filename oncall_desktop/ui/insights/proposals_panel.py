"""Insights' feedback panel: false alarms per signal kind and per client, proposals a lead accepts in one click.

Why beside the charts: the techs' verdicts ("No action needed", "False
alarm") are the evidence, and the lead reviewing the month is the one who
changes the rules.  Each proposal is one card with its words and an
**Accept** button; **Undo last rules change** puts the previous rules back
exactly (``RulesStore.undo``).  The figures and proposals are computed with
the tab's other figures (services/shift/proposals_service.py), on the store
thread.  Colours come from the palette, so the cards read in light and dark
themes alike and follow a theme change.
"""
from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from oncall_desktop.ui.controller import AppController

#: Rows of each rate table shown (the CLI lists them all).
SHOWN_ROWS = 5


def _rows(rows: Iterable[tuple[str, dict[str, Any]]]) -> str:
    """Rich-text table rows: a name, then "false alarms of pages (rate)"."""
    return "".join(f"<tr><td>{escape(name, quote=False)}&nbsp;</td><td>{r['false_alarms']} of {r['pages']} "
                   f"({r['rate'] * 100:.0f} %)</td></tr>" for name, r in rows)


class ProposalsPanel(QFrame):
    accepted = Signal(object)
    """A proposal was written into the rules (the ``Proposal``); the tab recomputes its figures."""

    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("proposals")
        self.proposals: list[Any] = []
        self.cards: list[QFrame] = []
        self.accept_buttons: list[QPushButton] = []
        self.title = QLabel("<b>False alarms and proposed rule changes</b>")
        self.rates = QLabel()
        self.rates.setWordWrap(True)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.undo_button = QPushButton("&Undo last rules change")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.card_box = QVBoxLayout()
        bottom = QHBoxLayout()
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.rates)
        layout.addLayout(self.card_box)
        layout.addWidget(self.empty)
        layout.addLayout(bottom)

    # ------------------------------------------------------------------ draw
    def show_feedback(self, data: dict[str, Any], proposals: list[Any], undo: dict[str, Any] | None) -> None:
        """Draw the period's rates (``Feedback.to_json()``), one card per proposal, and what undo would undo."""
        self.proposals = list(proposals)
        kinds = _rows((r["label"], r) for r in data["by_kind"][:SHOWN_ROWS])
        clients = _rows((r["client"], r) for r in data["by_client"][:SHOWN_ROWS])
        self.rates.setText(
            f"Verdicts on {data['verdicts']} resolved page(s) in this period."
            f"<table><tr><td valign='top'><i>False alarms by signal kind</i><table>{kinds}</table></td>"
            f"<td width='24'></td><td valign='top'><i>by client</i><table>{clients}</table></td></tr></table>")
        for card in self.cards:  # gone at once: deleteLater alone leaves it drawn until the loop runs
            self.card_box.removeWidget(card)
            card.hide()
            card.setParent(None)
            card.deleteLater()
        self.cards, self.accept_buttons = [], []
        for proposal in self.proposals:
            self._add_card(proposal)
        self.empty.setVisible(not self.proposals)
        self.empty.setText(f"No proposal: a change is proposed once a signal paged {data['min_evidence']} or more "
                           f"times with {data['false_share'] * 100:.0f} % of them false alarms, and replaying those "
                           "pages shows a lower weight would have kept them quiet.")
        self.undo_button.setEnabled(undo is not None)
        self.undo_button.setToolTip(f"Undo the change from {undo['source']} ({undo['at']})" if undo else
                                    "No rules change to undo")
        self._paint()

    def _add_card(self, proposal: Any) -> None:
        card = QFrame()
        card.setObjectName("proposal")
        text = QLabel(f"<b>{proposal.number}.</b> {escape(proposal.text(), quote=False)}")
        text.setWordWrap(True)
        button = QPushButton(f"Accept {proposal.number}")
        button.setToolTip("Write this change into the workspace's rules, with a comment saying why and when")
        button.clicked.connect(lambda _=False, p=proposal: self.accept(p))
        row = QHBoxLayout(card)
        row.addWidget(text, 1)
        row.addWidget(button)
        self.card_box.addWidget(card)
        card.show()  # on screen now, with the panel, not when the layout next runs
        self.cards.append(card)
        self.accept_buttons.append(button)

    def card_style(self) -> str:
        """The cards' style sheet, from the current palette (light or dark alike)."""
        pal = self.palette()
        return (f"QFrame#proposal {{ background: {pal.color(QPalette.ColorRole.AlternateBase).name()}; "
                f"color: {pal.color(QPalette.ColorRole.Text).name()}; "
                f"border: 1px solid {pal.color(QPalette.ColorRole.Mid).name()}; "
                f"border-left: 4px solid {pal.color(QPalette.ColorRole.Highlight).name()}; border-radius: 4px; }}")

    def _paint(self) -> None:
        style = self.card_style()
        for card in self.cards:
            card.setStyleSheet(style)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 — Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._paint()

    # --------------------------------------------------------------- actions
    def accept(self, proposal: Any) -> None:
        from oncall_desktop.services.shift.proposals_service import accept

        for button in self.accept_buttons:
            button.setEnabled(False)
        self.status.setText(f"Writing proposal {proposal.number} into the rules…")
        self.controller.act(lambda ws: accept(ws, proposal), lambda done: self._accepted(proposal, done),
                            self._failed)

    def _accepted(self, proposal: Any, done: str) -> None:
        self.status.setText(f"Accepted: {done}. Undo puts the previous rules back exactly.")
        self.accepted.emit(proposal)

    def undo(self) -> None:
        from oncall_desktop.services.paging.rules_store import RulesStore

        self.undo_button.setEnabled(False)
        self.controller.act(lambda ws: RulesStore(ws.store).undo(), self._undone, self._failed)

    def _undone(self, undone: str) -> None:
        self.status.setText(f"Undone: {undone}; the rules are as they were before it.")
        self.accepted.emit(None)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"The rules were not changed: {exc}")
        for button in self.accept_buttons:
            button.setEnabled(True)

"""The Insights tab's proposals: shown from the demo month, accepted and undone with the real buttons, in
light and dark palettes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from oncall_desktop.services.paging.rules_store import RULES, RULES_TOML, RulesStore


@pytest.fixture
def tab(insights_tab):
    insights_tab.refresh()
    return insights_tab


def _rules(tab) -> tuple[object, object, str]:
    ws = tab.controller.ws
    return ws.store.get_setting(RULES), ws.store.get_setting(RULES_TOML), RulesStore(ws.store).text()


def test_the_demo_month_shows_a_proposal_and_the_rates(tab) -> None:
    panel = tab.proposals
    assert panel.proposals and panel.accept_buttons[0].text() == "Accept 1"
    first = panel.cards[0].findChildren(type(panel.title))[0].text()
    assert "'offline' (broken now) woke you" in first and "Evergreen Accountants" in first
    rates = panel.rates.text()
    assert "False alarms by signal kind" in rates and "broken now&nbsp;</td><td>" in rates
    evergreen = next(r for r in tab.data["feedback"]["by_client"] if r["client"] == "Evergreen Accountants")
    assert (f"Evergreen Accountants&nbsp;</td><td>{evergreen['false_alarms']} of {evergreen['pages']} "
            f"({evergreen['rate'] * 100:.0f} %)") in rates
    assert not panel.empty.isVisibleTo(tab) and not panel.undo_button.isEnabled()


def test_accept_then_undo_with_the_buttons_leaves_the_rules_as_they_were(qtbot, tab) -> None:
    before = _rules(tab)
    qtbot.mouseClick(tab.proposals.accept_buttons[0], Qt.MouseButton.LeftButton)
    text = RulesStore(tab.controller.ws.store).text()
    assert "# Accepted from Insights " in text and '"Evergreen Accountants" = { "outage" = 1 }' in text
    # the tab recomputed: that proposal is gone, and undo is offered
    assert all("'offline'" not in p.text() for p in tab.proposals.proposals)
    assert tab.proposals.undo_button.isEnabled()
    assert tab.proposals.status.text().startswith("Accepted: outage weight 2 → 1 for Evergreen Accountants.")
    qtbot.mouseClick(tab.proposals.undo_button, Qt.MouseButton.LeftButton)
    assert _rules(tab) == before
    assert tab.proposals.accept_buttons and not tab.proposals.undo_button.isEnabled()


def _palette(window: str, base: str, alternate: str, text: str, mid: str, highlight: str) -> QPalette:
    pal = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, window), (QPalette.ColorRole.Base, base),
                         (QPalette.ColorRole.AlternateBase, alternate), (QPalette.ColorRole.Text, text),
                         (QPalette.ColorRole.WindowText, text), (QPalette.ColorRole.Mid, mid),
                         (QPalette.ColorRole.Highlight, highlight)):
        pal.setColor(role, QColor(colour))
    return pal


@pytest.mark.parametrize("colours", [("#f6f6f6", "#ffffff", "#eef2f7", "#1f2328", "#b0b7c3", "#0969da"),
                                     ("#202124", "#151617", "#2b2d31", "#e8eaed", "#5f6368", "#8ab4f8")],
                         ids=["light", "dark"])
def test_the_cards_take_their_colours_from_the_palette(qtbot, tab, colours) -> None:
    tab.setPalette(_palette(*colours))
    tab.show()
    qtbot.waitExposed(tab)
    card = tab.proposals.cards[0]
    style = card.styleSheet()
    _, _, alternate, text, mid, highlight = colours
    assert f"background: {alternate}" in style and f"color: {text}" in style
    assert f"1px solid {mid}" in style and f"4px solid {highlight}" in style
    image = card.grab().toImage()
    assert image.pixelColor(image.width() // 2, 2).name() == alternate  # what is drawn, not only the sheet


def test_a_refresh_leaves_only_the_new_cards_on_screen(qtbot, tab) -> None:
    from PySide6.QtWidgets import QFrame

    tab.show()
    qtbot.waitExposed(tab)
    tab.refresh()
    tab.refresh()
    cards = lambda: [f for f in tab.proposals.findChildren(QFrame, "proposal") if f.isVisibleTo(tab)]  # noqa: E731
    assert len(cards()) == len(tab.proposals.proposals) == len(tab.proposals.cards) == 2
    qtbot.waitUntil(lambda: all(card.isVisible() for card in tab.proposals.cards))

"""Proposals from the techs' verdicts: only with enough evidence, backed by a replay, accepted and undone exactly.

Two kinds of history: the demo month (``seed_history``: its own rules judged each past ticket,
and Evergreen's NAS mails "offline" most nights for nothing), and pages made here by real polls
of the local book and resolved as a tech does, with ``Workspace.resolve``.
"""
from __future__ import annotations

from datetime import timedelta

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.services.demo.demo_history import seed_history
from oncall_desktop.services.paging.replay_service import replay
from oncall_desktop.services.paging.rules_store import RULES, RULES_TOML, RulesStore
from oncall_desktop.services.shift.proposals_service import accept, feedback

OWN = '''# Northwind's rules: reviewed every quarter
page_at = "P2"

[[rule]]
kind = "priority"

[[rule]]
kind = "triage"       # the words decide for mail
weights = { urgent = 0 }   # callers say urgent about everything
'''


def _demo(workspace):
    seed_demo(workspace)
    assert seed_history(workspace) > 40
    return workspace


def _stored(ws) -> tuple[object, object, str]:
    store = RulesStore(ws.store)
    return ws.store.get_setting(RULES), ws.store.get_setting(RULES_TOML), store.text()


def test_the_demo_month_proposes_quieting_evergreens_nas(workspace) -> None:
    ws = _demo(workspace)
    report = feedback(ws)
    first = report.proposals[0]
    assert (first.number, first.candidate.kind, first.candidate.client, first.candidate.words) == (
        1, "outage", "Evergreen Accountants", "offline")
    assert (first.weight_from, first.weight_to, first.lost) == (2, 1, 0)
    assert first.candidate.pages == first.candidate.false_alarms == first.stopped >= 5
    assert first.text().startswith(f"'offline' (broken now) woke you {first.stopped} times at Evergreen Accountants, "
                                   "all false alarms: count it less for tickets from Evergreen Accountants")
    kinds = {r["kind"]: r for r in report.by_kind}
    assert kinds["outage"]["false_alarms"] >= first.candidate.false_alarms
    evergreen = next(r for r in report.by_client if r["client"] == "Evergreen Accountants")
    assert evergreen["rate"] >= 0.8 and report.by_client[0] == evergreen


def test_accepted_it_quiets_exactly_those_pages_and_undo_restores_the_rules_byte_for_byte(workspace) -> None:
    ws = _demo(workspace)
    before = _stored(ws)
    proposal = feedback(ws).proposals[0]
    assert accept(ws, proposal) == "outage weight 2 → 1 for Evergreen Accountants"
    text = RulesStore(ws.store).text()
    assert "# Accepted from Insights 2026-11-25T22:10:00Z: 'offline' (outage) paged" in text
    assert 'client_weights = { "Evergreen Accountants" = { "outage" = 1 } }' in text
    changed = ws.store.events(kind="rules.changed")[-1]
    assert changed["subject"] == "insights proposal 1" and changed["data"]["why"] == proposal.text()
    start = ws.clock.now() - timedelta(days=40)
    quieter = replay(ws, start, ws.clock.now(), RulesStore(ws.store).rules())
    assert {c.kind for c in quieter.changes} == {"lost"}
    assert {c.ticket.id for c in quieter.changes} == set(proposal.candidate.false_tickets)
    assert all(c.ticket.title == "EVG-NAS01 server offline" for c in quieter.changes)
    assert feedback(ws).proposals == [] or feedback(ws).proposals[0].candidate.kind != "outage"
    RulesStore(ws.store).undo()
    assert _stored(ws) == before


def test_a_leads_own_file_keeps_its_words_and_comes_back_exactly(workspace) -> None:
    ws = _demo(workspace)
    RulesStore(ws.store).save_text(OWN, "northwind.toml")
    proposal = feedback(ws).proposals[0]
    accept(ws, proposal)
    text = RulesStore(ws.store).text()
    assert text.startswith("# Northwind's rules: reviewed every quarter\n")
    assert ('kind = "triage"       # the words decide for mail\n# Accepted from Insights 2026-11-25T22:10:00Z: '
            "'offline' (outage) paged") in text
    assert '"outage" = 1 } }\nweights = { urgent = 0 }   # callers say urgent about everything\n' in text
    assert RulesStore(ws.store).rules().rules[1].weights == {"urgent": 0}
    RulesStore(ws.store).undo()
    assert RulesStore(ws.store).text() == OWN


def _page_and_judge(ws, title: str, outcome: str) -> None:
    ws.book.add(Ticket(title=title, client="Harbor", priority=3))
    result, _ = ws.poll()
    assert result.paged == 1
    ticket = ws.store.db.conn.execute("SELECT id FROM tickets ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    ws.resolve(int(ws.pages.find(ticket).id), outcome=outcome)
    ws.clock.advance(hours=20)


def test_no_proposal_before_five_verdicts_and_one_at_the_fifth(workspace) -> None:
    ws = workspace
    for _ in range(4):
        _page_and_judge(ws, "Server offline", "false alarm")
    assert feedback(ws).proposals == []
    assert feedback(ws).by_client == [{"client": "Harbor", "pages": 4, "false_alarms": 4, "rate": 1.0}]
    _page_and_judge(ws, "Server offline", "no action needed")
    proposals = feedback(ws).proposals
    assert [(p.candidate.client, p.weight_from, p.weight_to, p.stopped) for p in proposals][:1] == [
        ("Harbor", 2, 1, 5)]


def test_no_proposal_that_would_lose_a_page_the_tech_needed(workspace) -> None:
    ws = workspace
    for _ in range(5):
        _page_and_judge(ws, "Server offline", "false alarm")
    _page_and_judge(ws, "Server offline", "fixed")  # the same words, and this time it was real
    report = feedback(ws)
    assert report.verdicts == 6 and report.proposals == []

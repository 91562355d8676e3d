"""Replaying stored tickets: a night of real polls, judged again with the rules in use or a candidate.

The history is made the way the app makes it — tickets put into the local book, polled by the
workspace with a fake clock that moves on between polls — so the replay reads what a real
workspace holds: the ``tickets`` rows, the ``page.opened`` / ``page.suppressed`` events and the
maintenance windows.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from oncall_desktop.core.paging.maintenance import MaintenanceWindow
from oncall_desktop.core.paging.replay import ReplayError
from oncall_desktop.core.paging.rules_toml import parse_rules
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import UTC, FakeClock
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.replay_service import replay
from oncall_desktop.services.paging.rules_store import RulesStore

START = datetime(2026, 11, 2, 22, 0, tzinfo=UTC)
DAY = (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
NIGHT = (
    ("Exchange down for everyone", "Acme", "", "boss@acme.example"),
    ("Server offline", "Harbor", "", "nas@harbor.example"),
    ("Printer in room 2 jams", "Acme", "", "desk@acme.example"),
    ("File server offline", "Harbor", "", "nas@harbor.example"),
)


def night(tmp_path, tickets=NIGHT, minutes: int = 30) -> tuple[Workspace, FakeClock]:
    clock = FakeClock(START)
    ws = Workspace(tmp_path / "ws", clock)
    for title, client, body, contact in tickets:
        ws.book.add(Ticket(title=title, client=client, body=body, contact=contact, priority=3))
        ws.poll()
        clock.advance(minutes=minutes)
    return ws, clock


def _with(ws: Workspace, before: str, after: str) -> object:
    text = RulesStore(ws.store).text()
    assert before in text
    return parse_rules(text.replace(before, after, 1), "candidate.toml")


def test_the_rules_in_use_change_nothing_they_decided(tmp_path) -> None:
    ws, _ = night(tmp_path)
    result = replay(ws, *DAY, RulesStore(ws.store).rules())
    assert (result.judged, result.paged_then, result.paged_now, result.changes) == (4, 3, 3, ())
    assert "Nothing would change." in result.text()


def test_a_lower_weight_for_one_client_loses_exactly_its_pages(tmp_path) -> None:
    ws, _ = night(tmp_path)
    rules = _with(ws, 'kind = "triage"', 'kind = "triage"\nclient_weights = { "Harbor" = { outage = 1 } }')
    result = replay(ws, *DAY, rules, "candidate.toml")
    assert [(c.kind, c.ticket.id) for c in result.changes] == [("lost", "local:2"), ("lost", "local:4")]
    lost = result.changes[0]
    assert (lost.ticket.client, lost.ticket.title) == ("Harbor", "Server offline")
    assert lost.then.paged and lost.then.severity == "P2" and not lost.now.page
    assert "broken now ('offline', +1)" in lost.now.reasons
    assert "triage weights for Harbor: outage 1" in lost.now.reasons
    data = result.to_json()
    assert data["counts"] == {"gained": 0, "lost": 2, "priority": 0} and data["rules"] == "candidate.toml"
    assert data["changes"][0]["ticket"] == {"id": "local:2", "client": "Harbor", "title": "Server offline"}
    assert data["changes"][0]["then"] == {"paged": True, "severity": "P2",
                                          "reason": "P3 at client Harbor; broken now ('offline', +2); "
                                                    "a shared system ('server', +2); "
                                                    "triage score 4 (pages at 4, P1 at 9): P2"}


def test_gained_pages_and_changed_priorities_are_told_apart(tmp_path) -> None:
    ws, _ = night(tmp_path)
    rules = _with(ws, 'page_at = "P2"', 'page_at = "P3"')
    gained = replay(ws, *DAY, rules, "p3.toml")
    assert [(c.kind, c.ticket.id, c.now.severity) for c in gained.changes] == [("gained", "local:3", "P3")]
    assert not gained.changes[0].then.paged
    louder = replay(ws, *DAY, _with(ws, "weights = {  }", "weights = { wide = 5 }"), "wide.toml")
    assert [(c.kind, c.ticket.id, c.then.severity, c.now.severity) for c in louder.changes] == [
        ("priority", "local:1", "P2", "P1")]
    text = louder.text()
    assert "Priority changed (1)" in text and "local:1 · Acme · Exchange down for everyone" in text
    assert "then: paged P2; now: pages P1, because" in text


def test_a_repeat_caller_is_judged_with_the_tickets_before_it_not_after(tmp_path) -> None:
    calls = (("Printer offline", "Acme", "", "sam@acme.example"), ("Printer still offline", "Acme", "", "sam@acme.example"))
    ws, _ = night(tmp_path, calls, minutes=10)
    paged = ws.store.events(kind="page.opened")
    assert [e["subject"] for e in paged] == ["local:2"]  # the second call paged, as a repeat caller
    result = replay(ws, *DAY, RulesStore(ws.store).rules())
    assert result.changes == () and result.paged_now == 1
    slower = _with(ws, "within_minutes = 30", "within_minutes = 5")
    lost = replay(ws, *DAY, slower, "slower.toml")
    assert [(c.kind, c.ticket.id) for c in lost.changes] == [("lost", "local:2")]


def test_a_window_in_force_then_still_suppresses_though_it_ended(tmp_path) -> None:
    clock = FakeClock(START)
    ws = Workspace(tmp_path / "ws", clock)
    ws.maintenance.add(MaintenanceWindow(START + timedelta(minutes=5), START + timedelta(hours=1), clients=("Harbor",),
                                         note="NAS firmware"))
    clock.advance(minutes=10)
    ws.book.add(Ticket(title="File server offline", client="Harbor", priority=3))
    result, _ = ws.poll()
    assert result.suppressed == 1
    clock.advance(hours=5)
    again = replay(ws, *DAY, RulesStore(ws.store).rules())
    assert again.changes == () and again.paged_now == 0
    no_windows = _with(ws, 'kind = "maintenance"\nenabled = true', 'kind = "maintenance"\nenabled = false')
    gained = replay(ws, *DAY, no_windows, "no-windows.toml")
    assert [(c.kind, c.then.suppressed != "") for c in gained.changes] == [("gained", True)]
    assert "not paged (maintenance window" in gained.text()


def test_bad_periods_are_one_sentence(tmp_path) -> None:
    ws, _ = night(tmp_path)
    rules = RulesStore(ws.store).rules()
    with pytest.raises(ReplayError, match="swap them"):
        replay(ws, DAY[1], DAY[0], rules)
    with pytest.raises(ReplayError, match="no ticket arrived between .*the store holds tickets from 2026-11-02T22:00"):
        replay(ws, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC), rules)
    with pytest.raises(ReplayError, match="4 tickets arrived in that period; a replay judges at most 3"):
        replay(ws, *DAY, rules, limit=3)


def test_the_demo_month_replays_as_it_happened_and_a_weight_loses_exactly_the_pages_it_should(workspace) -> None:
    from oncall_desktop.services.demo.demo import seed_demo
    from oncall_desktop.services.demo.demo_history import seed_history

    seed_demo(workspace)
    written = seed_history(workspace)
    month = (workspace.clock.now() - timedelta(days=31), workspace.clock.now())
    same = replay(workspace, *month, RulesStore(workspace.store).rules())
    assert (same.judged, same.paged_then, same.paged_now, same.changes) == (written, written, written, ())
    # without 'broken now' only the mail without a priority falls below the paging score; the calls with a
    # priority still page on it
    quiet = replay(workspace, *month, _with(workspace, "weights = {  }", "weights = { outage = 0 }"), "no-outage.toml")
    mail = {r[0] for r in workspace.store.db.conn.execute("SELECT id FROM tickets WHERE priority_given = 0")}
    assert len(mail) >= 5
    assert {c.kind for c in quiet.changes} <= {"lost", "priority"}
    assert {c.ticket.id for c in quiet.changes if c.kind == "lost"} == mail
    assert all("triage score 2 (pages at 4, P1 at 9): P3" in c.now.reasons for c in quiet.changes if c.kind == "lost")

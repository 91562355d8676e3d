"""PageService on the pure ack clock: stored PageState, effects carried out, errors in words."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.services.paging.notifier import Notifier
from oncall_desktop.services.paging.pages import PageError, clean_chain


def demo_workspace(directory: Path, clock: Any, recorder: Any) -> Workspace:
    """Demo people and schedules (chain Ana → Chloé → Erin at 22:10 UTC), no random demo tickets."""
    ws = Workspace(directory, clock, notifier=Notifier(backends=[recorder]))
    seed_demo(ws)
    ws.store.set_setting("demo_feed", False)
    ws.store.set_setting("time_zone", "UTC")
    return ws


def open_p1(ws: Workspace) -> int:
    """Poll the local book: the demo's "Practice server down" ticket pages at P1."""
    result = ws.poller.poll_once()
    assert result.paged == 1, result.summary()
    return int(result.pages[0]["page_id"])


def queued_notes(ws: Workspace, ticket_id: str) -> list[str]:
    """Notes on their way to the ticket system, oldest first (the outbox's rows)."""
    return [row.payload["text"] for row in ws.outbox.rows(ticket_id) if row.kind == "note"]


def reopen(ws: Workspace, clock: Any, recorder: Any) -> Workspace:
    """Close the workspace and build a new one from disk: what an app restart does."""
    directory = ws.directory
    ws.close()
    return Workspace(directory, clock, notifier=Notifier(backends=[recorder]))


@pytest.fixture
def ws(workspace_dir, fake_clock, recorder):
    w = demo_workspace(workspace_dir, fake_clock, recorder)
    yield w
    w.close()


def test_open_stores_the_clock_state_and_the_chain(ws) -> None:
    page_id = open_p1(ws)
    page = ws.pages.get(page_id)
    assert (page.state, page.level, page.person, page.severity) == ("pending", 1, "Ana Souza", "P1")
    assert page.ack_deadline.isoformat() == "2026-11-25T22:25:00+00:00"
    state = ws.pages.state(page_id)
    assert state.chain == ("Ana Souza", "Chloé Martin", "Erin Walsh")
    assert state.client == "Acme Dental"
    # the SLA clock of a client without a contract: the default P1 response target, wall hours
    assert page.sla_deadline.isoformat() == "2026-11-25T23:10:00+00:00"
    assert page.extra["sla"]["kind"] == "response"
    opened = ws.store.events(kind="page.opened")[0]["data"]
    assert opened["chain"] == ["Ana Souza", "Chloé Martin", "Erin Walsh"]


def test_acknowledge_queues_the_note_starts_the_timer_and_logs(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    fake_clock.advance(minutes=4)
    page = ws.acknowledge(page_id)
    assert page.state == "acknowledged" and page.acknowledged_by == "Ana Souza"
    assert page.ack_deadline is None  # no ack window any more, only the stale check
    assert queued_notes(ws, "local:1") == ["Acknowledged by Ana Souza at 22:14 (after 4 min)"]
    assert ws.timers.running().ticket_id == "local:1"
    event = ws.store.events(kind="page.acknowledged")[0]["data"]
    assert event["after_minutes"] == 4 and event["by"] == "Ana Souza"
    # the SLA clock now watches the resolution target
    assert page.extra["sla"]["kind"] == "resolution"
    assert page.sla_deadline.isoformat() == "2026-11-26T02:10:00+00:00"


def test_acknowledging_an_unassigned_ticket_takes_it_and_one_already_mine_changes_nothing(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    assert ws.pages.assignee("local:1") == ""  # nobody holds the demo's ticket yet
    ws.acknowledge(page_id)
    assigned = [row.payload["person"] for row in ws.outbox.rows("local:1") if row.kind == "assign"]
    assert assigned == ["Ana Souza"]  # the team sees who has it
    ws.deliver_outbox()
    ws.poller.poll_once()  # the book now shows the ticket as Ana's
    assert ws.pages.assignee("local:1") == "Ana Souza"
    ws.resolve(page_id)
    for status in ("closed", "new"):  # closed in the book, then re-opened: pages again, still Ana's
        fake_clock.advance(minutes=1)
        ws.book.set_status("1", status)
        result = ws.poller.poll_once()
    page_id = int(result.pages[0]["page_id"])
    ws.acknowledge(page_id)
    assert [row.payload["person"] for row in ws.outbox.rows("local:1") if row.kind == "assign"] == ["Ana Souza"]


def test_resolve_stops_the_timer_and_closes_the_clocks(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    ws.acknowledge(page_id)
    fake_clock.advance(minutes=30)
    page = ws.resolve(page_id)
    assert page.state == "resolved" and ws.timers.running() is None
    assert page.sla_deadline is None and page.extra["sla"]["stopped"]
    row = ws.store.db.conn.execute("SELECT next_due FROM pages WHERE id = ?", (page_id,)).fetchone()
    assert row[0] is None
    assert queued_notes(ws, "local:1")[-1] == "Resolved by Ana Souza at 22:40 (30 min after the page)"
    with pytest.raises(PageError, match="already resolved by Ana Souza at 22:40"):
        ws.resolve(page_id)


def test_acknowledging_twice_is_a_readable_error_and_changes_nothing(ws) -> None:
    page_id = open_p1(ws)
    ws.acknowledge(page_id)
    before = ws.store.events()
    with pytest.raises(PageError, match=r"page 1 \(local:1\): this page is already acknowledged by Ana Souza"):
        ws.acknowledge(page_id, by="Ben Okafor")
    assert ws.store.events() == before


def test_escalate_now_pages_the_backup_and_says_who_asked(ws, recorder) -> None:
    page_id = open_p1(ws)
    page = ws.escalate(page_id)
    assert (page.state, page.level, page.person) == ("escalated", 2, "Chloé Martin")
    assert queued_notes(ws, "local:1") == ["Escalated by Ana Souza to Chloé Martin (level 2) at 22:10"]
    assert recorder.sent[-1].title.startswith("Escalated to Chloé Martin (level 2) · Acme Dental")
    assert not recorder.sent[-1].urgent  # it is Chloé's now, not mine
    # the local book can reassign: the ticket goes to Chloé through the outbox, like a note
    assigned = [row.payload["person"] for row in ws.outbox.rows("local:1") if row.kind == "assign"]
    assert assigned == ["Chloé Martin"] and not ws.store.events(kind="page.assign_not_supported")
    ws.escalate(page_id)
    with pytest.raises(PageError, match="top of the escalation chain"):
        ws.escalate(page_id)


def test_acknowledging_someone_elses_page_takes_it_over(ws) -> None:
    page_id = open_p1(ws)
    ws.escalate(page_id)
    page = ws.acknowledge(page_id, by="Erin Walsh")
    assert page.person == "Erin Walsh"
    assert [row.payload["person"] for row in ws.outbox.rows("local:1") if row.kind == "assign"][-1] == "Erin Walsh"


def test_snooze_moves_only_the_reminder(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    before = ws.pages.state(page_id)
    ws.snooze(page_id, 10)
    after = ws.pages.state(page_id)
    assert after.deadline == before.deadline
    assert after.renotify_at.isoformat() == "2026-11-25T22:20:00+00:00"
    assert ws.store.events(kind="page.snoozed")[0]["data"]["minutes"] == 10
    with pytest.raises(PageError, match="snooze for 1 to 120 minutes"):
        ws.snooze(page_id, 0)


def test_find_accepts_our_id_the_remote_id_and_a_page_number(ws) -> None:
    page_id = open_p1(ws)
    assert ws.pages.find("local:1").id == page_id
    assert ws.pages.find("1").id == page_id
    assert ws.pages.find(f"#{page_id}").id == page_id
    with pytest.raises(PageError, match="no page for ticket 'local:9'"):
        ws.pages.find("local:9")


def test_client_ack_minutes_and_sla_contract_come_from_the_directory(ws, fake_clock) -> None:
    data = ws.directory_service.clients()["Acme Dental"]
    ws.directory_service.save_client("Acme Dental", {**data, "ack_by_severity": {"P1": 5},
                                                     "sla": {"p1_response_minutes": 30}})
    page_id = open_p1(ws)
    page = ws.pages.get(page_id)
    assert page.ack_deadline.isoformat() == "2026-11-25T22:15:00+00:00"
    assert page.sla_deadline.isoformat() == "2026-11-25T22:40:00+00:00"


def test_a_page_from_before_the_clock_existed_still_acknowledges(ws, fake_clock) -> None:
    open_p1(ws)
    ws.store.db.conn.execute("INSERT INTO pages (ticket_id, state, level, person, severity, reason, created, "
                             "ack_deadline) VALUES ('local:2', 'pending', 1, 'Ana Souza', 'P3', 'old page', "
                             "'2026-11-25T22:00:00Z', '2026-11-25T22:15:00Z')")
    old = ws.pages.find("local:2")
    assert ws.pages.state(old.id).deadline.isoformat() == "2026-11-25T22:15:00+00:00"
    assert ws.acknowledge(old.id).state == "acknowledged"
    assert json.loads(ws.store.db.conn.execute("SELECT ack_state FROM pages WHERE id = ?",
                                               (old.id,)).fetchone()[0])["state"] == "acknowledged"


def test_clean_chain_drops_gaps_and_repeats() -> None:
    assert clean_chain(["Ana", None, "Erin"]) == ["Ana", "Erin"]
    assert clean_chain(["Erin", "Ben", "Erin"]) == ["Erin", "Ben"]
    assert clean_chain([None, None, None]) == []

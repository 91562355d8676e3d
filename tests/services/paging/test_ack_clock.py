"""The clock service: stored deadlines fired in order by tick(now), across sleep and restarts."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.services.paging.test_pages import demo_workspace, open_p1, queued_notes, reopen

UTC = timezone.utc
OPENED = datetime(2026, 11, 25, 22, 10, tzinfo=UTC)


@pytest.fixture
def ws(workspace_dir, fake_clock, recorder):
    w = demo_workspace(workspace_dir, fake_clock, recorder)
    yield w
    w.close()


def test_nothing_fires_before_the_deadline(ws, fake_clock) -> None:
    open_p1(ws)
    fake_clock.advance(minutes=4, seconds=59)
    assert ws.clock_service.tick() == []
    assert ws.clock_service.next_due() == OPENED + timedelta(minutes=5)  # the first reminder


def test_reminder_then_escalation_at_the_window_end(ws, fake_clock, recorder) -> None:
    page_id = open_p1(ws)
    fake_clock.advance(minutes=5)
    fired = ws.clock_service.tick()
    assert [f["event"] for f in fired] == ["renotify"]
    assert recorder.sent[-1].title.startswith("Still waiting · P1 · Acme Dental")
    fake_clock.set(OPENED + timedelta(minutes=15))
    fired = ws.clock_service.tick()
    assert [(f["event"], f["level"], f["person"]) for f in fired] == [("timeout", 2, "Chloé Martin")]
    assert queued_notes(ws, "local:1") == ["Not acknowledged within 15 min by Ana Souza; escalated to Chloé Martin"]
    assert ws.pages.get(page_id).ack_deadline == OPENED + timedelta(minutes=30)
    assert ws.store.events(kind="page.escalated")[0]["data"]["by"] == "clock"


def test_restart_in_the_middle_of_a_window_keeps_the_deadline(ws, fake_clock, recorder) -> None:
    page_id = open_p1(ws)
    fake_clock.advance(minutes=7)
    ws.snooze(page_id, 15)  # the reminder is quiet until 22:32; the ack window still ends at 22:25
    ws2 = reopen(ws, fake_clock, recorder)
    try:
        assert ws2.clock_service.tick() == []
        fake_clock.set(OPENED + timedelta(minutes=14, seconds=59))
        assert ws2.clock_service.tick() == []
        fake_clock.set(OPENED + timedelta(minutes=15))
        fired = ws2.clock_service.tick()
        assert [(f["event"], f["level"], f["due"]) for f in fired] == [("timeout", 2, "2026-11-25T22:25:00Z")]
        assert queued_notes(ws2, "local:1") == [
            "Not acknowledged within 15 min by Ana Souza; escalated to Chloé Martin"]
    finally:
        ws2.close()


def test_asleep_past_two_windows_fires_level_2_then_level_3_in_order(ws, fake_clock, recorder) -> None:
    page_id = open_p1(ws)
    ws2 = reopen(ws, fake_clock, recorder)  # the laptop slept; the app comes back from disk
    try:
        fake_clock.set(OPENED + timedelta(minutes=36))  # 22:46: windows ended 22:25 and 22:40
        fired = ws2.clock_service.tick()
        assert [(f["event"], f["level"], f["person"], f["due"]) for f in fired] == [
            ("timeout", 2, "Chloé Martin", "2026-11-25T22:25:00Z"),
            ("timeout", 3, "Erin Walsh", "2026-11-25T22:40:00Z"),
        ]
        late = " (fired late at 22:46: the app was asleep or closed)"
        assert queued_notes(ws2, "local:1") == [
            f"Not acknowledged within 15 min by Ana Souza; escalated to Chloé Martin{late}",
            f"Not acknowledged within 15 min by Chloé Martin; escalated to Erin Walsh{late}",
        ]
        # the third window started when the second ended, not when we woke
        assert ws2.pages.get(page_id).ack_deadline == OPENED + timedelta(minutes=45)
        kinds = [e["kind"] for e in ws2.store.events() if e["kind"] in ("page.opened", "page.escalated")]
        assert kinds == ["page.opened", "page.escalated", "page.escalated"]
        assert ws2.clock_service.tick() == []  # nothing fires twice
    finally:
        ws2.close()


def test_top_of_the_chain_keeps_reminding_without_more_notes(ws, fake_clock) -> None:
    open_p1(ws)
    fake_clock.set(OPENED + timedelta(hours=3))
    fired = ws.clock_service.tick()
    assert [f["level"] for f in fired] == [2, 3, 3]
    assert len(queued_notes(ws, "local:1")) == 2  # level 2 and level 3; at the top only reminders
    assert fired[-1]["deadline"] > "2026-11-26T01:10:00Z"  # one future slot, not a burst


def test_transitions_of_several_pages_fire_in_time_order(ws, fake_clock) -> None:
    from oncall_desktop.core.tickets.tickets import Ticket

    open_p1(ws)  # deadlines 22:25, 22:40
    fake_clock.set(OPENED + timedelta(minutes=10))
    ws.book.add(Ticket(title="Foxglove booking system down", client="Foxglove Hotel", priority=1))
    assert ws.poller.poll_once().paged == 1  # opened 22:20; deadline 22:35
    fake_clock.set(OPENED + timedelta(minutes=31))
    fired = ws.clock_service.tick()
    assert [(f["ticket"], f["due"]) for f in fired] == [
        ("local:1", "2026-11-25T22:25:00Z"), ("local:3", "2026-11-25T22:35:00Z"),
        ("local:1", "2026-11-25T22:40:00Z")]


def test_stale_acknowledgement_pages_again(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    ws.acknowledge(page_id)
    ws.timers.stop()  # acknowledged, then walked away without a timer
    fake_clock.advance(minutes=30)
    fired = ws.clock_service.tick()
    assert [(f["event"], f["state"]) for f in fired] == [("stalecheck", "pending")]
    assert queued_notes(ws, "local:1")[-1] == (
        "Acknowledged by Ana Souza 30 min ago, but not resolved and no timer running; paging Ana Souza again")
    assert ws.pages.get(page_id).ack_deadline == fake_clock.now() + timedelta(minutes=15)


def test_a_running_timer_keeps_the_acknowledgement_fresh(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    ws.acknowledge(page_id)  # starts the timer
    fake_clock.advance(minutes=30)
    fired = ws.clock_service.tick()
    assert [(f["event"], f["state"]) for f in fired] == [("stalecheck", "acknowledged")]
    assert ws.pages.get(page_id).state == "acknowledged"


def test_client_stale_minutes(ws, fake_clock) -> None:
    data = ws.directory_service.clients()["Acme Dental"]
    ws.directory_service.save_client("Acme Dental", {**data, "stale_minutes": 10})
    page_id = open_p1(ws)
    ws.acknowledge(page_id)
    ws.timers.stop()
    fake_clock.advance(minutes=10)
    assert [f["state"] for f in ws.clock_service.tick()] == ["pending"]


def test_sla_pauses_while_the_ticket_waits_on_the_client(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    fake_clock.advance(minutes=10)
    ws.book.set_status("1", "Waiting on customer")
    ws.poller.poll_once()
    ws.clock_service.tick()
    page = ws.pages.get(page_id)
    assert page.sla_deadline is None and page.extra["sla"]["paused"]
    fake_clock.advance(minutes=20)
    ws.book.set_status("1", "In progress")
    ws.poller.poll_once()
    ws.clock_service.tick()
    # 60 min response target, 20 of them paused: due 20 minutes later than first promised
    assert ws.pages.get(page_id).sla_deadline == OPENED + timedelta(minutes=80)
    assert [e["kind"] for e in ws.store.events() if e["kind"].startswith("page.sla")] == [
        "page.sla_paused", "page.sla_resumed"]

"""Polling by need, wired: the rotation decides how often and for what each app polls.

Three apps on one rotation (Primary: Ana, its backup: Chloé; Dev off call), each
a real workspace with a ticket system that records what it was asked.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from oncall_desktop.core.rotation.model import Layer, Schedule
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.psa.base import PollResult, TimeEntryRequest

ANA, CHLOE, DEV = "Ana Souza", "Chloé Martin", "Dev Patel"


class Desk:
    """A ticket system that can poll the whole desk or one person's tickets; it records each call."""

    name = "desk"
    source = "desk"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None, str]] = []
        self.tickets: list[Ticket] = []

    def poll(self, since: str | None) -> PollResult:
        self.calls.append(("all", since, ""))
        return PollResult(tickets=list(self.tickets), cursor="c-all")

    def poll_assigned(self, since: str | None, person: str) -> PollResult:
        self.calls.append(("mine", since, person))
        return PollResult(tickets=[t for t in self.tickets if t.assignee == person], cursor="c-mine")

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        pass

    def log_time(self, entry: TimeEntryRequest) -> str:
        return "1"

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        return None


def _always(name: str, person: str, start: Any, **kw: Any) -> Schedule:
    return Schedule(name=name, time_zone="UTC", layers=(Layer("All week", [person], start, "weekly", "00:00"),), **kw)


@pytest.fixture
def apps(tmp_path: Path, fake_clock):
    made = {}
    for me in (ANA, CHLOE, DEV):
        ws = Workspace(tmp_path / me.split()[0].lower(), fake_clock)
        start = fake_clock.now() - timedelta(days=1)
        ws.directory_service.save_schedule(_always("Primary", ANA, start, backup="Backup"))
        ws.directory_service.save_schedule(_always("Backup", CHLOE, start))
        ws.store.set_setting("page_schedule", "Primary")
        ws.store.set_setting("me", me)
        ws.__dict__["_system"] = Desk()
        ws.rand = lambda: 0.5
        made[me] = ws
    yield made
    for ws in made.values():
        ws.close()


def test_each_app_plans_by_its_role_on_the_rotation(apps) -> None:
    plans = {me: ws.plan_poll() for me, ws in apps.items()}
    now = apps[ANA].clock.now()
    assert {me: (p.scope, p.seconds_from(now)) for me, p in plans.items()} == {
        ANA: ("all", 60.0), CHLOE: ("mine", 60.0), DEV: ("mine", 900.0)}


def test_off_call_quiet_hours_poll_hourly(apps) -> None:
    dev = apps[DEV]
    dev.store.set_setting("quiet_hours", "00:00-23:59")
    assert dev.plan_poll().seconds_from(dev.clock.now()) == 3600.0


def test_a_mine_poll_asks_only_for_my_tickets_and_keeps_its_own_cursor(apps) -> None:
    chloe = apps[CHLOE]
    desk: Desk = chloe.__dict__["_system"]
    chloe.poll("mine")
    chloe.poll("mine")
    chloe.poll("all")
    assert desk.calls == [("mine", None, CHLOE), ("mine", "c-mine", CHLOE), ("all", None, "")]


def test_a_ticket_escalated_to_the_backup_pages_her_from_a_mine_poll(apps) -> None:
    """First seen already assigned to her: the page continues at her level (ack_clock.caught_up)."""
    chloe = apps[CHLOE]
    desk: Desk = chloe.__dict__["_system"]
    desk.tickets = [Ticket(id="desk:7", source="desk", remote_id="7", title="Exchange down", client="Acme",
                           priority=1, assignee=CHLOE, updated=chloe.clock.now())]
    result, notes = chloe.poll("mine")
    assert result.paged == 1 and "escalated to you" in notes[0]["body"]
    page = chloe.pages.latest_for_ticket("desk:7")
    assert (page.person, page.level) == (CHLOE, 2)
    assert chloe.plan_poll().scope == "all"  # a live page here: follow the whole desk until it ends


def test_queuing_a_note_tells_the_app_to_deliver_now(apps) -> None:
    ana = apps[ANA]
    told: list[str] = []
    ana.outbox.on_queued = lambda: told.append("deliver")
    ana.outbox.enqueue_note("desk:7", "hello", "k1")
    ana.outbox.enqueue_note("desk:7", "hello", "k1")  # the same key again: nothing new, nothing told
    assert told == ["deliver"]
    assert ana.outbox.next_due() == ana.clock.now()


def test_without_a_rotation_or_a_name_the_app_watches_the_desk_as_before(tmp_path: Path, fake_clock) -> None:
    ws = Workspace(tmp_path / "solo", fake_clock)
    try:
        plan = ws.plan_poll()
        assert (plan.scope, plan.seconds_from(fake_clock.now())) == ("all", 60.0)
    finally:
        ws.close()


def test_the_requests_report_and_a_bad_budget(apps) -> None:
    from oncall_desktop.services.paging import poll_schedule

    dev = apps[DEV]
    with pytest.raises(ValueError, match="between 10 and 2000"):
        poll_schedule.set_budget(dev, "5")
    with pytest.raises(ValueError, match="whole number"):
        poll_schedule.set_budget(dev, "lots")
    assert poll_schedule.budget_of(dev) == 240  # unchanged
    poll_schedule.set_budget(dev, "60")
    report = poll_schedule.request_report(dev)
    assert (report["budget"], report["scope"]) == (60, "mine")
    assert report["line"].startswith("0 of 60 requests in the last hour. Next check in 15 min")

"""A team shares pages through the ticket system: only the holder's clock runs a page.

Ana (on call), Chloé (backup) and Erin (lead) each run their own app.  Here
the shared ticket system is a third workspace's local book (real code: it
polls, takes notes and reassigns like a PSA), handed to Ana's and Chloé's
apps as their configured system; each app keeps its own store, outbox and
copy of every page.  The rules under test (services/paging/ack_clock.py docstring):
the holder's clock alone escalates; the next person's app takes the page
over at the escalated level; what another app did — an acknowledgement, a
hand-over, a closed ticket — moves this app's copy along without effects.
"""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from oncall_desktop.core.rotation.model import Layer, Schedule
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.notifier import Notifier
from tests.conftest import SilentBackend

ANA, CHLOE, ERIN = "Ana Souza", "Chloé Martin", "Erin Walsh"


def _always(name: str, person: str, start, **kw: Any) -> Schedule:
    return Schedule(name=name, time_zone="UTC", layers=(Layer("All week", [person], start, "weekly", "00:00"),), **kw)


class Team:
    """The shared desk and one app per technician, all on one fake clock."""

    def __init__(self, folder: Path, clock, shared: bool = True) -> None:
        self.clock = clock
        self.desk_ws = Workspace(folder / "desk", clock)
        self.desk = self.desk_ws.book
        self.pops: dict[str, SilentBackend] = {}
        self.apps: dict[str, Workspace] = {}
        for me in (ANA, CHLOE):
            self.pops[me] = SilentBackend()
            ws = Workspace(folder / me.split()[0].lower(), clock, notifier=Notifier(backends=[self.pops[me]]))
            start = clock.now() - timedelta(days=1)
            ws.directory_service.save_schedule(_always("Primary", ANA, start, backup="Backup", lead=ERIN))
            ws.directory_service.save_schedule(_always("Backup", CHLOE, start))
            ws.store.set_setting("page_schedule", "Primary")
            ws.store.set_setting("me", me)
            ws.store.set_setting("time_zone", "UTC")
            if shared:
                ws.__dict__["_system"] = self.desk  # every app polls the same ticket system
            self.apps[me] = ws
        self.ana, self.chloe = self.apps[ANA], self.apps[CHLOE]

    def poll_all(self) -> None:
        for ws in self.apps.values():
            result, _ = ws.poll()
            assert not result.errors, result.errors

    def page(self, ws: Workspace, ticket: Ticket):
        return ws.pages.latest_for_ticket(ticket.id)

    def close(self) -> None:
        for ws in (*self.apps.values(), self.desk_ws):
            ws.close()


@pytest.fixture
def team(tmp_path, fake_clock):
    t = Team(tmp_path, fake_clock)
    yield t
    t.close()


def outage(team: Team, assignee: str = ANA) -> Ticket:
    return team.desk.add(Ticket(title="Exchange down", client="Acme", priority=1, assignee=assignee))


def test_only_the_holders_clock_escalates_then_the_backup_takes_over_at_level_2(team: Team) -> None:
    t = outage(team)
    team.poll_all()
    assert [team.page(ws, t).person for ws in (team.ana, team.chloe)] == [ANA, ANA]

    team.clock.advance(minutes=16)  # nobody acknowledges
    assert team.chloe.clock_service.tick() == []  # Ana's page: not Chloé's clock
    fired = team.ana.clock_service.tick()
    assert [(f["event"], f["level"], f["person"]) for f in fired] == [("timeout", 2, CHLOE)]
    team.ana.deliver_outbox()
    assert team.desk.get(t.remote_id).assignee == CHLOE
    assert [n for n in team.desk.notes(t.remote_id) if "escalated" in n] == [
        n for n in team.desk.notes(t.remote_id)]  # one note, the escalation
    assert len(team.desk.notes(t.remote_id)) == 1

    handed = team.clock.now()  # the reassignment reached the ticket system now…
    team.clock.advance(minutes=1)  # …and Chloé's app polls a minute later
    result, shown = team.chloe.poll()
    assert result.paged == 1 and shown[0]["body"].startswith("Paged because escalated to you")
    mine = team.page(team.chloe, t)
    assert (mine.state, mine.level, mine.person) == ("escalated", 2, CHLOE)  # not a fresh level-1 page
    assert mine.ack_deadline == handed + timedelta(minutes=15)  # her window counts from the hand-over
    assert team.chloe.outbox.rows() == []  # taking over writes nothing back
    assert team.ana.poll()[0].paged == 0  # Ana's app sees its own escalation come back: nothing to do
    assert not team.ana.store.events(kind="page.acknowledged_elsewhere")

    team.clock.advance(minutes=14)  # Chloé does not acknowledge either: her clock escalates to the lead
    assert team.ana.clock_service.tick() == []
    fired = team.chloe.clock_service.tick()
    assert [(f["event"], f["level"], f["person"]) for f in fired] == [("timeout", 3, ERIN)]
    team.chloe.deliver_outbox()
    assert team.desk.get(t.remote_id).assignee == ERIN
    assert len(team.desk.notes(t.remote_id)) == 2

    team.clock.advance(minutes=1)
    team.ana.poll()  # Ana's copy follows the hand-over to Erin, without writing anything
    ana_copy = team.page(team.ana, t)
    assert (ana_copy.state, ana_copy.level, ana_copy.person) == ("escalated", 3, ERIN)
    assert team.ana.store.events(kind="page.handed_over")[-1]["data"]["elsewhere"] is True
    assert [r.kind for r in team.ana.outbox.rows()] == ["note", "assign"]  # still only its own escalation
    team.clock.advance(minutes=30)
    assert team.ana.clock_service.tick() == []  # Erin's page runs on Erin's clock


def test_acknowledgement_propagates_and_the_other_app_never_escalates(team: Team) -> None:
    t = outage(team, assignee="Service Desk")  # new tickets land in the desk's queue
    team.poll_all()
    team.clock.advance(minutes=4)
    team.ana.acknowledge()
    assert [r.kind for r in team.ana.outbox.rows()] == ["note", "assign"]  # takes the ticket from the queue
    team.ana.deliver_outbox()
    assert team.desk.get(t.remote_id).assignee == ANA

    team.clock.advance(minutes=1)
    sent_before = len(team.pops[CHLOE].sent)
    result, _ = team.chloe.poll()
    assert result.paged == 0
    copy = team.page(team.chloe, t)
    assert (copy.state, copy.acknowledged_by, copy.ack_deadline) == ("acknowledged", ANA, None)
    [event] = team.chloe.store.events(kind="page.acknowledged_elsewhere")
    assert event["data"]["effects"] == [] and event["data"]["by"] == ANA
    team.clock.advance(minutes=60)
    assert team.chloe.clock_service.tick() == []
    assert team.chloe.outbox.rows() == [] and len(team.pops[CHLOE].sent) == sent_before
    assert len(team.desk.notes(t.remote_id)) == 1  # only Ana's "Acknowledged by"


def test_acknowledging_a_ticket_already_mine_does_not_reassign(team: Team) -> None:
    outage(team, assignee=ANA)
    team.poll_all()
    team.ana.acknowledge()
    assert [r.kind for r in team.ana.outbox.rows()] == ["note"]


def test_someone_outside_the_chain_taking_it_is_an_acknowledgement_elsewhere(team: Team) -> None:
    t = outage(team)
    team.poll_all()
    team.clock.advance(minutes=2)
    team.desk.assign(t.remote_id, "Dev Patel")  # a colleague took it in the PSA itself
    team.ana.poll()
    copy = team.page(team.ana, t)
    assert (copy.state, copy.person, copy.acknowledged_by) == ("acknowledged", "Dev Patel", "Dev Patel")
    team.clock.advance(minutes=60)
    assert team.ana.clock_service.tick() == [] and team.ana.outbox.rows() == []


def test_a_ticket_closed_elsewhere_resolves_the_page_without_a_note(team: Team) -> None:
    t = outage(team)
    team.poll_all()
    team.clock.advance(minutes=3)
    team.desk.set_status(t.remote_id, "closed")
    team.poll_all()
    for ws in team.apps.values():
        page = team.page(ws, t)
        assert page.state == "resolved" and ws.outbox.rows() == []
        assert ws.store.events(kind="page.resolved_elsewhere")[0]["data"]["effects"] == []
    assert team.desk.notes(t.remote_id) == []


def test_the_clock_runs_every_page_when_me_is_not_set(team: Team) -> None:
    outage(team)
    team.poll_all()
    team.chloe.store.set_setting("me", "")  # a single-user workspace (or the CLI's tick in a script)
    team.clock.advance(minutes=16)
    assert [f["person"] for f in team.chloe.clock_service.tick()] == [CHLOE]


def test_the_clock_runs_every_page_when_the_system_cannot_reassign(team: Team) -> None:
    class Inbox:
        """A mailbox: it polls and takes notes but cannot assign (no ``assign``)."""

        name = source = "local"

        def poll(self, since):
            return team.desk.poll(since)

        def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
            team.desk.add_note(remote_id, text)

    team.chloe.__dict__["_system"] = Inbox()
    team.chloe.__dict__.pop("poller", None)
    outage(team)
    team.poll_all()
    team.clock.advance(minutes=16)
    assert [f["person"] for f in team.chloe.clock_service.tick()] == [CHLOE]  # duplicates accepted here
    assert [f["person"] for f in team.ana.clock_service.tick()] == [CHLOE]


def test_the_clock_runs_every_page_on_the_workspaces_own_book(tmp_path, fake_clock) -> None:
    lone = Team(tmp_path, fake_clock, shared=False)  # each app on its own local book: nobody else sees it
    try:
        lone.chloe.book.add(Ticket(title="Exchange down", client="Acme", priority=1))
        lone.chloe.poll()
        fake_clock.advance(minutes=16)
        assert [f["person"] for f in lone.chloe.clock_service.tick()] == [CHLOE]
    finally:
        lone.close()


def test_a_page_opened_for_me_by_an_escalation_starts_at_my_level(team: Team) -> None:
    """Chloé's app had no page (it was resolved there); the hand-over to her still lands at level 2."""
    t = outage(team)
    team.poll_all()
    team.chloe.resolve(team.page(team.chloe, t).id)
    team.clock.advance(minutes=16)
    team.ana.clock_service.tick()
    team.ana.deliver_outbox()
    handed = team.clock.now()
    team.clock.advance(minutes=1)
    result, _ = team.chloe.poll()
    assert result.paged == 1
    page = team.chloe.pages.active_for_ticket(t.id)
    assert (page.state, page.level, page.person) == ("escalated", 2, CHLOE)
    assert page.ack_deadline == handed + timedelta(minutes=15)


def test_an_app_that_was_off_during_the_hand_over_picks_the_page_up_at_its_level(team: Team) -> None:
    """Chloé's app first sees the ticket already escalated to her: her page, level 2, her clock runs on."""
    t = outage(team)
    team.ana.poll()  # only Ana's app is running
    team.clock.advance(minutes=16)
    team.ana.clock_service.tick()
    team.ana.deliver_outbox()
    handed = team.clock.now()
    team.clock.advance(minutes=3)  # Chloé's laptop wakes up and polls for the first time
    result, shown = team.chloe.poll()
    assert result.paged == 1 and "escalated to you" in shown[0]["body"]
    mine = team.page(team.chloe, t)
    assert (mine.state, mine.level, mine.person) == ("escalated", 2, CHLOE)  # not a fresh level-1 page
    assert mine.ack_deadline == handed + timedelta(minutes=15)  # her window counts from the hand-over
    assert team.chloe.outbox.rows() == []  # picking it up writes nothing back

    team.clock.advance(minutes=12)  # she does not answer: her clock pages the lead
    fired = team.chloe.clock_service.tick()
    assert [(f["event"], f["level"], f["person"]) for f in fired] == [("timeout", 3, ERIN)]


def test_a_new_ticket_held_by_someone_outside_the_chain_pages_as_usual(team: Team) -> None:
    """A queue or the client's usual technician holding a new ticket is no hand-over: level 1, Ana."""
    t = outage(team, assignee="Service Desk")
    team.chloe.poll()
    page = team.page(team.chloe, t)
    assert (page.state, page.level, page.person) == ("pending", 1, ANA)
    assert not team.chloe.store.events(kind="page.handed_over")

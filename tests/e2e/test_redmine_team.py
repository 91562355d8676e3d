"""A team on one real Redmine: Ana's and Chloé's apps share pages through it, and only the holder escalates.

Two workspaces (Ana on call, Chloé backup, Erin the lead) poll the same
Redmine 5.0 and nothing else connects them.  (a) Ana acknowledges a ticket
that sat in the service desk's queue: her app writes the note and assigns the
issue to her (Redmine REST API wiki, "Rest_Issues": ``PUT /issues/{id}.json``
with ``notes`` / ``assigned_to_id``); Chloé's app sees the new assignee, marks
its copy acknowledged elsewhere and never escalates.  (b) Nobody acknowledges:
both apps tick past the window but only Ana's (the holder's) escalates — one
note, one reassignment; Chloé's app takes the page over at level 2 and, when
she does not answer either, her app alone escalates to Erin.  Journals are
read with ``GET /issues/{id}.json?include=journals`` (their ``details`` list
the ``assigned_to_id`` changes).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.notifier import Notifier
from tests.conftest import SilentBackend
from tests.e2e.redmine import RedmineServer
from tests.e2e.test_redmine_handoff_escalation import always_schedule, new_member, own_project

ANA, CHLOE, ERIN, DESK = "Ana Souza", "Chloé Martin", "Erin Walsh", "Service Desk"


class TeamOnRedmine:
    """One project and four Redmine users of this test's own; one app (workspace) per technician."""

    def __init__(self, redmine: RedmineServer, folder: Path) -> None:
        self.redmine = redmine
        tag = uuid.uuid4().hex[:6]
        self.tag = tag
        self.project = own_project(redmine, tag)
        self.emails = {name: f"{name.split()[0].lower()}-{tag}@msp.example" for name in (ANA, CHLOE, ERIN, DESK)}
        self.ids = {name: new_member(redmine, *name.split(), self.emails[name], self.project) for name in self.emails}
        self.clock = FakeClock(datetime.now(timezone.utc).replace(microsecond=0))
        self.pops = {ANA: SilentBackend(), CHLOE: SilentBackend()}
        self.ana = self._laptop(folder / "ana", ANA)
        self.chloe = self._laptop(folder / "chloe", CHLOE)

    def _laptop(self, folder: Path, me: str) -> Workspace:
        ws = Workspace(folder, self.clock, notifier=Notifier(backends=[self.pops[me]]))
        start = self.clock.now() - timedelta(days=1)
        ws.directory_service.save_schedule(always_schedule("Primary", ANA, start, backup="Backup", lead=ERIN))
        ws.directory_service.save_schedule(always_schedule("Backup", CHLOE, start))
        for name, mail in self.emails.items():
            ws.directory_service.add_person(name, email=mail)
        ws.store.set_setting("page_schedule", "Primary")
        ws.store.set_setting("me", me)
        ws.store.set_setting("time_zone", "UTC")
        ws.connect("redmine", url=self.redmine.url, secret=self.redmine.api_key, options={"project": self.project})
        return ws

    def issue(self, assignee: str) -> int:
        return int(self.redmine.api("POST", "/issues.json", json={"issue": {
            "project_id": self.project, "tracker_id": self.redmine.tracker_ids[0],
            "priority_id": self.redmine.priority_ids["Urgent"], "subject": f"Server down at Acme ({self.tag})",
            "description": "Exchange unreachable", "assigned_to_id": self.ids[assignee]}})["issue"]["id"])

    def poll(self, ws: Workspace) -> None:
        result, _ = ws.poll()
        assert not result.errors, result.errors

    def deliver(self, ws: Workspace) -> None:
        report = ws.deliver_outbox()
        assert not report.errors, report.errors

    def notes(self, issue: int) -> list[str]:
        return [j["notes"] for j in self.redmine.journals(issue) if j.get("notes")]

    def assignments(self, issue: int) -> list[int]:
        """Each reassignment Redmine recorded, as the new assignee's user id."""
        return [int(d["new_value"]) for j in self.redmine.journals(issue) for d in j.get("details") or []
                if d.get("name") == "assigned_to_id" and d.get("new_value")]

    def holder(self, issue: int) -> int:
        return int(self.redmine.api("GET", f"/issues/{issue}.json")["issue"]["assigned_to"]["id"])

    def close(self) -> None:
        self.ana.close()
        self.chloe.close()


def test_ana_acknowledges_and_chloes_app_never_escalates(tmp_path, redmine) -> None:
    team = TeamOnRedmine(redmine, tmp_path)
    try:
        issue = team.issue(DESK)  # new issues land in the service desk's queue
        ticket = f"redmine:{issue}"
        team.poll(team.ana)
        team.poll(team.chloe)
        team.clock.advance(minutes=3)
        team.ana.acknowledge()
        team.deliver(team.ana)
        assert team.holder(issue) == team.ids[ANA]  # Ana took the ticket: the team can see who has it
        assert len(team.notes(issue)) == 1 and team.notes(issue)[0].startswith(f"Acknowledged by {ANA}")

        team.clock.advance(minutes=1)
        chloe_seen = len(team.pops[CHLOE].sent)
        team.poll(team.chloe)
        copy = team.chloe.pages.find(ticket)
        assert (copy.state, copy.acknowledged_by) == ("acknowledged", ANA)
        assert [e["subject"] for e in team.chloe.store.events(kind="page.acknowledged_elsewhere")] == [ticket]

        team.clock.advance(minutes=15)  # well past the window that used to escalate to Chloé
        assert team.chloe.clock_service.tick() == []
        assert team.ana.clock_service.tick() == []  # Ana's own page is acknowledged (her stale check is later)
        team.deliver(team.chloe)
        team.deliver(team.ana)
        assert team.chloe.outbox.rows() == [] and len(team.pops[CHLOE].sent) == chloe_seen
        assert len(team.notes(issue)) == 1 and team.assignments(issue) == [team.ids[ANA]]
    finally:
        team.close()


def test_nobody_acknowledges_one_escalation_per_level_through_redmine(tmp_path, redmine) -> None:
    team = TeamOnRedmine(redmine, tmp_path)
    try:
        issue = team.issue(ANA)
        ticket = f"redmine:{issue}"
        team.poll(team.ana)
        team.poll(team.chloe)

        team.clock.advance(minutes=16)  # both apps run all night and both tick past Ana's window
        assert team.chloe.clock_service.tick() == []
        fired = team.ana.clock_service.tick()
        assert [(f["event"], f["level"], f["person"]) for f in fired] == [("timeout", 2, CHLOE)]
        team.deliver(team.chloe)
        team.deliver(team.ana)
        notes = team.notes(issue)
        assert len(notes) == 1 and notes[0].startswith(f"Not acknowledged within 15 min by {ANA}; escalated to {CHLOE}")
        assert team.assignments(issue) == [team.ids[CHLOE]]

        team.clock.advance(minutes=1)
        before = len(team.pops[CHLOE].sent)
        team.poll(team.chloe)
        team.poll(team.ana)
        paged = [n for n in team.pops[CHLOE].sent[before:] if "escalated to you" in n.body]
        assert len(paged) == 1 and paged[0].urgent  # Chloé is paged once
        mine = team.chloe.pages.find(ticket)
        assert (mine.state, mine.level, mine.person) == ("escalated", 2, CHLOE)  # taken over at level 2
        assert mine.ack_deadline is not None and mine.ack_deadline > team.clock.now()

        team.clock.set(mine.ack_deadline + timedelta(seconds=30))  # Chloé does not acknowledge either
        team.poll(team.ana)
        team.poll(team.chloe)
        assert team.ana.clock_service.tick() == []  # Chloé's page now: not Ana's clock
        fired = team.chloe.clock_service.tick()
        assert [(f["event"], f["level"], f["person"]) for f in fired] == [("timeout", 3, ERIN)]
        team.deliver(team.ana)
        team.deliver(team.chloe)
        notes = team.notes(issue)
        assert len(notes) == 2 and notes[1].startswith(f"Not acknowledged within 15 min by {CHLOE}; escalated to {ERIN}")
        assert team.assignments(issue) == [team.ids[CHLOE], team.ids[ERIN]]
        assert team.holder(issue) == team.ids[ERIN]

        team.clock.advance(minutes=1)
        team.poll(team.ana)  # Ana's copy follows the hand-over to Erin without writing anything
        ana_copy = team.ana.pages.find(ticket)
        assert (ana_copy.level, ana_copy.person) == (3, ERIN)
        assert [r.kind for r in team.ana.outbox.rows()] == ["note", "assign"]
        team.clock.advance(minutes=20)
        assert team.ana.clock_service.tick() == [] and team.chloe.clock_service.tick() == []  # Erin's app's job
        assert len(team.notes(issue)) == 2
    finally:
        team.close()

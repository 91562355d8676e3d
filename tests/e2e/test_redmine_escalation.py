"""A page nobody acknowledges leaves its escalation note on the real Redmine issue.

The whole chain as a tech's laptop runs it: the workspace is connected to a
real Redmine 5.0 (``ws.connect``), an Urgent issue pages on poll, the clock
service ticks past the 15-minute window, and the outbox delivers the note —
which must then be in the issue's journals (Redmine REST API wiki,
"Rest_Issues": ``GET /issues/{id}.json?include=journals``) — and the issue
reassigned to the backup, who must therefore be a Redmine user and project
member (made as admin, as in test_redmine_handoff_escalation.py).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from oncall_desktop.core.rotation.model import Layer, Schedule
from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.notifier import Notifier
from tests.e2e.redmine import RedmineServer
from tests.e2e.test_redmine_handoff_escalation import new_member


def always_schedule(name: str, person: str, start: datetime, **kw: str) -> Schedule:
    return Schedule(name=name, time_zone="UTC", layers=(Layer("All week", [person], start, "weekly", "00:00"),), **kw)


def _workspace(tmp_path, clock: FakeClock, redmine: RedmineServer, recorder) -> Workspace:
    ws = Workspace(tmp_path / "ws", clock, notifier=Notifier(backends=[recorder]))
    start = clock.now() - timedelta(days=1)
    schedule = always_schedule("Primary", "Ana Souza", start, backup="Backup", lead="Erin Walsh")
    ws.directory_service.save_schedule(schedule)
    ws.directory_service.save_schedule(always_schedule("Backup", "Ben Okafor", start))
    ws.store.set_setting("page_schedule", "Primary")
    ws.store.set_setting("me", "Ana Souza")
    ws.store.set_setting("time_zone", "UTC")
    ws.connect("redmine", url=redmine.url, secret=redmine.api_key, options={"project": redmine.project})
    return ws


def _notes(redmine: RedmineServer, issue: int) -> list[str]:
    return [j.get("notes") or "" for j in redmine.journals(issue)]


def test_unacknowledged_page_escalates_through_the_outbox_to_redmine(tmp_path, redmine, recorder) -> None:
    clock = FakeClock(datetime.now(timezone.utc).replace(microsecond=0))
    ws = _workspace(tmp_path, clock, redmine, recorder)
    try:
        ben_mail = f"ben-{uuid.uuid4().hex[:6]}@msp.example"
        ben_id = new_member(redmine, "Ben", "Okafor", ben_mail)
        ws.directory_service.add_person("Ben Okafor", email=ben_mail)
        issue = redmine.create_issue(f"Server down at Acme ({uuid.uuid4().hex[:6]})", priority="Urgent",
                                     description="Exchange unreachable")
        result, _ = ws.poll()
        assert not result.errors, result.errors
        page = ws.pages.find(f"redmine:{issue}")
        assert (page.state, page.person) == ("pending", "Ana Souza")

        clock.advance(minutes=16)
        fired = [f for f in ws.clock_service.tick() if f["ticket"] == f"redmine:{issue}"]
        assert [(f["event"], f["level"], f["person"]) for f in fired] == [("timeout", 2, "Ben Okafor")]
        assert ws.pages.get(page.id).state == "escalated"

        report = ws.deliver_outbox()
        assert not report.errors, report.errors
        rows = ws.outbox.rows(f"redmine:{issue}")
        assert [(r.kind, r.state) for r in rows] == [("note", "sent"), ("assign", "sent")]
        assert redmine.api("GET", f"/issues/{issue}.json")["issue"]["assigned_to"]["id"] == ben_id
        escalated = "Not acknowledged within 15 min by Ana Souza; escalated to Ben Okafor"
        assert any(escalated in note for note in _notes(redmine, issue)), _notes(redmine, issue)

        # the backup answers: the acknowledgement follows the same road
        clock.advance(minutes=2)
        ws.acknowledge(page.id, by="Ben Okafor")
        assert not ws.deliver_outbox().errors
        notes = _notes(redmine, issue)
        assert any(f"Acknowledged by Ben Okafor at {clock.now():%H:%M} (after 18 min)" in n for n in notes), notes
        said = [n for n in notes if n]  # the reassignment is a journal entry without notes
        assert [n for n in said if escalated in n][0] == said[-2]  # in order: escalation, then the ack
    finally:
        ws.close()

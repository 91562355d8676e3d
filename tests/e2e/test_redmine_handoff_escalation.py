"""Escalation shared through the ticket system: Ana's laptop escalates, Chloé's laptop pages Chloé.

Two workspaces — Ana's and Chloé's laptops — poll the same real Redmine 5.0.
Nothing connects them but Redmine: when Ana does not acknowledge in time, her
app's outbox writes the escalation note *and* reassigns the issue to Chloé
(Redmine REST API wiki, "Rest_Issues": ``PUT /issues/{id}.json
{"issue": {"assigned_to_id"}}``); Chloé's app, polling on its own, sees the
issue assigned to her and pages her with the reason.  The users are made as
admin ("Rest_Users": ``POST /users.json``) and made project members with an
assignable role ("Rest_Memberships": ``POST /projects/{id}/memberships.json``),
because Redmine only lets an issue be assigned to members.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from oncall_desktop.core.rotation.model import Layer, Schedule
from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.notifier import Notifier
from tests.conftest import SilentBackend
from tests.e2e.redmine import RedmineServer


def always_schedule(name: str, person: str, start: datetime, **kw: str) -> Schedule:
    return Schedule(name=name, time_zone="UTC", layers=(Layer("All week", [person], start, "weekly", "00:00"),), **kw)


def own_project(redmine: RedmineServer, tag: str) -> str:
    """A project of this test's own: the session's project holds other tests' Urgent issues, which would page too."""
    identifier = f"handoff-{tag}"
    redmine.api("POST", "/projects.json", json={"project": {
        "name": f"Handoff {tag}", "identifier": identifier, "is_public": False,
        "enabled_module_names": ["issue_tracking"], "tracker_ids": redmine.tracker_ids}})
    return identifier


def new_member(redmine: RedmineServer, first: str, last: str, mail: str, project: str | None = None) -> int:
    login = f"{first.lower()[:3]}-{uuid.uuid4().hex[:8]}"
    body = {"user": {"login": login, "firstname": first, "lastname": last, "mail": mail,
                     "password": uuid.uuid4().hex, "must_change_passwd": False}}
    user_id = int(redmine.api("POST", "/users.json", json=body)["user"]["id"])
    roles = redmine.api("GET", "/roles.json")["roles"]
    role = next(r["id"] for r in roles if r["name"] == "Developer")  # Debian's default data: assignable
    redmine.api("POST", f"/projects/{project or redmine.project}/memberships.json",
                json={"membership": {"user_id": user_id, "role_ids": [role]}})
    return user_id


def _laptop(folder, me: str, clock: FakeClock, redmine: RedmineServer, project: str, emails: dict[str, str],
            recorder: SilentBackend) -> Workspace:
    ws = Workspace(folder, clock, notifier=Notifier(backends=[recorder]))
    start = clock.now() - timedelta(days=1)
    ws.directory_service.save_schedule(always_schedule("Primary", "Ana Souza", start, backup="Backup"))
    ws.directory_service.save_schedule(always_schedule("Backup", "Chloé Martin", start))
    for name, mail in emails.items():
        ws.directory_service.add_person(name, email=mail)
    ws.store.set_setting("page_schedule", "Primary")
    ws.store.set_setting("me", me)
    ws.store.set_setting("time_zone", "UTC")
    ws.connect("redmine", url=redmine.url, secret=redmine.api_key, options={"project": project})
    return ws


def test_escalation_reassigns_the_issue_and_pages_the_backup_on_her_own_laptop(tmp_path, redmine) -> None:
    tag = uuid.uuid4().hex[:6]
    emails = {"Ana Souza": f"ana-{tag}@msp.example", "Chloé Martin": f"chloe-{tag}@msp.example"}
    project = own_project(redmine, tag)
    ana_id = new_member(redmine, "Ana", "Souza", emails["Ana Souza"], project)
    chloe_id = new_member(redmine, "Chloé", "Martin", emails["Chloé Martin"], project)
    clock = FakeClock(datetime.now(timezone.utc).replace(microsecond=0))
    ana_pops, chloe_pops = SilentBackend(), SilentBackend()
    ana = _laptop(tmp_path / "ana", "Ana Souza", clock, redmine, project, emails, ana_pops)
    chloe = _laptop(tmp_path / "chloe", "Chloé Martin", clock, redmine, project, emails, chloe_pops)
    try:
        issue = int(redmine.api("POST", "/issues.json", json={"issue": {
            "project_id": project, "tracker_id": redmine.tracker_ids[0], "priority_id": redmine.priority_ids["Urgent"],
            "subject": f"Server down at Acme ({tag})", "description": "Exchange unreachable",
            "assigned_to_id": ana_id}})["issue"]["id"])
        ticket = f"redmine:{issue}"
        for laptop in (ana, chloe):  # both apps run all night and see the new Urgent issue
            result, _ = laptop.poll()
            assert not result.errors, result.errors
        assert ana.pages.find(ticket).person == "Ana Souza"
        assert not [n for n in chloe_pops.sent if "escalated to you" in n.body]

        clock.advance(minutes=16)  # Ana sleeps through her window
        fired = ana.clock_service.tick()
        assert [(f["ticket"], f["event"], f["person"]) for f in fired] == [(ticket, "timeout", "Chloé Martin")]
        report = ana.deliver_outbox()
        assert not report.errors, report.errors
        assert [(r.kind, r.state) for r in ana.outbox.rows(ticket)] == [("note", "sent"), ("assign", "sent")]
        held = redmine.api("GET", f"/issues/{issue}.json")["issue"]["assigned_to"]
        assert (held["id"], held["name"]) == (chloe_id, "Chloé Martin")
        notes = [j.get("notes") or "" for j in redmine.journals(issue)]
        assert any("Not acknowledged within 15 min by Ana Souza; escalated to Chloé Martin" in n for n in notes), notes

        clock.advance(minutes=1)  # Chloé's laptop polls on its own schedule
        result, shown = chloe.poll()
        assert not result.errors, result.errors
        assert result.paged == 1, [(p["ticket"].id, p["reason"]) for p in result.pages]
        reason = "escalated to you: assigned to Chloé Martin (was Ana Souza)"
        assert shown[0]["body"].startswith(f"Paged because {reason}.")
        assert chloe_pops.sent[-1].body.startswith(f"Paged because {reason}.") and chloe_pops.sent[-1].urgent
        assert chloe.store.events(kind="ticket.assigned_to_me")[-1]["data"]["was"] == "Ana Souza"

        clock.advance(minutes=1)  # once per assignment: the next poll stays quiet
        again, _ = chloe.poll()
        assert again.paged == 0 and len(chloe.store.events(kind="ticket.assigned_to_me")) == 1
        assert not ana.poll()[0].paged  # Ana's own app does not page Ana for giving it away
    finally:
        ana.close()
        chloe.close()

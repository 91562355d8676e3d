"""The intake use case on its own: a Redmine that speaks HTTP, the store, pages, a recording notifier.

No Workspace: ``Intake`` is handed its collaborators, as the module says, so this is what the
poll → judge → page → notify path needs and nothing more.

The ticket system is the real ``RedmineAdapter`` against pytest-httpserver answering
``GET /issues.json`` with the listing documented on the Redmine wiki, "Rest_Issues"
(https://www.redmine.org/projects/redmine/wiki/Rest_Issues): ``{"issues": [...], "total_count",
"offset", "limit"}``, each issue with ``project``, ``priority``, ``status``, ``author`` and, once
someone holds it, ``assigned_to`` as ``{"id", "name"}`` objects, and ``updated_on`` in UTC.  The
server filters by ``updated_on=>=…`` as Redmine does, so a poll sees again an issue whose
``updated_on`` equals the cursor.
"""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from werkzeug import Request, Response

from oncall_desktop.core.time.clock import iso, local_time, parse_instant
from oncall_desktop.services.paging.intake import Intake
from oncall_desktop.services.paging.maintenance_service import MaintenanceService
from oncall_desktop.services.paging.notifier import Notifier
from oncall_desktop.services.paging.pages import PageService
from oncall_desktop.services.paging.poller import Poller
from oncall_desktop.services.psa.vendors.redmine import RedmineAdapter
from oncall_desktop.services.storage.directory import Directory
from oncall_desktop.services.storage.store import Store

ME = "Ana Souza"
ON_CALL = "Bea Lopes"


class Redmine:
    """The issues a Redmine holds, served as ``GET /issues.json`` lists them."""

    def __init__(self) -> None:
        self.issues: dict[int, dict[str, Any]] = {}

    def put(self, id: int, updated: str, *, priority: str = "Urgent", assigned_to: str | None = None,
            subject: str = "Exchange is down for everyone", description: str = "Outlook cannot connect since 23:00"
            ) -> None:
        issue = {"id": id, "project": {"id": 1, "name": "Acme"}, "tracker": {"id": 1, "name": "Bug"},
                 "status": {"id": 1, "name": "New", "is_closed": False}, "priority": {"id": 4, "name": priority},
                 "author": {"id": 9, "name": "Jo Client"}, "subject": subject,
                 "description": description, "start_date": "2026-11-25",
                 "due_date": None, "done_ratio": 0, "is_private": False, "estimated_hours": None,
                 "created_on": "2026-11-25T22:05:00Z", "updated_on": updated, "closed_on": None}
        if assigned_to:
            issue["assigned_to"] = {"id": 5, "name": assigned_to}
        self.issues[id] = issue

    def answer(self, request: Request) -> Response:
        since = request.args.get("updated_on", "").removeprefix(">=")
        listed = [i for i in self.issues.values() if not since or parse_instant(i["updated_on"]) >= parse_instant(since)]
        if request.args.get("status_id") == "open":
            listed = [i for i in listed if not i["status"]["is_closed"]]
        listed.sort(key=lambda i: i["updated_on"], reverse=True)
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 25))
        body = {"issues": listed[offset:offset + limit], "total_count": len(listed), "offset": offset, "limit": limit}
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def redmine(httpserver) -> Redmine:
    server = Redmine()
    httpserver.expect_request("/issues.json").respond_with_handler(server.answer)
    return server


@pytest.fixture
def store(tmp_path, fake_clock):
    opened = Store.open(tmp_path / "ws", fake_clock)
    opened.set_setting("me", ME)
    yield opened
    opened.close()


class Wired:
    """The intake and its collaborators, as a test sees them."""

    def __init__(self, store: Store, url: str, recorder: Any) -> None:
        self.store = store
        self.pages = PageService(store)
        self.notifier = Notifier(backends=[recorder])
        self.system = RedmineAdapter(url, secret="KEY")
        self.calls: list[str] = []
        self.intake = Intake(
            store, store.clock, poller=lambda: self.poller, pages=self.pages, notifier=lambda: self.notifier,
            directory=Directory(store), maintenance=MaintenanceService(store), me=lambda: ME,
            on_call=lambda: ON_CALL, caught_up=lambda page, ticket: (page, ""),
            take_over=lambda page, ticket: self.pages.take_over(int(page.id), ME),
            before=[lambda: self.calls.append("before")], after=[lambda: self.calls.append("after")],
            deliver=lambda: self.calls.append("deliver"))
        self.poller = Poller(store, self.system, self.intake.open_page, self.intake.context,
                             self.intake.assigned_to_me)

    def close(self) -> None:
        self.system.close()


@pytest.fixture
def wired(store, httpserver, redmine, recorder):
    made = Wired(store, httpserver.url_for("/"), recorder)
    yield made
    made.close()


def test_a_new_urgent_issue_pages_the_one_on_call_and_says_so_once(wired, redmine, recorder, fake_clock) -> None:
    redmine.put(3, "2026-11-25T22:06:00Z")
    result, notes = wired.intake.poll()

    assert (result.fetched, result.paged, result.errors) == (1, 1, [])
    [page] = wired.pages.active()
    assert (page.ticket_id, page.severity, page.person, page.state) == ("redmine:3", "P1", ON_CALL, "pending")
    assert [n.title for n in recorder.sent] == ["P1 · Acme: Exchange is down for everyone"]
    assert recorder.sent[0].page_id == page.id and recorder.sent[0].ticket_id == "redmine:3"
    assert page.ack_deadline == fake_clock.now() + timedelta(minutes=15)
    deadline = local_time(page.ack_deadline)
    assert notes == [{"title": "P1 · Acme: Exchange is down for everyone", "page_id": page.id, "delivered": True,
                      "problem": "", "body": f"Paged because {result.pages[0]['reason']}. Acknowledge by {deadline}."}]
    assert [e["subject"] for e in wired.store.events(kind="notification.sent")] == ["redmine:3"]

    # the cursor is the issue's updated_on, so Redmine lists it again: stored, not paged, not said again
    fake_clock.advance(minutes=1)
    result, notes = wired.intake.poll()
    assert (result.fetched, result.paged, notes) == (1, 0, [])
    assert len(recorder.sent) == 1 and [p.id for p in wired.pages.active()] == [page.id]
    assert len(wired.store.events(kind="page.opened")) == 1


def test_an_issue_given_to_me_in_redmine_is_reported_as_mine(wired, redmine, recorder, fake_clock) -> None:
    redmine.put(3, "2026-11-25T22:06:00Z")
    wired.intake.poll()  # paged: held by whoever is on call
    fake_clock.advance(minutes=16)  # nobody acknowledged; Bea's app escalated it to me through Redmine
    redmine.put(3, iso(fake_clock.now() - timedelta(minutes=1)), assigned_to=ME)

    result, notes = wired.intake.poll()

    assert result.paged == 1
    [opened] = result.pages
    assert (opened["ticket"].id, opened["person"]) == ("redmine:3", ME)
    assert opened["reason"] == f"escalated to you: assigned to {ME} (was unassigned)"
    assert [p.person for p in wired.pages.active()] == [ME]  # the same page, now mine
    assert len(recorder.sent) == 2 and notes[0]["delivered"]
    assert notes[0]["body"].startswith(f"Paged because escalated to you: assigned to {ME}")
    [seen] = wired.store.events(kind="ticket.assigned_to_me")
    assert seen["subject"] == "redmine:3" and seen["data"]["pages"] is True

    fake_clock.advance(minutes=1)  # listed again, still mine: nothing new to say
    result, notes = wired.intake.poll()
    assert (result.paged, notes, len(recorder.sent)) == (0, [], 2)


def test_a_low_priority_issue_is_stored_and_nobody_is_woken(wired, redmine, recorder) -> None:
    redmine.put(4, "2026-11-25T22:06:00Z", priority="Low", subject="Toner for the 2nd floor printer",
                description="Whenever someone has a minute")
    result, notes = wired.intake.poll()
    assert (result.fetched, result.paged, notes, recorder.sent) == (1, 0, [], [])
    assert wired.pages.active() == []


def test_the_cycle_runs_in_order_and_pop_ups_come_after_the_commit(wired, redmine, recorder) -> None:
    """Before (store thread), the poll, the pop-ups once the poll's transaction is committed, after, deliver."""
    class Watching(type(recorder)):
        def send(self, note) -> None:
            wired.calls.append(f"notify (in a transaction: {wired.store.db.conn.in_transaction})")
            super().send(note)

    wired.notifier = Notifier(backends=[Watching()])  # replaced after wiring: the intake asks for the current one
    redmine.put(3, "2026-11-25T22:06:00Z")
    wired.intake.poll()
    assert wired.calls == ["before", "notify (in a transaction: False)", "after", "deliver"]


def test_an_unreachable_redmine_pages_nobody_and_the_cycle_still_ends(wired, httpserver, recorder) -> None:
    httpserver.clear()
    httpserver.expect_request("/issues.json").respond_with_json({"errors": ["Invalid API key"]}, status=401)
    result, notes = wired.intake.poll()
    assert result.paged == 0 and notes == [] and recorder.sent == []
    assert result.errors and "Redmine" in result.errors[0]
    assert wired.store.get_setting("offline_since") == "2026-11-25T22:10:00Z"
    assert wired.calls == ["before", "after", "deliver"]


def test_the_workspace_wiring_uses_what_was_replaced_after_it_was_built(workspace, recorder) -> None:
    """The app installs its notifier, Settings a new connection, a test its own verb, after the intake exists."""
    from oncall_desktop.core.tickets.tickets import Ticket

    assert workspace.intake is workspace.intake  # built once, here, before anything is replaced
    later = type(recorder)()
    workspace.notifier = Notifier(backends=[later])
    delivered: list[str] = []
    workspace.deliver_outbox = lambda: delivered.append("delivered")
    workspace.book.add(Ticket(title="Exchange outage", client="Acme", priority=1))
    result, _ = workspace.poll()
    assert result.paged == 1 and len(later.sent) == 1 and recorder.sent == []
    assert delivered == ["delivered"]

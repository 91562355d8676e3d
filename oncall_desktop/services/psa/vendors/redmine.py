"""Redmine adapter (REST API, verified against Redmine 5.0.4).

Payloads follow the Redmine REST API wiki, https://www.redmine.org/projects/redmine/wiki/Rest_api :
"Rest_Issues" (``GET /issues.json`` with ``status_id``, ``sort``, ``updated_on=>=…``,
``limit`` ≤ 100, ``offset``; answer ``{issues, total_count, offset, limit}``;
``PUT /issues/{id}.json {"issue": {"notes", "private_notes"}}`` → 204),
"Rest_TimeEntries" (``POST /time_entries.json`` → 201, ``GET /time_entries.json?issue_id=``)
and "Rest_Users" (``GET /users/current.json``).  Auth: ``X-Redmine-API-Key``.

Reassignment (``assign``) follows "Rest_Issues" (``PUT /issues/{id}.json
{"issue": {"assigned_to_id"}}`` → 204; an issue's ``assigned_to: {id, name}``),
"Rest_Users" (``GET /users.json?name=`` matches login, first name, last name and
e-mail — admins only, 403 otherwise) and "Rest_Memberships" (``GET
/projects/{id}/memberships.json`` → ``{memberships: [{user: {id, name}, roles}]}``,
readable by project members): the user is looked up by name or e-mail as admin,
else among the issue's project members — who are the only people Redmine lets
an issue be assigned to anyway (422 "Assignee is invalid" otherwise).

Redmine has no companies: the client is the issue's project (rename it per
workspace with ``mapping={"clients": {"<project id or name>": "Acme"}}``).
Time entries carry hours and a comment only, so the comment holds the billing
facts and the idempotency stamp; Redmine caps comments at 1024 characters, so
the note is shortened *before* stamping.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypedDict

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.psa import people
from oncall_desktop.services.psa.base import (
    ChecksConnection,
    ErrorKind,
    PollResult,
    Reassigns,
    TicketSystemError,
    TimeEntryRequest,
)
from oncall_desktop.services.psa.http import HttpOptions, RestAdapter, api_base
from oncall_desktop.services.psa.mapping import Expect, FieldMap, convert_all, entry_text, make_ticket
from oncall_desktop.services.psa.pagination import by_offset, walk_pages

_COMMENT_LIMIT = 1024


class _Named(TypedDict, total=False):
    """A reference as an issue lists it (project, status, priority, author, assignee): ``{id, name}``."""

    id: Any
    name: Any


class ListedIssue(TypedDict, total=False):
    """What :func:`to_ticket` reads of a ``GET /issues.json`` issue; the other keys go unparsed.

    A key read there must be listed here, or it reads as missing:
    tests/services/psa/test_redmine_fake.py maps the documented issue both ways.
    """

    id: Any
    subject: Any
    description: Any
    created_on: Any
    updated_on: Any
    project: _Named | None
    priority: _Named | None
    status: _Named | None
    author: _Named | None
    assigned_to: _Named | None


class _IssuePage(TypedDict, total=False):
    """What the poll reads of a page: its issues and the total the offset paging stops at."""

    issues: list[ListedIssue]
    total_count: Any


#: the shape of a ``GET /issues.json`` answer, for ``HttpClient.get(shape=…)``
ISSUE_PAGE = _IssuePage


#: the types :func:`to_ticket` relies on
EXPECT = Expect(numbers=("id",), objects=("project", "priority", "status", "author", "assigned_to"))


def to_ticket(raw: Mapping[str, Any], fmap: FieldMap) -> Ticket:
    """One issue object from ``GET /issues.json`` → Ticket."""
    project = raw.get("project") or {}
    priority = raw.get("priority") or {}
    status = raw.get("status") or {}
    author = raw.get("author") or {}
    return make_ticket(
        "redmine", fmap, remote_id=raw["id"], title=raw.get("subject"), body=raw.get("description") or "",
        priority=(priority.get("id"), priority.get("name")), status=(status.get("id"), status.get("name")),
        client=(project.get("name"), project.get("id")), contact=author.get("name") or "",
        created=raw.get("created_on"), updated=raw.get("updated_on"),
        assignee=(raw.get("assigned_to") or {}).get("name") or "",
    )


class RedmineAdapter(RestAdapter, Reassigns, ChecksConnection):
    """A Redmine server; ``project`` (identifier) narrows the poll to one project."""

    name = "redmine"
    vendor = "redmine"

    def __init__(self, url: str, *, secret: str, project: str | None = None, activity_id: int | None = None,
                 billable_field_id: int | None = None, mapping: Mapping[str, Any] | None = None,
                 page_size: int = 100, options: HttpOptions = HttpOptions()) -> None:
        super().__init__(options.client("Redmine", api_base(url), headers={"X-Redmine-API-Key": secret}), mapping)
        self.project = project
        self.activity_id = activity_id
        self.billable_field_id = billable_field_id
        self.page_size = min(page_size, 100)
        self._user_ids: dict[people.Target, int] = {}

    def poll(self, since: str | None) -> PollResult:
        params: dict[str, Any] = {"sort": "updated_on:desc", "limit": self.page_size}
        # First poll: what is open now.  Later: every change (closes too) since the cursor.
        params["status_id"] = "open" if since is None else "*"
        if since is not None:
            params["updated_on"] = ">=" + since
        if self.project:
            params["project_id"] = self.project
        what = "fetch issues"

        def page(offset: int) -> tuple[list[Any], int]:
            reply = self.http.get("/issues.json", what=what, params={**params, "offset": offset}, shape=ISSUE_PAGE)
            return self._list(reply.data, what, "issues"), self._number(reply.data, what, "total_count")

        raw = walk_pages(by_offset(page), system=self.http.system)
        return self._poll_result(convert_all(raw, lambda i: to_ticket(i, self.fmap), self.http.system, EXPECT), since)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        # A PUT with notes appends a journal entry each time: not safe to resend
        # blindly after a timeout (the outbox decides, knowing the key).
        self.http.put(f"/issues/{remote_id}.json", what=f"add a note to issue #{remote_id}",
                      json={"issue": {"notes": text, "private_notes": internal}}, idempotent=False)

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Make ``person`` the issue's assignee (setting the same one again changes nothing: safe to resend)."""
        user_id = self._user_id(remote_id, people.target(person, email, self.people))
        self.http.put(f"/issues/{remote_id}.json", what=f"assign issue #{remote_id} to {person}",
                      json={"issue": {"assigned_to_id": user_id}})

    def _user_id(self, remote_id: str, want: people.Target) -> int:
        if want in self._user_ids:
            return self._user_ids[want]
        where = f"issue #{remote_id}"
        if want.user_id:
            found = int(want.user_id)
        else:
            try:
                what = f"look up the Redmine user {want.person}"
                users: list[Any] = []
                for term in dict.fromkeys((want.query, want.person)):  # e-mail first, then the name
                    data = self.http.get("/users.json", what=what, params={"name": term, "limit": 100}).data
                    users += self._list(data, what, "users")
                found = people.choose_id(
                    users, want, system=self.http.system, where=where,
                    id_of=lambda u: u.get("id"), name_of=lambda u: f"{u.get('firstname', '')} {u.get('lastname', '')}",
                    email_of=lambda u: u.get("mail"), login_of=lambda u: u.get("login"))
            except TicketSystemError as exc:
                if exc.kind is not ErrorKind.AUTH:  # 403: not an admin key; members are readable
                    raise
                found = self._member_id(remote_id, want, where)
        self._user_ids[want] = found
        return found

    def _member_id(self, remote_id: str, want: people.Target, where: str) -> int:
        what = f"read the project of issue #{remote_id}"
        project = self._dig(self.http.get(f"/issues/{remote_id}.json", what=what).data, what, "issue", "project", "id")
        what = f"list the members of the project of issue #{remote_id}"

        def page(offset: int) -> tuple[list[Any], int]:
            reply = self.http.get(f"/projects/{project}/memberships.json", what=what,
                                  params={"limit": 100, "offset": offset})
            return self._list(reply.data, what, "memberships"), self._number(reply.data, what, "total_count")

        users = [m["user"] for m in walk_pages(by_offset(page), system=self.http.system)
                 if isinstance(m, dict) and isinstance(m.get("user"), dict)]  # group memberships have no user
        return people.choose_id(users, want, system=self.http.system, where=where,  # members carry no e-mail
                                 id_of=lambda u: u.get("id"), name_of=lambda u: u.get("name"))

    def _create_time_entry(self, entry: TimeEntryRequest) -> str:
        room = _COMMENT_LIMIT - len(entry_text(entry)) + len(entry.note)
        short = entry if room >= len(entry.note) else replace(entry, note=entry.note[:max(0, room - 1)] + "…")
        body: dict[str, Any] = {
            "issue_id": int(entry.ticket_remote_id), "spent_on": entry.start.date().isoformat(),
            "hours": round(entry.worked_minutes / 60, 2), "comments": entry_text(short),
        }
        if self.activity_id is not None:
            body["activity_id"] = self.activity_id
        if self.billable_field_id is not None:
            body["custom_fields"] = [{"id": self.billable_field_id, "value": "1" if entry.billable else "0"}]
        what = f"log time on issue #{entry.ticket_remote_id}"
        reply = self.http.post("/time_entries.json", what=what, json={"time_entry": body})
        return str(self._dig(reply.data, what, "time_entry", "id"))

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        what = f"look up time entries of issue #{remote_id}"

        def page(offset: int) -> tuple[list[Any], int]:
            reply = self.http.get("/time_entries.json", what=what,
                                  params={"issue_id": remote_id, "limit": 100, "offset": offset})
            return self._list(reply.data, what, "time_entries"), self._number(reply.data, what, "total_count")

        entries = walk_pages(by_offset(page), system=self.http.system)
        return self._first_stamped(entries, key, lambda e: e.get("comments"), lambda e: e["id"])

    def test_connection(self) -> str:
        what = "sign in"
        user = self._dig(self.http.get("/users/current.json", what=what).data, what, "user")
        return f"Connected to Redmine at {self.http.host} as {user.get('login') or user.get('id')}."


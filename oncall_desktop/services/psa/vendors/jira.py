"""Jira Cloud / Jira Service Management adapter.

Payloads follow Atlassian's REST v3 reference (https://developer.atlassian.com/cloud/jira/platform/rest/v3/):
"Issue search — Search for issues using JQL enhanced search (POST)" (``POST /rest/api/3/search/jql``
``{jql, fields, maxResults, nextPageToken}`` → ``{issues, nextPageToken, isLast}``; the old
``/rest/api/{2,3}/search`` answers 410), "Issue worklogs" (``POST``/``GET
/rest/api/3/issue/{key}/worklog``, ``started`` as ``2024-05-01T22:10:00.000+0000``, comment in
Atlassian Document Format), "Issue comments" (``POST /rest/api/3/issue/{key}/comment``, ADF body),
"Myself" (``GET /rest/api/3/myself``), "Issues — Assign issue" (``PUT
/rest/api/3/issue/{key}/assignee {"accountId"}`` → 204) and "User search — Find users" (``GET
/rest/api/3/user/search?query=`` → ``[{accountId, displayName, emailAddress, active}]``; the e-mail
shows only where the user's privacy settings allow it); and the JSM reference
(https://developer.atlassian.com/cloud/jira/service-desk/rest/) "Request comment"
(``POST /rest/servicedeskapi/request/{key}/comment {body, public}``) for internal notes.
Auth: Basic ``email:api_token``.

Why the poll uses a *relative* date (``updated >= "-37m"``): JQL reads absolute
dates in the API user's profile time zone at minute precision, which we cannot
know; "minutes ago" is zone-free.  Two minutes of margin cover clock skew;
the overlap is de-duplicated by the poller.  Jira has no customer company:
the client is the project, or a field named in ``client_field`` (JSM
"Organizations", a select list, or text).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from oncall_desktop.core.tickets.adf_text import adf_to_text
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import as_utc, parse_instant
from oncall_desktop.services.psa import people
from oncall_desktop.services.psa.base import ChecksConnection, PollResult, PollsAssigned, Reassigns, TimeEntryRequest
from oncall_desktop.services.psa.http import HttpOptions, RestAdapter, api_base
from oncall_desktop.services.psa.mapping import Expect, FieldMap, convert_all, entry_text, make_ticket
from oncall_desktop.services.psa.pagination import by_offset, walk_pages

_SKEW_MINUTES = 2
_FIELDS = ["summary", "description", "priority", "status", "reporter", "project", "created", "updated", "assignee"]


def adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format document (one paragraph per line)."""
    lines = text.split("\n") or [""]
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []} for line in lines]}


def _client_keys(value: Any) -> tuple[object, ...]:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return (value.get("name") or value.get("value"),)
    return (value,)


def _status_keys(status: Mapping[str, Any]) -> tuple[object, ...]:
    """The keys a status is read by: a done category first (final, whatever the name), then the name, then
    the category (a "Waiting for customer" status sits in the in-progress category but is waiting)."""
    category = (status.get("statusCategory") or {}).get("key")
    name = status.get("name")
    return (category, name) if category == "done" else (name, category)


#: the types :func:`to_ticket` relies on
EXPECT = Expect(objects=("fields", "fields.priority", "fields.status", "fields.status.statusCategory",
                         "fields.project", "fields.reporter", "fields.assignee"), id_key="key")


def to_ticket(raw: Mapping[str, Any], fmap: FieldMap, client_field: str | None = None) -> Ticket:
    """One issue from the JQL search → Ticket (``remote_id`` is the key, e.g. OPS-12)."""
    f = raw["fields"]
    priority = f.get("priority") or {}
    status = f.get("status") or {}
    project = f.get("project") or {}
    reporter = f.get("reporter") or {}
    clients = _client_keys(f.get(client_field)) if client_field else ()
    return make_ticket(
        "jira", fmap, remote_id=raw["key"], title=f.get("summary"), body=adf_to_text(f.get("description")),
        priority=(priority.get("name"), priority.get("id")),
        status=_status_keys(status),
        client=(*clients, project.get("name"), project.get("key")),
        contact=reporter.get("emailAddress") or reporter.get("displayName") or "",
        created=f.get("created"), updated=f.get("updated"),
        assignee=(f.get("assignee") or {}).get("displayName") or "",
    )


class JiraAdapter(RestAdapter, Reassigns, PollsAssigned, ChecksConnection):
    """A Jira Cloud site; ``jql_scope`` (e.g. ``project = OPS``) narrows the poll."""

    name = "jira"
    vendor = "jira"

    def __init__(self, url: str, *, user: str, secret: str, jql_scope: str = "", client_field: str | None = None,
                 service_desk: bool = True, mapping: Mapping[str, Any] | None = None, page_size: int = 100,
                 options: HttpOptions = HttpOptions()) -> None:
        super().__init__(options.client("Jira", api_base(url), auth=(user, secret)), mapping)
        self.jql_scope = jql_scope.strip()
        self.client_field = client_field
        self.service_desk = service_desk
        self.page_size = page_size
        self._account_ids: dict[people.Target, str] = {}

    def jql(self, since: str | None, assignee: str | None = None) -> str:
        """The poll's JQL: changed since the cursor (open ones at first), only ``assignee``'s when given."""
        if since is None:
            condition = "statusCategory != Done"
        else:
            age = (self.http.clock.now() - as_utc(parse_instant(since))).total_seconds()
            condition = f'updated >= "-{max(0, math.ceil(age / 60)) + _SKEW_MINUTES}m"'
        scope = f"({self.jql_scope}) AND " if self.jql_scope else ""
        mine = f'assignee = "{assignee}" AND ' if assignee else ""
        return f"{scope}{mine}{condition} ORDER BY updated DESC"

    def poll(self, since: str | None) -> PollResult:
        return self._search(self.jql(since), since)

    def poll_assigned(self, since: str | None, person: str) -> PollResult:
        """Only ``person``'s issues (JQL ``assignee = accountId``): an off-call app's one small search."""
        return self._search(self.jql(since, self._account_id(person, "", "your own issues")), since)

    def _search(self, jql: str, since: str | None) -> PollResult:
        what = "search issues"
        query = {"jql": jql, "maxResults": self.page_size,
                 "fields": _FIELDS + ([self.client_field] if self.client_field else [])}

        def fetch(token: str | None) -> tuple[list[Any], str | None]:
            body = {**query, "nextPageToken": token} if token else query
            data = self.http.post("/rest/api/3/search/jql", what=what, json=body, idempotent=True).data
            issues = self._list(data, what, "issues")
            nxt = data.get("nextPageToken")
            return issues, (None if data.get("isLast", not nxt) or not nxt else str(nxt))

        raw = walk_pages(fetch, system=self.http.system)
        tickets = convert_all(raw, lambda i: to_ticket(i, self.fmap, self.client_field), self.http.system, EXPECT)
        return self._poll_result(tickets, since)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        what = f"add a note to {remote_id}"
        if self.service_desk:
            self.http.post(f"/rest/servicedeskapi/request/{remote_id}/comment", what=what,
                           json={"body": text, "public": not internal})
        else:  # plain Jira has no internal comments; the note is visible to the project
            self.http.post(f"/rest/api/3/issue/{remote_id}/comment", what=what, json={"body": adf(text)})

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Make ``person`` the assignee (the same one again changes nothing: safe to resend)."""
        account = self._account_id(person, email, remote_id)
        self.http.put(f"/rest/api/3/issue/{remote_id}/assignee", what=f"assign {remote_id} to {person}",
                      json={"accountId": account})

    def _account_id(self, person: str, email: str, where: str) -> str:
        """The Jira account of ``person`` ("Find users" by e-mail, then name; remembered)."""
        want = people.target(person, email, self.people)
        account = self._account_ids.get(want)
        if account is None:
            what = f"look up the Jira user {person}"
            users: list[Any] = []
            for term in dict.fromkeys((want.query, want.person)):  # e-mail first, then the name
                data = self.http.get("/rest/api/3/user/search", what=what, params={"query": term}).data
                users += [u for u in self._list(data, what) if isinstance(u, dict) and u.get("active", True)]
            account = self._account_ids[want] = str(people.choose(
                users, want, system=self.http.system, where=where, id_of=lambda u: u.get("accountId"),
                name_of=lambda u: u.get("displayName"), email_of=lambda u: u.get("emailAddress"),
                login_of=lambda u: u.get("accountId"))["accountId"])
        return account

    def _create_time_entry(self, entry: TimeEntryRequest) -> str:
        what = f"log work on {entry.ticket_remote_id}"
        reply = self.http.post(
            f"/rest/api/3/issue/{entry.ticket_remote_id}/worklog", what=what, params={"adjustEstimate": "leave"},
            json={"started": as_utc(entry.start).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                  "timeSpentSeconds": entry.worked_minutes * 60, "comment": adf(entry_text(entry))})
        return str(self._dig(reply.data, what, "id"))

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        what = f"look up work logged on {remote_id}"

        def page(start: int) -> tuple[list[Any], int]:
            data = self.http.get(f"/rest/api/3/issue/{remote_id}/worklog", what=what,
                                 params={"startAt": start, "maxResults": 100}).data
            return self._list(data, what, "worklogs"), self._number(data, what, "total")

        logs = walk_pages(by_offset(page), system=self.http.system)
        return self._first_stamped(logs, key, lambda w: adf_to_text(w.get("comment")), lambda w: w["id"])

    def test_connection(self) -> str:
        data = self.http.get("/rest/api/3/myself", what="sign in").data
        who = self._dig(data, "sign in", "displayName")
        return f"Connected to Jira at {self.http.host} as {who}."

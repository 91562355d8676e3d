"""Redmine adapter (REST API, verified against Redmine 5.0.4).

Payloads follow the Redmine REST API wiki, https://www.redmine.org/projects/redmine/wiki/Rest_api :
"Rest_Issues" (``GET /issues.json`` with ``status_id``, ``sort``, ``updated_on=>=…``,
``limit`` ≤ 100, ``offset``; answer ``{issues, total_count, offset, limit}``;
``PUT /issues/{id}.json {"issue": {"notes", "private_notes"}}`` → 204),
"Rest_TimeEntries" (``POST /time_entries.json`` → 201, ``GET /time_entries.json?issue_id=``)
and "Rest_Users" (``GET /users/current.json``).  Auth: ``X-Redmine-API-Key``.

Redmine has no companies: the client is the issue's project (rename it per
workspace with ``mapping={"clients": {"<project id or name>": "Acme"}}``).
Time entries carry hours and a comment only, so the comment holds the billing
facts and the idempotency stamp; Redmine caps comments at 1024 characters, so
the note is shortened *before* stamping.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from oncall_desktop.services.psa.base import PollResult, TimeEntryRequest
from oncall_desktop.services.psa.http import HttpOptions, RestAdapter, api_base, by_offset, walk_pages
from oncall_desktop.services.psa.mapping import FieldMap, convert_all, entry_text, make_ticket
from oncall_desktop.tickets import Ticket

_COMMENT_LIMIT = 1024


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
    )


class RedmineAdapter(RestAdapter):
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
            reply = self.http.get("/issues.json", what=what, params={**params, "offset": offset})
            return self._list(reply.data, what, "issues"), int(self._dig(reply.data, what, "total_count"))

        raw = walk_pages(by_offset(page), system=self.http.system)
        return self._poll_result(convert_all(raw, lambda i: to_ticket(i, self.fmap), self.http.system), since)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        # A PUT with notes appends a journal entry each time: not safe to resend
        # blindly after a timeout (the outbox decides, knowing the key).
        self.http.put(f"/issues/{remote_id}.json", what=f"add a note to issue #{remote_id}",
                      json={"issue": {"notes": text, "private_notes": internal}}, idempotent=False)

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
            return self._list(reply.data, what, "time_entries"), int(self._dig(reply.data, what, "total_count"))

        entries = walk_pages(by_offset(page), system=self.http.system)
        return self._first_stamped(entries, key, lambda e: e.get("comments"), lambda e: e["id"])

    def test_connection(self) -> str:
        what = "sign in"
        user = self._dig(self.http.get("/users/current.json", what=what).data, what, "user")
        return f"Connected to Redmine at {self.http.host} as {user.get('login') or user.get('id')}."


"""Freshdesk (API v2) adapter.

Payloads follow the Freshdesk API reference, https://developers.freshdesk.com/api/ :
"List All Tickets" (``GET /api/v2/tickets`` with ``updated_since``, ``order_by``,
``order_type``, ``per_page`` ≤ 100, ``page``, ``include=requester,description``),
"Create a Note" (``POST /tickets/{id}/notes`` ``{body, private}``),
"Create a Time Entry" / "List All Time Entries of a Ticket"
(``/tickets/{id}/time_entries``, ``time_spent`` as "hh:mm"), "View a Company"
(``GET /companies/{id}``) and "Me" (``GET /agents/me``).  Auth is Basic with
the API key as user and any password ("X").  Rate limits answer 429 with
``Retry-After`` (handled in http.py).

Why ``updated_since`` with ``>=`` semantics and ``order_type=desc``: a ticket
that changes while we page jumps to the front, shifting the rest *down*, so
we may see one twice but never skip one.  Without ``updated_since`` Freshdesk
lists only the last 30 days, so the first poll asks for exactly that and keeps
the open ones (status 2 Open, 3 Pending); later polls return every change,
closes included, so the poller learns when a ticket was resolved.
"""
from __future__ import annotations

import html
from datetime import timedelta
from typing import Any, Mapping

from oncall_desktop.clock import iso
from oncall_desktop.services.psa.base import ErrorKind, PollResult, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.http import (HttpOptions, RestAdapter, api_base, by_page_number,
                                              walk_pages)
from oncall_desktop.services.psa.mapping import FieldMap, NameCache, convert_all, entry_text, make_ticket
from oncall_desktop.tickets import Ticket

_DONE = {"4", "5"}  # Resolved, Closed


def to_ticket(raw: Mapping[str, Any], fmap: FieldMap, companies: Mapping[str, str]) -> Ticket:
    """One Freshdesk ticket object (as in "List All Tickets") → Ticket."""
    requester = raw.get("requester") or {}
    company = raw.get("company_id")
    return make_ticket(
        "freshdesk", fmap, remote_id=raw["id"], title=raw.get("subject"),
        body=raw.get("description_text") or "",
        priority=(raw.get("priority"),), status=(raw.get("status"),),
        client=(companies.get(str(company)), company),
        contact=requester.get("email") or requester.get("name") or raw.get("requester_id") or "",
        created=raw.get("created_at"), updated=raw.get("updated_at"),
    )


class FreshdeskAdapter(RestAdapter):
    """A Freshdesk helpdesk, e.g. ``acme`` or ``https://acme.freshdesk.com``."""

    name = "freshdesk"
    vendor = "freshdesk"

    def __init__(self, url: str, *, secret: str, mapping: Mapping[str, Any] | None = None,
                 agent_id: int | None = None, page_size: int = 100, first_poll_days: int = 30,
                 options: HttpOptions = HttpOptions()) -> None:
        host = url if ("." in url or "://" in url) else f"{url}.freshdesk.com"
        super().__init__(options.client("Freshdesk", api_base(host, "/api/v2"), auth=(secret, "X")), mapping)
        self.agent_id = agent_id
        self.page_size = min(page_size, 100)
        self.first_poll_days = first_poll_days
        self.companies = NameCache(self._company_names)

    def poll(self, since: str | None) -> PollResult:
        start = since or iso(self.http.clock.now() - timedelta(days=self.first_poll_days))

        def page(number: int) -> list[Any]:
            reply = self.http.get("/tickets", what="fetch tickets", params={
                "updated_since": start, "order_by": "updated_at", "order_type": "desc",
                "include": "requester,description", "per_page": self.page_size, "page": number})
            return self._list(reply.data, "fetch tickets")

        raw = list(walk_pages(by_page_number(page, self.page_size), system=self.http.system))
        if since is None:
            raw = [t for t in raw if str(t.get("status")) not in _DONE]
        names = self.companies.lookup(self.fmap.unnamed(t.get("company_id") for t in raw if isinstance(t, dict)))
        tickets = convert_all(raw, lambda t: to_ticket(t, self.fmap, names), self.http.system)
        return self._poll_result(tickets, since)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        body = html.escape(text).replace("\n", "<br>")
        self.http.post(f"/tickets/{remote_id}/notes", what=f"add a note to ticket {remote_id}",
                       json={"body": body, "private": internal})

    def _create_time_entry(self, entry: TimeEntryRequest) -> str:
        minutes = entry.worked_minutes
        payload: dict[str, Any] = {
            "time_spent": f"{minutes // 60:02d}:{minutes % 60:02d}", "billable": entry.billable,
            "note": entry_text(entry), "executed_at": iso(entry.start), "start_time": iso(entry.start),
            "timer_running": False,
        }
        if self.agent_id is not None:
            payload["agent_id"] = self.agent_id
        what = f"log time on ticket {entry.ticket_remote_id}"
        reply = self.http.post(f"/tickets/{entry.ticket_remote_id}/time_entries", what=what, json=payload)
        return str(self._dig(reply.data, what, "id"))

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        what = f"look up time entries of ticket {remote_id}"

        def page(number: int) -> list[Any]:
            reply = self.http.get(f"/tickets/{remote_id}/time_entries", what=what,
                                  params={"per_page": 100, "page": number})
            return self._list(reply.data, what)

        entries = walk_pages(by_page_number(page, 100), system=self.http.system)
        return self._first_stamped(entries, key, lambda e: e.get("note"), lambda e: e["id"])

    def test_connection(self) -> str:
        what = "sign in"
        reply = self.http.get("/agents/me", what=what)
        contact = self._dig(reply.data, what, "contact")
        who = contact.get("email") or contact.get("name") or "the API key's agent"
        return f"Connected to Freshdesk at {self.http.host} as {who}."

    def _company_names(self, ids: list[str]) -> dict[str, str]:
        names: dict[str, str] = {}
        for company in ids:
            try:
                reply = self.http.get(f"/companies/{company}", what=f"read company {company}")
            except TicketSystemError as exc:
                if exc.kind is ErrorKind.NOT_FOUND:  # deleted company: show its id instead
                    continue
                raise
            if isinstance(reply.data, dict) and reply.data.get("name"):
                names[company] = str(reply.data["name"])
        return names

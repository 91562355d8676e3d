"""Freshdesk (API v2) adapter.

Payloads follow the Freshdesk API reference, https://developers.freshdesk.com/api/ :
"List All Tickets" (``GET /api/v2/tickets`` with ``updated_since``, ``order_by``,
``order_type``, ``per_page`` ≤ 100, ``page``, ``include=requester,description,stats``),
"Create a Note" (``POST /tickets/{id}/notes`` ``{body, private}``),
"Create a Time Entry" / "List All Time Entries of a Ticket"
(``/tickets/{id}/time_entries``, ``time_spent`` as "hh:mm"), "View a Company"
(``GET /companies/{id}``) and "Me" (``GET /agents/me``).  Reassignment follows "Update a
Ticket" (``PUT /tickets/{id} {"responder_id"}``), "View an Agent" (``GET /agents/{id}`` →
``{id, contact: {name, email}}``, cached: a ticket lists only ``responder_id``), "List All
Agents" (``GET /agents?email=``) and "Autocomplete agents" (``GET /agents/autocomplete?term=``
→ ``[{id, name, email}]``) to find the agent by name.  Auth is Basic with
the API key as user and any password ("X").  Rate limits answer 429 with
``Retry-After`` (handled in http.py).

Why ``stats``: Freshdesk's Open (2) is the status of a fresh ticket and of one an agent is
working, so the "unanswered" rule could never see a Freshdesk ticket.  The embedded ``stats``
(``first_responded_at``, ``agent_responded_at``, null until an agent has replied) tell the two
apart: Open with neither is *new*.  Embedding costs credits, not requests: the reference says
each ``include`` value adds 2 credits to the call, so a page is 7 credits instead of 5 and a
poll stays one request per page.

Why ``updated_since`` with ``>=`` semantics and ``order_type=desc``: a ticket
that changes while we page jumps to the front, shifting the rest *down*, so
we may see one twice but never skip one.  Without ``updated_since`` Freshdesk
lists only the last 30 days, so the first poll asks for exactly that and keeps
the open ones (status 2 Open, 3 Pending); later polls return every change,
closes included, so the poller learns when a ticket was resolved.
"""
from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, TypedDict

from oncall_desktop.core.tickets.html_text import plain_text
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.psa import people
from oncall_desktop.services.psa.base import ChecksConnection, PollResult, Reassigns, TimeEntryRequest
from oncall_desktop.services.psa.http import HttpOptions, RestAdapter, api_base
from oncall_desktop.services.psa.mapping import Expect, FieldMap, NameCache, convert_all, entry_text, make_ticket
from oncall_desktop.services.psa.pagination import by_page_number, walk_pages

_DONE = {"4", "5"}  # Resolved, Closed


class _Requester(TypedDict, total=False):
    email: Any
    name: Any


class _Stats(TypedDict, total=False):
    first_responded_at: Any
    agent_responded_at: Any


class ListedTicket(TypedDict, total=False):
    """What :func:`to_ticket` and the poll read of a "List All Tickets" item; the other keys go unparsed.

    A key read there must be listed here, or it reads as missing:
    tests/services/psa/test_freshdesk.py maps the documented example both ways.
    """

    id: Any
    subject: Any
    description: Any
    description_text: Any
    priority: Any
    status: Any
    company_id: Any
    requester_id: Any
    responder_id: Any
    created_at: Any
    updated_at: Any
    requester: _Requester | None
    stats: _Stats | None


#: the shape of a "List All Tickets" answer, for ``HttpClient.get(shape=…)``
TICKET_LIST = list[ListedTicket]


#: the types :func:`to_ticket` relies on (priority and status are Freshdesk's fixed number enums)
EXPECT = Expect(numbers=("id", "priority", "status"), objects=("requester", "stats"))
_OPEN = "2"
#: the status key of an Open ticket no agent has answered yet (mapped to ``new``, see mapping.py)
UNANSWERED = "open (not responded)"


def _status_keys(raw: Mapping[str, Any]) -> tuple[object, ...]:
    """The status, preceded by :data:`UNANSWERED` for an Open ticket whose stats show no agent reply."""
    status, stats = raw.get("status"), raw.get("stats")
    if (isinstance(stats, Mapping) and str(status) == _OPEN and not stats.get("first_responded_at")
            and not stats.get("agent_responded_at")):
        return (UNANSWERED, status)
    return (status,)


def to_ticket(raw: Mapping[str, Any], fmap: FieldMap, companies: Mapping[str, str],
              agents: Mapping[str, str] | None = None) -> Ticket:
    """One Freshdesk ticket object (as in "List All Tickets") → Ticket; ``agents``: responder id → name.

    The body is ``description_text`` (Freshdesk's plain form); where that is missing or empty,
    ``description`` (HTML) read as plain text.
    """
    requester = raw.get("requester") or {}
    company = raw.get("company_id")
    responder = raw.get("responder_id")
    return make_ticket(
        "freshdesk", fmap, remote_id=raw["id"], title=raw.get("subject"),
        body=raw.get("description_text") or plain_text(raw.get("description")),
        priority=(raw.get("priority"),), status=_status_keys(raw),
        client=(companies.get(str(company)), company),
        contact=requester.get("email") or requester.get("name") or raw.get("requester_id") or "",
        created=raw.get("created_at"), updated=raw.get("updated_at"),
        assignee=(agents.get(str(responder)) or str(responder)) if responder is not None and agents is not None else "",
    )


class FreshdeskAdapter(RestAdapter, Reassigns, ChecksConnection):
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
        self.agents = people.AssigneeNames(self._agent_names)
        self._agent_ids: dict[people.Target, int] = {}

    def poll(self, since: str | None) -> PollResult:
        start = since or iso(self.http.clock.now() - timedelta(days=self.first_poll_days))

        def page(number: int) -> list[Any]:
            reply = self.http.get("/tickets", what="fetch tickets", shape=TICKET_LIST, params={
                "updated_since": start, "order_by": "updated_at", "order_type": "desc",
                "include": "requester,description,stats", "per_page": self.page_size, "page": number})
            return self._list(reply.data, "fetch tickets")

        raw = list(walk_pages(by_page_number(page, self.page_size), system=self.http.system))
        if since is None:
            raw = [t for t in raw if not isinstance(t, dict) or str(t.get("status")) not in _DONE]  # others: convert_all says
        names = self.companies.lookup(self.fmap.unnamed(t.get("company_id") for t in raw if isinstance(t, dict)))
        agents = self.agents.lookup(t.get("responder_id") for t in raw if isinstance(t, dict))
        tickets = convert_all(raw, lambda t: to_ticket(t, self.fmap, names, agents), self.http.system, EXPECT)
        return self._poll_result(tickets, since)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        body = html.escape(text).replace("\n", "<br>")
        self.http.post(f"/tickets/{remote_id}/notes", what=f"add a note to ticket {remote_id}",
                       json={"body": body, "private": internal})

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Make ``person`` the ticket's agent (the same one again changes nothing: safe to resend)."""
        want = people.target(person, email, self.people)
        agent = self._agent_ids.get(want)
        if agent is None:
            what = f"look up the Freshdesk agent {person}"
            found: list[Any] = []
            if want.user_id:
                found = [{"id": want.user_id}]
            elif want.email:
                found = [{"id": a.get("id"), "email": (a.get("contact") or {}).get("email"),
                          "name": (a.get("contact") or {}).get("name")}
                         for a in self._list(self.http.get("/agents", what=what, params={"email": want.email}).data,
                                             what) if isinstance(a, dict)]
            if not found:
                found = self._list(self.http.get("/agents/autocomplete", what=what,
                                                 params={"term": want.login or want.person}).data, what)
            agent = self._agent_ids[want] = people.choose_id(
                found, want, system=self.http.system, where=f"ticket {remote_id}", id_of=lambda a: a.get("id"),
                name_of=lambda a: a.get("name"), email_of=lambda a: a.get("email"))
        self.http.put(f"/tickets/{remote_id}", what=f"assign ticket {remote_id} to {person}",
                      json={"responder_id": agent})

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

    def _agent_names(self, ids: list[str]) -> dict[str, str]:
        return self._names_one_by_one(ids, "agent", "/agents/{}", _contact_name)

    def _company_names(self, ids: list[str]) -> dict[str, str]:
        return self._names_one_by_one(ids, "company", "/companies/{}", lambda company: company.get("name"))


def _contact_name(agent: Mapping[str, Any]) -> Any:
    """The agent's name, which "View an Agent" keeps in ``contact``."""
    contact = agent.get("contact")
    return contact.get("name") if isinstance(contact, dict) else None

"""HaloPSA adapter.

Payloads follow the HaloPSA API documentation (https://halopsa.com/apidoc/ — "Authorisation",
"Tickets", "Actions"): a client-credentials token from ``POST /auth/token?tenant=…`` (form
``grant_type=client_credentials, client_id, client_secret, scope=all`` → ``{access_token,
expires_in}``), ``GET /api/tickets?pageinate=true&page_size&page_no&open_only=true`` →
``{record_count, tickets}``, and ``POST /api/actions`` with a JSON *array* of actions
(``ticket_id, outcome, note`` (HTML)``, hiddenfromuser, timetaken`` in decimal hours);
``GET /api/actions?ticket_id=`` → ``{actions}``.  Reassignment: "Tickets" ``POST /api/tickets``
with a JSON array ``[{"id", "agent_id"}]`` (Halo's create-or-update: an existing id updates the
ticket), agents from "Agent" (``GET /api/agent?search=`` and ``GET /api/agent/{id}`` →
``{id, name, email}``); a ticket carries ``agent_id`` (0 = unassigned).  A ticket carries only
``status_id``, and only 1 (New) and 9 (Closed) are the same in every tenant: the names of the
others come from "Status" (``GET /api/status?type=ticket`` → ``[{id, name, shortname, type, …}]``,
as the HaloAPI PowerShell module reads it) once, and are read by meaning ("With User" pending,
"In Progress" open); a workspace's mapping of an id still wins.

**Unverified** and therefore chosen conservatively: Halo's "updated since" filter
(we read every *open* ticket each poll — cheap at MSP sizes — and let the poller
de-duplicate; closes are not reported), the last-update field name (we read
``lastactiondate``, then ``last_update``), action start/end field names (not
sent; the note carries the facts), the shape of the create answer (a list
or one object, both accepted), whether a ticket list carries the agent's name
(``agent_name`` is read when present; otherwise names come from ``GET /api/agent/{id}``,
cached) and whether the agent search answers a list or ``{agents}`` (both accepted).
"""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, TypedDict

from oncall_desktop.core.tickets.html_text import plain_text
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
from oncall_desktop.services.psa.pagination import by_page_number, walk_pages

_TOKEN_MARGIN = 60.0  # renew a minute before expiry


class ListedTicket(TypedDict, total=False):
    """What :func:`to_ticket` and the poll read of a ``GET /api/tickets`` item; the other keys go unparsed.

    A key read there must be listed here, or it reads as missing:
    tests/services/psa/test_halopsa.py maps the documented ticket both ways.
    """

    id: Any
    summary: Any
    details: Any
    priority_id: Any
    status_id: Any
    client_id: Any
    client_name: Any
    user_email: Any
    user_name: Any
    agent_id: Any
    agent_name: Any
    dateoccurred: Any
    lastactiondate: Any
    last_update: Any


class _TicketPage(TypedDict, total=False):
    """What the poll reads of a page: its tickets (a short page is the last; ``record_count`` is not read)."""

    tickets: list[ListedTicket]


#: the shape of a ``GET /api/tickets?pageinate=true`` answer, for ``HttpClient.get(shape=…)``
TICKET_PAGE = _TicketPage


#: the types :func:`to_ticket` relies on
EXPECT = Expect(numbers=("id", "priority_id", "status_id"))


def to_ticket(raw: Mapping[str, Any], fmap: FieldMap, agents: Mapping[str, str] | None = None,
              statuses: Mapping[str, str] | None = None) -> Ticket:
    """One ticket from ``GET /api/tickets`` → Ticket (``agents``: agent id → name; ``statuses``: status id → name).

    ``details`` is the ticket's HTML (what Halo's editor and its e-mail import store): read as plain text.
    """
    agent = raw.get("agent_id")
    held = "" if agent in (None, "", 0, "0") else (raw.get("agent_name") or (agents or {}).get(str(agent)) or str(agent))
    return make_ticket(
        "halopsa", fmap, remote_id=raw["id"], title=raw.get("summary"), body=plain_text(raw.get("details")),
        priority=(raw.get("priority_id"),), status=(raw.get("status_id"), (statuses or {}).get(str(raw.get("status_id")))),
        client=(raw.get("client_name"), raw.get("client_id")),
        contact=raw.get("user_email") or raw.get("user_name") or "",
        created=raw.get("dateoccurred"), updated=raw.get("lastactiondate") or raw.get("last_update"),
        assignee=held,
    )


class HaloPSAAdapter(RestAdapter, Reassigns, ChecksConnection):
    """A HaloPSA instance (``https://acme.halopsa.com``) with an API application's client id/secret."""

    name = "halopsa"
    vendor = "halopsa"

    def __init__(self, url: str, *, client_id: str, secret: str, tenant: str = "", note_outcome: str = "Private Note",
                 time_outcome: str = "Time Entry", mapping: Mapping[str, Any] | None = None, page_size: int = 100,
                 options: HttpOptions = HttpOptions()) -> None:
        root = api_base(url)
        super().__init__(options.client("HaloPSA", root + "/api"), mapping)
        self.token_url = root + "/auth/token"
        self.client_id = client_id
        self._secret = secret
        self.tenant = tenant
        self.note_outcome = note_outcome
        self.time_outcome = time_outcome
        self.page_size = page_size
        self._token_until = float("-inf")
        self.agents = people.AssigneeNames(self._agent_names)
        # status names are as optional as agents' names: a failed look-up leaves the id to the mapping
        self.statuses = people.AssigneeNames(self._status_names)
        self._agent_ids: dict[people.Target, int] = {}

    def _authorise(self) -> None:
        if self.http.clock.monotonic() < self._token_until:
            return
        what = "sign in"
        try:
            data = self.http.post(self.token_url, what=what, params={"tenant": self.tenant} if self.tenant else None,
                                  data={"grant_type": "client_credentials", "client_id": self.client_id,
                                        "client_secret": self._secret, "scope": "all"}, idempotent=True).data
        except TicketSystemError as exc:
            if exc.kind is not ErrorKind.REJECTED:  # OAuth answers a bad secret with 400 invalid_client
                raise
            raise TicketSystemError(ErrorKind.AUTH, f"{exc} Check the client id, secret and tenant of the "
                                    "API application in Settings → Ticket system.") from None
        token = self._dig(data, what, "access_token")
        self.http.session.headers["Authorization"] = f"Bearer {token}"
        try:
            lifetime = float(data.get("expires_in") or 3600)
        except (TypeError, ValueError):
            raise self.http.bad_response(what, f"its `expires_in` is {data.get('expires_in')!r:.40}, expected a "
                                         "number") from None
        self._token_until = self.http.clock.monotonic() + max(0.0, lifetime - _TOKEN_MARGIN)

    def _open_tickets(self, size: int) -> Any:
        what = "fetch tickets"

        def page(number: int) -> list[Any]:
            data = self.http.get("/tickets", what=what, shape=TICKET_PAGE, params={
                "pageinate": "true", "page_size": size, "page_no": number, "open_only": "true",
                "order": "id"}).data
            return self._list(data, what, "tickets")

        return walk_pages(by_page_number(page, size), system=self.http.system)

    def poll(self, since: str | None) -> PollResult:
        self._authorise()
        raw = list(self._open_tickets(self.page_size))
        agents = self.agents.lookup(t.get("agent_id") for t in raw if isinstance(t, dict) and not t.get("agent_name")
                                    and t.get("agent_id") not in (0, "0"))
        statuses = self.statuses.lookup(t.get("status_id") for t in raw if isinstance(t, dict)
                                        and str(t.get("status_id")).strip().lower() not in self.fmap.statuses)
        return self._poll_result(convert_all(raw, lambda t: to_ticket(t, self.fmap, agents, statuses),
                                             self.http.system, EXPECT), since)

    def _post_action(self, action: dict[str, Any], what: str) -> str:
        self._authorise()
        data = self.http.post("/actions", what=what, json=[action]).data
        first = data[0] if isinstance(data, list) and data else data
        return str(self._dig(first, what, "id"))

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        self._post_action({"ticket_id": int(remote_id), "outcome": self.note_outcome,
                           "note": html.escape(text).replace("\n", "<br>"), "hiddenfromuser": internal},
                          f"add a note to ticket {remote_id}")

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Make ``person`` the ticket's agent (the same again changes nothing: safe to resend)."""
        self._authorise()
        want = people.target(person, email, self.people)
        agent = self._agent_ids.get(want)
        if agent is None:
            found: list[Any] = [{"id": want.user_id}] if want.user_id else []
            what = f"look up the HaloPSA agent {person}"
            for term in dict.fromkeys((want.query, want.person)):
                if not found:
                    data = self.http.get("/agent", what=what, params={"search": term}).data
                    found = self._list(data.get("agents") if isinstance(data, dict) else data, what)
            agent = self._agent_ids[want] = people.choose_id(
                found, want, system=self.http.system, where=f"ticket {remote_id}", id_of=lambda a: a.get("id"),
                name_of=lambda a: a.get("name"), email_of=lambda a: a.get("email"),
                login_of=lambda a: a.get("login") or a.get("initials"))
        self.http.post("/tickets", what=f"assign ticket {remote_id} to {person}",
                       json=[{"id": int(remote_id), "agent_id": agent}], idempotent=True)

    def _agent_names(self, ids: list[str]) -> dict[str, str]:
        return self._names_one_by_one(ids, "agent", "/agent/{}", lambda agent: agent.get("name"))

    def _status_names(self, ids: list[str]) -> dict[str, str]:
        """Every ticket status's name, in one request (the list is short and rarely changes)."""
        what = "read the ticket statuses"
        data = self.http.get("/status", what=what, params={"type": "ticket"}).data
        found = self._list(data.get("statuses") if isinstance(data, dict) else data, what)
        return {str(s.get("id")): str(s.get("name")) for s in found if isinstance(s, dict) and s.get("name")}

    def _create_time_entry(self, entry: TimeEntryRequest) -> str:
        return self._post_action({
            "ticket_id": int(entry.ticket_remote_id), "outcome": self.time_outcome,
            "note": html.escape(entry_text(entry)), "hiddenfromuser": True,
            "timetaken": round(entry.worked_minutes / 60, 4),
        }, f"log time on ticket {entry.ticket_remote_id}")

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        self._authorise()
        what = f"look up actions of ticket {remote_id}"
        data = self.http.get("/actions", what=what, params={"ticket_id": remote_id}).data
        actions = self._list(data, what, "actions")
        return self._first_stamped(actions, key, lambda a: html.unescape(str(a.get("note") or "")), lambda a: a["id"])

    def test_connection(self) -> str:
        self._authorise()
        data = self.http.get("/tickets", what="read tickets", params={
            "pageinate": "true", "page_size": 1, "page_no": 1, "open_only": "true"}).data
        count = self._dig(data, "read tickets", "record_count")
        return f"Connected to HaloPSA at {self.http.host}: {count} open tickets."

"""ConnectWise Manage (PSA) adapter.

Payloads follow the ConnectWise Developer Network REST reference for Manage
(https://developer.connectwise.com/Products/ConnectWise_PSA/REST): "Service → Tickets"
(``GET /service/tickets`` with ``conditions``, ``orderBy``, ``page``, ``pageSize`` ≤ 1000),
"Service → Ticket Notes" (``POST /service/tickets/{id}/notes`` with
``text, detailDescriptionFlag, internalAnalysisFlag, resolutionFlag, …``), "Time → Time
Entries" (``POST``/``GET /time/entries``; ``chargeToType "ServiceTicket"``, ``timeStart``/
``timeEnd`` in UTC ``Z``, ``billableOption``) and "System → Info" (``GET /system/info``).
Auth: Basic ``{companyId}+{publicKey}:{privateKey}`` plus the required ``clientId`` header.
Reassignment follows "Service → Tickets" ``PATCH /service/tickets/{id}`` with a JSON Patch
(RFC 6902) array ``[{"op": "replace", "path": "owner", "value": {"id"}}]`` (a ticket's ``owner`` is
a member reference ``{id, identifier, name}``) and "System → Members" (``GET /system/members``
with ``conditions`` on ``officeEmail``, ``identifier`` or ``firstName``).

Why ``_info/lastUpdated >= [cursor]`` (not ``>``) and ``orderBy=id asc``: an
equal timestamp must come again rather than be lost, and id order does not
shift while a ticket changes during paging (it only moves *into* the set).
The first poll reads the open tickets (``closedFlag = false``); later polls
read every change so the poller sees closes.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from oncall_desktop.core.tickets.html_text import plain_text
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.psa import people
from oncall_desktop.services.psa.base import ChecksConnection, PollResult, Reassigns, TimeEntryRequest
from oncall_desktop.services.psa.http import HttpOptions, RestAdapter, api_base
from oncall_desktop.services.psa.mapping import Expect, FieldMap, convert_all, entry_text, make_ticket
from oncall_desktop.services.psa.pagination import by_page_number, walk_pages

API_PATH = "/v4_6_release/apis/3.0"


class _Reference(TypedDict, total=False):
    """A reference to another record (company, contact, priority, status, owner): what :func:`to_ticket` reads."""

    id: Any
    identifier: Any
    name: Any


class _Info(TypedDict, total=False):
    dateEntered: Any
    lastUpdated: Any


class ListedTicket(TypedDict, total=False):
    """What :func:`to_ticket` reads of a ``GET /service/tickets`` item; the other keys go unparsed.

    A ticket carries dozens of keys (board, team, SLA, budget, …) and we read
    about a dozen.  A key read there must be listed here, or it reads as missing:
    tests/services/psa/test_connectwise.py maps the documented ticket both ways.
    """

    id: Any
    summary: Any
    initialDescription: Any
    closedFlag: Any
    contactEmailAddress: Any
    contactName: Any
    dateEntered: Any
    company: _Reference | None
    contact: _Reference | None
    priority: _Reference | None
    status: _Reference | None
    owner: _Reference | None
    _info: _Info | None


#: the shape of a ``GET /service/tickets`` answer, for ``HttpClient.get(shape=…)``
TICKET_LIST = list[ListedTicket]


#: the types :func:`to_ticket` relies on
EXPECT = Expect(numbers=("id",), objects=("company", "contact", "priority", "status", "_info", "owner"))


def to_ticket(raw: Mapping[str, Any], fmap: FieldMap) -> Ticket:
    """One ticket from ``GET /service/tickets`` → Ticket.

    ``initialDescription`` is plain text, except on tickets the e-mail connector made from HTML mail,
    which keep the markup: that is read as plain text, and plain text is kept as sent.
    """
    company = raw.get("company") or {}
    contact = raw.get("contact") or {}
    priority = raw.get("priority") or {}
    status = raw.get("status") or {}
    info = raw.get("_info") or {}
    closed = "closed" if raw.get("closedFlag") else None
    owner = raw.get("owner") or {}
    return make_ticket(
        "connectwise", fmap, remote_id=raw["id"], title=raw.get("summary"),
        body=plain_text(raw.get("initialDescription")),
        priority=(priority.get("name"), priority.get("id")),
        status=(closed, status.get("name"), status.get("id")),
        client=(company.get("name"), company.get("identifier"), company.get("id")),
        contact=raw.get("contactEmailAddress") or contact.get("name") or raw.get("contactName") or "",
        created=raw.get("dateEntered") or info.get("dateEntered"), updated=info.get("lastUpdated"),
        assignee=owner.get("name") or owner.get("identifier") or "",
    )


class ConnectWiseAdapter(RestAdapter, Reassigns, ChecksConnection):
    """A ConnectWise Manage site, e.g. ``na.myconnectwise.net``; ``conditions`` narrows the poll."""

    name = "connectwise"
    vendor = "connectwise"

    def __init__(self, url: str, *, company: str, user: str, secret: str, client_id: str, member: str = "",
                 work_type: str = "", conditions: str = "", mapping: Mapping[str, Any] | None = None,
                 page_size: int = 100, options: HttpOptions = HttpOptions()) -> None:
        http = options.client("ConnectWise", api_base(url, API_PATH), auth=(f"{company}+{user}", secret),
                              headers={"clientId": client_id})
        super().__init__(http, mapping)
        self.member = member
        self.work_type = work_type
        self.conditions = conditions.strip()
        self.page_size = min(page_size, 1000)
        self._member_ids: dict[people.Target, int] = {}

    def _pages(self, path: str, what: str, conditions: str, order: str = "id asc", *, shape: Any = None) -> Any:
        """Every page of a list; ``shape`` names what will be read of it (see ``HttpClient.decode``)."""
        def page(number: int) -> list[Any]:
            reply = self.http.get(path, what=what, shape=shape, params={
                "conditions": conditions, "orderBy": order, "page": number, "pageSize": self.page_size})
            return self._list(reply.data, what)
        return walk_pages(by_page_number(page, self.page_size), system=self.http.system)

    def poll(self, since: str | None) -> PollResult:
        parts = [f"_info/lastUpdated >= [{since}]" if since else "closedFlag = false"]
        if self.conditions:
            parts.append(f"({self.conditions})")
        raw = self._pages("/service/tickets", "fetch tickets", " and ".join(parts), shape=TICKET_LIST)
        return self._poll_result(convert_all(raw, lambda t: to_ticket(t, self.fmap), self.http.system, EXPECT), since)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        self.http.post(f"/service/tickets/{remote_id}/notes", what=f"add a note to ticket #{remote_id}", json={
            "text": text, "detailDescriptionFlag": not internal, "internalAnalysisFlag": internal,
            "resolutionFlag": False, "customerUpdatedFlag": False, "processNotifications": False})

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Make ``person`` the ticket's owner (replacing it again changes nothing: safe to resend)."""
        want = people.target(person, email, self.people)
        member = self._member_ids.get(want)
        if member is None:
            member = self._member_ids[want] = self._member_id(remote_id, want)
        self.http.request("PATCH", f"/service/tickets/{remote_id}", what=f"assign ticket #{remote_id} to {person}",
                          json=[{"op": "replace", "path": "owner", "value": {"id": member}}], idempotent=True)

    def _member_id(self, remote_id: str, want: people.Target) -> int:
        if want.user_id:
            return int(want.user_id)
        found: list[Any] = []
        words = want.person.split()
        for condition in (f'officeEmail = "{_quoted(want.email)}"' if want.email else "",
                          f'identifier = "{_quoted(want.login)}"' if want.login else "",
                          f'firstName = "{_quoted(words[0])}"' if words else ""):
            if condition and not found:
                found = list(self._pages("/system/members", f"look up the member {want.person}",
                                         f"({condition}) and inactiveFlag = false"))
        return people.choose_id(
            found, want, system=self.http.system, where=f"ticket #{remote_id}", id_of=lambda m: m.get("id"),
            name_of=lambda m: f"{m.get('firstName') or ''} {m.get('lastName') or ''}".strip(),
            email_of=lambda m: m.get("officeEmail"), login_of=lambda m: m.get("identifier"))

    def _create_time_entry(self, entry: TimeEntryRequest) -> str:
        body: dict[str, Any] = {
            "chargeToType": "ServiceTicket", "chargeToId": int(entry.ticket_remote_id),
            "timeStart": iso(entry.start), "timeEnd": iso(entry.end),
            "billableOption": "Billable" if entry.billable else "NoCharge",
            "notes": entry_text(entry), "addToDetailDescriptionFlag": False,
            "addToInternalAnalysisFlag": False, "addToResolutionFlag": False, "emailContactFlag": False,
        }
        member = entry.person or self.member
        if member:
            body["member"] = {"identifier": member}
        work_type = entry.extra.get("work_type") or self.work_type
        if work_type:
            body["workType"] = {"name": work_type}
        what = f"log time on ticket #{entry.ticket_remote_id}"
        return str(self._dig(self.http.post("/time/entries", what=what, json=body).data, what, "id"))

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        entries = self._pages("/time/entries", f"look up time entries of ticket #{remote_id}",
                              f'chargeToType = "ServiceTicket" and chargeToId = {int(remote_id)}')
        return self._first_stamped(entries, key, lambda e: e.get("notes"), lambda e: e["id"])

    def test_connection(self) -> str:
        data = self.http.get("/system/info", what="sign in").data
        version = self._dig(data, "sign in", "version")
        return f"Connected to ConnectWise Manage {version} at {self.http.host}."


def _quoted(text: str) -> str:
    """A value inside a ConnectWise ``conditions`` string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"')

"""Autotask PSA (REST API v1.0) adapter.

Payloads follow the Autotask REST API documentation (https://ww1.autotask.net/help/DeveloperHelp/
Content/APIs/REST/REST_API_Home.htm): "Basic query calls" (``POST /{Entity}/query``
``{"filter": [{"op", "field", "value"}], "MaxRecords" ≤ 500, "IncludeFields"}`` → ``{items,
pageDetails: {count, requestCount, prevPageUrl, nextPageUrl}}``; the next page is read with
``GET nextPageUrl``), the "Tickets", "TicketNotes" (``POST /Tickets/{id}/Notes``), "TimeEntries"
and "Companies" entity pages, and "Making a call: zoneInformation" (the base URL is
``https://webservices{N}.autotask.net/ATServicesRest/V1.0``; find N with ``GET
…/zoneInformation?user=``).  Creates answer ``{"itemId": n}``.  Headers ``ApiIntegrationCode``,
``UserName``, ``Secret``.

Reassignment follows the "Tickets" entity page (``PATCH /Tickets {id, assignedResourceID,
assignedResourceRoleID}`` — Autotask refuses a resource without a role), "Resources"
(``POST /Resources/query`` on ``email``, ``userName`` or ``firstName``; ``firstName``,
``lastName`` give a ticket's ``assignedResourceID`` a name, cached like company names) and
"ResourceServiceDeskRoles" (the resource's default role, ``isDefault``, when the workspace
sets no ``role_id``).

Why ``lastActivityDate gte`` and ``MaxRecords`` of 500: Autotask allows 10,000
requests per hour per database, shared with every other integration, so one
poll should be as few calls as possible; company names are cached.
**Unverified** (check on a tenant): note ``publish`` values (1 all users, 2 internal
only assumed) and ``noteType`` — both configurable; the throttle status code
(we treat 429 as documented elsewhere).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.psa import people
from oncall_desktop.services.psa.base import (
    ChecksConnection,
    ErrorKind,
    PollResult,
    PollsAssigned,
    Reassigns,
    TicketSystemError,
    TimeEntryRequest,
)
from oncall_desktop.services.psa.http import HttpOptions, RestAdapter, api_base
from oncall_desktop.services.psa.mapping import Expect, FieldMap, NameCache, convert_all, entry_text, make_ticket
from oncall_desktop.services.psa.pagination import walk_pages

_COMPLETE = 5


class ListedTicket(TypedDict, total=False):
    """What :func:`to_ticket` and the poll read of a Tickets query item; the other keys go unparsed.

    A ticket entity carries some seventy fields (queue, SLA, contract, user-defined
    fields, …) and we read ten.  A key read there must be listed here, or it reads
    as missing: tests/services/psa/test_autotask.py maps the documented item both ways.
    """

    id: Any
    title: Any
    description: Any
    priority: Any
    status: Any
    companyID: Any
    contactID: Any
    assignedResourceID: Any
    createDate: Any
    lastActivityDate: Any


class _PageDetails(TypedDict, total=False):
    nextPageUrl: Any


class _TicketPage(TypedDict, total=False):
    """What the paging reads of a Tickets query answer: the items and where the next page is."""

    items: list[ListedTicket]
    pageDetails: _PageDetails | None


#: the shape of a ``POST /Tickets/query`` answer (and of its next pages), for ``HttpClient.post/get(shape=…)``
TICKET_PAGE = _TicketPage


#: the fields a Tickets query asks for (``IncludeFields``): what :class:`ListedTicket` reads
TICKET_FIELDS = list(ListedTicket.__annotations__)

#: the types :func:`to_ticket` relies on (picklists are integer ids)
EXPECT = Expect(numbers=("id", "priority", "status"))


def to_ticket(raw: Mapping[str, Any], fmap: FieldMap, companies: Mapping[str, str],
              resources: Mapping[str, str] | None = None) -> Ticket:
    """One item from ``POST /Tickets/query`` → Ticket (picklists are integer ids; ``resources``: id → name)."""
    company = raw.get("companyID")
    resource = raw.get("assignedResourceID")
    return make_ticket(
        "autotask", fmap, remote_id=raw["id"], title=raw.get("title"), body=raw.get("description") or "",
        priority=(raw.get("priority"),), status=(raw.get("status"),),
        client=(companies.get(str(company)), company),
        contact=raw.get("contactID") or "", created=raw.get("createDate"), updated=raw.get("lastActivityDate"),
        assignee=(resources or {}).get(str(resource)) or str(resource) if resource is not None else "",
    )


class AutotaskAdapter(RestAdapter, Reassigns, PollsAssigned, ChecksConnection):
    """One Autotask database (zone URL + API user + integration code)."""

    name = "autotask"
    vendor = "autotask"

    def __init__(self, url: str, *, user: str, secret: str, integration_code: str, resource_id: int | None = None,
                 role_id: int | None = None, billing_code_id: int | None = None, note_type: int = 1,
                 publish_internal: int = 2, mapping: Mapping[str, Any] | None = None, page_size: int = 500,
                 options: HttpOptions = HttpOptions()) -> None:
        http = options.client("Autotask", api_base(url, "/ATServicesRest/V1.0"), headers={
            "ApiIntegrationCode": integration_code, "UserName": user, "Secret": secret})
        super().__init__(http, mapping)
        self.user = user
        self.resource_id = resource_id
        self.role_id = role_id
        self.billing_code_id = billing_code_id
        self.note_type = note_type
        self.publish_internal = publish_internal
        self.page_size = min(page_size, 500)
        self.companies = NameCache(self._company_names)
        self.resources = people.AssigneeNames(self._resource_names)
        self._assignees: dict[people.Target, tuple[int, int]] = {}
        self._holders: dict[people.Target, int] = {}

    def _query(self, entity: str, what: str, filters: list[dict[str, Any]], *, shape: Any = None, **extra: Any) -> Any:
        """Every item of a query, page by page.

        ``shape`` (see ``HttpClient.decode``) names what will be read of each page: of the first, a POST,
        and of the GETs of ``nextPageUrl`` after it alike.
        """
        body = {"MaxRecords": self.page_size, "filter": filters, **extra}

        def fetch(next_url: str | None) -> tuple[list[Any], str | None]:
            if next_url is None:
                data = self.http.post(f"/{entity}/query", what=what, json=body, idempotent=True, shape=shape).data
            else:
                data = self.http.get(next_url, what=what, shape=shape).data
            items = self._list(data, what, "items")
            return items, ((data.get("pageDetails") or {}).get("nextPageUrl") or None)

        return walk_pages(fetch, system=self.http.system)

    def poll(self, since: str | None) -> PollResult:
        filters = ([{"op": "gte", "field": "lastActivityDate", "value": since}] if since
                   else [{"op": "noteq", "field": "status", "value": _COMPLETE}])
        return self._poll_tickets(filters, since)

    def poll_assigned(self, since: str | None, person: str) -> PollResult:
        """The tickets whose primary resource is ``person``: one small query when nothing changed.

        Query items filter with ``and`` by default ("Basic query calls"), so
        ``assignedResourceID eq`` narrows the same ``lastActivityDate gte`` poll.
        """
        want = people.target(person, "", self.people)
        if want not in self._holders:
            self._holders[want] = self._resource_id("", want)
        mine = {"op": "eq", "field": "assignedResourceID", "value": self._holders[want]}
        changed = ({"op": "gte", "field": "lastActivityDate", "value": since} if since
                   else {"op": "noteq", "field": "status", "value": _COMPLETE})
        return self._poll_tickets([mine, changed], since)

    def _poll_tickets(self, filters: list[dict[str, Any]], since: str | None) -> PollResult:
        # IncludeFields: only the fields to_ticket reads, of some seventy a ticket carries
        raw = list(self._query("Tickets", "fetch tickets", filters, shape=TICKET_PAGE, IncludeFields=TICKET_FIELDS))
        names = self.companies.lookup(self.fmap.unnamed(t.get("companyID") for t in raw if isinstance(t, dict)))
        held = self.resources.lookup(t.get("assignedResourceID") for t in raw if isinstance(t, dict))
        tickets = convert_all(raw, lambda t: to_ticket(t, self.fmap, names, held), self.http.system, EXPECT)
        return self._poll_result(tickets, since)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        self.http.post(f"/Tickets/{remote_id}/Notes", what=f"add a note to ticket {remote_id}", json={
            "ticketID": int(remote_id), "title": text.splitlines()[0][:250] if text else "Note",
            "description": text, "noteType": self.note_type, "publish": self.publish_internal if internal else 1})

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Make ``person`` the primary resource (the same again changes nothing: safe to resend)."""
        want = people.target(person, email, self.people)
        if want not in self._assignees:
            resource = self._resource_id(remote_id, want)
            self._assignees[want] = (resource, self._role_id(resource, person))
        resource, role = self._assignees[want]
        self.http.request("PATCH", "/Tickets", what=f"assign ticket {remote_id} to {person}", idempotent=True,
                          json={"id": int(remote_id), "assignedResourceID": resource, "assignedResourceRoleID": role})

    def _resource_id(self, remote_id: str, want: people.Target) -> int:
        if want.user_id:
            return int(want.user_id)
        found: list[Any] = []
        words = want.person.split()
        for field, value in (("email", want.email), ("userName", want.login), ("firstName", words[0] if words else "")):
            if value and not found:
                found = list(self._query("Resources", f"look up the resource {want.person}", [
                    {"op": "eq", "field": field, "value": value}, {"op": "eq", "field": "isActive", "value": True}],
                    IncludeFields=["id", "firstName", "lastName", "email", "userName"]))
        return people.choose_id(
            found, want, system=self.http.system, where=f"ticket {remote_id}", id_of=lambda r: r.get("id"),
            name_of=_full_name, email_of=lambda r: r.get("email"), login_of=lambda r: r.get("userName"))

    def _role_id(self, resource: int, person: str) -> int:
        if self.role_id is not None:
            return self.role_id
        roles = list(self._query("ResourceServiceDeskRoles", f"read the roles of {person}", [
            {"op": "eq", "field": "resourceID", "value": resource}, {"op": "eq", "field": "isActive", "value": True}]))
        role = next((r for r in roles if r.get("isDefault")), roles[0] if roles else None)
        if role is None:
            raise TicketSystemError(ErrorKind.REJECTED, f"Autotask: {person} has no service desk role, so no "
                                    "ticket can be assigned to them. Give them one in Autotask, or set role_id "
                                    "in Settings → Ticket system.")
        return self._number(role, f"read the roles of {person}", "roleID")

    def _create_time_entry(self, entry: TimeEntryRequest) -> str:
        body: dict[str, Any] = {
            "ticketID": int(entry.ticket_remote_id), "dateWorked": iso(entry.start),
            "startDateTime": iso(entry.start), "endDateTime": iso(entry.end),
            "hoursWorked": round(entry.worked_minutes / 60, 4),
            "hoursToBill": round(entry.billable_minutes / 60, 4) if entry.billable else 0,
            "summaryNotes": entry_text(entry), "isNonBillable": not entry.billable, "showOnInvoice": entry.billable,
        }
        for field, value in (("resourceID", self.resource_id), ("roleID", self.role_id),
                             ("billingCodeID", self.billing_code_id)):
            if value is not None:
                body[field] = value
        what = f"log time on ticket {entry.ticket_remote_id}"
        return str(self._dig(self.http.post("/TimeEntries", what=what, json=body).data, what, "itemId"))

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        entries = self._query("TimeEntries", f"look up time entries of ticket {remote_id}", [
            {"op": "eq", "field": "ticketID", "value": int(remote_id)},
            {"op": "contains", "field": "summaryNotes", "value": f"[oncall-key:{key}]"}])
        return self._first_stamped(entries, key, lambda e: e.get("summaryNotes"), lambda e: e["id"])

    def test_connection(self) -> str:
        data = self.http.get("/Tickets/entityInformation", what="sign in").data
        self._dig(data, "sign in", "info")
        return f"Connected to Autotask at {self.http.host} as API user {self.user}."

    def _resource_names(self, ids: list[str]) -> dict[str, str]:
        items = self._query("Resources", "read resource names", [
            {"op": "in", "field": "id", "value": [int(i) for i in ids]}], IncludeFields=["id", "firstName", "lastName"])
        return {str(r.get("id")): _full_name(r) for r in items}

    def _company_names(self, ids: list[str]) -> dict[str, str]:
        items = self._query("Companies", "read company names", [
            {"op": "in", "field": "id", "value": [int(i) for i in ids]}], IncludeFields=["id", "companyName"])
        return {str(c.get("id")): str(c.get("companyName") or "") for c in items}


def _full_name(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('firstName') or ''} {resource.get('lastName') or ''}".strip()

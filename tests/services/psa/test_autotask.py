"""Autotask adapter against an HTTP fake.

Payload shapes follow the Autotask REST API help ("Basic query calls": POST /{Entity}/query →
{items, pageDetails: {count, requestCount, prevPageUrl, nextPageUrl}}; the "Tickets", "TicketNotes",
"TimeEntries" and "Companies" entities; creates answer {"itemId": n}).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import msgspec
import pytest

from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.vendors.autotask import TICKET_PAGE, AutotaskAdapter, to_ticket
from tests.services.psa.fakes import answer_live, save_then_stall, stall

API = "/ATServicesRest/V1.0"


def at_ticket(id: int, activity: str, priority: int = 4, status: int = 1) -> dict:
    """A Tickets entity item (picklists as integer ids)."""
    return {"id": id, "ticketNumber": f"T20260105.{id:04d}", "title": f"VPN down {id}", "description": "No VPN",
            "status": status, "priority": priority, "companyID": 29683, "contactID": 30, "queueID": 8,
            "createDate": "2026-01-04T10:00:00.000Z", "lastActivityDate": activity, "userDefinedFields": []}


def page(items: list, next_url: str | None) -> dict:
    return {"items": items, "pageDetails": {"count": len(items), "requestCount": 500, "prevPageUrl": None,
                                            "nextPageUrl": next_url}}


@pytest.fixture
def at(httpserver, options):
    adapter = AutotaskAdapter(httpserver.url_for("/"), user="api@msp.example", secret="S3CRET", integration_code="IC",
                              resource_id=29682885, role_id=29683461, options=options)
    yield adapter
    adapter.close()


def test_poll_follows_next_page_url_and_names_companies(httpserver, at):
    next_url = httpserver.url_for(f"{API}/Tickets/query/next?paging=abc")
    httpserver.expect_request(f"{API}/Tickets/query", method="POST").respond_with_json(
        page([at_ticket(1, "2026-01-05T08:10:00.000Z"),
              at_ticket(2, "2026-01-05T08:20:00.000Z", priority=3, status=5)], next_url))
    httpserver.expect_request(f"{API}/Tickets/query/next", method="GET").respond_with_json(
        page([at_ticket(3, "2026-01-05T08:00:00.000Z", priority=1)], None))
    httpserver.expect_request(f"{API}/Companies/query", method="POST").respond_with_json(
        page([{"id": 29683, "companyName": "Acme Ltd"}], None))
    result = at.poll("2026-01-05T08:00:00Z")
    assert [(t.remote_id, t.priority, t.status) for t in result.tickets] == [("1", 1, "new"), ("2", 4, "closed"), ("3", 2, "new")]
    assert {t.client for t in result.tickets} == {"Acme Ltd"}
    assert result.cursor == "2026-01-05T08:20:00Z"
    first = httpserver.log[0][0]
    assert first.get_json() == {
        "MaxRecords": 500, "filter": [{"op": "gte", "field": "lastActivityDate", "value": "2026-01-05T08:00:00Z"}],
        "IncludeFields": ["id", "title", "description", "priority", "status", "companyID", "contactID",
                          "assignedResourceID", "createDate", "lastActivityDate"]}
    assert (first.headers["ApiIntegrationCode"], first.headers["UserName"], first.headers["Secret"]) == (
        "IC", "api@msp.example", "S3CRET")
    # a second poll does not ask for the company again
    httpserver.clear_log()
    at.poll("2026-01-05T08:20:00Z")
    assert [r.path for r, _ in httpserver.log].count(f"{API}/Companies/query") == 0


def test_an_off_call_poll_asks_only_for_my_tickets_changed_since_the_cursor(httpserver, at):
    """``poll_assigned``: the same query narrowed by ``assignedResourceID eq`` (items are and-ed, "Basic
    query calls"); my resource is looked up once by e-mail ("Resources" entity), then remembered."""
    httpserver.expect_request(f"{API}/Resources/query", method="POST").respond_with_json(
        page([{"id": 29682885, "firstName": "Ana", "lastName": "Souza", "email": "ana@msp.example",
               "userName": "asouza"}], None))
    httpserver.expect_request(f"{API}/Tickets/query", method="POST").respond_with_json(page([], None))
    at.people = {"Ana Souza": "ana@msp.example"}
    assert at.poll_assigned("2026-01-05T08:00:00Z", "Ana Souza").tickets == []
    assert at.poll_assigned("2026-01-05T08:00:00Z", "Ana Souza").tickets == []
    paths = [r.path for r, _ in httpserver.log]
    assert paths == [f"{API}/Resources/query", f"{API}/Tickets/query", f"{API}/Tickets/query"]
    assert httpserver.log[-1][0].get_json()["filter"] == [
        {"op": "eq", "field": "assignedResourceID", "value": 29682885},
        {"op": "gte", "field": "lastActivityDate", "value": "2026-01-05T08:00:00Z"}]


def test_the_page_shape_holds_everything_the_mapping_and_paging_read():
    """Decoded with only the shape's keys, the documented page maps to exactly the same tickets and pages on."""
    next_url = "https://webservices2.autotask.net/ATServicesRest/V1.0/Tickets/query/next?paging=abc"
    held = dict(at_ticket(1, "2026-01-05T08:10:00.000Z"), assignedResourceID=29682885)
    bare = dict(at_ticket(2, "2026-01-05T08:20:00.000Z", priority=3, status=5), companyID=None, contactID=None,
                description=None, assignedResourceID=None)
    full = page([held, bare, at_ticket(3, "2026-01-05T08:00:00.000Z", priority=1)], next_url)
    shaped = msgspec.json.Decoder(TICKET_PAGE).decode(json.dumps(full).encode())
    assert len(json.dumps(shaped)) < len(json.dumps(full))  # the rest went unparsed
    assert shaped["pageDetails"]["nextPageUrl"] == next_url
    fmap, names, resources = field_map("autotask"), {"29683": "Acme Ltd"}, {"29682885": "Ana Souza"}
    assert len(shaped["items"]) == len(full["items"])
    for whole, part in zip(full["items"], shaped["items"], strict=True):
        assert to_ticket(part, fmap, names, resources) == to_ticket(whole, fmap, names, resources)


def test_query_is_retried_after_429_and_500(httpserver, at, sleeps):
    httpserver.expect_ordered_request(f"{API}/Tickets/query").respond_with_data("", status=429, headers={"Retry-After": "6"})
    httpserver.expect_ordered_request(f"{API}/Tickets/query").respond_with_data("", status=500)
    httpserver.expect_ordered_request(f"{API}/Tickets/query").respond_with_json(page([], None))
    assert at.poll(None).tickets == []
    assert sleeps == [6.0, 1.0]


@pytest.mark.parametrize("body, status, kind", [
    ('{"items": [', 200, ErrorKind.BAD_RESPONSE),
    ('{"item": []}', 200, ErrorKind.BAD_RESPONSE),
    ('{"errors": ["Unauthorized"]}', 401, ErrorKind.AUTH),
])
def test_failures(httpserver, at, body, status, kind):
    httpserver.expect_request(f"{API}/Tickets/query").respond_with_data(body, status=status)
    with pytest.raises(TicketSystemError) as err:
        at.poll(None)
    assert err.value.kind is kind and "S3CRET" not in str(err.value)


def test_timeout_is_network(httpserver, at):
    httpserver.expect_request(f"{API}/Tickets/entityInformation").respond_with_handler(stall())
    with pytest.raises(TicketSystemError) as err:
        at.test_connection()
    assert err.value.kind is ErrorKind.NETWORK


ENTRY = TimeEntryRequest(ticket_remote_id="12", key="at-1", start=datetime(2026, 1, 5, 22, 0, tzinfo=timezone.utc),
                         end=datetime(2026, 1, 5, 22, 45, tzinfo=timezone.utc), worked_minutes=45,
                         billable_minutes=60, note="Reset VPN")


def test_committed_time_entry_that_times_out_is_found_not_reposted(httpserver, at):
    stored: list[dict] = []
    commit_then_stall = save_then_stall(stored, lambda body: {"id": 901, **body}, lambda _: {"itemId": 901}, status=200)
    httpserver.expect_request(f"{API}/TimeEntries", method="POST").respond_with_handler(commit_then_stall)
    httpserver.expect_request(f"{API}/TimeEntries/query", method="POST").respond_with_handler(
        answer_live(lambda: page(stored, None)))
    assert at.log_time(ENTRY) == "901"
    assert len(stored) == 1
    posted = stored[0]
    assert posted["hoursWorked"] == 0.75 and posted["hoursToBill"] == 1.0 and posted["resourceID"] == 29682885
    assert posted["summaryNotes"] == "Reset VPN (billable 60 min at 1×) [oncall-key:at-1]"
    query = [r.get_json() for r, _ in httpserver.log if r.path.endswith("/TimeEntries/query")][0]
    assert {"op": "eq", "field": "ticketID", "value": 12} in query["filter"]

"""Freshdesk adapter against an HTTP fake.

Payload shapes follow the Freshdesk API v2 reference (https://developers.freshdesk.com/api/):
"List All Tickets" (#list_all_tickets, sample ticket objects with include=requester, and ``stats``
as "View a Ticket" embeds it with include=stats: first_responded_at, agent_responded_at,
requester_responded_at, status_updated_at, … null until they happen),
"View a Company" (#view_company), "Create a Time Entry" (#create_time_entry),
"List All Time Entries of a Ticket" (#list_all_ticket_timeentries), "Me" (#me), "View an Agent"
(#view_agent: the tickets' ``responder_id`` 1 is read once for its name).
"""
from __future__ import annotations

import functools
import json
from datetime import datetime, timezone

import msgspec
import pytest

from oncall_desktop.services.psa.base import ErrorKind, TicketSystem, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.vendors.freshdesk import TICKET_LIST, FreshdeskAdapter, to_ticket
from tests.services.psa.fakes import answer_live, save_then_stall, sent, stall


def fd_ticket(id: int, updated: str, *, status: int = 2, priority: int = 1, company: int | None = 1,
              answered: bool = True) -> dict:
    """A ticket object as in Freshdesk's "List All Tickets" sample (include=requester,description,stats)."""
    replied = "2026-01-04T07:40:00Z" if answered else None
    return {
        "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "fr_escalated": False, "spam": False,
        "email_config_id": None, "group_id": 2, "priority": priority, "requester_id": 5, "responder_id": 1,
        "source": 2, "status": status, "subject": f"Ticket {id}", "to_emails": None, "product_id": None,
        "id": id, "type": "Incident", "due_by": "2026-01-06T16:30:00Z", "fr_due_by": "2026-01-05T16:30:00Z",
        "is_escalated": False, "custom_fields": {}, "created_at": "2026-01-04T07:13:43Z",
        "updated_at": updated, "company_id": company, "tags": [],
        "requester": {"email": "jo@acme.example", "id": 5, "mobile": None, "name": "Jo", "phone": None},
        "description": "<div>Server is down</div>", "description_text": "Server is down",
        "stats": {"agent_responded_at": replied, "requester_responded_at": None, "first_responded_at": replied,
                  "status_updated_at": "2026-01-04T07:13:43Z", "reopened_at": None, "resolved_at": None,
                  "closed_at": None, "pending_since": None},
    }


#: "View an Agent" sample shape: the agent's name and e-mail sit in ``contact``.
AGENT_1 = {"id": 1, "available": True, "occasional": False, "ticket_scope": 1, "type": "support_agent",
           "contact": {"active": True, "email": "ana@msp.example", "name": "Ana Souza", "language": "en"}}


@pytest.fixture
def desk(httpserver, options):
    httpserver.expect_request("/api/v2/agents/1").respond_with_json(AGENT_1)
    adapter = FreshdeskAdapter(httpserver.url_for("/"), secret="APIKEY", page_size=2, options=options,
                               mapping={"clients": {"2": "Beta GmbH"}})
    yield adapter
    adapter.close()


def test_is_a_ticket_system(desk):
    assert isinstance(desk, TicketSystem)


def test_poll_pages_to_the_end_maps_and_advances_cursor(httpserver, desk):
    since = "2026-01-05T08:00:00Z"
    base = {"updated_since": since, "order_by": "updated_at", "order_type": "desc",
            "include": "requester,description,stats", "per_page": "2"}
    httpserver.expect_request("/api/v2/tickets", query_string={**base, "page": "1"}).respond_with_json(
        [fd_ticket(3, "2026-01-05T08:30:00Z", priority=4), fd_ticket(2, "2026-01-05T08:20:00Z", company=2)])
    httpserver.expect_request("/api/v2/tickets", query_string={**base, "page": "2"}).respond_with_json(
        [fd_ticket(1, "2026-01-05T08:00:00Z", status=5), fd_ticket(7, "2026-01-05T08:00:00Z")])
    httpserver.expect_request("/api/v2/tickets", query_string={**base, "page": "3"}).respond_with_json([])
    httpserver.expect_request("/api/v2/companies/1").respond_with_json({"id": 1, "name": "Acme Ltd", "domains": ["acme.example"]})
    result = desk.poll(since)
    assert [t.remote_id for t in result.tickets] == ["3", "2", "1", "7"]
    first = result.tickets[0]
    assert (first.priority, first.status, first.client, first.contact) == (1, "open", "Acme Ltd", "jo@acme.example")
    assert first.body == "Server is down" and first.id == "freshdesk:3"
    assert first.assignee == "Ana Souza"                 # responder_id 1 → "View an Agent"
    assert result.tickets[1].client == "Beta GmbH"       # from the workspace mapping, no lookup
    assert result.tickets[2].status == "closed"          # later polls report closes too
    assert result.cursor == "2026-01-05T08:30:00Z"
    # Basic auth is "APIKEY:X"
    assert httpserver.log[0][0].headers["Authorization"] == "Basic QVBJS0VZOlg="


def test_first_poll_looks_back_30_days_and_keeps_open_tickets(httpserver, desk):
    query = {"updated_since": "2025-12-06T09:00:00Z", "order_by": "updated_at", "order_type": "desc",
             "include": "requester,description,stats", "per_page": "2"}
    httpserver.expect_request("/api/v2/tickets", query_string={**query, "page": "1"}).respond_with_json(
        [fd_ticket(5, "2026-01-01T00:00:00Z", status=4, company=None), fd_ticket(6, "2026-01-02T00:00:00Z", company=None)])
    httpserver.expect_request("/api/v2/tickets", query_string={**query, "page": "2"}).respond_with_json([])
    result = desk.poll(None)
    assert [t.remote_id for t in result.tickets] == ["6"]
    assert result.cursor == "2026-01-02T00:00:00Z"


def test_empty_poll_keeps_the_cursor(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets").respond_with_json([])
    assert desk.poll("2026-01-05T08:00:00Z").cursor == "2026-01-05T08:00:00Z"


def test_429_then_success(httpserver, desk, sleeps):
    httpserver.expect_ordered_request("/api/v2/tickets").respond_with_data("", status=429, headers={"Retry-After": "5"})
    httpserver.expect_ordered_request("/api/v2/tickets").respond_with_json([])
    desk.poll("2026-01-05T08:00:00Z")
    assert sleeps == [5.0]


def test_500_then_success(httpserver, desk, sleeps):
    httpserver.expect_ordered_request("/api/v2/tickets").respond_with_data("", status=500)
    httpserver.expect_ordered_request("/api/v2/tickets").respond_with_json([fd_ticket(1, "2026-01-05T08:00:00Z", company=None)])
    assert len(desk.poll("2026-01-05T08:00:00Z").tickets) == 1
    assert len(sleeps) == 1


def test_the_list_shape_holds_everything_the_mapping_reads():
    """Decoded with only the shape's keys, the documented sample maps to exactly the same ticket."""
    full = [fd_ticket(3, "2026-01-05T08:30:00Z", priority=4), dict(fd_ticket(4, "2026-01-05T08:31:00Z"),
                                                                   requester=None, responder_id=None)]
    shaped = msgspec.json.Decoder(TICKET_LIST).decode(json.dumps(full).encode())
    assert len(json.dumps(shaped)) < len(json.dumps(full)) / 2  # the rest really went unparsed
    fmap, names, agents = field_map("freshdesk"), {"1": "Acme Ltd"}, {"1": "Ana Souza"}
    for whole, part in zip(full, shaped, strict=True):
        assert to_ticket(part, fmap, names, agents) == to_ticket(whole, fmap, names, agents)


def test_an_answer_off_the_shape_is_read_whole(httpserver, desk):
    """A requester that is not an object does not fit the shape: the whole answer is read, and mapped."""
    odd = dict(fd_ticket(1, "2026-01-05T08:00:00Z"), requester="jo@acme.example", requester_id="jo@acme.example")
    httpserver.expect_request("/api/v2/tickets").respond_with_json([odd])  # one short page: the last
    httpserver.expect_request("/api/v2/companies/1").respond_with_json({"id": 1, "name": "Acme Ltd"})
    with pytest.raises(TicketSystemError) as err:  # a string requester is not the documented object
        desk.poll("2026-01-05T08:00:00Z")
    assert err.value.kind is ErrorKind.BAD_RESPONSE and "ticket #1" in str(err.value)


def test_numbers_msgspec_refuses_are_read_by_the_standard_decoder(httpserver, desk):
    big = dict(fd_ticket(1, "2026-01-05T08:00:00Z"), custom_fields={"cf_serial": 123456789012345678901234567890},
               id=123456789012345678901234567890)
    body = json.dumps([big])
    httpserver.expect_request("/api/v2/tickets").respond_with_data(body, content_type="application/json")
    httpserver.expect_request("/api/v2/companies/1").respond_with_json({"id": 1, "name": "Acme Ltd"})
    [ticket] = desk.poll("2026-01-05T08:00:00Z").tickets
    assert ticket.remote_id == "123456789012345678901234567890"


def test_malformed_json(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets").respond_with_data('[{"id": 1,', content_type="application/json")
    with pytest.raises(TicketSystemError) as err:
        desk.poll("2026-01-05T08:00:00Z")
    assert err.value.kind is ErrorKind.BAD_RESPONSE


def test_unexpected_shape(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets").respond_with_json({"tickets": []})
    with pytest.raises(TicketSystemError) as err:
        desk.poll("2026-01-05T08:00:00Z")
    assert err.value.kind is ErrorKind.BAD_RESPONSE and "expected a list" in str(err.value)


def test_ticket_without_id_fails_loudly(httpserver, desk):
    broken = fd_ticket(1, "2026-01-05T08:00:00Z", company=None)
    del broken["id"]
    httpserver.expect_request("/api/v2/tickets").respond_with_json([broken])
    with pytest.raises(TicketSystemError) as err:
        desk.poll("2026-01-05T08:00:00Z")
    assert "ticket #1" in str(err.value)


def test_wrong_api_key(httpserver, desk):
    httpserver.expect_request("/api/v2/agents/me").respond_with_json(
        {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}, status=401)
    with pytest.raises(TicketSystemError) as err:
        desk.test_connection()
    assert err.value.kind is ErrorKind.AUTH
    assert "APIKEY" not in str(err.value)


def test_connection_success_line(httpserver, desk):
    httpserver.expect_request("/api/v2/agents/me").respond_with_json(
        {"id": 1, "available": True, "occasional": False, "contact": {"name": "Sam", "email": "sam@msp.example"}})
    assert desk.test_connection() == f"Connected to Freshdesk at {desk.http.host} as sam@msp.example."


def test_timeout_on_poll_is_network_error(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets").respond_with_handler(stall("[]", "application/json"))
    with pytest.raises(TicketSystemError) as err:
        desk.poll("2026-01-05T08:00:00Z")
    assert err.value.kind is ErrorKind.NETWORK and not err.value.uncertain


def test_add_note_is_private_html(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets/42/notes", method="POST").respond_with_json({"id": 1}, status=201)
    desk.add_note("42", "Acknowledged by Sam <on call>\nlooking")
    [body] = sent(httpserver, "/api/v2/tickets/42/notes")
    assert body == {"body": "Acknowledged by Sam &lt;on call&gt;<br>looking", "private": True}


ENTRY = TimeEntryRequest(ticket_remote_id="42", key="k-123", start=datetime(2026, 1, 5, 2, 10, tzinfo=timezone.utc),
                         end=datetime(2026, 1, 5, 3, 25, tzinfo=timezone.utc), worked_minutes=75,
                         billable_minutes=120, multiplier=1.5, note="Rebooted SQL01")


def test_log_time_payload_and_find(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets/42/time_entries", method="POST").respond_with_json({"id": 555}, status=201)
    assert desk.log_time(ENTRY) == "555"
    [body] = sent(httpserver, "/api/v2/tickets/42/time_entries")
    assert body["time_spent"] == "01:15" and body["billable"] is True and body["timer_running"] is False
    assert body["note"] == "Rebooted SQL01 (billable 120 min at 1.5×) [oncall-key:k-123]"
    assert body["start_time"] == "2026-01-05T02:10:00Z"


def test_post_that_times_out_after_commit_is_found_not_reposted(httpserver, desk):
    stored: list[dict] = []
    commit_then_stall = save_then_stall(  # answers after the read timeout
        stored, lambda body: {"id": 900, "note": body["note"], "time_spent": "01:15"}, lambda saved: saved[-1])
    httpserver.expect_request("/api/v2/tickets/42/time_entries", method="POST").respond_with_handler(commit_then_stall)
    httpserver.expect_request("/api/v2/tickets/42/time_entries", method="GET").respond_with_handler(
        answer_live(lambda: [{"id": 899, "note": "other"}] + stored))
    assert desk.log_time(ENTRY) == "900"
    assert len(stored) == 1
    assert desk.find_time_entry("42", "k-123") == "900"
    assert desk.find_time_entry("42", "k-999") is None


def test_deleted_agents_and_companies_show_their_ids_and_are_not_asked_again(httpserver, options):
    """"View an Agent" / "View a Company" answer 404 for deleted records: the ids stand in, once per session."""
    httpserver.expect_request("/api/v2/agents/9").respond_with_json({"code": "not_found"}, status=404)
    httpserver.expect_request("/api/v2/companies/3").respond_with_json({"code": "not_found"}, status=404)
    httpserver.expect_request("/api/v2/tickets").respond_with_json(
        [dict(fd_ticket(1, "2026-01-05T08:00:00Z", company=3), responder_id=9)])
    desk = FreshdeskAdapter(httpserver.url_for("/"), secret="APIKEY", options=options)
    try:
        for _ in range(2):
            [ticket] = desk.poll("2026-01-05T08:00:00Z").tickets
            assert (ticket.client, ticket.assignee) == ("3", "9")
        paths = [r.path for r, _ in httpserver.log]
        assert paths.count("/api/v2/agents/9") == 1 and paths.count("/api/v2/companies/3") == 1
    finally:
        desk.close()


def test_a_company_name_that_cannot_be_read_fails_the_poll_in_words(httpserver, desk):
    httpserver.expect_request("/api/v2/companies/1").respond_with_json({"code": "oops"}, status=500)
    httpserver.expect_request("/api/v2/tickets").respond_with_json([fd_ticket(1, "2026-01-05T08:00:00Z")])
    with pytest.raises(TicketSystemError, match="read company 1"):
        desk.poll("2026-01-05T08:00:00Z")


def test_an_open_ticket_no_agent_has_answered_is_new(httpserver, desk):
    """Open (2) is both a fresh ticket and one being worked: the stats tell them apart, in the same request."""
    base = {"updated_since": "2026-01-05T08:00:00Z", "order_by": "updated_at", "order_type": "desc",
            "include": "requester,description,stats", "per_page": "2"}
    ticket = functools.partial(fd_ticket, updated="2026-01-05T08:00:00Z", company=None)
    pages = [[ticket(1, answered=False), ticket(2)],
             [ticket(3, status=3, answered=False), dict(ticket(4), stats=None)], []]   # no stats: as before, open
    for number, page in enumerate(pages, 1):
        httpserver.expect_request("/api/v2/tickets", query_string={**base, "page": str(number)}).respond_with_json(page)
    assert [t.status for t in desk.poll("2026-01-05T08:00:00Z").tickets] == ["new", "open", "pending", "open"]
    # one request per page, as before: no per-ticket look-up of who answered
    assert [r.path for r, _ in httpserver.log if r.path != "/api/v2/agents/1"] == ["/api/v2/tickets"] * 3


def test_unanswered_open_tickets_can_be_mapped_otherwise():
    fmap = field_map("freshdesk", {"statuses": {"open (not responded)": "open"}})
    assert to_ticket(fd_ticket(1, "2026-01-05T08:00:00Z", answered=False), fmap, {}).status == "open"
    assert to_ticket(fd_ticket(1, "2026-01-05T08:00:00Z", answered=False), field_map("freshdesk"), {}).status == "new"

"""ConnectWise Manage adapter against an HTTP fake.

Payload shapes follow the ConnectWise Developer Network Manage REST reference:
"Service → Tickets" (GET /service/tickets, ticket model with company/contact/priority/status/_info),
"Service → Ticket Notes", "Time → Time Entries" (POST/GET /time/entries), "System → Info".
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import msgspec
import pytest

from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.vendors.connectwise import TICKET_LIST, ConnectWiseAdapter, to_ticket
from tests.services.psa.fakes import answer_live, save_then_stall, stall

API = "/v4_6_release/apis/3.0"


def cw_ticket(id: int, updated: str, priority: str = "Priority 1 - Emergency Response", closed: bool = False) -> dict:
    """A ticket as in the Manage REST "Ticket" model (fields trimmed to those we read plus a few)."""
    return {"id": id, "summary": f"Firewall down #{id}", "recordType": "ServiceTicket",
            "board": {"id": 1, "name": "Help Desk"}, "status": {"id": 16, "name": "New"},
            "company": {"id": 250, "identifier": "AcmeLtd", "name": "Acme Ltd"},
            "contact": {"id": 40, "name": "Pat Lee"}, "contactName": "Pat Lee",
            "contactEmailAddress": "pat@acme.example", "priority": {"id": 4, "name": priority, "sort": 1},
            "severity": "Medium", "impact": "Medium", "closedFlag": closed,
            "dateEntered": "2026-01-04T10:00:00Z",
            "_info": {"lastUpdated": updated, "updatedBy": "api", "dateEntered": "2026-01-04T10:00:00Z"}}


@pytest.fixture
def cw(httpserver, options):
    adapter = ConnectWiseAdapter(httpserver.url_for("/"), company="msp", user="pub", secret="priv",
                                 client_id="guid-1", member="sam", page_size=2, options=options)
    yield adapter
    adapter.close()


def test_poll_pages_to_a_short_page(httpserver, cw):
    since = "2026-01-05T08:00:00Z"
    q = {"conditions": f"_info/lastUpdated >= [{since}]", "orderBy": "id asc", "pageSize": "2"}
    httpserver.expect_request(f"{API}/service/tickets", query_string={**q, "page": "1"}).respond_with_json(
        [cw_ticket(1, "2026-01-05T08:00:00Z"), cw_ticket(2, "2026-01-05T08:05:00Z", "Priority 3 - Normal Response")])
    httpserver.expect_request(f"{API}/service/tickets", query_string={**q, "page": "2"}).respond_with_json(
        [cw_ticket(3, "2026-01-05T08:01:00Z", "P2 - Site down", closed=True)])
    result = cw.poll(since)
    assert [(t.remote_id, t.priority, t.status) for t in result.tickets] == [("1", 1, "new"), ("2", 3, "new"), ("3", 2, "closed")]
    assert result.tickets[0].client == "Acme Ltd" and result.tickets[0].contact == "pat@acme.example"
    assert result.cursor == "2026-01-05T08:05:00Z"
    headers = httpserver.log[0][0].headers
    assert headers["clientId"] == "guid-1" and headers["Authorization"] == "Basic bXNwK3B1Yjpwcml2"  # msp+pub:priv


def test_the_list_shape_holds_everything_the_mapping_reads():
    """Decoded with only the shape's keys, the documented tickets map to exactly the same tickets.

    The variants make every key count: an owner, references with only an id or identifier (mapped by
    the workspace), a ``dateEntered`` unlike ``_info``'s, a closed ticket with no company, contact, e-mail,
    owner or ``dateEntered``.
    """
    owned = dict(cw_ticket(1, "2026-01-05T08:00:00Z"), initialDescription="Firewall reboots every 5 minutes",
                 owner={"id": 149, "identifier": "asouza", "name": "Ana Souza", "_info": {"member_href": "…"}})
    bare = dict(cw_ticket(2, "2026-01-05T08:05:00Z", "P2 - Site down", closed=True), company=None, contact=None,
                contactEmailAddress=None, owner=None, dateEntered=None)
    by_id = dict(cw_ticket(3, "2026-01-05T08:06:00Z"), priority={"id": 7}, status={"id": 17},
                 company={"id": 250, "identifier": "AcmeLtd"}, contactEmailAddress="",
                 owner={"id": 150, "identifier": "jbrandt"})
    del by_id["contactName"]
    only_id = dict(cw_ticket(4, "2026-01-05T08:07:00Z"), company={"id": 251}, dateEntered="2026-01-03T09:00:00Z")
    full = [owned, bare, by_id, only_id]
    shaped = msgspec.json.Decoder(TICKET_LIST).decode(json.dumps(full).encode())
    assert len(json.dumps(shaped)) < len(json.dumps(full))  # the rest went unparsed (the sample is trimmed already)
    fmap = field_map("connectwise", {"priorities": {"7": 2}, "statuses": {"17": "pending"}})
    for whole, part in zip(full, shaped, strict=True):
        assert to_ticket(part, fmap) == to_ticket(whole, fmap)


def test_first_poll_reads_open_tickets(httpserver, cw):
    httpserver.expect_request(f"{API}/service/tickets", query_string={
        "conditions": "closedFlag = false", "orderBy": "id asc", "pageSize": "2", "page": "1"}).respond_with_json([])
    assert cw.poll(None).cursor is None


def test_429_then_500_then_success(httpserver, cw, sleeps):
    httpserver.expect_ordered_request(f"{API}/service/tickets").respond_with_data("", status=429, headers={"Retry-After": "2"})
    httpserver.expect_ordered_request(f"{API}/service/tickets").respond_with_data("", status=502)
    httpserver.expect_ordered_request(f"{API}/service/tickets").respond_with_json([])
    cw.poll(None)
    assert sleeps == [2.0, 1.0]


@pytest.mark.parametrize("body, status, kind", [
    ("[{\"id\": 1", 200, ErrorKind.BAD_RESPONSE),
    ('{"code": "Unauthorized", "message": "Authorization has been denied"}', 401, ErrorKind.AUTH),
    ('{"code": "NotFound"}', 404, ErrorKind.NOT_FOUND),
])
def test_failures(httpserver, cw, body, status, kind):
    httpserver.expect_request(f"{API}/service/tickets").respond_with_data(body, status=status)
    with pytest.raises(TicketSystemError) as err:
        cw.poll(None)
    assert err.value.kind is kind and "priv" not in str(err.value)


def test_timeout_is_network(httpserver, cw):
    httpserver.expect_request(f"{API}/system/info").respond_with_handler(stall())
    with pytest.raises(TicketSystemError) as err:
        cw.test_connection()
    assert err.value.kind is ErrorKind.NETWORK


def test_connection_line(httpserver, cw):
    httpserver.expect_request(f"{API}/system/info").respond_with_json({"version": "v2025.1.10431", "isCloud": True})
    assert cw.test_connection() == f"Connected to ConnectWise Manage v2025.1.10431 at {cw.http.host}."


def test_internal_note_flags(httpserver, cw):
    httpserver.expect_request(f"{API}/service/tickets/5/notes", method="POST").respond_with_json({"id": 1}, status=201)
    cw.add_note("5", "Acknowledged")
    body = httpserver.log[0][0].get_json()
    assert body["internalAnalysisFlag"] is True and body["detailDescriptionFlag"] is False and body["text"] == "Acknowledged"


ENTRY = TimeEntryRequest(ticket_remote_id="5", key="cw-1", start=datetime(2026, 1, 5, 22, 0, tzinfo=timezone.utc),
                         end=datetime(2026, 1, 5, 23, 0, tzinfo=timezone.utc), worked_minutes=60,
                         billable_minutes=90, multiplier=1.5, extra={"work_type": "After Hours"})


def test_committed_time_entry_that_times_out_is_found_not_reposted(httpserver, cw):
    stored: list[dict] = []
    commit_then_stall = save_then_stall(stored, lambda body: {"id": 77, **body}, lambda saved: saved[-1])
    httpserver.expect_request(f"{API}/time/entries", method="POST").respond_with_handler(commit_then_stall)
    httpserver.expect_request(f"{API}/time/entries", method="GET", query_string={
        "conditions": 'chargeToType = "ServiceTicket" and chargeToId = 5', "orderBy": "id asc",
        "pageSize": "2", "page": "1"}).respond_with_handler(
        answer_live(lambda: [{"id": 70, "notes": "other"}] + stored))
    assert cw.log_time(ENTRY) == "77"
    assert len(stored) == 1
    posted = stored[0]
    assert posted["chargeToType"] == "ServiceTicket" and posted["chargeToId"] == 5
    assert posted["timeStart"] == "2026-01-05T22:00:00Z" and posted["timeEnd"] == "2026-01-05T23:00:00Z"
    assert posted["member"] == {"identifier": "sam"} and posted["workType"] == {"name": "After Hours"}
    assert posted["notes"] == "(billable 90 min at 1.5×) [oncall-key:cw-1]"

"""HaloPSA adapter against an HTTP fake.

Payload shapes follow the HaloPSA API documentation (halopsa.com/apidoc): "Authorisation"
(POST /auth/token, client_credentials), "Tickets" (GET /api/tickets?pageinate=true → {record_count, tickets}),
"Actions" (POST /api/actions with an array; GET /api/actions?ticket_id= → {actions}).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import msgspec
import pytest

from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.vendors.halopsa import TICKET_PAGE, HaloPSAAdapter, to_ticket
from tests.services.psa.fakes import answer_live, save_then_stall, stall


def halo_ticket(id: int, updated: str, priority: int = 1) -> dict:
    return {"id": id, "summary": f"Printer on fire {id}", "details": "Smoke", "status_id": 1, "priority_id": priority,
            "client_id": 12, "client_name": "Acme Ltd", "site_name": "Main", "user_name": "Lou",
            "user_email": "lou@acme.example", "dateoccurred": "2026-01-04T10:00:00", "lastactiondate": updated}


@pytest.fixture
def halo(httpserver, options):
    httpserver.expect_request("/auth/token", method="POST").respond_with_json(
        {"access_token": "TOKEN-1", "token_type": "Bearer", "expires_in": 3600})
    adapter = HaloPSAAdapter(httpserver.url_for("/"), client_id="cid", secret="csecret", tenant="acme",
                             page_size=2, options=options)
    yield adapter
    adapter.close()


def test_token_then_pages_to_the_end(httpserver, halo, clock):
    q = {"pageinate": "true", "page_size": "2", "open_only": "true", "order": "id"}
    httpserver.expect_request("/api/tickets", query_string={**q, "page_no": "1"}).respond_with_json(
        {"record_count": 3, "tickets": [halo_ticket(1, "2026-01-05T08:00:00"), halo_ticket(2, "2026-01-05T08:30:00", 4)]})
    httpserver.expect_request("/api/tickets", query_string={**q, "page_no": "2"}).respond_with_json(
        {"record_count": 3, "tickets": [halo_ticket(3, "2026-01-05T07:00:00", 2)]})
    result = halo.poll(None)
    assert [(t.remote_id, t.priority, t.client, t.contact) for t in result.tickets] == [
        ("1", 1, "Acme Ltd", "lou@acme.example"), ("2", 4, "Acme Ltd", "lou@acme.example"),
        ("3", 2, "Acme Ltd", "lou@acme.example")]
    assert result.cursor == "2026-01-05T08:30:00Z"
    token_request = httpserver.log[0][0]
    assert token_request.args["tenant"] == "acme"
    assert token_request.form.to_dict() == {"grant_type": "client_credentials", "client_id": "cid",
                                            "client_secret": "csecret", "scope": "all"}
    assert httpserver.log[1][0].headers["Authorization"] == "Bearer TOKEN-1"
    # the token is reused until shortly before it expires
    halo.poll(None)
    assert [r.path for r, _ in httpserver.log].count("/auth/token") == 1
    clock.advance(seconds=3550)
    halo.poll(None)
    assert [r.path for r, _ in httpserver.log].count("/auth/token") == 2


def test_the_page_shape_holds_everything_the_mapping_reads():
    """Decoded with only the shape's keys, the documented page maps to exactly the same tickets.

    The variants make every key count: an agent with and without ``agent_name``, ``last_update``
    instead of ``lastactiondate``, and a ticket with no client name, e-mail or details.
    """
    named = dict(halo_ticket(1, "2026-01-05T08:00:00"), agent_id=5, agent_name="Ana Souza")
    by_id = dict(halo_ticket(2, "2026-01-05T08:30:00", 4), agent_id=6, last_update="2026-01-05T08:31:00")
    del by_id["lastactiondate"]
    bare = dict(halo_ticket(3, "2026-01-05T07:00:00", 2), agent_id=0, client_name=None, user_email="", details=None)
    full = {"record_count": 3, "tickets": [named, by_id, bare]}
    shaped = msgspec.json.Decoder(TICKET_PAGE).decode(json.dumps(full).encode())
    assert len(json.dumps(shaped)) < len(json.dumps(full))  # the rest went unparsed (the sample is trimmed already)
    fmap, agents = field_map("halopsa"), {"6": "Bo Berg"}
    assert len(shaped["tickets"]) == len(full["tickets"])
    for whole, part in zip(full["tickets"], shaped["tickets"], strict=True):
        assert to_ticket(part, fmap, agents) == to_ticket(whole, fmap, agents)


def test_429_then_500_then_success(httpserver, halo, sleeps):
    httpserver.expect_oneshot_request("/api/tickets").respond_with_data("", status=429, headers={"Retry-After": "1"})
    httpserver.expect_oneshot_request("/api/tickets").respond_with_data("", status=500)
    httpserver.expect_request("/api/tickets").respond_with_json({"record_count": 0, "tickets": []})
    halo.poll(None)
    assert sleeps == [1.0, 1.0]


@pytest.mark.parametrize("body, status, kind", [
    ('{"record_count": 1, "tickets": [{', 200, ErrorKind.BAD_RESPONSE),
    ('{"record_count": 1}', 200, ErrorKind.BAD_RESPONSE),
    ("", 401, ErrorKind.AUTH),
])
def test_failures(httpserver, halo, body, status, kind):
    httpserver.expect_request("/api/tickets").respond_with_data(body, status=status)
    with pytest.raises(TicketSystemError) as err:
        halo.poll(None)
    assert err.value.kind is kind


def test_wrong_client_secret(httpserver, sleeps):
    httpserver.expect_request("/auth/token", method="POST").respond_with_json({"error": "invalid_client"}, status=400)
    with HaloPSAAdapter(httpserver.url_for("/"), client_id="cid", secret="bad",
                        options=HttpOptions(sleep=sleeps)) as adapter:
        with pytest.raises(TicketSystemError) as err:
            adapter.test_connection()
    assert err.value.kind is ErrorKind.AUTH and "invalid_client" in str(err.value) and "bad" not in str(err.value)


def test_timeout_is_network(httpserver, halo):
    httpserver.expect_request("/api/tickets").respond_with_handler(stall())
    with pytest.raises(TicketSystemError) as err:
        halo.test_connection()
    assert err.value.kind is ErrorKind.NETWORK


ENTRY = TimeEntryRequest(ticket_remote_id="3", key="h-1", start=datetime(2026, 1, 5, 22, 0, tzinfo=timezone.utc),
                         end=datetime(2026, 1, 5, 22, 30, tzinfo=timezone.utc), worked_minutes=30,
                         billable_minutes=30, note="Replaced <fuser>")


def test_committed_action_that_times_out_is_found_not_reposted(httpserver, halo):
    stored: list[dict] = []

    def save(actions: list) -> dict:
        [action] = actions
        return {"id": 555, **action}

    commit_then_stall = save_then_stall(stored, save, lambda saved: saved, status=200)
    httpserver.expect_request("/api/actions", method="POST").respond_with_handler(commit_then_stall)
    httpserver.expect_request("/api/actions", method="GET", query_string={"ticket_id": "3"}).respond_with_handler(
        answer_live(lambda: {"record_count": len(stored), "actions": stored}))
    assert halo.log_time(ENTRY) == "555"
    assert len(stored) == 1
    assert stored[0]["timetaken"] == 0.5 and stored[0]["hiddenfromuser"] is True
    assert stored[0]["note"] == "Replaced &lt;fuser&gt; [oncall-key:h-1]"


def test_agent_names_are_read_one_by_one_and_a_deleted_agent_shows_its_id(httpserver, halo):
    """GET /api/agent/{id} → {id, name}; a deleted agent answers 404 and keeps its id."""
    httpserver.expect_request("/api/agent/5").respond_with_json({"id": 5, "name": "Ana Souza"})
    httpserver.expect_request("/api/agent/6").respond_with_json({"id": 6}, status=404)
    q = {"pageinate": "true", "page_size": "2", "open_only": "true", "order": "id"}
    httpserver.expect_request("/api/tickets", query_string={**q, "page_no": "1"}).respond_with_json({
        "record_count": 2, "tickets": [dict(halo_ticket(1, "2026-01-05T08:00:00"), agent_id=5),
                                       dict(halo_ticket(2, "2026-01-05T08:30:00"), agent_id=6)]})
    httpserver.expect_request("/api/tickets", query_string={**q, "page_no": "2"}).respond_with_json(
        {"record_count": 2, "tickets": []})
    assert [t.assignee for t in halo.poll(None).tickets] == ["Ana Souza", "6"]


#: "Status" as ``GET /api/status?type=ticket`` answers: a list of {id, name, shortname, …}, the shape the
#: HaloAPI PowerShell module (homotechsual/HaloAPI) reads in Get-HaloStatus and lists in its Status.json
#: template.  Ids other than 1 (New) and 9 (Closed) are each tenant's; these names are a real tenant's
#: (Wharton's "Financial Operations Ticket Statuses" help page) plus Halo's own "In Progress".
HALO_STATUSES = [
    {"id": 1, "name": "New", "shortname": "New", "ticket_count": 0, "type": 0, "sequence": 1, "colour": "#2e7d32"},
    {"id": 2, "name": "In Progress", "shortname": "In Prog", "ticket_count": 0, "type": 0, "sequence": 2,
     "colour": "#1565c0"},
    {"id": 3, "name": "With Requester", "shortname": "With Req", "ticket_count": 0, "type": 0, "sequence": 3,
     "colour": "#ef6c00"},
    {"id": 5, "name": "Updated", "shortname": "Updated", "ticket_count": 0, "type": 0, "sequence": 4,
     "colour": "#c62828"},
    {"id": 22, "name": "Pending Approval", "shortname": "Approval", "ticket_count": 0, "type": 0, "sequence": 5,
     "colour": "#ef6c00"},
    {"id": 9, "name": "Closed", "shortname": "Closed", "ticket_count": 0, "type": 0, "sequence": 9,
     "colour": "#616161"},
]


def _tickets_with_statuses(httpserver, *ids: int) -> None:
    q = {"pageinate": "true", "page_size": "2", "open_only": "true", "order": "id"}
    tickets = [dict(halo_ticket(n, "2026-01-05T08:00:00"), status_id=sid) for n, sid in enumerate(ids, 1)]
    pages = [tickets[i:i + 2] for i in range(0, len(tickets), 2)] + [[]]
    for number, page in enumerate(pages, 1):
        httpserver.expect_request("/api/tickets", query_string={**q, "page_no": str(number)}).respond_with_json(
            {"record_count": len(tickets), "tickets": page})


def test_tenant_status_ids_are_read_by_their_names_once(httpserver, halo):
    """A ticket carries only ``status_id``: "With Requester" (id 3 here) is pending, not the default open."""
    httpserver.expect_request("/api/status", query_string={"type": "ticket"}).respond_with_json(HALO_STATUSES)
    _tickets_with_statuses(httpserver, 1, 2, 3, 5, 22)
    assert [t.status for t in halo.poll(None).tickets] == ["new", "open", "pending", "open", "pending"]
    halo.poll(None)
    assert [r.path for r, _ in httpserver.log].count("/api/status") == 1  # names are remembered


def test_a_workspace_mapping_of_an_id_wins_over_its_name(httpserver, options):
    httpserver.expect_request("/auth/token", method="POST").respond_with_json({"access_token": "T", "expires_in": 3600})
    httpserver.expect_request("/api/status", query_string={"type": "ticket"}).respond_with_json(HALO_STATUSES)
    _tickets_with_statuses(httpserver, 3, 5)
    adapter = HaloPSAAdapter(httpserver.url_for("/"), client_id="cid", secret="s", page_size=2, options=options,
                             mapping={"statuses": {"5": "new"}})
    try:
        assert [t.status for t in adapter.poll(None).tickets] == ["pending", "new"]
    finally:
        adapter.close()


def test_statuses_that_cannot_be_read_leave_the_ids_to_the_mapping(httpserver, halo):
    """An API application without the statuses permission still polls; the unknown id is the default, open."""
    httpserver.expect_request("/api/status").respond_with_json({"error": "forbidden"}, status=403)
    _tickets_with_statuses(httpserver, 1, 3)
    assert [t.status for t in halo.poll(None).tickets] == ["new", "open"]
    assert "statuses" in halo.statuses.problem

"""Redmine adapter against an HTTP fake (the real Redmine e2e lives in tests/e2e).

Payload shapes follow the Redmine REST API wiki: "Rest_Issues" (GET /issues.json list with
total_count/offset/limit; PUT /issues/{id}.json → 204), "Rest_TimeEntries"
(POST /time_entries.json → 201 {"time_entry": …}, 422 {"errors": […]}), "Rest_Users" (/users/current.json).
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import msgspec
import pytest

from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.vendors.redmine import ISSUE_PAGE, RedmineAdapter, to_ticket
from tests.services.psa.fakes import STALL, answer_live, save_then_stall, stall


def issue(id: int, updated: str, priority: str = "Urgent", status: str = "New") -> dict:
    """An issue as listed by GET /issues.json (Rest_Issues)."""
    return {"id": id, "project": {"id": 1, "name": "Acme"}, "tracker": {"id": 1, "name": "Bug"},
            "status": {"id": 1, "name": status, "is_closed": False}, "priority": {"id": 4, "name": priority},
            "author": {"id": 1, "name": "Redmine Admin"}, "subject": f"Issue {id}", "description": "DB down",
            "start_date": "2026-01-04", "due_date": None, "done_ratio": 0, "is_private": False,
            "estimated_hours": None, "created_on": "2026-01-04T10:00:00Z", "updated_on": updated, "closed_on": None}


@pytest.fixture
def redmine(httpserver, options):
    adapter = RedmineAdapter(httpserver.url_for("/"), secret="KEY", activity_id=9, billable_field_id=3,
                             page_size=2, options=options)
    yield adapter
    adapter.close()


def test_poll_pages_by_offset_to_total(httpserver, redmine):
    since = "2026-01-05T08:00:00Z"
    q = {"sort": "updated_on:desc", "limit": "2", "status_id": "*", "updated_on": ">=" + since}
    httpserver.expect_request("/issues.json", query_string={**q, "offset": "0"}).respond_with_json(
        {"issues": [issue(3, "2026-01-05T08:40:00Z"), issue(2, "2026-01-05T08:10:00Z", "Low")],
         "total_count": 3, "offset": 0, "limit": 2})
    httpserver.expect_request("/issues.json", query_string={**q, "offset": "2"}).respond_with_json(
        {"issues": [issue(1, "2026-01-05T08:00:00Z", status="Closed")], "total_count": 3, "offset": 2, "limit": 2})
    result = redmine.poll(since)
    assert [(t.remote_id, t.priority, t.status) for t in result.tickets] == [("3", 1, "new"), ("2", 4, "new"), ("1", 1, "closed")]
    assert result.tickets[0].client == "Acme" and result.cursor == "2026-01-05T08:40:00Z"
    assert httpserver.log[0][0].headers["X-Redmine-API-Key"] == "KEY"


def test_the_page_shape_holds_everything_the_mapping_and_paging_read():
    """Decoded with only the shape's keys, the documented page maps to exactly the same tickets and pages on.

    The variants make every key count: an assignee, references with only an id (priority and status
    mapped by the workspace), and an issue with no author, assignee or description.
    """
    assigned = dict(issue(3, "2026-01-05T08:40:00Z"), assigned_to={"id": 5, "name": "Ana Souza"})
    by_id = dict(issue(2, "2026-01-05T08:10:00Z", "Low"), project={"id": 7}, priority={"id": 9},
                 status={"id": 12}, assigned_to={"id": 6})
    bare = dict(issue(1, "2026-01-05T08:00:00Z", status="Closed"), author=None, assigned_to=None, description=None)
    full = {"issues": [assigned, by_id, bare], "total_count": 3, "offset": 0, "limit": 25}
    shaped = msgspec.json.Decoder(ISSUE_PAGE).decode(json.dumps(full).encode())
    assert len(json.dumps(shaped)) < len(json.dumps(full))  # the rest went unparsed
    assert shaped["total_count"] == 3
    fmap = field_map("redmine", {"priorities": {"9": 2}, "statuses": {"12": "pending"}})
    assert len(shaped["issues"]) == len(full["issues"])
    for whole, part in zip(full["issues"], shaped["issues"], strict=True):
        assert to_ticket(part, fmap) == to_ticket(whole, fmap)


def test_first_poll_reads_open_issues(httpserver, redmine):
    httpserver.expect_request("/issues.json", query_string={"sort": "updated_on:desc", "limit": "2", "status_id": "open",
                                                            "offset": "0"}).respond_with_json(
        {"issues": [], "total_count": 0, "offset": 0, "limit": 2})
    assert redmine.poll(None).tickets == []


def test_429_then_500_then_success(httpserver, redmine, sleeps):
    httpserver.expect_ordered_request("/issues.json").respond_with_data("", status=429, headers={"Retry-After": "3"})
    httpserver.expect_ordered_request("/issues.json").respond_with_data("", status=500)
    httpserver.expect_ordered_request("/issues.json").respond_with_json({"issues": [], "total_count": 0})
    redmine.poll("2026-01-05T08:00:00Z")
    assert sleeps == [3.0, 1.0]


@pytest.mark.parametrize("body, status, kind", [
    ('{"issues": [', 200, ErrorKind.BAD_RESPONSE),
    ('{"issues": "nope", "total_count": 1}', 200, ErrorKind.BAD_RESPONSE),
    ("", 401, ErrorKind.AUTH),
])
def test_failures(httpserver, redmine, body, status, kind):
    httpserver.expect_request("/issues.json").respond_with_data(body, status=status, content_type="application/json")
    with pytest.raises(TicketSystemError) as err:
        redmine.poll("2026-01-05T08:00:00Z")
    assert err.value.kind is kind


def test_timeout_is_network(httpserver, redmine):
    httpserver.expect_request("/users/current.json").respond_with_handler(stall())
    with pytest.raises(TicketSystemError) as err:
        redmine.test_connection()
    assert err.value.kind is ErrorKind.NETWORK


def test_note_is_private(httpserver, redmine):
    httpserver.expect_request("/issues/7.json", method="PUT").respond_with_data("", status=204)
    redmine.add_note("7", "Acknowledged")
    assert httpserver.log[0][0].get_json() == {"issue": {"notes": "Acknowledged", "private_notes": True}}


ENTRY = TimeEntryRequest(ticket_remote_id="7", key="abc", start=datetime(2026, 1, 5, 23, 40, tzinfo=timezone.utc),
                         end=datetime(2026, 1, 5, 23, 55, tzinfo=timezone.utc), worked_minutes=15,
                         billable_minutes=15, note="x" * 2000)


def test_log_time_payload_keeps_the_stamp_within_the_limit(httpserver, redmine):
    httpserver.expect_request("/time_entries.json", method="POST").respond_with_json(
        {"time_entry": {"id": 31, "hours": 0.25}}, status=201)
    assert redmine.log_time(ENTRY) == "31"
    body = httpserver.log[0][0].get_json()["time_entry"]
    assert body["hours"] == 0.25 and body["spent_on"] == "2026-01-05" and body["activity_id"] == 9
    assert body["custom_fields"] == [{"id": 3, "value": "1"}]
    assert len(body["comments"]) <= 1024 and body["comments"].endswith("[oncall-key:abc]")


def test_422_is_rejected_with_reason(httpserver, redmine):
    httpserver.expect_request("/time_entries.json", method="POST").respond_with_json(
        {"errors": ["Activity cannot be blank"]}, status=422)
    with pytest.raises(TicketSystemError) as err:
        redmine.log_time(ENTRY)
    assert err.value.kind is ErrorKind.REJECTED and "Activity cannot be blank" in str(err.value)


def test_committed_post_that_times_out_is_found_not_reposted(httpserver, redmine):
    stored: list[dict] = []
    commit_then_stall = save_then_stall(
        stored, lambda body: {"id": 40, "comments": body["time_entry"]["comments"]}, lambda saved: {"time_entry": saved[-1]})
    httpserver.expect_request("/time_entries.json", method="POST").respond_with_handler(commit_then_stall)
    httpserver.expect_request("/time_entries.json", method="GET").respond_with_handler(answer_live(
        lambda: {"time_entries": stored, "total_count": len(stored), "offset": 0, "limit": 100}))
    assert redmine.log_time(ENTRY) == "40"
    assert len(stored) == 1 and redmine.find_time_entry("7", "other") is None


def test_note_that_times_out_is_not_resent_blindly(httpserver, redmine, sleeps):
    """A PUT with notes appends a journal entry: after a timeout the adapter must not send it again
    (the outbox decides with the note's key), or the client's ticket gets the note twice."""
    received: list = []
    slow = save_then_stall(received, lambda body: body, answer=None, status=204)  # saved, answered after our read timeout
    httpserver.expect_request("/issues/8.json", method="PUT").respond_with_handler(slow)
    with pytest.raises(TicketSystemError) as err:
        redmine.add_note("8", "Acknowledged by Ana")
    assert err.value.uncertain
    time.sleep(STALL + 0.05)
    assert len(received) == 1 and sleeps == []

"""The Redmine adapter against a real Redmine 5.0 (Debian's package) on 127.0.0.1.

What the HTTP fakes cannot show: that Redmine really pages at 100, that our
``updated_on=>=`` cursor matches what Redmine stores, that a private note and
a time entry read back as we wrote them, and which errors a wrong key or a
dead server really produce.  Calls follow the Redmine REST API wiki pages
"Rest_Issues", "Rest_TimeEntries" and "Rest_api" (authentication).
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.paging.escalation import Context, default_rules, evaluate
from oncall_desktop.core.time.clock import parse_instant
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.retry import RetryPolicy
from oncall_desktop.services.psa.vendors.redmine import RedmineAdapter
from tests.e2e.redmine import RedmineServer

FAST_FAIL = HttpOptions(timeout=(2.0, 30.0), policy=RetryPolicy(attempts=2, base=0.05, cap=0.1, max_total_wait=0.5))


def adapter_for(redmine: RedmineServer, secret: str | None = None) -> RedmineAdapter:
    return RedmineAdapter(redmine.url, secret=redmine.api_key if secret is None else secret,
                          project=redmine.project, activity_id=redmine.activity_id,
                          billable_field_id=redmine.billable_cf_id, options=FAST_FAIL)


def wait_past_second(stamp: str) -> None:
    """Redmine stores whole seconds; changes must land in a later second than the cursor."""
    while datetime.now(timezone.utc).replace(microsecond=0) <= parse_instant(stamp):
        time.sleep(0.05)


def again(cursor: str, tickets) -> set[int]:
    """Issues an ``updated_on>=cursor`` query returns again: those of the cursor's second and the one before.

    Measured on Redmine 5.0 + SQLite: Redmine turns ``>= T`` into ``> T - 1 s``
    and SQLite keeps fractions of seconds, so ``T-1 s + 0.4`` matches too.
    More than asked for, never less — the poller de-duplicates; nothing is lost.
    """
    floor = parse_instant(cursor) - timedelta(seconds=1)
    return {int(t.remote_id) for t in tickets if t.updated is not None and t.updated >= floor}


def test_poll_reads_every_page_then_only_what_changed(redmine: RedmineServer) -> None:
    def backup_failed(n: int) -> int:
        return redmine.create_issue(f"Backup job failed #{n}", priority="Urgent" if n % 5 == 0 else "Normal")

    # A quiet machine makes 105 issues in about a second, all inside the window a
    # cursor query returns again (see ``again``): the last five come two seconds
    # later, so the project's bulk is older than the cursor's window.
    created = [backup_failed(n) for n in range(100)]
    time.sleep(2.2)
    created += [backup_failed(n) for n in range(100, 105)]
    open_now = redmine.api("GET", "/issues.json", params={"project_id": redmine.project, "status_id": "open",
                                                          "limit": 1})["total_count"]
    with adapter_for(redmine) as adapter:
        first = adapter.poll(None)
        ids = [int(t.remote_id) for t in first.tickets]
        assert len(ids) == len(set(ids)) == open_now >= 105, "every open issue once, across two pages"
        assert set(created) <= set(ids)
        by_id = {int(t.remote_id): t for t in first.tickets}
        urgent, normal = by_id[created[0]], by_id[created[1]]
        assert (urgent.title, urgent.priority, urgent.source) == ("Backup job failed #0", 1, "redmine")
        assert normal.priority == 3
        now = datetime.now(timezone.utc)
        assert evaluate(urgent, default_rules(), Context(), now).page, "Redmine's Urgent pages"
        assert not evaluate(normal, default_rules(), Context(), now).page
        assert urgent.client.startswith("On-call e2e")  # Redmine has no companies: the project is the client
        assert first.cursor is not None
        assert parse_instant(first.cursor) == max(t.updated for t in first.tickets if t.updated)

        wait_past_second(first.cursor)
        new = redmine.create_issue("Server down at Beta Ltd", description="Exchange unreachable since 02:10")
        redmine.api("PUT", f"/issues/{created[50]}.json", json={"issue": {"notes": "Customer called again"}})
        closed_id = next(s["id"] for s in redmine.api("GET", "/issue_statuses.json")["issue_statuses"]
                         if s["name"] == "Closed")
        redmine.api("PUT", f"/issues/{created[60]}.json", json={"issue": {"status_id": closed_id}})

        second = adapter.poll(first.cursor)
        got = {int(t.remote_id): t for t in second.tickets}
        assert set(got) == {new, created[50], created[60]} | again(first.cursor, first.tickets)
        assert len(got) < 100, "the incremental poll must not re-read the whole project"
        assert got[new].body == "Exchange unreachable since 02:10"
        assert got[created[60]].status == "closed", "an incremental poll also reports tickets closed meanwhile"
        assert parse_instant(second.cursor) > parse_instant(first.cursor)

        third = adapter.poll(second.cursor)
        assert {int(t.remote_id) for t in third.tickets} == (
            again(second.cursor, second.tickets) | again(second.cursor, first.tickets))


def test_private_note_reads_back_from_the_journal(redmine: RedmineServer) -> None:
    issue = redmine.create_issue("Firewall down at Acme")
    text = "Acknowledged by Dana (on call) at 03:12 — looking at it now"
    with adapter_for(redmine) as adapter:
        adapter.add_note(str(issue), text, internal=True)
        adapter.add_note(str(issue), "Public update: engineer assigned", internal=False)
    notes = [(j["notes"], j["private_notes"]) for j in redmine.journals(issue)]
    assert notes == [(text, True), ("Public update: engineer assigned", False)]


def test_time_entry_carries_the_key_and_is_found_by_it(redmine: RedmineServer) -> None:
    issue = redmine.create_issue("Server down at Acme")
    key = f"te-{uuid.uuid4()}"
    entry = TimeEntryRequest(ticket_remote_id=str(issue), key=key,
                             start=datetime(2026, 1, 10, 22, 10, tzinfo=timezone.utc),
                             end=datetime(2026, 1, 10, 22, 55, tzinfo=timezone.utc),
                             worked_minutes=45, billable_minutes=60, multiplier=1.5,
                             note="After-hours call-out: restarted the file server")
    unbilled = TimeEntryRequest(ticket_remote_id=str(issue), key=f"te-{uuid.uuid4()}",
                                start=entry.start, end=entry.end, worked_minutes=15, billable_minutes=0,
                                billable=False, note="Follow-up check")
    with adapter_for(redmine) as adapter:
        assert adapter.find_time_entry(str(issue), key) is None
        remote = adapter.log_time(entry)
        other = adapter.log_time(unbilled)
        assert adapter.find_time_entry(str(issue), key) == remote
        assert adapter.find_time_entry(str(issue), unbilled.key) == other != remote
        assert adapter.find_time_entry(str(issue), "te-never-posted") is None

    stored = {str(e["id"]): e for e in redmine.time_entries(issue)}
    assert set(stored) == {remote, other}
    mine = stored[remote]
    assert mine["hours"] == 0.75 and mine["spent_on"] == "2026-01-10"
    assert mine["activity"] == {"id": redmine.activity_id, "name": "After-hours support"}
    assert mine["comments"].startswith("After-hours call-out: restarted the file server")
    assert "(billable 60 min at 1.5×)" in mine["comments"] and f"[oncall-key:{key}]" in mine["comments"]
    billable = {cf["id"]: cf["value"] for cf in mine["custom_fields"]}
    assert billable[redmine.billable_cf_id] == "1"
    assert {cf["id"]: cf["value"] for cf in stored[other]["custom_fields"]}[redmine.billable_cf_id] == "0"


def test_wrong_api_key_is_an_auth_error_in_words(redmine: RedmineServer) -> None:
    wrong = "0123456789abcdef0123456789abcdef01234567"
    with adapter_for(redmine, secret=wrong) as adapter:
        with pytest.raises(TicketSystemError) as caught:
            adapter.poll(None)
        with pytest.raises(TicketSystemError) as signing_in:
            adapter.test_connection()
    for error in (caught.value, signing_in.value):
        assert error.kind is ErrorKind.AUTH
        assert "Redmine" in error.message and "401" in error.message and "API key" in error.message
        assert wrong not in error.message and "Traceback" not in error.message
    with adapter_for(redmine) as adapter:
        assert adapter.test_connection() == f"Connected to Redmine at 127.0.0.1:{redmine.port} as admin."


def test_server_down_is_a_network_error_and_recovery_keeps_the_data(redmine: RedmineServer) -> None:
    issue = redmine.create_issue("Switch down in server room")
    with adapter_for(redmine) as adapter:
        before = adapter.poll(None)
        with redmine.down():
            with pytest.raises(TicketSystemError) as caught:
                adapter.poll(before.cursor)
            assert caught.value.kind is ErrorKind.NETWORK
            assert f"127.0.0.1:{redmine.port}" in caught.value.message and "refused" in caught.value.message
            with pytest.raises(TicketSystemError) as writing:
                adapter.add_note(str(issue), "Acknowledged")
            assert writing.value.kind is ErrorKind.NETWORK and not writing.value.uncertain
        after = adapter.poll(None)  # the same adapter (and its pooled connection) recovers
        adapter.add_note(str(issue), "Acknowledged")
    assert issue in {int(t.remote_id) for t in after.tickets}
    assert {t.remote_id for t in before.tickets} <= {t.remote_id for t in after.tickets}
    assert [j["notes"] for j in redmine.journals(issue)] == ["Acknowledged"], "the refused note was never written"

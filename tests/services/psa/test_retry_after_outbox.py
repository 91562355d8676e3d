"""A server asking to wait eleven days parks a billable entry for an hour, and says so.

Through the real path: the Redmine adapter's HTTP layer reads ``Retry-After``,
the outbox turns the error into the row's next try.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from oncall_desktop.services.delivery.outbox import Outbox
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.retry import RetryPolicy
from oncall_desktop.services.psa.vendors.redmine import RedmineAdapter

T0 = datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc)


def test_retry_after_999999_parks_the_entry_for_one_hour(workspace, httpserver):
    httpserver.expect_request("/time_entries.json", method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "999999"})
    options = HttpOptions(timeout=(1.0, 1.0), policy=RetryPolicy(attempts=2), sleep=lambda s: None)
    redmine = RedmineAdapter(httpserver.url_for("/"), secret="KEY", activity_id=9, options=options)
    outbox = Outbox(workspace.store, rand=lambda: 0.5)
    outbox.enqueue_time_entry({"start": T0, "end": T0 + timedelta(minutes=30), "worked_minutes": 30,
                               "billable_minutes": 30, "note": "call-out"}, "redmine:7", "k-cap")
    try:
        report = outbox.deliver(redmine, T0)
    finally:
        redmine.close()
    row = outbox.get("k-cap")
    assert report.waiting == 1 and row is not None
    assert row.next_try == T0 + timedelta(hours=1)
    assert "asked us to wait 11.6 days; trying again in 1 h instead" in row.last_error

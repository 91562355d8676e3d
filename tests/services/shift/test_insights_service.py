"""Insights read from a live workspace: real pages, timers and the billing service's entries."""
from __future__ import annotations

from datetime import timedelta

from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.services.shift.insights_service import insights_report


def test_a_night_on_call_shows_up_in_insights(workspace, fake_clock) -> None:
    seed_demo(workspace)
    start = fake_clock.now() - timedelta(hours=1)
    workspace.poll()  # the demo's Acme outage pages
    fake_clock.advance(minutes=4)
    page = workspace.acknowledge()
    if workspace.timers.running() is None:
        workspace.toggle_timer(page.id)
    fake_clock.advance(minutes=40)
    workspace.resolve(page.id)
    if workspace.timers.running() is not None:
        workspace.toggle_timer()
    report = insights_report(workspace, start, fake_clock.now() + timedelta(hours=1), "UTC")
    t = report.totals
    assert t["pages"] == 1 and t["acknowledged"] == 1 and t["resolved"] == 1
    assert t["median_ack_minutes"] == 4.0 and t["after_hours_pages"] == 1
    acme = next(r for r in report.clients if r["client"] == "Acme Dental")
    assert acme["after_hours_minutes"] >= 40
    assert acme["billable_minutes"] >= 60  # the demo agreement's call-out minimum
    stored = workspace.store.db.conn.execute(
        "SELECT sum(billable_minutes) FROM time_entries WHERE client = 'Acme Dental' AND after_hours_minutes > 0"
    ).fetchone()[0]
    assert acme["billable_minutes"] == stored  # the billing service's own figure, not a second opinion
    people = {r["person"]: r for r in report.people}
    assert people["Ana Souza"]["pages"] == 1

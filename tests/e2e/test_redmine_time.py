"""Billed night work reaches a real Redmine as one time entry — also across a crash and an outage.

The whole chain a tech's laptop runs: the timer stops, billing turns the
minutes into an after-hours entry, the outbox posts it through the Redmine
adapter, and the entry is then read back from Redmine itself (Redmine REST
API wiki, "Rest_TimeEntries": ``GET /time_entries.json?issue_id=``): right
hours, the idempotency key in its comment, and exactly once — even when the
app dies between Redmine's answer and our local commit.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.delivery.outbox import CLAIM_SECONDS
from tests.e2e.redmine import RedmineServer

NIGHT = datetime(2026, 3, 11, 2, 10, tzinfo=timezone.utc)  # a Wednesday, 02:10 UTC


class Crash(BaseException):
    """kill -9: nothing after this point runs."""


def _workspace(path, clock: FakeClock, redmine: RedmineServer, *, first: bool = True) -> Workspace:
    ws = Workspace(path, clock)
    if first:
        ws.billing.load_clients('[default]\ntime_zone = "UTC"\n')  # Mon–Fri 09–17 UTC: 02:10 is after hours
        ws.connect("redmine", url=redmine.url, secret=redmine.api_key,
                   options={"project": redmine.project, "activity_id": redmine.activity_id})
    return ws


def _night_work(ws: Workspace, clock: FakeClock, issue: int, minutes: int) -> str:
    """Time ``minutes`` of work on the issue; returns the billed entry's key."""
    ws.timers.start(f"redmine:{issue}", "Acme Dental")
    clock.advance(minutes=minutes)
    ws.timers.stop()
    entries = [e for e in ws.billing.recent_entries() if e["ticket"] == f"redmine:{issue}"]
    assert [(e["worked_minutes"], e["multiplier"]) for e in entries] == [(minutes, 2.0)]
    return str(entries[0]["key"])


def _stamped(redmine: RedmineServer, issue: int, key: str) -> list[dict]:
    return [e for e in redmine.time_entries(issue) if f"[oncall-key:{key}]" in (e.get("comments") or "")]


def test_night_entry_appears_once_with_hours_and_key(tmp_path, redmine: RedmineServer) -> None:
    clock = FakeClock(NIGHT)
    ws = _workspace(tmp_path / "ws", clock, redmine)
    try:
        issue = redmine.create_issue(f"Practice server down ({uuid.uuid4().hex[:6]})")
        key = _night_work(ws, clock, issue, 38)
        report = ws.deliver_outbox()
        assert (report.sent, report.errors) == (1, [])
        entries = redmine.time_entries(issue)
        assert len(entries) == 1
        entry = entries[0]
        assert entry["hours"] == pytest.approx(0.63)  # 38 min, as Redmine keeps hours to two places
        assert f"[oncall-key:{key}]" in entry["comments"]
        assert "(billable 60 min at 2×)" in entry["comments"] and "minimum call-out 60" in entry["comments"]
        assert entry["activity"]["id"] == redmine.activity_id and entry["spent_on"] == "2026-03-11"
        assert ws.outbox.get(key).remote_id == str(entry["id"])  # type: ignore[union-attr]
        clock.advance(hours=1)
        assert ws.deliver_outbox().sent == 0
        assert len(redmine.time_entries(issue)) == 1
    finally:
        ws.close()


def test_crash_between_post_and_local_commit_posts_once(tmp_path, redmine: RedmineServer) -> None:
    clock = FakeClock(NIGHT)
    ws = _workspace(tmp_path / "ws", clock, redmine)
    issue = redmine.create_issue(f"VPN down ({uuid.uuid4().hex[:6]})")
    key = _night_work(ws, clock, issue, 75)
    adapter = ws.ticket_system()
    real = adapter.log_time

    def post_then_die(entry):  # Redmine has saved it and answered; our commit never happens
        real(entry)
        raise Crash()

    adapter.log_time = post_then_die
    with pytest.raises(Crash):
        ws.deliver_outbox()
    ws.store.db.conn.close()  # the process is gone
    assert len(_stamped(redmine, issue, key)) == 1

    clock.advance(seconds=CLAIM_SECONDS + 1)  # restarted later: the dead process's claim has lapsed
    again = _workspace(tmp_path / "ws", clock, redmine, first=False)
    try:
        row = again.outbox.get(key)
        assert row is not None and row.state == "pending" and row.in_doubt
        report = again.deliver_outbox()
        assert (report.sent, report.errors) == (1, [])
        assert again.store.events(kind="outbox.sent")[-1]["data"]["already_there"] is True
        entries = redmine.time_entries(issue)
        assert len(entries) == 1 and f"[oncall-key:{key}]" in entries[0]["comments"]
        assert entries[0]["hours"] == pytest.approx(1.25)
        assert again.outbox.get(key).remote_id == str(entries[0]["id"])  # type: ignore[union-attr]
    finally:
        again.close()


def test_offline_entry_waits_with_the_reason_and_goes_out_when_redmine_is_back(tmp_path,
                                                                               redmine: RedmineServer) -> None:
    clock = FakeClock(NIGHT)
    ws = _workspace(tmp_path / "ws", clock, redmine)
    try:
        issue = redmine.create_issue(f"Backup failed ({uuid.uuid4().hex[:6]})")
        key = _night_work(ws, clock, issue, 20)
        with redmine.down():
            report = ws.deliver_outbox()
            assert (report.sent, report.waiting) == (0, 1)
            row = ws.outbox.get(key)
            assert row is not None and row.state == "pending"
            assert "refused the connection" in row.last_error
            assert ws.billing.report(_day())[0]["sync"] == "pending"
        clock.advance(hours=1)
        assert ws.deliver_outbox().sent == 1
        assert len(_stamped(redmine, issue, key)) == 1
        assert ws.billing.report(_day())[0]["sync"] == "synced"
    finally:
        ws.close()


def _day():
    from oncall_desktop.services.time.billing_service import period_of

    return period_of("2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z")

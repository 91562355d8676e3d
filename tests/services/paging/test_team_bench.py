"""The team bench's machinery at a small N: real apps, the fake Autotask, the shared fake clock.

Behaviour, not timing: the on-call app hears of every ticket, the escalations reach
the backup, off-call apps stay nearly silent, and every time entry reaches the
fake server exactly once (bench/team.py says what is simulated and what is real).
"""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "team.py"


@pytest.fixture
def team(monkeypatch):
    """The bench module, with the local zone UTC as its ``main`` sets it (quiet hours are local time)."""
    spec = importlib.util.spec_from_file_location("team_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "team_bench", module)
    spec.loader.exec_module(module)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield module
    monkeypatch.undo()
    time.tzset()


@pytest.mark.slow
def test_a_small_team_night_pages_escalates_and_bills_once(team) -> None:
    got = team.run(4, minutes=45)
    assert got["tickets"] >= 2
    assert got["page_p95_s"] is not None and got["page_p95_s"] != float("inf")  # every ticket paged the primary
    assert got["escalations"] >= 1 and got["escalation_p95_s"] != float("inf")  # and reached the backup
    assert got["entries"] >= 1 and got["lost"] == 0 and got["duplicates"] == 0
    assert got["rate_429"] == 0
    assert got["off_call_per_app_per_hour"] <= 2  # quiet hours, off call: about one small request an hour
    assert got["primary_per_hour"] >= 60  # the on-call app polls the whole desk every minute


def test_the_fake_autotask_filters_and_pages_as_documented(team) -> None:
    """"Basic query calls": filters are and-ed, MaxRecords pages with nextPageUrl, IncludeFields trims."""
    from oncall_desktop.core.time.clock import FakeClock

    db = team.FakeAutotask(FakeClock(team.NIGHT), {"Tech 000": 1, "Tech 001": 2})
    for i in range(3):
        db.new_ticket(f"t{i}", 4)
    db.tickets[1002]["assignedResourceID"] = 2
    one = db.query("Tickets", {"filter": [{"op": "eq", "field": "assignedResourceID", "value": 2}],
                               "IncludeFields": ["id", "title"]}, "http://h")
    assert one["items"] == [{"id": 1002, "title": "t1"}] and one["pageDetails"]["nextPageUrl"] is None
    two = db.query("Tickets", {"filter": [{"op": "noteq", "field": "status", "value": 5}], "MaxRecords": 2},
                   "http://h")
    assert len(two["items"]) == 2 and two["pageDetails"]["nextPageUrl"].startswith("http://h/ATServicesRest")


def test_the_fake_autotask_answers_429_past_its_hourly_limit(team) -> None:
    """Autotask's 10,000 an hour per database, here 3: the fourth request in the hour is refused."""
    from datetime import timedelta

    from oncall_desktop.core.time.clock import FakeClock

    clock = FakeClock(team.NIGHT)
    db = team.FakeAutotask(clock, {"Tech 000": 1}, limit=3)
    assert [db.throttled("a") for _ in range(4)] == [False, False, False, True]
    clock.advance(minutes=30)
    assert db.throttled("a") is True  # refused ones do not count, the answered ones still do
    clock.advance(minutes=31)
    assert db.throttled("a") is False
    assert [status for *_, status in db.requests] == [200, 200, 200, 429, 429, 200]
    assert timedelta(hours=1) == team.HOUR

"""After an unclean exit the app says when it stopped and what arrived meanwhile."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.app import last_run
from oncall_desktop.services.storage.store import Store

NIGHT = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path)
    yield s
    s.close()


def _ticket(store: Store, n: int, seen: datetime) -> None:
    store.db.conn.execute(
        "INSERT INTO tickets (id, source, remote_id, client, title, body, priority, status, contact, created, "
        "updated, first_seen, last_seen) VALUES (?, 'local', ?, 'Acme', 't', '', 1, 'open', '', ?, ?, ?, ?)",
        (f"local:{n}", str(n), iso(seen), iso(seen), iso(seen), iso(seen)))


def _page(store: Store, n: int, state: str, created: datetime) -> None:
    store.db.conn.execute("INSERT INTO pages (ticket_id, state, severity, reason, created) VALUES (?, ?, 'P1', 'x', ?)",
                          (f"local:{n}", state, iso(created)))


def test_a_crash_is_reported_with_what_arrived(store: Store) -> None:
    last_run.mark_started(store, NIGHT - timedelta(hours=8), run_id="yesterday")
    _ticket(store, 1, NIGHT - timedelta(hours=1))  # seen while it ran
    _page(store, 1, "acknowledged", NIGHT - timedelta(hours=1))
    last_run.beat(store, NIGHT + timedelta(minutes=14), run_id="yesterday")
    # … killed here; nobody called mark_clean_exit
    for n in (2, 3, 4):
        _ticket(store, n, NIGHT + timedelta(hours=5))
    _page(store, 2, "pending", NIGHT + timedelta(hours=5))
    now = NIGHT + timedelta(hours=5, minutes=30)
    expected = ("oncall-desktop stopped unexpectedly at 02:14 (last sign of life); since then: "
                "3 tickets arrived, 1 page opened, 1 page waiting")
    assert last_run.unclean_report(store, now, timezone.utc, run_id="today") == expected
    last_run.mark_started(store, now, run_id="today")
    # still known after this run's marker replaced it, and written to the audit trail once
    assert last_run.unclean_report(store, now, timezone.utc, run_id="today") == expected
    event = store.latest_event("app.stopped_unexpectedly")
    assert event["data"]["alive"] == iso(NIGHT + timedelta(minutes=14))


def test_another_day_names_the_day_and_nothing_arrived(store: Store) -> None:
    last_run.mark_started(store, NIGHT, run_id="a")
    now = NIGHT + timedelta(days=2)
    assert last_run.unclean_report(store, now, timezone.utc, run_id="b") == (
        "oncall-desktop stopped unexpectedly at Wed 25 Nov 02:00 (last sign of life); since then: nothing arrived")


def test_clean_exit_first_start_and_a_running_instance_report_nothing(store: Store) -> None:
    assert last_run.unclean_report(store, NIGHT, run_id="a") is None  # never ran
    last_run.mark_started(store, NIGHT, run_id="a")
    assert last_run.unclean_report(store, NIGHT, run_id="a") is None  # this run itself
    last_run.mark_clean_exit(store, NIGHT + timedelta(hours=1), run_id="a")
    assert last_run.unclean_report(store, NIGHT + timedelta(hours=9), run_id="b") is None
    last_run.mark_started(store, NIGHT + timedelta(hours=9), run_id="b")
    assert store.get_setting(last_run.PREVIOUS) is None and store.latest_event("app.stopped_unexpectedly") is None
    # "b" is alive (this very process) and beat a minute ago: a second instance, not a crash
    last_run.beat(store, NIGHT + timedelta(hours=10), run_id="b")
    assert last_run.unclean_report(store, NIGHT + timedelta(hours=10, minutes=1), run_id="c") is None

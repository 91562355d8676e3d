"""The event log keeps what insights and audits need, prunes the rest, and stays append-only."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from oncall_desktop.services.app.preferences import Preferences, SettingsError
from oncall_desktop.services.storage.store import Store, prune_events

NOW = datetime(2026, 11, 25, 22, 10, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(tmp_path)
    yield s
    s.close()


def _kinds(store: Store) -> list[tuple[str, str]]:
    return [(e["kind"], e["subject"]) for e in store.events()]


def test_old_events_go_recent_ones_stay(store: Store) -> None:
    store.log("page.opened", "local:1", at=NOW - timedelta(days=500))
    store.log("page.resolved", "local:1", at=NOW - timedelta(days=499))
    store.log("page.opened", "local:2", at=NOW - timedelta(days=366))  # inside a year of insights
    store.log("page.resolved", "local:2", at=NOW - timedelta(days=10))
    assert prune_events(store, NOW) == 2
    assert _kinds(store) == [("page.opened", "local:2"), ("page.resolved", "local:2"), ("events.pruned", "")]
    assert store.latest_event("events.pruned")["data"]["removed"] == 2
    assert prune_events(store, NOW) == 0  # nothing more, and no second marker
    assert len(store.events(kind="events.pruned")) == 1


def test_the_newest_of_each_kind_and_open_pages_are_kept(store: Store) -> None:
    store.log("readiness.checked", "", {"n": 1}, at=NOW - timedelta(days=900))
    store.log("pack.synced", "", {"n": 1}, at=NOW - timedelta(days=800))
    store.log("pack.synced", "", {"n": 2}, at=NOW - timedelta(days=700))
    store.log("page.opened", "local:8", at=NOW - timedelta(days=650))
    store.log("page.opened", "local:9", at=NOW - timedelta(days=600))
    store.db.conn.execute("INSERT INTO pages (ticket_id, state, severity, reason, created) "
                          "VALUES ('local:9', 'pending', 'P1', 'test', '2025-01-01T00:00:00Z')")
    assert prune_events(store, NOW) == 2  # the first pack.synced and local:8's page.opened
    assert store.latest_event("readiness.checked")["data"] == {"n": 1}
    assert [e["data"] for e in store.events(kind="pack.synced")] == [{"n": 2}]
    assert [e["subject"] for e in store.events(kind="page.opened")] == ["local:9"]


def test_still_append_only_after_and_around_a_prune(store: Store) -> None:
    store.log("old", at=NOW - timedelta(days=1000))
    store.log("old", at=NOW - timedelta(days=999))
    store.log("new", at=NOW)
    prune_events(store, NOW)
    conn = store.db.conn
    assert conn.execute("SELECT COUNT(*) FROM events_prune").fetchone()[0] == 0
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET kind = 'x'")
    # even with a cutoff set, only events older than it can go
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        with store.transaction():
            conn.execute("INSERT INTO events_prune (id, before) VALUES (1, '2000-01-01T00:00:00Z')")
            conn.execute("DELETE FROM events WHERE kind = 'new'")
    assert conn.execute("SELECT COUNT(*) FROM events_prune").fetchone()[0] == 0
    assert [k for k, _ in _kinds(store)] == ["old", "new", "events.pruned"]


def test_batches_and_the_setting(store: Store) -> None:
    for n in range(25):
        store.log("filler", str(n), at=NOW - timedelta(days=100 + n))
    store.log("filler", "last", at=NOW)
    store.set_setting("events_keep_days", 110)
    assert prune_events(store, NOW, batch=4) == 14  # older than 110 days: 111..124
    store.set_setting("events_keep_days", 1)  # below the floor: last month's audits stay
    assert prune_events(store, NOW) == 11  # everything older than 60 days: 100..110
    assert all(datetime.fromisoformat(e["at"].replace("Z", "+00:00")) >= NOW - timedelta(days=60)
               for e in store.events() if e["kind"] == "filler")


def test_settings_checks_the_keep_time(workspace) -> None:
    prefs = Preferences(workspace)
    assert prefs.values()["events_keep_days"] == 400
    assert prefs.set_events_keep_days("500") == 500
    assert workspace.store.get_setting("events_keep_days") == 500
    for bad in ("a year", 10, 100_000, True):
        with pytest.raises(SettingsError):
            prefs.set_events_keep_days(bad)

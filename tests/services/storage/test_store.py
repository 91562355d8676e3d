from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from oncall_desktop.services.storage.store import DB_NAME, SCHEMA_VERSION, Store, WorkspaceError


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_workspace_is_wal_and_migrated(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "ws")
    conn = store.db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {"events", "settings", "pages", "tickets", "local_tickets", "timers"} <= set(store.db.table_names())
    store.close()


def test_reopen_keeps_data_and_does_not_remigrate(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.log("test.kind", "subject", {"n": 1})
    store.set_setting("me", "Ana")
    store.close()
    again = Store.open(tmp_path)
    assert [e["data"] for e in again.events()] == [{"n": 1}]
    assert again.get_setting("me") == "Ana"
    again.close()


def test_events_are_append_only(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    store.log("a")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.conn.execute("UPDATE events SET kind = 'b'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.conn.execute("DELETE FROM events")
    assert [e["kind"] for e in store.events()] == ["a"]
    store.close()


def test_event_filters(tmp_path: Path, fake_clock) -> None:
    store = Store.open(tmp_path, fake_clock)
    store.log("page.opened", "local:1")
    fake_clock.advance(minutes=5)
    store.log("page.acknowledged", "local:1", {"by": "Ana"})
    store.log("page.opened", "local:2")
    assert [e["subject"] for e in store.events(kind="page.opened")] == ["local:1", "local:2"]
    assert [e["kind"] for e in store.events(subject="local:1")] == ["page.opened", "page.acknowledged"]
    assert len(store.events(since=fake_clock.now())) == 2
    store.close()


def test_newer_schema_is_refused_and_untouched(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    before = _digest(path)
    with pytest.raises(WorkspaceError, match="newer oncall-desktop"):
        Store.open(tmp_path)
    assert _digest(path) == before


def test_corrupt_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    path.write_bytes(b"this is not a database at all" * 100)
    before = _digest(path)
    with pytest.raises(WorkspaceError, match="not an oncall-desktop workspace"):
        Store.open(tmp_path)
    assert _digest(path) == before


def test_damaged_database_is_refused_and_untouched(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    data = bytearray(path.read_bytes())
    # keep the header, trash the schema page
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))
    before = _digest(path)
    with pytest.raises(WorkspaceError, match="damaged"):
        Store.open(tmp_path)
    assert _digest(path) == before


def test_workspace_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(WorkspaceError, match="is a file"):
        Store.open(target)


def test_transaction_rolls_back_everything(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.log("inside")
            store.set_setting("k", 1)
            raise RuntimeError("boom")
    assert store.events() == [] and store.get_setting("k") is None
    store.close()

"""The store on a hostile disk: private files, a read-only folder, a full disk, a held write lock."""
from __future__ import annotations

import sqlite3
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_desktop.services.storage import store as store_module
from oncall_desktop.services.storage.store import DB_NAME, Store, StoreError, WorkspaceError
from tests.cli_run import run


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------ permissions
def test_new_workspace_is_private(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    store = Store.open(folder)
    store.log("a")  # the -wal and -shm exist while the store is open
    db = folder / DB_NAME
    assert _mode(folder) == 0o700
    assert _mode(db) == 0o600
    for suffix in ("-wal", "-shm"):
        assert _mode(db.with_name(db.name + suffix)) == 0o600
    store.close()


def test_an_older_loose_workspace_is_tightened(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    db = tmp_path / DB_NAME
    db.chmod(0o644)
    store = Store.open(tmp_path)
    assert _mode(db) == 0o600
    store.close()


# ----------------------------------------------------------------- read-only
@pytest.fixture
def read_only_bind(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(writable source, the same folder bind-mounted read-only); skipped where mounting is not allowed."""
    source, view = tmp_path / "source", tmp_path / "view"
    source.mkdir()
    view.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(source), str(view)], capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("needs a read-only bind mount (mount --bind) to make a folder read-only for root")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True).returncode:
            pytest.skip("cannot remount read-only here")
        yield source, view
    finally:
        subprocess.run(["umount", str(view)], capture_output=True)


def test_workspace_on_a_read_only_folder_says_read_only_not_damaged(read_only_bind: tuple[Path, Path]) -> None:
    source, view = read_only_bind
    store = Store.open(source)
    store.log("a")
    store.close()
    with pytest.raises(StoreError, match=r"the workspace folder .*view is read-only") as info:
        Store.open(view)
    assert info.value.kind == StoreError.READ_ONLY
    assert "damaged" not in str(info.value).replace("not damaged", "")


def test_new_workspace_under_a_read_only_folder(read_only_bind: tuple[Path, Path]) -> None:
    _, view = read_only_bind
    with pytest.raises(StoreError, match="is read-only"):
        Store.open(view / "ws")


def test_a_write_sqlite_refuses_as_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database opened read-only by SQLite itself: the real "attempt to write a readonly database"."""
    Store.open(tmp_path).close()
    real_connect = sqlite3.connect

    def read_only(path: object, **kw: object) -> sqlite3.Connection:
        if kw.get("uri"):  # the read-only health check before the open
            return real_connect(path, **kw)  # type: ignore[arg-type]
        return real_connect(f"file:{path}?mode=ro", uri=True, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.sqlite3, "connect", read_only)
    store = Store.open(tmp_path)
    with pytest.raises(StoreError, match=rf"the workspace folder {tmp_path} is read-only") as info:
        store.set_setting("me", "Ana")
    assert info.value.kind == StoreError.READ_ONLY
    with pytest.raises(StoreError, match="is read-only"):
        with store.transaction():
            store.log("a")
    store.close()


# ----------------------------------------------------------------- disk full
def test_a_full_disk_is_named(tmp_path: Path) -> None:
    """SQLite's own SQLITE_FULL (the file may not grow past max_page_count), as on a full disk."""
    store = Store.open(tmp_path)
    conn = store.db.conn
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match=rf"the disk holding {tmp_path} is full: free some space") as info:
        with store.transaction():
            for n in range(200):
                store.log("filler", str(n), {"text": "x" * 4000})
    assert info.value.kind == StoreError.DISK_FULL
    assert isinstance(info.value, WorkspaceError) and isinstance(info.value, sqlite3.OperationalError)
    store.close()


def test_disk_full_while_opening_is_not_damaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store.open(tmp_path).close()

    def full(*_a: object, **_k: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store_module, "_migrate", full)
    with pytest.raises(StoreError, match="is full"):
        Store.open(tmp_path)


# ---------------------------------------------------------------------- busy
@pytest.fixture
def held_lock(tmp_path: Path) -> Iterator[Path]:
    """A second program holding the workspace's write lock (``BEGIN IMMEDIATE``)."""
    Store.open(tmp_path).close()
    other = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield tmp_path
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_default_busy_timeout_is_ten_seconds(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    assert store.db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    store.close()


def test_a_held_write_lock_is_one_sentence(held_lock: Path) -> None:
    store = Store.open(held_lock, busy_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"^the workspace is busy: another program has held it for 0.3 s — ") as info:
        with store.transaction():
            store.log("a")
    assert time.monotonic() - started >= 0.25  # it did wait for the lock
    assert info.value.kind == StoreError.BUSY
    store.close()


def test_cli_with_a_held_write_lock(held_lock: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.3)
    code, out, err = run(capsys, "--workspace", str(held_lock), "ticket", "add", "--title", "Printer on fire")
    assert code == 1
    assert err.startswith("oncall-desktop: the workspace is busy: another program has held it for 0.3 s")
    assert err.count("\n") == 1 and "Traceback" not in err

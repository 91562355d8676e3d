"""The workspace store: one SQLite file, versioned, with an append-only event log.

Why these choices:
- WAL + ``synchronous=NORMAL``: readers never block the poller, and a process
  crash (kill -9) loses nothing that was committed.
- ``PRAGMA user_version`` migrations, applied in order at open, each in its own
  transaction: a half-applied schema cannot exist.
- A workspace written by a *newer* app is refused before anything is written,
  so an old laptop cannot damage a colleague's workspace.
- ``events`` is append-only (triggers refuse UPDATE/DELETE): it is the audit
  trail for billing disputes and the source for insights.
- The folder is created 0700 and the database files 0600: they hold client
  names, tickets and hours worked.
- A write the disk or another program refuses (read-only folder, full disk,
  a write lock held past the busy timeout) raises :class:`StoreError`, one
  readable sentence saying which — never "damaged", never a traceback.
"""
from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from oncall_desktop.core.time.clock import Clock, SystemClock, iso
from oncall_desktop.services.storage.paths import private_dir, private_file

DB_NAME = "workspace.sqlite3"

#: How long a write waits for another program's write lock before giving up (seconds).
BUSY_TIMEOUT_S = 10.0


class WorkspaceError(Exception):
    """The workspace cannot be used; the message says why and what to do."""


class StoreError(WorkspaceError, sqlite3.OperationalError):
    """A write the disk or another program refused; ``kind`` is READ_ONLY, DISK_FULL or BUSY.

    Also an ``sqlite3.OperationalError``, so code that already handles those keeps working.
    """

    READ_ONLY = "read-only"
    DISK_FULL = "disk-full"
    BUSY = "busy"

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def storage_problem(exc: BaseException, directory: Path, busy_timeout: float = BUSY_TIMEOUT_S) -> StoreError | None:
    """What a failed open or write means for the technician, or None when it is something else.

    SQLite says "attempt to write a readonly database", "database or disk is
    full" or "database is locked"; when it only says "unable to open database
    file" (it could not create its -wal/-shm), a probe file in the folder asks
    the operating system which it is.
    """
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError):
        return _os_problem(exc.errno, exc.strerror or str(exc), directory)
    if not isinstance(exc, sqlite3.DatabaseError):
        return None
    text = str(exc).lower()
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    if "readonly" in text or code == sqlite3.SQLITE_READONLY:
        return _read_only(directory, "SQLite may not write to it")
    if "disk is full" in text or code == sqlite3.SQLITE_FULL:
        return _disk_full(directory)
    if "database is locked" in text or code == sqlite3.SQLITE_BUSY:
        return StoreError(StoreError.BUSY, (
            f"the workspace is busy: another program has held it for {busy_timeout:g} s — close the other "
            f"oncall-desktop or sqlite3 session using {directory / DB_NAME} and try again; nothing was changed"))
    if "unable to open" in text or "disk i/o error" in text or code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR):
        probed = _probe(directory)
        return _os_problem(*probed, directory) if probed else None
    return None


def _os_problem(number: int | None, reason: str, directory: Path) -> StoreError | None:
    if number in _READ_ONLY_ERRNOS:
        return _read_only(directory, reason.lower())
    if number in _FULL_ERRNOS:
        return _disk_full(directory)
    return None


def _read_only(directory: Path, reason: str) -> StoreError:
    return StoreError(StoreError.READ_ONLY, (
        f"the workspace folder {directory} is read-only ({reason}): make it writable (check the disk is not "
        "mounted read-only) or choose another folder with --workspace; the workspace is not damaged"))


def _disk_full(directory: Path) -> StoreError:
    return StoreError(StoreError.DISK_FULL, (
        f"the disk holding {directory} is full: free some space and try again; the last change was not "
        "saved, the workspace is not damaged"))


def _probe(directory: Path) -> tuple[int | None, str] | None:
    """(errno, reason) when the folder refuses a new file, else None."""
    import tempfile  # only after a failure: keep the store's import light for the tray start

    try:
        fd, name = tempfile.mkstemp(prefix=".probe-", dir=directory)
    except OSError as exc:
        return exc.errno, exc.strerror or str(exc)
    os.close(fd)
    os.unlink(name)
    return None


class _Connection(sqlite3.Connection):
    """Turns a refused write into :class:`StoreError`, wherever in the app the SQL was sent from."""

    directory: Path = Path(".")
    busy_timeout: float = BUSY_TIMEOUT_S

    def _problem(self, exc: sqlite3.OperationalError) -> sqlite3.OperationalError:
        return storage_problem(exc, self.directory, self.busy_timeout) or exc

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            problem = self._problem(exc)
            if problem is exc:
                raise
            raise problem from exc

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.OperationalError as exc:
            problem = self._problem(exc)
            if problem is exc:
                raise
            raise problem from exc

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        try:
            return super().executescript(script)
        except sqlite3.OperationalError as exc:
            problem = self._problem(exc)
            if problem is exc:
                raise
            raise problem from exc

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.OperationalError as exc:
            problem = self._problem(exc)
            if problem is exc:
                raise
            raise problem from exc


MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _load_migrations() -> list[str]:
    """``migrations/NNN_name.sql``, numbered from 001 without gaps (checked here, at import)."""
    files = sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    numbers = [int(f.name[:3]) for f in files]
    if numbers != list(range(1, len(files) + 1)):
        raise RuntimeError(f"schema migrations must be numbered 001..{len(files):03d} without gaps: {numbers}")
    return [f.read_text(encoding="utf-8") for f in files]


#: Migrations in order (SQL scripts); the schema version is their count.
#: Append only — never edit one that has shipped.
MIGRATIONS: list[str] = _load_migrations()
SCHEMA_VERSION = len(MIGRATIONS)


class Store:
    """One open workspace database."""

    def __init__(self, db: sqlite_utils.Database, path: Path, clock: Clock) -> None:
        self.db = db
        self.path = path
        self.clock = clock

    # ------------------------------------------------------------------ open
    @classmethod
    def open(cls, directory: Path | str, clock: Clock | None = None,
             busy_timeout: float | None = None) -> Store:
        """Open (creating or migrating) the workspace in ``directory``.

        ``busy_timeout`` (seconds, default :data:`BUSY_TIMEOUT_S`) is how long a
        write waits for another program's write lock before :class:`StoreError`.
        """
        directory = Path(directory).expanduser()
        timeout = BUSY_TIMEOUT_S if busy_timeout is None else busy_timeout
        if directory.exists() and not directory.is_dir():
            raise WorkspaceError(f"{directory} is a file, not a workspace folder; pass a folder with --workspace")
        try:
            private_dir(directory)
        except OSError as exc:
            raise storage_problem(exc, directory) or WorkspaceError(
                f"cannot create the workspace folder {directory}: {exc.strerror}") from None
        path = directory / DB_NAME
        if path.exists():
            _check_existing(path)
        _make_private(path)
        try:
            conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False,
                                   factory=_Connection)
        except sqlite3.Error as exc:
            raise storage_problem(exc, directory, timeout) or WorkspaceError(
                f"cannot open the workspace {path}: {exc}") from None
        conn.directory, conn.busy_timeout = directory, timeout
        db = sqlite_utils.Database(conn)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            _migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise storage_problem(exc, directory, timeout) or WorkspaceError(
                f"cannot prepare the workspace {path}: {exc}") from None
        return cls(db, path, clock or SystemClock())

    def close(self) -> None:
        self.db.conn.close()

    # ------------------------------------------------------------ transactions
    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All-or-nothing writes (nested use joins the outer transaction)."""
        conn = self.db.conn
        if conn.in_transaction:
            yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:  # SQLite already rolled back after a full disk or an I/O error
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # ------------------------------------------------------------------ events
    def log(self, kind: str, subject: str = "", data: dict[str, Any] | None = None,
            at: datetime | None = None) -> int:
        """Append one event; returns its id."""
        cur = self.db.conn.execute(
            "INSERT INTO events (at, kind, subject, data) VALUES (?, ?, ?, ?)",
            (iso(at or self.clock.now()), kind, subject, json.dumps(data or {}, sort_keys=True)),
        )
        return inserted_id(cur)

    def events(self, kind: str | None = None, subject: str | None = None,
               since: datetime | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        where, args = [], []
        if kind:
            where.append("kind = ?")
            args.append(kind)
        if subject:
            where.append("subject = ?")
            args.append(subject)
        if since:
            where.append("at >= ?")
            args.append(iso(since))
        sql = "SELECT id, at, kind, subject, data FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_event(r) for r in self.db.conn.execute(sql, args)]

    def latest_event(self, *kinds: str) -> dict[str, Any] | None:
        """The newest event of any of ``kinds`` (one indexed row, not the whole log), or None."""
        row = self.db.conn.execute(
            f"SELECT id, at, kind, subject, data FROM events WHERE kind IN ({','.join('?' * len(kinds))}) "
            "ORDER BY id DESC LIMIT 1", kinds).fetchone()
        return _event(row) if row else None

    # ---------------------------------------------------------------- settings
    def get_setting(self, key: str, default: Any = None) -> Any:
        row = self.db.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        self.db.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, sort_keys=True)),
        )


# ---------------------------------------------------------------- retention
#: Days of events kept: a year of insights (with its day of lead-in) plus last month's audits.
EVENTS_KEEP_DAYS = 400
#: The least Settings accepts: last month's audits and billing disputes need their trail.
EVENTS_KEEP_DAYS_MIN = 60
_PRUNE_BATCH = 5000


def events_keep_days(store: Store) -> int:
    """The ``events_keep_days`` setting, never below :data:`EVENTS_KEEP_DAYS_MIN`."""
    value = store.get_setting("events_keep_days", EVENTS_KEEP_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = EVENTS_KEEP_DAYS
    return max(days, EVENTS_KEEP_DAYS_MIN)


def prune_events(store: Store, now: datetime, batch: int = _PRUNE_BATCH) -> int:
    """Delete events older than ``events_keep_days`` before ``now``; returns how many went.

    Kept whatever their age: the newest event of each kind (readiness and team
    pack status read "the last one") and every event of a ticket whose page is
    still open. Deletes run in batches, each its own short transaction, so the
    poller and the clock are never kept waiting for long; one
    ``events.pruned`` event records the cut.
    """
    cutoff = iso(now - timedelta(days=events_keep_days(store)))
    conn = store.db.conn
    keep = [r[0] for r in conn.execute("SELECT MAX(id) FROM events GROUP BY kind")]
    removed, last_id = 0, 0
    while True:
        with store.transaction():
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM events WHERE id > ? AND at < ? AND id NOT IN (SELECT value FROM json_each(?)) "
                "AND subject NOT IN (SELECT ticket_id FROM pages "
                "WHERE state IN ('pending', 'acknowledged', 'escalated')) ORDER BY id LIMIT ?",
                (last_id, cutoff, json.dumps(keep), batch))]
            if ids:
                conn.execute("INSERT INTO events_prune (id, before) VALUES (1, ?)", (cutoff,))
                conn.execute("DELETE FROM events WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
                conn.execute("DELETE FROM events_prune")
                removed += len(ids)
                last_id = ids[-1]
            if len(ids) < batch:
                if removed:
                    store.log("events.pruned", "", {"before": cutoff, "removed": removed}, at=now)
                return removed


def _make_private(path: Path) -> None:
    """The database and its -wal/-shm readable by their owner only.

    A new database is created 0600 before SQLite opens it (SQLite then gives
    its -wal and -shm the database's mode); older looser files are tightened.
    A file that cannot be tightened (read-only folder) is left to the open,
    which says what is wrong.
    """
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file is path or file.exists():
                private_file(file)
        except OSError as exc:
            if file is path and not path.exists():
                raise storage_problem(exc, path.parent) or WorkspaceError(
                    f"cannot create the workspace {path}: {exc.strerror}") from None


def _check_existing(path: Path) -> None:
    """Refuse unreadable, damaged or newer workspaces without writing a byte."""
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise WorkspaceError(f"cannot read the workspace {path}: {exc.strerror}") from None
    if header and header != b"SQLite format 3\x00":
        raise WorkspaceError(f"{path} is not an oncall-desktop workspace (not an SQLite database); "
                             "move it aside or choose another folder with --workspace")
    if not header:
        return  # an empty file: a workspace whose creation was interrupted
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise WorkspaceError(
                    f"this workspace was written by a newer oncall-desktop (schema {version}; this "
                    f"version knows up to {SCHEMA_VERSION}). Update the app; the workspace was not changed.")
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        problem = storage_problem(exc, path.parent)
        if problem is not None:
            raise problem from None
        raise WorkspaceError(f"the workspace {path} is damaged ({exc}); restore it from a backup "
                             "or move it aside to start fresh — it was not changed") from None
    if check != "ok":
        raise WorkspaceError(f"the workspace {path} is damaged ({check}); restore it from a backup "
                             "or move it aside to start fresh — it was not changed")


def _migrate(conn: sqlite3.Connection) -> None:
    # executescript would COMMIT a pending transaction first, so the BEGIN and
    # the version bump travel inside the script: each migration is atomic.
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _event(row: Any) -> dict[str, Any]:
    """An ``events`` row (id, at, kind, subject, data) as the dict callers read."""
    return {"id": row[0], "at": row[1], "kind": row[2], "subject": row[3], "data": json.loads(row[4])}


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid an INSERT on ``cursor`` made (sqlite3 leaves ``lastrowid`` None only before any INSERT)."""
    if cursor.lastrowid is None:
        raise RuntimeError("the statement inserted no row")
    return cursor.lastrowid

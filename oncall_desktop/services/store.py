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
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from oncall_desktop.clock import Clock, SystemClock, iso

DB_NAME = "workspace.sqlite3"


class WorkspaceError(Exception):
    """The workspace cannot be used; the message says why and what to do."""


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
    def open(cls, directory: Path | str, clock: Clock | None = None) -> Store:
        directory = Path(directory).expanduser()
        if directory.exists() and not directory.is_dir():
            raise WorkspaceError(f"{directory} is a file, not a workspace folder; pass a folder with --workspace")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot create the workspace folder {directory}: {exc.strerror}") from None
        path = directory / DB_NAME
        existed = path.exists()
        if existed:
            _check_existing(path)
        try:
            conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise WorkspaceError(f"cannot open the workspace {path}: {exc}") from None
        db = sqlite_utils.Database(conn)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            _migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise WorkspaceError(f"cannot prepare the workspace {path}: {exc}") from None
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
        return int(cur.lastrowid)

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

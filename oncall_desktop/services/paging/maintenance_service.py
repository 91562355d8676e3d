"""Maintenance windows as stored rows: created by a tech, honoured by every poll, ended by the clock.

Why rows with an end and never a switch: "maintenance mode on" is how a
stale "patching tonight" keeps suppressing pages three days later.  A window
here always has an end; once it passes, the window simply stops being active
(nothing has to run), and the next poll sends one reminder that paging is
back on.  Windows are never deleted — they explain past suppressions — only
cancelled.  Tickets a window kept quiet get an internal note through the
outbox (when one is configured), so the client's ticket says why nobody came.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.core.paging.maintenance import MaintenanceError, MaintenanceWindow, active_windows
from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.storage.store import Store, inserted_id

#: Longer than this is almost always a typo in the date (2027 for 2026).
MAX_LENGTH = timedelta(days=14)
#: A window that ended longer ago than this (the app was off) is logged, not announced.
REMIND_WITHIN = timedelta(hours=6)
ANNOTATED_SETTING = "maintenance_annotated_event"


@dataclass(frozen=True)
class StoredWindow:
    """A window with its row id and life (cancelled, reminded)."""

    id: int
    window: MaintenanceWindow
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None
    reminded_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.cancelled_at is not None:
            return "cancelled"
        if now < self.window.start:
            return "scheduled"
        return "active" if now < self.window.end else "ended"

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {"id": self.id, **self.window.to_dict(), "state": self.state(now), "created_by": self.created_by,
                "created_at": iso(self.created_at), "label": self.window.label()}


class MaintenanceService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ---------------------------------------------------------------- writes
    def add(self, window: MaintenanceWindow, by: str = "") -> StoredWindow:
        now = self.store.clock.now()
        if window.end <= now:
            raise MaintenanceError(f"this maintenance window ended already ({iso(window.end)}); "
                                   "give an end in the future")
        if window.end - window.start > MAX_LENGTH:
            raise MaintenanceError(f"a maintenance window may last at most {MAX_LENGTH.days} days; check the "
                                   "dates, or add one window per piece of work")
        with self.store.transaction() as db:
            cur = db.conn.execute(
                "INSERT INTO maintenance_windows (start, end, clients, systems, note, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (iso(window.start), iso(window.end), json.dumps(list(window.clients)),
                 json.dumps(list(window.systems)), window.note, by, iso(now)))
            row_id = inserted_id(cur)
            self.store.log("maintenance.added", f"maintenance:{row_id}", {**window.to_dict(), "by": by})
        return self.get(row_id)

    def cancel(self, window_id: int, by: str = "") -> StoredWindow:
        """End a window now (work finished early, or it was a mistake)."""
        stored = self.get(window_id)
        now = self.store.clock.now()
        if stored.state(now) in ("cancelled", "ended"):
            raise MaintenanceError(f"maintenance window {window_id} is already {stored.state(now)}")
        with self.store.transaction() as db:
            db.conn.execute("UPDATE maintenance_windows SET cancelled_at = ?, reminded_at = ? WHERE id = ?",
                            (iso(now), iso(now), window_id))
            self.store.log("maintenance.cancelled", f"maintenance:{window_id}", {"by": by})
        return self.get(window_id)

    # ----------------------------------------------------------------- reads
    def get(self, window_id: int) -> StoredWindow:
        row = self.store.db.conn.execute(f"SELECT {_COLS} FROM maintenance_windows WHERE id = ?",
                                         (window_id,)).fetchone()
        if row is None:
            raise MaintenanceError(f"there is no maintenance window {window_id}; see 'maintenance list'")
        return _stored(row)

    def windows(self, include_past: bool = False) -> list[StoredWindow]:
        """Scheduled and active windows (and, when asked, ended and cancelled ones), by start."""
        now = iso(self.store.clock.now())
        sql = f"SELECT {_COLS} FROM maintenance_windows"
        args: tuple[Any, ...] = ()
        if not include_past:
            sql += " WHERE cancelled_at IS NULL AND end > ?"
            args = (now,)
        return [_stored(r) for r in self.store.db.conn.execute(sql + " ORDER BY start, id", args)]

    def active(self, now: datetime | None = None) -> list[MaintenanceWindow]:
        """The windows in force now: what escalation's Context needs."""
        now = now or self.store.clock.now()
        return active_windows((s.window for s in self.windows() if s.cancelled_at is None), now)

    def in_force_at(self, at: datetime) -> list[MaintenanceWindow]:
        """The windows that were in force at a past instant, as the store remembers them.

        A window counts when it had been added by then and was not cancelled
        before then (windows are never deleted, so the past is all here).
        """
        stamp = iso(at)
        rows = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM maintenance_windows WHERE start <= ? AND end > ? AND created_at <= ? "
            "AND (cancelled_at IS NULL OR cancelled_at > ?) ORDER BY start, id", (stamp, stamp, stamp, stamp))
        return active_windows((_stored(r).window for r in rows), at)

    # ----------------------------------------------------- poll-cycle duties
    def remind_ended(self, notify: Callable[[str, str], Any]) -> list[StoredWindow]:
        """Once per window, after its end: "paging is back on" (``notify(title, body)``)."""
        now = self.store.clock.now()
        rows = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM maintenance_windows WHERE cancelled_at IS NULL AND reminded_at IS NULL "
            "AND end <= ? ORDER BY end", (iso(now),)).fetchall()
        ended = [_stored(r) for r in rows]
        for stored in ended:
            recent = now - stored.window.end <= REMIND_WITHIN
            with self.store.transaction() as db:
                db.conn.execute("UPDATE maintenance_windows SET reminded_at = ? WHERE id = ?", (iso(now), stored.id))
                self.store.log("maintenance.ended", f"maintenance:{stored.id}",
                               {**stored.window.to_dict(), "reminded": recent})
            if recent:
                scope = ", ".join(stored.window.clients or stored.window.systems)
                notify(f"Maintenance over: {scope}",
                       f"The window {stored.window.label()} has ended; tickets for {scope} page again. "
                       "Check the systems came back.")
        return ended

    def annotate_suppressed(self, enqueue_note: Callable[[str, str, str], Any] | None) -> int:
        """Queue an internal note on each ticket a maintenance window kept quiet since last time."""
        last = int(self.store.get_setting(ANNOTATED_SETTING, 0) or 0)
        rows = self.store.db.conn.execute(
            "SELECT id, subject, data FROM events WHERE kind = 'page.suppressed' AND id > ? ORDER BY id",
            (last,)).fetchall()
        if not rows:
            return 0
        queued = 0
        for event_id, ticket_id, data in rows:
            reason = str(json.loads(data).get("reason", ""))
            if enqueue_note is not None and reason.startswith("maintenance window"):
                enqueue_note(ticket_id, f"oncall-desktop: not paged after hours — {reason}.",
                             f"maintenance-note:{event_id}")
                queued += 1
        self.store.set_setting(ANNOTATED_SETTING, int(rows[-1][0]))
        return queued

    def suppressed_recently(self, hours: int = 12, limit: int = 20) -> list[dict[str, Any]]:
        """Tickets that did not page lately and why (for Now)."""
        since = iso(self.store.clock.now() - timedelta(hours=hours))
        rows = self.store.db.conn.execute(
            "SELECT e.at, e.subject, e.data, t.client, t.title FROM events e LEFT JOIN tickets t ON t.id = e.subject "
            "WHERE e.kind = 'page.suppressed' AND e.at >= ? ORDER BY e.id DESC LIMIT ?", (since, limit)).fetchall()
        return [{"at": r[0], "ticket": r[1], "reason": str(json.loads(r[2]).get("reason", "")),
                 "client": r[3] or "unknown", "title": r[4] or r[1]} for r in rows]


_COLS = "id, start, end, clients, systems, note, created_by, created_at, cancelled_at, reminded_at"


def _stored(row: tuple[Any, ...]) -> StoredWindow:
    window = MaintenanceWindow(start=parse_instant(row[1]), end=parse_instant(row[2]),
                               clients=tuple(json.loads(row[3])), systems=tuple(json.loads(row[4])), note=row[5])
    return StoredWindow(id=row[0], window=window, created_by=row[6], created_at=parse_instant(row[7]),
                        cancelled_at=parse_instant(row[8]) if row[8] else None,
                        reminded_at=parse_instant(row[9]) if row[9] else None)

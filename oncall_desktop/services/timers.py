"""Work timers, persisted with a heartbeat so a crash loses at most a second.

Why a heartbeat row and not an in-memory start time: after kill -9 or a
power cut the app must know how long the tech really worked; the last
heartbeat is the last moment we *know* the timer ran.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oncall_desktop.clock import iso, parse_instant
from oncall_desktop.services.store import Store


class TimerError(ValueError):
    """A timer action that does not fit (e.g. stopping when none runs)."""


@dataclass(frozen=True)
class Timer:
    id: int
    ticket_id: str
    client: str
    started: datetime
    heartbeat: datetime
    stopped: datetime | None

    @property
    def running(self) -> bool:
        return self.stopped is None

    def minutes(self, now: datetime) -> int:
        end = self.stopped or now
        return max(0, int((end - self.started).total_seconds() // 60))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "ticket_id": self.ticket_id, "client": self.client,
                "started": iso(self.started), "heartbeat": iso(self.heartbeat),
                "stopped": iso(self.stopped) if self.stopped else None}


class TimerService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def running(self) -> Timer | None:
        row = self.store.db.conn.execute(
            "SELECT id, ticket_id, client, started, heartbeat, stopped FROM timers WHERE stopped IS NULL "
            "ORDER BY id DESC LIMIT 1").fetchone()
        return _timer(row) if row else None

    def start(self, ticket_id: str, client: str) -> Timer:
        """Start timing work on a ticket; a running timer on another ticket is stopped first."""
        now = self.store.clock.now()
        with self.store.transaction() as db:
            current = self.running()
            if current is not None:
                if current.ticket_id == ticket_id:
                    return current
                self._stop(current, now)
            cur = db.conn.execute(
                "INSERT INTO timers (ticket_id, client, started, heartbeat) VALUES (?, ?, ?, ?)",
                (ticket_id, client, iso(now), iso(now)))
            self.store.log("timer.started", ticket_id, {"timer": cur.lastrowid, "client": client})
        return self.get(int(cur.lastrowid))

    def stop(self) -> Timer:
        now = self.store.clock.now()
        with self.store.transaction():
            current = self.running()
            if current is None:
                raise TimerError("no timer is running")
            self._stop(current, now)
        return self.get(current.id)

    def heartbeat(self) -> None:
        """Called about once a second while a timer runs (cheap single-row update)."""
        self.store.db.conn.execute("UPDATE timers SET heartbeat = ? WHERE stopped IS NULL",
                                   (iso(self.store.clock.now()),))

    def get(self, timer_id: int) -> Timer:
        row = self.store.db.conn.execute(
            "SELECT id, ticket_id, client, started, heartbeat, stopped FROM timers WHERE id = ?",
            (timer_id,)).fetchone()
        if row is None:
            raise TimerError(f"there is no timer {timer_id}")
        return _timer(row)

    def recent(self, limit: int = 20) -> list[Timer]:
        rows = self.store.db.conn.execute(
            "SELECT id, ticket_id, client, started, heartbeat, stopped FROM timers ORDER BY id DESC LIMIT ?",
            (limit,)).fetchall()
        return [_timer(r) for r in rows]

    def _stop(self, timer: Timer, now: datetime) -> None:
        self.store.db.conn.execute("UPDATE timers SET stopped = ?, heartbeat = ? WHERE id = ?",
                                   (iso(now), iso(now), timer.id))
        self.store.log("timer.stopped", timer.ticket_id,
                       {"timer": timer.id, "client": timer.client, "minutes": timer.minutes(now),
                        "start": iso(timer.started), "end": iso(now)})


def _timer(row: tuple[Any, ...]) -> Timer:
    return Timer(id=row[0], ticket_id=row[1], client=row[2], started=parse_instant(row[3]),
                 heartbeat=parse_instant(row[4]), stopped=parse_instant(row[5]) if row[5] else None)



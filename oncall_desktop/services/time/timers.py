"""Work timers, persisted with a heartbeat so a crash loses at most a second.

Why a heartbeat row and not an in-memory start time: after kill -9 or a
power cut the app must know how long the tech really worked; the last
heartbeat is the last moment we *know* the timer ran.

A timer is a list of segments (pause/resume); a manual entry is a stopped
timer with one segment.  Rules:

* **Crash**: the first :meth:`TimerService.heartbeat` of a process recovers a
  timer left running.  Setting ``timer_after_crash``: ``"resume"`` (default)
  keeps the segment going when the app was gone for at most
  ``timer_gap_minutes`` (the tech was working while it restarted: nothing is
  lost); ``"close"`` stops the timer at the last heartbeat (≤ 1 s lost).
* **Sleep/suspend** (and a crash longer than the gap): the segment ends at the
  last heartbeat, the timer pauses and asks "were you working?" —
  :meth:`answer` ``True`` counts the gap and runs on, ``False`` leaves it paused.
* **Changes** to finished work (edit/delete) ask ``will_change`` first: the
  billing service refuses when the entry already reached the PSA.  Each
  change is in the event log with the values before and after (the audit
  trail for billing disputes).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.core.billing.billing import normalise_flag
from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.storage.store import Store, inserted_id

CRASH_MODES = ("resume", "close")
DEFAULT_GAP_MINUTES = 5
#: A manual entry longer than this is almost certainly a typo in a date.
MAX_ENTRY_HOURS = 24


class TimerError(ValueError):
    """A timer action that does not fit (e.g. stopping when none runs)."""


@dataclass(frozen=True)
class Segment:
    id: int
    start: datetime
    end: datetime | None
    rev: int = 0

    def seconds(self, now: datetime) -> int:
        return max(0, int(((self.end or now) - self.start).total_seconds()))


@dataclass(frozen=True)
class Timer:
    id: int
    ticket_id: str
    client: str
    started: datetime
    heartbeat: datetime
    stopped: datetime | None
    state: str = "running"
    flag: str | None = None
    origin: str = "timer"
    segments: tuple[Segment, ...] = ()
    question: dict[str, Any] | None = None

    @property
    def running(self) -> bool:
        """Not finished (running or paused)."""
        return self.stopped is None

    def worked_seconds(self, now: datetime) -> int:
        if not self.segments:
            return max(0, int(((self.stopped or now) - self.started).total_seconds()))
        return sum(s.seconds(now) for s in self.segments)

    def minutes(self, now: datetime) -> int:
        return self.worked_seconds(now) // 60

    def to_json(self) -> dict[str, Any]:
        closed = sum(s.seconds(s.end) for s in self.segments if s.end is not None)
        open_since = next((s.start for s in self.segments if s.end is None), None)
        return {"id": self.id, "ticket_id": self.ticket_id, "client": self.client,
                "started": iso(self.started), "heartbeat": iso(self.heartbeat),
                "stopped": iso(self.stopped) if self.stopped else None, "state": self.state,
                "flag": self.flag, "origin": self.origin, "closed_seconds": closed,
                "open_since": iso(open_since) if open_since else None,
                "segments": [{"id": s.id, "start": iso(s.start), "end": iso(s.end) if s.end else None}
                             for s in self.segments],
                "question": self.question}


Hook = Callable[[int], object]  # what a hook returns is not used


class TimerService:
    """Start/pause/resume/stop, manual entries, and crash/sleep recovery.

    ``did_finish(timer_id)`` runs inside the stopping transaction (billing
    enqueues the entries, so a stop is never without its bill);
    ``will_change(timer_id)`` runs before finished work is edited or deleted
    and may refuse by raising.
    """

    def __init__(self, store: Store, *, did_finish: Hook | None = None, will_change: Hook | None = None) -> None:
        self.store = store
        self.did_finish = did_finish
        self.will_change = will_change
        self._recovered = False

    # ------------------------------------------------------------------ read
    def running(self) -> Timer | None:
        """The current timer (running or paused), if any."""
        row = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM timers WHERE stopped IS NULL AND state != 'deleted' "
            "ORDER BY id DESC LIMIT 1").fetchone()
        return self._timer(row) if row else None

    def get(self, timer_id: int) -> Timer:
        row = self.store.db.conn.execute(f"SELECT {_COLS} FROM timers WHERE id = ?", (timer_id,)).fetchone()
        if row is None:
            raise TimerError(f"there is no time entry {timer_id}")
        return self._timer(row)

    def recent(self, limit: int = 20) -> list[Timer]:
        rows = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM timers WHERE state != 'deleted' ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [self._timer(r) for r in rows]

    def autostart_enabled(self) -> bool:
        """Setting ``timer_autostart`` (default on): acknowledging a page starts its timer."""
        return bool(self.store.get_setting("timer_autostart", True))

    def gap_minutes(self) -> int:
        return int(self.store.get_setting("timer_gap_minutes", DEFAULT_GAP_MINUTES))

    # ----------------------------------------------------------------- verbs
    def start(self, ticket_id: str, client: str) -> Timer:
        """Start timing work on a ticket; a timer on another ticket is stopped first.

        The same ticket's current timer is returned as is (resumed when paused).
        """
        now = self.store.clock.now()
        self._recovered = True  # this process runs the timer from now on: nothing of it to recover
        with self.store.transaction() as db:
            current = self.running()
            if current is not None:
                if current.ticket_id == ticket_id:
                    if current.state == "paused":
                        self._resume(current, now)
                    return self.get(current.id)
                self._stop(current, now)
            cur = db.conn.execute(
                "INSERT INTO timers (ticket_id, client, started, heartbeat, state) VALUES (?, ?, ?, ?, 'running')",
                (ticket_id, client, iso(now), iso(now)))
            timer_id = inserted_id(cur)
            db.conn.execute("INSERT INTO timer_segments (timer_id, start) VALUES (?, ?)", (timer_id, iso(now)))
            self.store.log("timer.started", ticket_id, {"timer": timer_id, "client": client})
        return self.get(timer_id)

    def start_on_acknowledge(self, ticket_id: str, client: str) -> Timer | None:
        """``start`` unless the setting ``timer_autostart`` is off (what acknowledging calls)."""
        return self.start(ticket_id, client) if self.autostart_enabled() else None

    def pause(self) -> Timer:
        now = self.store.clock.now()
        with self.store.transaction() as db:
            current = self._current_or_fail()
            if current.state == "paused":
                return current
            self._close_segment(current.id, now)
            db.conn.execute("UPDATE timers SET state = 'paused', heartbeat = ? WHERE id = ?", (iso(now), current.id))
            self.store.log("timer.paused", current.ticket_id, {"timer": current.id})
        return self.get(current.id)

    def resume(self) -> Timer:
        now = self.store.clock.now()
        with self.store.transaction():
            current = self._current_or_fail()
            if current.state == "running":
                return current
            self._resume(current, now)
        return self.get(current.id)

    def stop(self) -> Timer:
        now = self.store.clock.now()
        with self.store.transaction():
            current = self._current_or_fail()
            self._stop(current, now)
        return self.get(current.id)

    def set_flag(self, flag: str | None) -> Timer:
        """NO CHARGE / REGULAR CHARGE for the current timer (billed when it stops)."""
        with self.store.transaction() as db:
            current = self._current_or_fail()
            value = normalise_flag(flag)
            db.conn.execute("UPDATE timers SET flag = ? WHERE id = ?", (value, current.id))
            self.store.log("timer.flagged", current.ticket_id, {"timer": current.id, "flag": value})
        return self.get(current.id)

    # ------------------------------------------------------- heartbeat, gaps
    def heartbeat(self, now: datetime | None = None) -> bool:
        """Called about once a second by the app; True when the timer's state changed.

        The common case is one single-row UPDATE.  The first call of a process
        recovers a timer left running by a crash; later calls notice a gap
        longer than ``timer_gap_minutes`` (the laptop slept).
        """
        now = now or self.store.clock.now()
        if not self._recovered:
            self._recovered = True
            return self.recover(now)
        gap = timedelta(minutes=self.gap_minutes())
        cur = self.store.db.conn.execute(
            "UPDATE timers SET heartbeat = ? WHERE state = 'running' AND stopped IS NULL AND heartbeat >= ?",
            (_beat(now), iso(now - gap)))
        if cur.rowcount:
            return False
        current = self.running()
        if current is None or current.state != "running":
            return False
        with self.store.transaction():
            self._ask(current, now, "the computer was asleep or the app was not running")
        return True

    def recover(self, now: datetime | None = None) -> bool:
        """After a restart: resume or close the timer that was running (see the module docstring)."""
        now = now or self.store.clock.now()
        self._recovered = True
        current = self.running()
        if current is None or current.state != "running":
            return False
        mode = str(self.store.get_setting("timer_after_crash", "resume"))
        if mode not in CRASH_MODES:
            mode = "resume"
        gap = now - current.heartbeat
        with self.store.transaction() as db:
            if mode == "close":
                self._stop(current, current.heartbeat, why="closed at the last heartbeat after a restart")
            elif gap <= timedelta(minutes=self.gap_minutes()):
                db.conn.execute("UPDATE timers SET heartbeat = ? WHERE id = ?", (_beat(now), current.id))
            else:
                self._ask(current, now, "the app was not running")
            self.store.log("timer.recovered", current.ticket_id, {
                "timer": current.id, "mode": mode, "last_heartbeat": iso(current.heartbeat),
                "gap_seconds": int(gap.total_seconds())}, at=now)
        return True

    def answer(self, working: bool) -> Timer:
        """The tech's answer to "were you working?" for the paused timer's gap."""
        now = self.store.clock.now()
        with self.store.transaction() as db:
            current = self._current_or_fail()
            question = current.question
            if not question:
                raise TimerError("there is no question about a gap to answer")
            db.conn.execute("UPDATE timers SET question = NULL WHERE id = ?", (current.id,))
            if working:  # the whole gap was work, and the work goes on
                self._recovered = True
                db.conn.execute("INSERT INTO timer_segments (timer_id, start) VALUES (?, ?)",
                                (current.id, question["from"]))
                db.conn.execute("UPDATE timers SET state = 'running', heartbeat = ? WHERE id = ?",
                                (iso(now), current.id))
            self.store.log("timer.gap_answered", current.ticket_id, {
                "timer": current.id, "working": working, "from": question["from"], "to": question["to"]})
        return self.get(current.id)

    # -------------------------------------------------------- manual entries
    def add_manual(self, ticket_id: str, client: str, start: datetime, end: datetime,
                   flag: str | None = None) -> Timer:
        """Record work done without the timer (e.g. a phone call from the car)."""
        _check_interval(start, end)
        value = normalise_flag(flag)
        with self.store.transaction() as db:
            cur = db.conn.execute(
                "INSERT INTO timers (ticket_id, client, started, heartbeat, stopped, state, flag, origin) "
                "VALUES (?, ?, ?, ?, ?, 'stopped', ?, 'manual')",
                (ticket_id, client, iso(start), iso(end), iso(end), value))
            timer_id = inserted_id(cur)
            db.conn.execute("INSERT INTO timer_segments (timer_id, start, end) VALUES (?, ?, ?)",
                            (timer_id, iso(start), iso(end)))
            self.store.log("time.added", ticket_id, {"timer": timer_id, "client": client, "start": iso(start),
                                                     "end": iso(end), "flag": value})
            if self.did_finish is not None:
                self.did_finish(timer_id)
        return self.get(timer_id)

    def edit(self, timer_id: int, *, start: datetime | None = None, end: datetime | None = None,
             client: str | None = None, ticket_id: str | None = None, flag: str | None = "") -> Timer:
        """Correct finished work; ``start``/``end`` apply to an entry with one segment.

        ``flag=""`` keeps the flag; ``None`` clears it.
        """
        with self.store.transaction() as db:
            before = self.get(timer_id)
            if before.state == "deleted":
                raise TimerError(f"time entry {timer_id} was deleted")
            if before.stopped is None:
                raise TimerError("stop the timer before editing it")
            if (start or end) and len(before.segments) != 1:
                raise TimerError(f"time entry {timer_id} has {len(before.segments)} parts (it was paused); "
                                 "change its times one part at a time with edit_segment")
            if self.will_change is not None:
                self.will_change(timer_id)
            new_flag = before.flag if flag == "" else normalise_flag(flag)
            db.conn.execute("UPDATE timers SET client = ?, ticket_id = ?, flag = ?, billed = 0 WHERE id = ?",
                            (client or before.client, ticket_id or before.ticket_id, new_flag, timer_id))
            if start or end:
                segment = before.segments[0]
                self._move_segment(timer_id, segment, start or segment.start, end or segment.end or segment.start)
            else:  # new keys all the same: the old entries were withdrawn
                db.conn.execute("UPDATE timer_segments SET rev = rev + 1 WHERE timer_id = ?", (timer_id,))
            self._edited(before)
        return self.get(timer_id)

    def edit_segment(self, segment_id: int, start: datetime, end: datetime) -> Timer:
        row = self.store.db.conn.execute("SELECT timer_id FROM timer_segments WHERE id = ?", (segment_id,)).fetchone()
        if row is None:
            raise TimerError(f"there is no part {segment_id} of a time entry")
        timer_id = int(row[0])
        with self.store.transaction() as db:
            before = self.get(timer_id)
            if before.stopped is None or before.state == "deleted":
                raise TimerError("only finished time entries can be edited")
            if self.will_change is not None:
                self.will_change(timer_id)
            segment = next(s for s in before.segments if s.id == segment_id)
            db.conn.execute("UPDATE timers SET billed = 0 WHERE id = ?", (timer_id,))
            db.conn.execute("UPDATE timer_segments SET rev = rev + 1 WHERE timer_id = ? AND id != ?",
                            (timer_id, segment_id))
            self._move_segment(timer_id, segment, start, end)
            self._edited(before)
        return self.get(timer_id)

    def delete(self, timer_id: int) -> None:
        with self.store.transaction() as db:
            before = self.get(timer_id)
            if before.state == "deleted":
                return
            if before.stopped is None:
                raise TimerError("stop the timer before deleting it")
            if self.will_change is not None:
                self.will_change(timer_id)
            db.conn.execute("UPDATE timers SET state = 'deleted' WHERE id = ?", (timer_id,))
            self.store.log("time.deleted", before.ticket_id, {"timer": timer_id, "before": _audit(before)})

    # ------------------------------------------------------------- internals
    def _current_or_fail(self) -> Timer:
        current = self.running()
        if current is None:
            raise TimerError("no timer is running")
        return current

    def _close_segment(self, timer_id: int, at: datetime) -> None:
        self.store.db.conn.execute("UPDATE timer_segments SET end = ? WHERE timer_id = ? AND end IS NULL",
                                   (iso(at), timer_id))

    def _resume(self, timer: Timer, now: datetime) -> None:
        self._recovered = True
        conn = self.store.db.conn
        conn.execute("INSERT INTO timer_segments (timer_id, start) VALUES (?, ?)", (timer.id, iso(now)))
        conn.execute("UPDATE timers SET state = 'running', heartbeat = ?, question = NULL WHERE id = ?",
                     (iso(now), timer.id))
        self.store.log("timer.resumed", timer.ticket_id, {"timer": timer.id})

    def _ask(self, timer: Timer, now: datetime, why: str) -> None:
        """Pause at the last heartbeat and ask whether the gap was work."""
        self._close_segment(timer.id, timer.heartbeat)
        question = {"from": iso(timer.heartbeat), "to": iso(now), "why": why,
                    "minutes": int((now - timer.heartbeat).total_seconds() // 60)}
        self.store.db.conn.execute("UPDATE timers SET state = 'paused', question = ? WHERE id = ?",
                                   (json.dumps(question), timer.id))
        self.store.log("timer.gap", timer.ticket_id, {"timer": timer.id, **question}, at=now)

    def _stop(self, timer: Timer, at: datetime, why: str = "") -> None:
        self._close_segment(timer.id, at)
        self.store.db.conn.execute(
            "UPDATE timers SET stopped = ?, heartbeat = ?, state = 'stopped', question = NULL WHERE id = ?",
            (iso(at), iso(at), timer.id))
        stopped = self.get(timer.id)
        data = {"timer": timer.id, "client": timer.client, "minutes": stopped.minutes(at),
                "start": iso(timer.started), "end": iso(at)}
        if why:
            data["why"] = why
        self.store.log("timer.stopped", timer.ticket_id, data)
        if self.did_finish is not None:
            self.did_finish(timer.id)

    def _edited(self, before: Timer) -> None:
        """Audit a correction (values before and after), then bill the entry anew."""
        after = self.get(before.id)
        self.store.log("time.edited", after.ticket_id, {"timer": before.id, "before": _audit(before),
                                                        "after": _audit(after)})
        if self.did_finish is not None:
            self.did_finish(before.id)

    def _move_segment(self, timer_id: int, segment: Segment, start: datetime, end: datetime) -> None:
        _check_interval(start, end)
        conn = self.store.db.conn
        conn.execute("UPDATE timer_segments SET start = ?, end = ?, rev = rev + 1 WHERE id = ?",
                     (iso(start), iso(end), segment.id))
        first, last = conn.execute("SELECT MIN(start), MAX(end) FROM timer_segments WHERE timer_id = ?",
                                   (timer_id,)).fetchone()
        conn.execute("UPDATE timers SET started = ?, stopped = ?, heartbeat = ? WHERE id = ?",
                     (first, last, last, timer_id))

    def _timer(self, row: tuple[Any, ...]) -> Timer:
        segments = tuple(
            Segment(r[0], parse_instant(r[1]), parse_instant(r[2]) if r[2] else None, r[3])
            for r in self.store.db.conn.execute(
                "SELECT id, start, end, rev FROM timer_segments WHERE timer_id = ? ORDER BY start, id", (row[0],)))
        return Timer(id=row[0], ticket_id=row[1], client=row[2], started=parse_instant(row[3]),
                     heartbeat=parse_instant(row[4]), stopped=parse_instant(row[5]) if row[5] else None,
                     state=row[6], flag=row[7], origin=row[8], segments=segments,
                     question=json.loads(row[9]) if row[9] else None)


_COLS = "id, ticket_id, client, started, heartbeat, stopped, state, flag, origin, question"


def _beat(now: datetime) -> str:
    """A heartbeat rounded *up* to the second (instants are stored to the second).

    With a beat every second, the stored value is then within 1 s of the
    moment the app died, whichever way: at most a second lost or added.
    """
    return iso(now if not now.microsecond else now.replace(microsecond=0) + timedelta(seconds=1))


def _check_interval(start: datetime, end: datetime) -> None:
    if end <= start:
        raise TimerError(f"the end {iso(end)} is not after the start {iso(start)}; check the two times")
    if end - start > timedelta(hours=MAX_ENTRY_HOURS):
        raise TimerError(f"{iso(start)} to {iso(end)} is longer than {MAX_ENTRY_HOURS} hours; check the dates "
                         "(split real marathon work into one entry per day)")


def _audit(timer: Timer) -> dict[str, Any]:
    return {"ticket": timer.ticket_id, "client": timer.client, "flag": timer.flag,
            "segments": [[iso(s.start), iso(s.end) if s.end else None] for s in timer.segments]}

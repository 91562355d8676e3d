"""The outbox: every write to a ticket system is first a durable row here.

Why: the PSA may be down, slow, rate-limiting, or answer garbage, and the app
may be killed at any moment — yet a night's billable minutes must reach the
ticket exactly once.  So a write is committed locally first (with an
idempotency key), then delivered by :meth:`Outbox.deliver`, which

* goes in order per ticket (a later note never overtakes an earlier one);
* marks a row *in doubt* in its own commit **before** each call, so a crash
  between the remote POST and our local commit is remembered;
* looks a time entry's key up (``find_time_entry``) before *any* repeat
  attempt — not only after failures the HTTP layer flags as uncertain, because
  a 2xx with a garbled body, or a kill -9 mid-call, can also hide a success;
* backs off with jitter (the pure ``backoff_delay`` of ``psa/http.py``), and
  honours ``Retry-After``;
* stops a delivery round at the first sign that the whole system is
  unreachable, rate-limiting or refusing our credentials, so an outage costs
  one request per round, not one per row;
* claims a row with a lease before calling out, so the tray app and a
  ``sync`` run from a script never deliver the same row at once.

Notes and the "never twice" rule: the ``TicketSystem`` protocol has no way to
look a note up.  A note's key is stamped into its text (``base.stamp``); when
the system can find or list notes (``base.FindsNotes``, ``base.ListsNotes``, as
the local book can) the key is looked up before a repeat, like a time entry.  Where it cannot, notes are delivered *at least
once*: after an attempt whose outcome is unknown the note is sent again, and a
rare duplicate carries the same visible stamp.  Losing an "acknowledged by"
note is worse than showing it twice; losing or doubling billed time is not
acceptable, which is why time entries always get the lookup.

Reassignment ("assign", ``base.Reassigns``) is idempotent by
nature — giving the ticket to the person who already holds it changes nothing
— so it is simply sent again after an attempt whose outcome is unknown.  It is
how an escalation reaches the backup's own app, which polls the same system
and pages its owner when a ticket is assigned to them (services/paging/poller.py).
"""
from __future__ import annotations

import json
import math
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.psa.base import (
    ErrorKind,
    FindsNotes,
    ListsNotes,
    NamesItsSource,
    Reassigns,
    TicketSystem,
    TicketSystemError,
    TimeEntryRequest,
    Vendored,
    has_stamp,
    stamp,
)
from oncall_desktop.services.psa.retry import RetryPolicy, backoff_delay
from oncall_desktop.services.storage.store import Store
from oncall_desktop.services.storage.store_thread import OnStore, run_here, uses_store

STATES = ("pending", "sent", "failed")

#: Retries of one row: 15 s, 30 s, 1 min … capped at 30 min (equal jitter: never a hot loop).
OUTBOX_POLICY = RetryPolicy(attempts=0, base=15.0, cap=1800.0, max_total_wait=0.0)

#: How long a delivering process owns a row; a crashed owner's claim expires after this.
CLAIM_SECONDS = 300

#: Failures that are about this one entry: a person must fix it, retrying will not help.
_ROW_FAILURES = frozenset({ErrorKind.REJECTED, ErrorKind.NOT_FOUND})

#: Failures that say the whole system is out of reach: stop the round, try later.
_SYSTEM_FAILURES = frozenset({ErrorKind.AUTH, ErrorKind.CONFIG, ErrorKind.TLS, ErrorKind.RATE_LIMIT})


class OutboxError(ValueError):
    """Bad input to the outbox (unknown kind, empty key), worded for the user."""


@dataclass(frozen=True)
class OutboxRow:
    """One durable write, as the Time tab and ``time report`` show it."""

    id: int
    key: str
    ticket_id: str
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    next_try: datetime
    last_error: str
    in_doubt: bool
    created: datetime
    sent_at: datetime | None
    remote_id: str | None

    @property
    def status(self) -> str:
        """The state in words, with the last error when there is one."""
        if self.state == "sent":
            return f"sent ({self.remote_id})" if self.remote_id else "sent"
        if self.state == "failed":
            return f"failed: {self.last_error}" if self.last_error else "failed"
        if not self.attempts:
            return "waiting to be sent"
        doubt = " (may have arrived; it will be checked before it is sent again)" if self.in_doubt else ""
        return f"will retry after {self.attempts} attempt(s){doubt}: {self.last_error}".rstrip(": ")

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "ticket_id": self.ticket_id, "kind": self.kind,
                "payload": self.payload, "state": self.state, "attempts": self.attempts,
                "next_try": iso(self.next_try), "last_error": self.last_error, "in_doubt": self.in_doubt,
                "created": iso(self.created), "sent_at": iso(self.sent_at) if self.sent_at else None,
                "remote_id": self.remote_id, "status": self.status}


@dataclass
class DeliveryReport:
    """What one delivery round did (counts of rows) and the errors in words."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "waiting": self.waiting, "errors": list(self.errors)}

    def summary(self) -> str:
        text = f"outbox: {self.sent} sent, {self.failed} failed, {self.waiting} waiting"
        return f"{text} — {self.errors[-1]}" if self.errors else text


def ticket_source(ticket_id: str) -> str:
    return ticket_id.split(":", 1)[0] if ":" in ticket_id else ""


def remote_ticket_id(ticket_id: str) -> str:
    return ticket_id.split(":", 1)[1] if ":" in ticket_id else ticket_id


def system_source(system: TicketSystem) -> str:
    """The ``Ticket.source`` of tickets that came from ``system`` (adapters' ``vendor``; the local book)."""
    if isinstance(system, NamesItsSource) and system.source:
        return str(system.source)
    if isinstance(system, Vendored) and system.vendor:
        return str(system.vendor)
    return "local"


class Outbox:
    """Durable, ordered, idempotent writes to the configured ticket system."""

    def __init__(self, store: Store, *, policy: RetryPolicy = OUTBOX_POLICY,
                 rand: Callable[[], float] = random.random, owner: str | None = None) -> None:
        self.store = store
        self.policy = policy
        self.rand = rand
        self.owner = owner or uuid.uuid4().hex
        #: told (on the store thread, in the enqueuing transaction) that a row was queued: the app then
        #: delivers at once, off the GUI and store threads, instead of at the next poll.  Its delivery
        #: reaches the store through ``on_store``, so it reads the row after this transaction commits.
        self.on_queued: Callable[[], None] | None = None

    # ---------------------------------------------------------------- enqueue
    def enqueue_note(self, ticket_id: str, text: str, key: str) -> None:
        """Queue an internal note; a second call with the same key does nothing."""
        self._enqueue(ticket_id, "note", {"text": str(text), "internal": True}, key)

    def enqueue_assign(self, ticket_id: str, person: str, key: str, *, email: str = "") -> None:
        """Queue a reassignment of the ticket to ``person`` (``email`` helps vendors that look users up by it)."""
        if not person or not person.strip():
            raise OutboxError(f"{ticket_id}: a reassignment needs the person to give the ticket to")
        self._enqueue(ticket_id, "assign", {"person": person.strip(), "email": email.strip()}, key)

    def enqueue_time_entry(self, entry: TimeEntryRequest | Mapping[str, Any], ticket_id: str, key: str) -> None:
        """Queue a billed time entry; a second call with the same key does nothing.

        ``entry`` is a :class:`TimeEntryRequest` (its ticket and key are
        ignored in favour of the arguments) or a mapping with the same fields.
        """
        data = _entry_payload(entry)
        self._enqueue(ticket_id, "time_entry", data, key)

    def _enqueue(self, ticket_id: str, kind: str, payload: dict[str, Any], key: str) -> None:
        if not key or not str(key).strip():
            raise OutboxError("an outbox entry needs an idempotency key")
        if not ticket_id or not remote_ticket_id(ticket_id):
            raise OutboxError(f"'{ticket_id}' is not a ticket id (expected source:number, e.g. local:12)")
        now = iso(self.store.clock.now())
        with self.store.transaction() as db:
            cur = db.conn.execute(
                "INSERT INTO outbox (key, ticket_id, kind, payload, next_try, created) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(key) DO NOTHING",
                (key, ticket_id, kind, json.dumps(payload, sort_keys=True), now, now))
            if cur.rowcount:
                self.store.log("outbox.queued", ticket_id, {"key": key, "kind": kind})
        if cur.rowcount and self.on_queued is not None:
            self.on_queued()

    # ---------------------------------------------------------------- deliver
    def deliver(self, system: TicketSystem, now: datetime | None = None, on_store: OnStore = run_here) -> DeliveryReport:
        """Send what is due to ``system``; in order per ticket; never the same row twice remotely.

        The remote calls run on the caller's thread; each store read and write
        goes through ``on_store`` (services/storage/store_thread.py).  A system kept in
        the store itself is delivered to on the store's thread as a whole.
        """
        if uses_store(system) and on_store is not run_here:
            return on_store(lambda: self.deliver(system, now))  # type: ignore[no-any-return]
        now = now or on_store(self.store.clock.now)
        source = system_source(system)
        report = DeliveryReport()
        blocked: set[str] = set()
        halted = False
        for row in on_store(self._pending):
            if halted or row.ticket_id in blocked:
                report.waiting += 1
                continue
            if ticket_source(row.ticket_id) not in ("", source):
                report.waiting += 1  # a ticket of another system: it waits until that one is configured
                continue
            if row.next_try > now:
                blocked.add(row.ticket_id)
                report.waiting += 1
                continue
            outcome = self._attempt(system, row, now, report, on_store)
            if outcome not in ("sent", "failed"):  # a failed row waits for a person, not the others
                blocked.add(row.ticket_id)
            if outcome == "halt":
                halted = True
        return report

    def _attempt(self, system: TicketSystem, row: OutboxRow, now: datetime, report: DeliveryReport,
                 on_store: OnStore = run_here) -> str:
        if not on_store(lambda: self._claim(row, now)):
            report.waiting += 1
            return "busy"
        remote = remote_ticket_id(row.ticket_id)
        looked_up = False
        try:
            if row.kind == "assign":  # idempotent: a repeat after an unknown outcome is harmless
                if not isinstance(system, Reassigns):
                    raise TicketSystemError(ErrorKind.REJECTED, f"{_named(system)} "
                                            "cannot reassign tickets; tell the new owner another way")
                email = str(row.payload.get("email") or "")
                if email:
                    system.assign(remote, str(row.payload["person"]), email=email)
                else:  # no e-mail: the call without it, as an adapter written before ``email`` expects
                    system.assign(remote, str(row.payload["person"]))
                remote_id = ""
            elif row.kind == "time_entry":
                found = None
                if row.attempts or row.in_doubt:
                    looked_up = True
                    found = system.find_time_entry(remote, row.key)
                remote_id = found if found is not None else system.log_time(_request(row, remote))
            else:
                found = self._find_note(system, remote, row) if (row.attempts or row.in_doubt) else None
                looked_up = found is not None
                if found is None:
                    system.add_note(remote, stamp(row.key, str(row.payload.get("text", ""))),
                                    internal=bool(row.payload.get("internal", True)))
                remote_id = found or ""
        except TicketSystemError as exc:
            failure = exc
            return on_store(lambda: self._failed(row, now, failure, report))  # type: ignore[no-any-return]
        except Exception as exc:  # noqa: BLE001 — an adapter bug must not stop the poll; it is kept in words
            failure = TicketSystemError(
                ErrorKind.BAD_RESPONSE, f"{_named(system)}: unexpected problem "
                f"({type(exc).__name__}: {exc}); it will be retried", uncertain=True)
            return on_store(lambda: self._failed(row, now, failure, report))  # type: ignore[no-any-return]
        already_there = bool(looked_up and found is not None)
        on_store(lambda: self._sent(row, now, str(remote_id), already_there))
        report.sent += 1
        return "sent"

    def _sent(self, row: OutboxRow, now: datetime, remote_id: str, already_there: bool) -> None:
        with self.store.transaction() as db:
            db.conn.execute(
                "UPDATE outbox SET state = 'sent', sent_at = ?, remote_id = ?, in_doubt = 0, last_error = '', "
                "claimed_by = NULL, claimed_until = NULL WHERE id = ?", (iso(now), remote_id, row.id))
            self.store.log("outbox.sent", row.ticket_id, {
                "key": row.key, "kind": row.kind, "remote_id": remote_id, "attempts": row.attempts + 1,
                "already_there": already_there}, at=now)

    def _claim(self, row: OutboxRow, now: datetime) -> bool:
        """Take the row and mark it in doubt — committed before the remote call starts."""
        with self.store.transaction() as db:
            cur = db.conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, in_doubt = 1, claimed_by = ?, claimed_until = ? "
                "WHERE id = ? AND state = 'pending' AND attempts = ? "
                "AND (claimed_by IS NULL OR claimed_by = ? OR claimed_until < ?)",
                (self.owner, iso(now + timedelta(seconds=CLAIM_SECONDS)), row.id, row.attempts,
                 self.owner, iso(now)))
        return cur.rowcount == 1

    def _failed(self, row: OutboxRow, now: datetime, exc: TicketSystemError, report: DeliveryReport) -> str:
        attempts = row.attempts + 1
        message = str(exc) or exc.kind.value
        permanent = exc.kind in _ROW_FAILURES
        if exc.retry_after is not None:
            delay = exc.retry_after
        else:
            delay = backoff_delay(attempts - 1, self.policy, lambda: 0.5 + 0.5 * self.rand())
        delay = math.ceil(delay)  # instants are stored to the second: never earlier than the backoff
        # In doubt: the request may have been applied — sent and then no clear answer, or a 2xx
        # whose body we could not read.  A refusal (4xx, refused connection, 429) left nothing.
        in_doubt = 1 if (exc.uncertain or exc.kind is ErrorKind.BAD_RESPONSE) else 0
        with self.store.transaction() as db:
            db.conn.execute(
                "UPDATE outbox SET state = ?, next_try = ?, last_error = ?, in_doubt = ?, "
                "claimed_by = NULL, claimed_until = NULL WHERE id = ?",
                ("failed" if permanent else "pending", iso(now + timedelta(seconds=delay)), message,
                 in_doubt, row.id))
            self.store.log("outbox.failed" if permanent else "outbox.retry", row.ticket_id, {
                "key": row.key, "kind": row.kind, "attempts": attempts, "error": message,
                "error_kind": exc.kind.value, "uncertain": exc.uncertain,
                "next_try": None if permanent else iso(now + timedelta(seconds=delay))}, at=now)
        report.errors.append(message)
        if permanent:
            report.failed += 1
            return "failed"
        report.waiting += 1
        if exc.kind in _SYSTEM_FAILURES or (exc.kind is ErrorKind.NETWORK and not exc.uncertain):
            return "halt"
        return "retry"

    @staticmethod
    def _find_note(system: TicketSystem, remote: str, row: OutboxRow) -> str | None:
        if isinstance(system, FindsNotes):
            found = system.find_note(remote, row.key)
            return None if found is None else str(found)
        if isinstance(system, ListsNotes):
            return "note" if any(has_stamp(text, row.key) for text in system.notes(remote)) else None
        return None  # no lookup possible: at least once (see the module docstring)

    # ------------------------------------------------------------------ read
    def rows(self, ticket_id: str | None = None, *, states: tuple[str, ...] | None = None,
             limit: int | None = None) -> list[OutboxRow]:
        """Rows for the Time tab and the CLI, oldest first (``limit`` keeps the newest)."""
        where, args = [], []
        if ticket_id is not None:
            where.append("ticket_id = ?")
            args.append(ticket_id)
        if states:
            where.append(f"state IN ({', '.join('?' for _ in states)})")
            args.extend(states)
        sql = f"SELECT {_COLS} FROM outbox" + (" WHERE " + " AND ".join(where) if where else "")
        if limit:
            sql = f"SELECT * FROM ({sql} ORDER BY id DESC LIMIT {int(limit)})"
        return [_row(r) for r in self.store.db.conn.execute(sql + " ORDER BY id", args)]

    def get(self, key: str) -> OutboxRow | None:
        r = self.store.db.conn.execute(f"SELECT {_COLS} FROM outbox WHERE key = ?", (key,)).fetchone()
        return _row(r) if r else None

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for state, n in self.store.db.conn.execute("SELECT state, count(*) FROM outbox GROUP BY state"):
            counts[state] = n
        return counts

    def next_due(self) -> datetime | None:
        """When the earliest row still waiting may be tried (its backoff), None when nothing waits."""
        row = self.store.db.conn.execute("SELECT min(next_try) FROM outbox WHERE state = 'pending'").fetchone()
        return parse_instant(row[0]) if row and row[0] else None

    def last_error(self) -> str:
        """The newest error of a row that is not sent yet, in words ('' when all is well)."""
        r = self.store.db.conn.execute(
            "SELECT last_error FROM outbox WHERE state != 'sent' AND last_error != '' ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return r[0] if r else ""

    def retry(self, row_id: int | None = None) -> int:
        """Put failed rows (or one) back in the queue after a person fixed the cause; returns how many."""
        now = iso(self.store.clock.now())
        with self.store.transaction() as db:
            sql = "UPDATE outbox SET state = 'pending', next_try = ? WHERE state = 'failed'"
            args: list[Any] = [now]
            if row_id is not None:
                sql += " AND id = ?"
                args.append(row_id)
            count = db.conn.execute(sql, args).rowcount
            if count:
                self.store.log("outbox.requeued", "", {"rows": count, "row": row_id})
        return count

    def cancel(self, key: str) -> bool:
        """Withdraw a row that certainly never reached the system (never tried, nothing in doubt)."""
        with self.store.transaction() as db:
            row = self.get(key)
            if row is None:
                return False
            if row.state == "sent" or row.in_doubt:
                raise OutboxError(f"the {row.kind.replace('_', ' ')} {key} may already be in the ticket system; "
                                  "it cannot be withdrawn here — correct it there")
            db.conn.execute("DELETE FROM outbox WHERE id = ?", (row.id,))
            self.store.log("outbox.cancelled", row.ticket_id, {"key": key, "kind": row.kind})
        return True

    def _pending(self) -> list[OutboxRow]:
        return [_row(r) for r in self.store.db.conn.execute(
            f"SELECT {_COLS} FROM outbox WHERE state = 'pending' ORDER BY ticket_id, id")]


_COLS = ("id, key, ticket_id, kind, payload, state, attempts, next_try, last_error, in_doubt, created, "
         "sent_at, remote_id")


def _row(r: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(id=r[0], key=r[1], ticket_id=r[2], kind=r[3], payload=json.loads(r[4]), state=r[5],
                     attempts=r[6], next_try=parse_instant(r[7]), last_error=r[8], in_doubt=bool(r[9]),
                     created=parse_instant(r[10]), sent_at=parse_instant(r[11]) if r[11] else None,
                     remote_id=r[12])


_ENTRY_FIELDS = ("start", "end", "worked_minutes", "billable_minutes", "multiplier", "billable", "note",
                 "person", "extra")


def _entry_payload(entry: TimeEntryRequest | Mapping[str, Any]) -> dict[str, Any]:
    raw = entry if isinstance(entry, Mapping) else {name: getattr(entry, name) for name in _ENTRY_FIELDS}
    missing = [name for name in ("start", "end", "worked_minutes", "billable_minutes") if name not in raw]
    if missing:
        raise OutboxError(f"a time entry needs {', '.join(missing)}")
    data = {name: raw[name] for name in _ENTRY_FIELDS if name in raw}
    for name in ("start", "end"):
        value = data[name]
        data[name] = iso(value) if isinstance(value, datetime) else iso(parse_instant(str(value)))
    data["worked_minutes"] = int(data["worked_minutes"])
    data["billable_minutes"] = int(data["billable_minutes"])
    data["multiplier"] = float(data.get("multiplier", 1.0))
    data["billable"] = bool(data.get("billable", True))
    data["note"] = str(data.get("note", ""))
    data["person"] = str(data.get("person", ""))
    data["extra"] = {str(k): str(v) for k, v in dict(data.get("extra") or {}).items()}
    return data


def _request(row: OutboxRow, remote: str) -> TimeEntryRequest:
    p = row.payload
    return TimeEntryRequest(
        ticket_remote_id=remote, key=row.key, start=parse_instant(p["start"]), end=parse_instant(p["end"]),
        worked_minutes=int(p["worked_minutes"]), billable_minutes=int(p["billable_minutes"]),
        multiplier=float(p.get("multiplier", 1.0)), billable=bool(p.get("billable", True)),
        note=str(p.get("note", "")), person=str(p.get("person", "")), extra=dict(p.get("extra") or {}))


def _named(system: TicketSystem) -> str:
    """The system's name for a message ("the ticket system" when it has an empty one)."""
    return str(system.name or "the ticket system")


def last_assignee(store: Store, ticket_id: str) -> str:
    """Whom this workspace's newest reassignment of the ticket names ("" for none): how an app
    recognises its own escalation, or its own acknowledgement, coming back from the ticket system."""
    row = store.db.conn.execute("SELECT payload FROM outbox WHERE ticket_id = ? AND kind = 'assign' "
                                "ORDER BY id DESC LIMIT 1", (ticket_id,)).fetchone()
    return str(json.loads(row[0]).get("person", "")).strip() if row else ""

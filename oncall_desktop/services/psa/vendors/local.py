"""The embedded default ticket system: tickets kept in the workspace itself.

Why it exists: the app must be useful (and demonstrable) with no PSA and no
credentials; and it is the reference implementation of ``TicketSystem`` that
every other adapter is measured against.  It can reassign a ticket
(``assign``: the ``assignee`` column, migration 007) like a PSA, so the shared
escalation flow works with no PSA at all.
"""
from __future__ import annotations

from typing import Any

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.psa.base import (
    ChecksConnection,
    ErrorKind,
    ListsNotes,
    PollResult,
    Reassigns,
    TicketSystem,
    TicketSystemError,
    TimeEntryRequest,
    has_stamp,
    stamp,
)
from oncall_desktop.services.storage.store import Store

SOURCE = "local"


class LocalBook(TicketSystem, Reassigns, ListsNotes, ChecksConnection):
    """Tickets in the workspace's ``local_tickets`` table."""

    name = "Local book"
    uses_store = True
    """Kept in the workspace itself: polled and written on the store's thread, not a network one."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ----------------------------------------------------------- book keeping
    def add(self, ticket: Ticket) -> Ticket:
        """Put a new ticket into the book; returns it with its id."""
        now = self.store.clock.now()
        created = ticket.created or now
        updated = ticket.updated or created
        with self.store.transaction() as db:
            cur = db.conn.execute(
                "INSERT INTO local_tickets (client, title, body, priority, status, contact, created, updated, "
                "assignee, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM local_tickets))",
                (ticket.client, ticket.title, ticket.body, ticket.priority, ticket.status,
                 ticket.contact, iso(created), iso(updated), ticket.assignee),
            )
            remote_id = str(cur.lastrowid)
            self.store.log("ticket.created", f"{SOURCE}:{remote_id}",
                           {"title": ticket.title, "client": ticket.client, "priority": ticket.priority})
        return self.get(remote_id)

    def get(self, remote_id: str) -> Ticket:
        row = self.store.db.conn.execute(
            "SELECT id, client, title, body, priority, status, contact, created, updated, assignee "
            "FROM local_tickets WHERE id = ?", (_int_id(remote_id),)).fetchone()
        if row is None:
            raise TicketSystemError(ErrorKind.NOT_FOUND, f"ticket {remote_id} is not in the local book")
        return _ticket(row)

    def set_status(self, remote_id: str, status: str) -> None:
        self.get(remote_id)
        with self.store.transaction() as db:
            db.conn.execute("UPDATE local_tickets SET status = ? WHERE id = ?", (status, _int_id(remote_id)))
            self._touch(remote_id, iso(self.store.clock.now()))

    def notes(self, remote_id: str) -> list[str]:
        return [r[0] for r in self.store.db.conn.execute(
            "SELECT text FROM local_notes WHERE ticket_id = ? ORDER BY id", (_int_id(remote_id),))]

    # --------------------------------------------------------- TicketSystem
    def poll(self, since: str | None) -> PollResult:
        """Tickets changed after the cursor (a change counter: exact, no overlap, no gaps)."""
        after = int(since) if since and since.isdigit() else 0
        rows = self.store.db.conn.execute(
            "SELECT id, client, title, body, priority, status, contact, created, updated, assignee, seq "
            "FROM local_tickets WHERE seq > ? ORDER BY seq", (after,)).fetchall()
        cursor = str(rows[-1][10]) if rows else since
        return PollResult([_ticket(r) for r in rows], cursor)

    def _touch(self, remote_id: str, now: str) -> None:
        self.store.db.conn.execute(
            "UPDATE local_tickets SET updated = ?, seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM local_tickets) "
            "WHERE id = ?", (now, _int_id(remote_id)))

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        self.get(remote_id)
        now = iso(self.store.clock.now())
        with self.store.transaction() as db:
            db.conn.execute("INSERT INTO local_notes (ticket_id, text, internal, at) VALUES (?, ?, ?, ?)",
                            (_int_id(remote_id), text, int(internal), now))
            self._touch(remote_id, now)

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Give the ticket to ``person``; assigning to the holder again changes nothing (no new poll news)."""
        current = self.get(remote_id)
        name = person.strip()
        if not name:
            raise TicketSystemError(ErrorKind.REJECTED, f"ticket {remote_id}: cannot assign it to nobody; "
                                    "name the person who should have it")
        if current.assignee == name:
            return
        with self.store.transaction() as db:
            db.conn.execute("UPDATE local_tickets SET assignee = ? WHERE id = ?", (name, _int_id(remote_id)))
            self._touch(remote_id, iso(self.store.clock.now()))

    def log_time(self, entry: TimeEntryRequest) -> str:
        self.get(entry.ticket_remote_id)
        cur = self.store.db.conn.execute(
            "INSERT INTO local_time_entries (ticket_id, start, end, worked_minutes, billable_minutes, "
            "multiplier, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (_int_id(entry.ticket_remote_id), iso(entry.start), iso(entry.end), entry.worked_minutes,
             entry.billable_minutes, entry.multiplier, stamp(entry.key, entry.note),
             iso(self.store.clock.now())))
        return str(cur.lastrowid)

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        for entry_id, note in self.store.db.conn.execute(
                "SELECT id, note FROM local_time_entries WHERE ticket_id = ?", (_int_id(remote_id),)):
            if has_stamp(note, key):
                return str(entry_id)
        return None

    def test_connection(self) -> str:
        count = self.store.db.conn.execute("SELECT count(*) FROM local_tickets").fetchone()[0]
        return f"Local book ready ({count} tickets)"


def _int_id(remote_id: str) -> int:
    try:
        return int(str(remote_id).removeprefix(f"{SOURCE}:"))
    except ValueError:
        raise TicketSystemError(ErrorKind.NOT_FOUND, f"'{remote_id}' is not a local ticket number") from None


def _ticket(row: tuple[Any, ...]) -> Ticket:  # a sqlite3 row: its columns are untyped
    return Ticket(
        source=SOURCE, remote_id=str(row[0]), client=row[1], title=row[2], body=row[3],
        priority=row[4], status=row[5], contact=row[6],
        created=parse_instant(row[7]), updated=parse_instant(row[8]), assignee=row[9] or "",
    )

"""Poll the ticket system, remember what was seen, page for what the rules say.

Why it is shaped this way:
- The cursor is stored only after the poll's tickets are stored, in one
  transaction, so a crash mid-poll re-reads rather than skips.
- A ticket pages once per "life": again only after it was resolved or closed
  and then re-opened; polling the same ticket twice never pages twice.
- A failure flips the workspace to *offline since HH:MM* (shown as a banner)
  and backs off; the next success clears it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from oncall_desktop.clock import iso, parse_instant
from oncall_desktop.escalation import Context, Decision, RuleSet, default_rules, evaluate
from oncall_desktop.services.psa.base import TicketSystem, TicketSystemError
from oncall_desktop.services.store import Store
from oncall_desktop.tickets import Ticket

log = logging.getLogger(__name__)

CLOSED_STATUSES = frozenset({"resolved", "closed", "done", "completed", "cancelled", "canceled", "rejected"})
REPEAT_WINDOW = timedelta(hours=2)


RETRY_FIRST_SECONDS = 30
RETRY_CAP_SECONDS = 600


def poll_delay(interval: float, failures: int, first: float = RETRY_FIRST_SECONDS,
               cap: float = RETRY_CAP_SECONDS) -> float:
    """Seconds until the next poll after ``failures`` failed polls in a row.

    Healthy: the interval.  Offline: retry soon (a blip), then back off by
    doubling — 30 s, 60, 120 … — up to ``cap`` (or the interval, if longer),
    so a laptop on a train does not hammer the PSA or drain its battery.
    """
    if failures <= 0:
        return float(interval)
    step = min(first, interval) * (2 ** min(failures - 1, 20))
    return float(min(max(cap, interval), step))


def is_closed(status: str) -> bool:
    return status.strip().lower() in CLOSED_STATUSES


@dataclass
class SyncResult:
    fetched: int = 0
    paged: int = 0
    suppressed: int = 0
    errors: list[str] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"fetched": self.fetched, "paged": self.paged, "suppressed": self.suppressed,
                "errors": list(self.errors)}

    def summary(self) -> str:
        text = f"Fetched {self.fetched} ticket(s), paged {self.paged}, suppressed {self.suppressed}."
        if self.errors:
            text += " Problems: " + "; ".join(self.errors)
        return text


class Poller:
    """One poll of one ticket system; the UI's timer decides when."""

    def __init__(self, store: Store, system: TicketSystem, open_page: Callable[[Ticket, Decision], dict[str, Any]],
                 context: Callable[[list[Ticket]], Context] | None = None) -> None:
        self.store = store
        self.system = system
        self.open_page = open_page
        self.context = context or (lambda tickets: Context())
        self.source = getattr(system, "source", None) or getattr(system, "name", "system")

    def rules(self) -> RuleSet:
        data = self.store.get_setting("rules")
        return RuleSet.from_dict(data) if data else default_rules()

    def poll_once(self) -> SyncResult:
        result = SyncResult()
        cursor = self._cursor()
        try:
            polled = self.system.poll(cursor)
        except TicketSystemError as exc:
            self._went_offline(str(exc))
            result.errors.append(str(exc))
            return result
        self._came_online()
        now = self.store.clock.now()
        rules = self.rules()
        tickets = list(polled.tickets)
        context = self.context(tickets)
        # pages open in the same transaction that marks tickets seen: a crash
        # can never leave a ticket "seen" without its page
        with self.store.transaction():
            for ticket in tickets:
                result.fetched += 1
                if not self._is_news(ticket, now):
                    continue
                decision = evaluate(ticket, rules, context, now)
                if decision.page:
                    result.pages.append(self.open_page(ticket, decision))
                    result.paged += 1
                elif decision.suppressed_by:
                    result.suppressed += 1
                    self.store.log("page.suppressed", ticket.id,
                                   {"reason": decision.suppressed_by, "reasons": decision.reasons})
            self._save_cursor(polled.cursor, now)
            self.store.set_setting("last_poll", iso(now))
        return result

    # ------------------------------------------------------------- internals
    def _is_news(self, ticket: Ticket, now: datetime) -> bool:
        """Store the ticket; True when it is new, or re-opened after being closed."""
        conn = self.store.db.conn
        row = conn.execute("SELECT status, updated FROM tickets WHERE id = ?", (ticket.id,)).fetchone()
        values = (ticket.source, ticket.remote_id, ticket.client, ticket.title, ticket.body, ticket.priority,
                  ticket.status, ticket.contact, iso(ticket.created or now), iso(ticket.updated or now))
        if row is None:
            conn.execute(
                "INSERT INTO tickets (id, source, remote_id, client, title, body, priority, status, contact, "
                "created, updated, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (ticket.id, *values, iso(now), iso(now)))
            return not is_closed(ticket.status)
        conn.execute(
            "UPDATE tickets SET source=?, remote_id=?, client=?, title=?, body=?, priority=?, status=?, "
            "contact=?, created=?, updated=?, last_seen=? WHERE id=?", (*values, iso(now), ticket.id))
        reopened = is_closed(row[0]) and not is_closed(ticket.status)
        if reopened:
            self.store.log("ticket.reopened", ticket.id, {"was": row[0], "now": ticket.status})
        return reopened

    def _cursor(self) -> str | None:
        row = self.store.db.conn.execute("SELECT cursor FROM cursors WHERE source = ?", (self.source,)).fetchone()
        return row[0] if row else None

    def _save_cursor(self, cursor: str | None, now: datetime) -> None:
        self.store.db.conn.execute(
            "INSERT INTO cursors (source, cursor, at) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET cursor = excluded.cursor, at = excluded.at",
            (self.source, cursor, iso(now)))

    def _went_offline(self, why: str) -> None:
        self.store.set_setting("poll_failures", int(self.store.get_setting("poll_failures", 0) or 0) + 1)
        if not self.store.get_setting("offline_since"):
            now = self.store.clock.now()
            self.store.set_setting("offline_since", iso(now))
            self.store.log("poller.offline", self.source, {"reason": why})
        self.store.set_setting("offline_reason", why)

    def _came_online(self) -> None:
        if self.store.get_setting("poll_failures"):
            self.store.set_setting("poll_failures", 0)
        since = self.store.get_setting("offline_since")
        if since:
            self.store.set_setting("offline_since", None)
            self.store.set_setting("offline_reason", None)
            self.store.log("poller.online", self.source, {"offline_since": since})


def recent_by_contact(store: Store, tickets: list[Ticket], now: datetime) -> dict[str, list[Ticket]]:
    """The known tickets of each contact in this poll, from the last two hours (repeat callers)."""
    contacts = {t.contact for t in tickets if t.contact}
    if not contacts:
        return {}
    since = iso(now - REPEAT_WINDOW)
    marks = ",".join("?" * len(contacts))
    out: dict[str, list[Ticket]] = {}
    for row in store.db.conn.execute(
            f"SELECT id, source, remote_id, client, title, priority, status, contact, created FROM tickets "
            f"WHERE contact IN ({marks}) AND created >= ?", (*contacts, since)):
        out.setdefault(row[7], []).append(Ticket(
            id=row[0], source=row[1], remote_id=row[2], client=row[3], title=row[4], priority=row[5],
            status=row[6], contact=row[7], created=parse_instant(row[8])))
    known = {(contact, t.id) for contact, mine in out.items() for t in mine}  # a set: 10k tickets stay linear
    for t in tickets:
        if t.contact and (t.contact, t.id) not in known:
            known.add((t.contact, t.id))
            out.setdefault(t.contact, []).append(t)
    return out

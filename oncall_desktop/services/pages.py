"""Pages as stored rows: opened by the poller, acknowledged and resolved by people.

Why rows and not memory: a page must survive a restart with its deadline
intact (the ack window keeps running while the laptop sleeps), and every
transition lands in the event log for insights and disputes.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.clock import iso, parse_instant
from oncall_desktop.services.store import Store
from oncall_desktop.tickets import Page, Ticket

ACK_WINDOW_MINUTES = 15
ACTIVE_STATES = ("pending", "acknowledged", "escalated")


class PageError(ValueError):
    """An action that does not fit the page's state, worded for the user."""


class PageService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def open(self, ticket: Ticket, severity: str, reason: str, person: str = "") -> Page:
        """Open a page for a ticket unless one is already active for it."""
        existing = self.active_for_ticket(ticket.id)
        if existing is not None:
            return existing
        now = self.store.clock.now()
        window = int(self.store.get_setting("ack_window_minutes", ACK_WINDOW_MINUTES))
        deadline = now + timedelta(minutes=window)
        with self.store.transaction() as db:
            cur = db.conn.execute(
                "INSERT INTO pages (ticket_id, state, level, person, severity, reason, created, ack_deadline) "
                "VALUES (?, 'pending', 1, ?, ?, ?, ?, ?)",
                (ticket.id, person, severity, reason, iso(now), iso(deadline)))
            page_id = int(cur.lastrowid)
            self.store.log("page.opened", ticket.id, {"page": page_id, "severity": severity, "reason": reason,
                                                     "person": person, "ack_deadline": iso(deadline)})
        return self.get(page_id)

    def get(self, page_id: int) -> Page:
        row = self.store.db.conn.execute(f"SELECT {_COLS} FROM pages WHERE id = ?", (page_id,)).fetchone()
        if row is None:
            raise PageError(f"there is no page {page_id}")
        return _page(row)

    def active_for_ticket(self, ticket_id: str) -> Page | None:
        row = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM pages WHERE ticket_id = ? AND state IN ('pending','acknowledged','escalated') "
            "ORDER BY id DESC LIMIT 1", (ticket_id,)).fetchone()
        return _page(row) if row else None

    def latest_for_ticket(self, ticket_id: str) -> Page | None:
        row = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM pages WHERE ticket_id = ? ORDER BY id DESC LIMIT 1", (ticket_id,)).fetchone()
        return _page(row) if row else None

    def active(self) -> list[Page]:
        rows = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM pages WHERE state IN ('pending','acknowledged','escalated') "
            "ORDER BY COALESCE(ack_deadline, created), id").fetchall()
        return [_page(r) for r in rows]

    def newest_waiting(self) -> Page | None:
        row = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM pages WHERE state IN ('pending','escalated') ORDER BY id DESC LIMIT 1").fetchone()
        return _page(row) if row else None

    def acknowledge(self, page_id: int, by: str) -> Page:
        page = self.get(page_id)
        if page.state not in ("pending", "escalated"):
            raise PageError(f"page {page_id} is {page.state}; only waiting pages can be acknowledged")
        now = self.store.clock.now()
        after = max(0, int((now - page.created).total_seconds() // 60))
        with self.store.transaction() as db:
            db.conn.execute("UPDATE pages SET state='acknowledged', acknowledged_at=?, acknowledged_by=? WHERE id=?",
                            (iso(now), by, page_id))
            self.store.log("page.acknowledged", page.ticket_id,
                           {"page": page_id, "by": by, "after_minutes": after})
        return self.get(page_id)

    def resolve(self, page_id: int, by: str) -> Page:
        page = self.get(page_id)
        if page.state == "resolved":
            raise PageError(f"page {page_id} is already resolved")
        now = self.store.clock.now()
        with self.store.transaction() as db:
            db.conn.execute("UPDATE pages SET state='resolved', resolved_at=? WHERE id=?", (iso(now), page_id))
            self.store.log("page.resolved", page.ticket_id, {"page": page_id, "by": by})
        return self.get(page_id)


_COLS = ("id, ticket_id, state, level, person, severity, reason, created, ack_deadline, sla_deadline, "
         "acknowledged_at, acknowledged_by, resolved_at, data")


def _opt(value: str | None) -> datetime | None:
    return parse_instant(value) if value else None


def _page(row: tuple[Any, ...]) -> Page:
    return Page(
        id=row[0], ticket_id=row[1], state=row[2], level=row[3], person=row[4], severity=row[5],
        reason=row[6], created=parse_instant(row[7]), ack_deadline=_opt(row[8]), sla_deadline=_opt(row[9]),
        acknowledged_at=_opt(row[10]), acknowledged_by=row[11], resolved_at=_opt(row[12]),
        extra=json.loads(row[13] or "{}"),
    )

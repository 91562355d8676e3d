"""Replay a period of stored tickets through a rule set (``rules replay``; Insights' proposals check theirs).

Why it judges tickets in groups of the instant they were first seen: that is
how the poller met them, one poll's batch at a time, and the context is the
one ``rules test`` and the poller use (``Intake.context``), asked for that
instant — the contact's tickets stored in the two hours before (repeat
callers), the maintenance windows in force then.  What the app did then comes
from the event log: the ``page.opened`` (or ``page.suppressed``) written in
the poll that first saw the ticket.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import groupby
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.paging.escalation import Decision, RuleSet, evaluate_all
from oncall_desktop.core.paging.replay import MAX_REPLAY_TICKETS, Change, Replay, ReplayError, Then, change_of
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import as_utc, iso, parse_instant
from oncall_desktop.services.paging.poller import is_closed

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

#: A page opened this long after the poll that first saw its ticket still counts as that poll's.
SAME_POLL = timedelta(minutes=1)

_COLS = ("id, source, remote_id, client, title, body, priority, priority_given, status, contact, created, updated, "
         "first_seen, assignee")


def replay(ws: Workspace, start: datetime, end: datetime, rules: RuleSet, rules_name: str = "the current rules",
           limit: int = MAX_REPLAY_TICKETS) -> Replay:
    """Judge again every ticket first seen in ``[start, end)``; raise :class:`ReplayError` for a bad period."""
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise ReplayError(f"--from ({iso(start)}) is not before --to ({iso(end)}); swap them")
    conn = ws.store.db.conn
    count = conn.execute("SELECT COUNT(*) FROM tickets WHERE first_seen >= ? AND first_seen < ?",
                         (iso(start), iso(end))).fetchone()[0]
    if not count:
        first, last = conn.execute("SELECT MIN(first_seen), MAX(first_seen) FROM tickets").fetchone()
        held = f"the store holds tickets from {first} to {last}" if first else "the store holds no tickets yet"
        raise ReplayError(f"no ticket arrived between {iso(start)} and {iso(end)}; {held}")
    if count > limit:
        raise ReplayError(f"{count} tickets arrived in that period; a replay judges at most {limit}: "
                          "give a shorter period")
    rows = conn.execute(f"SELECT {_COLS} FROM tickets WHERE first_seen >= ? AND first_seen < ? "
                        "ORDER BY first_seen, rowid", (iso(start), iso(end))).fetchall()
    arrivals = [(parse_instant(r[12]), _ticket(r)) for r in rows]
    return judge_again(ws, arrivals, rules, rules_name, start, end)


def judge_again(ws: Workspace, arrivals: Sequence[tuple[datetime, Ticket]], rules: RuleSet, rules_name: str,
                start: datetime, end: datetime) -> Replay:
    """``arrivals`` (when first seen, the ticket) judged again, each poll's batch with that instant's context."""
    decided, judged = decisions_then(ws, arrivals), decide_now(ws, arrivals, rules)
    changes: list[Change] = []
    paged_then = paged_now = 0
    for at, ticket in arrivals:
        then, now = decided.get(ticket.id, Then(False)), judged[ticket.id]
        paged_then += then.paged
        paged_now += now.page
        change = change_of(ticket, at, then, now)
        if change is not None:
            changes.append(change)
    return Replay(start, end, rules_name, len(arrivals), paged_then, paged_now, tuple(changes))


def decide_now(ws: Workspace, arrivals: Sequence[tuple[datetime, Ticket]], rules: RuleSet) -> dict[str, Decision]:
    """Each ticket's decision under ``rules`` at its arrival, by ticket id (the proposals' check)."""
    out: dict[str, Decision] = {}
    for at, batch in groupby(arrivals, key=lambda pair: pair[0]):
        tickets = [t for _, t in batch]
        out.update(zip((t.id for t in tickets),
                       evaluate_all(tickets, rules, ws.intake.context(tickets, at=at), at), strict=True))
    return out


def arrivals_of(ws: Workspace, ticket_ids: Sequence[str]) -> list[tuple[datetime, Ticket]]:
    """The stored tickets of ``ticket_ids`` as (first seen, ticket), in arrival order."""
    rows = ws.store.db.conn.execute(
        f"SELECT {_COLS} FROM tickets WHERE id IN (SELECT value FROM json_each(?)) ORDER BY first_seen, rowid",
        (json.dumps(list(ticket_ids)),)).fetchall()
    return [(parse_instant(r[12]), _ticket(r)) for r in rows]


def decisions_then(ws: Workspace, arrivals: Sequence[tuple[datetime, Ticket]]) -> dict[str, Then]:
    """What the poll that first saw each ticket did: paged (severity, reason), suppressed, or neither."""
    if not arrivals:
        return {}
    first_seen = {t.id: at for at, t in arrivals}
    rows = ws.store.db.conn.execute(
        "SELECT subject, at, kind, data FROM events WHERE kind IN ('page.opened', 'page.suppressed') "
        "AND at >= ? AND subject IN (SELECT value FROM json_each(?)) ORDER BY id",
        (iso(min(first_seen.values())), json.dumps(list(first_seen)))).fetchall()
    out: dict[str, Then] = {}
    for subject, at, kind, raw in rows:
        seen = first_seen[subject]
        if subject in out and out[subject].paged or not seen <= parse_instant(at) <= seen + SAME_POLL:
            continue
        data: dict[str, Any] = json.loads(raw or "{}")
        if kind == "page.opened":
            out[subject] = Then(True, str(data.get("severity") or ""), str(data.get("reason") or ""))
        elif subject not in out:
            out[subject] = Then(False, suppressed=str(data.get("reason") or "suppressed"))
    return out


def _ticket(row: Sequence[Any]) -> Ticket:
    status = row[8]
    return Ticket(id=row[0], source=row[1], remote_id=row[2], client=row[3], title=row[4] or row[0], body=row[5],
                  priority=int(row[6]), priority_given=bool(row[7]), status="new" if is_closed(status) else status,
                  contact=row[9], created=parse_instant(row[10]), updated=parse_instant(row[11]), assignee=row[13])

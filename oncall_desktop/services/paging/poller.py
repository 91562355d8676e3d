"""Poll the ticket system, remember what was seen, page for what the rules say.

Why it is shaped this way:
- The cursor is stored only after the poll's tickets are stored, in one
  transaction, so a crash mid-poll re-reads rather than skips.
- A ticket pages once per "life": again only after it was resolved or closed
  and then re-opened; polling the same ticket twice never pages twice.
- A failure flips the workspace to *offline since HH:MM* (shown as a banner)
  and backs off; the next success clears it.
- Escalation travels through the ticket system: the app that escalates
  reassigns the ticket (outbox kind "assign"), and this poller pages *me* when
  an open ticket it already knew becomes assigned to me — once per assignment
  (the last assignee seen is kept in ``tickets.assignee``), and not when the
  assignment was my own doing (my outbox reassigned it to me, or I hold its
  acknowledged page).  Only tickets the rules would page qualify: handing a
  routine ticket to someone during the day is dispatch, not an escalation.
- The network wait happens wherever ``poll_once`` runs; every store read
  and write goes through ``on_store`` (the app's store thread; a direct call
  elsewhere).  A ticket system that answers slowly then holds only its own
  thread, never an acknowledgement or the timer's heartbeat.  A system kept
  in the store itself (``uses_store``, the local book) is polled there.
- The ticket system is the shared truth between the technicians' apps: a
  ticket this app holds an active page for that was closed, or given to
  someone else, in the ticket system is handed to ``elsewhere`` (the page
  then resolves, or is acknowledged / handed over elsewhere, without writing
  anything back).  Only tickets with an active page are looked at: a handful.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.core.paging.escalation import Context, Decision, RuleSet, evaluate, evaluate_all
from oncall_desktop.core.paging.poll_policy import Scope
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.delivery.outbox import last_assignee
from oncall_desktop.services.paging.rules_store import RulesStore
from oncall_desktop.services.platform.gc_pause import gc_paused
from oncall_desktop.services.psa.base import (
    HasPeopleDirectory,
    NamesItsSource,
    PollResult,
    PollsAssigned,
    TicketSystem,
    TicketSystemError,
)
from oncall_desktop.services.storage.store import Store
from oncall_desktop.services.storage.store_thread import OnStore, run_here, uses_store

log = logging.getLogger(__name__)

CLOSED_STATUSES = frozenset({"resolved", "closed", "done", "completed", "cancelled", "canceled", "rejected"})
REPEAT_WINDOW = timedelta(hours=2)


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
                 context: Callable[[list[Ticket]], Context] | None = None,
                 assigned_to_me: Callable[[Ticket, str, Decision], dict[str, Any]] | None = None,
                 elsewhere: Callable[[Ticket, str | None], None] | None = None,
                 on_store: OnStore = run_here) -> None:
        self.store = store
        self.on_store = on_store
        self.system = system
        self.open_page = open_page
        #: opens (or finds) the page for a ticket escalated to me, with the reason given; default: ``open_page``
        self.assigned_to_me = assigned_to_me or (
            lambda ticket, reason, decision: open_page(ticket, Decision(True, decision.severity, [reason])))
        #: told about a ticket with an active page here that was closed or given to someone else (was: old assignee)
        self.elsewhere = elsewhere
        self.context = context or (lambda tickets: Context())
        #: the cursor's key: the ``Ticket.source`` the system names, else its name
        self.source = str((system.source if isinstance(system, NamesItsSource) else "") or system.name or "system")

    def rules(self) -> RuleSet:
        return RulesStore(self.store).rules()

    def poll_once(self, scope: Scope = "all") -> SyncResult:
        """One poll: the whole desk, or (``mine``) only the tickets assigned to me where the system can say.

        Each scope keeps its own cursor: a ``mine`` poll never moves the
        desk's cursor, so the next ``all`` poll still reads everything that
        changed meanwhile (core/paging/poll_policy.py says which scope when).
        """
        result = SyncResult()
        on_store = self.on_store
        me = on_store(lambda: str(self.store.get_setting("me", "") or "").strip()) if scope == "mine" else ""
        mine = bool(me) and isinstance(self.system, PollsAssigned)
        key = f"{self.source}#mine" if mine else self.source
        cursor = on_store(lambda: self._cursor(key))
        try:
            if uses_store(self.system):
                polled = on_store(lambda: self.system.poll(cursor))
            elif mine:
                assert isinstance(self.system, PollsAssigned)
                polled = self.system.poll_assigned(cursor, me)  # the network wait: on the caller's thread
            else:
                polled = self.system.poll(cursor)  # the network wait: on the caller's thread
        except TicketSystemError as exc:
            why = str(exc)
            on_store(lambda: self._went_offline(why))
            result.errors.append(why)
            return result
        return on_store(lambda: self._apply(polled, result, key))  # type: ignore[no-any-return]

    def _apply(self, polled: PollResult, result: SyncResult, key: str) -> SyncResult:
        """Store and judge one poll's answer (on the store thread)."""
        self._came_online()
        for line in polled.skipped:  # left out of the answer (a broken mail): said, not lost
            self.store.log("poller.skipped", self.source, {"problem": line})
            result.errors.append(line)
        now = self.store.clock.now()
        rules = self.rules()
        tickets = list(polled.tickets)
        # pages open in the same transaction that marks tickets seen: a crash
        # can never leave a ticket "seen" without its page
        # the collector held off while a first poll's 10,000 tickets are judged and stored (not while
        # waiting on the network: the pause is process-wide; decoding and mapping pause on their own)
        with gc_paused(), self.store.transaction():
            context = self.context(tickets)
            news, assignees_before = self._store_batch(tickets, now)
            fresh = [t for t, was in zip(tickets, news, strict=True) if was is not None]
            decisions = iter(evaluate_all(fresh, rules, context, now))
            for ticket, was in zip(tickets, news, strict=True):
                result.fetched += 1
                if was is None:
                    continue
                if was:  # re-opened: ``was`` is the closed status it had
                    self.store.log("ticket.reopened", ticket.id, {"was": was, "now": ticket.status})
                decision = next(decisions)
                if decision.page:
                    result.pages.append(self.open_page(ticket, decision))
                    result.paged += 1
                elif decision.suppressed_by:
                    result.suppressed += 1
                    self.store.log("page.suppressed", ticket.id,
                                   {"reason": decision.suppressed_by, "reasons": decision.reasons})
            self._page_assignments(tickets, assignees_before, rules, context, now, result)
            self._follow_elsewhere(tickets, assignees_before)
            self._save_cursor(polled.cursor, now, key)
            self.store.set_setting("last_poll", iso(now))
        return result

    # ------------------------------------------------------------- internals
    def _store_batch(self, tickets: list[Ticket], now: datetime) -> tuple[list[str | None], dict[str, str]]:
        """Store the poll's tickets; say for each whether it is news, and whom each known one was assigned to.

        One entry per ticket, in order: ``""`` (first seen, and open),
        ``None`` (nothing to page about), or the closed status a re-opened
        ticket had (never empty: an empty status is not a closed one).
        Exactly what storing them one by one would decide — a ticket twice in
        one answer is judged against its first copy — but with one SELECT and
        two ``executemany`` instead of two statements per ticket (a
        10,000-ticket first poll spent most of its time there).  The assignees
        (as last seen, read in the same SELECT) are returned beside the news.
        """
        conn = self.store.db.conn
        ids = json.dumps(list(dict.fromkeys(t.id for t in tickets)))
        rows = conn.execute("SELECT id, status, assignee FROM tickets WHERE id IN (SELECT value FROM json_each(?))",
                            (ids,)).fetchall()
        known: dict[str, str] = {ticket_id: status for ticket_id, status, _ in rows}
        assignees = {ticket_id: assignee for ticket_id, _, assignee in rows}
        closed: dict[str, bool] = {}
        news: list[str | None] = []
        added: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        seen = iso(now)
        for ticket in tickets:
            status = ticket.status
            shut = closed.get(status)
            if shut is None:
                shut = closed[status] = is_closed(status)
            was = known.get(ticket.id)
            known[ticket.id] = status
            created, updated = ticket.created, ticket.updated
            values = (ticket.source, ticket.remote_id, ticket.client, ticket.title, ticket.body, ticket.priority,
                      int(ticket.priority_given), status, ticket.contact, iso(created) if created else seen,
                      iso(updated) if updated else seen)
            if was is None:
                news.append(None if shut else "")
                added.append((ticket.id, *values, seen, seen))
            else:
                was_shut = closed.get(was)
                if was_shut is None:
                    was_shut = closed[was] = is_closed(was)
                news.append(was if was_shut and not shut else None)
                changed.append((*values, seen, ticket.id))
        # every insert before any update: a ticket twice in one answer is inserted, then updated in order
        conn.executemany(
            "INSERT INTO tickets (id, source, remote_id, client, title, body, priority, priority_given, status, "
            "contact, created, updated, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", added)
        conn.executemany(
            "UPDATE tickets SET source=?, remote_id=?, client=?, title=?, body=?, priority=?, priority_given=?, "
            "status=?, contact=?, created=?, updated=?, last_seen=? WHERE id=?", changed)
        return news, assignees

    def _page_assignments(self, tickets: list[Ticket], before: dict[str, str], rules: RuleSet, context: Context,
                          now: datetime, result: SyncResult) -> None:
        """Store each ticket's assignee; page me for the known, open ones newly assigned to me by someone else."""
        changed = {t.id: t for t in tickets if before.get(t.id, "") != t.assignee}
        if not changed:
            return
        conn = self.store.db.conn
        conn.executemany("UPDATE tickets SET assignee = ? WHERE id = ?", [(t.assignee, i) for i, t in changed.items()])
        me = self._my_names()
        if not me:
            return
        paged = {p["ticket"].id for p in result.pages if isinstance(p.get("ticket"), Ticket)}
        for ticket_id, ticket in changed.items():
            was = before.get(ticket_id)
            if (was is None or ticket_id in paged or ticket.assignee.casefold() not in me
                    or was.casefold() in me or is_closed(ticket.status) or self._my_own_doing(ticket_id, me)):
                continue
            decision = evaluate(ticket, rules, context, now)
            reason = f"escalated to you: assigned to {ticket.assignee} (was {was or 'unassigned'})"
            self.store.log("ticket.assigned_to_me", ticket_id, {"assignee": ticket.assignee, "was": was,
                                                                "pages": decision.page, "reasons": decision.reasons})
            if decision.page:
                result.pages.append(self.assigned_to_me(ticket, reason, decision))
                result.paged += 1

    def _follow_elsewhere(self, tickets: list[Ticket], before: dict[str, str]) -> None:
        """Tell ``elsewhere`` about tickets with an active page here, closed or given to someone not me."""
        if self.elsewhere is None:
            return
        active = {row[0] for row in self.store.db.conn.execute(
            "SELECT DISTINCT ticket_id FROM pages WHERE state IN ('pending','acknowledged','escalated')")}
        if not active:
            return
        me = self._my_names()
        for ticket in tickets:
            if ticket.id not in active:
                continue
            was = before.get(ticket.id)
            closed = is_closed(ticket.status)
            if not closed and (was is None or was == ticket.assignee or not ticket.assignee
                               or ticket.assignee.casefold() in me):
                continue  # new to this app, unchanged, unassigned, or mine (``_page_assignments``)
            if closed:
                active.discard(ticket.id)  # its page resolves: once, even if the answer lists it twice
            self.elsewhere(ticket, was)

    def _my_names(self) -> set[str]:
        """How the ticket system may name me: my name, my e-mail, my ``people`` override (case-folded)."""
        me = str(self.store.get_setting("me", "") or "").strip()
        if not me:
            return set()
        names = {me}
        row = self.store.db.conn.execute("SELECT email FROM people WHERE name = ? COLLATE NOCASE", (me,)).fetchone()
        if row and row[0]:
            names.add(row[0])
        people = self.system.people if isinstance(self.system, HasPeopleDirectory) else None
        for person, user in dict(people or {}).items():
            if str(person).casefold() == me.casefold():
                names.add(str(user))
        return {n.strip().casefold() for n in names if n.strip()}

    def _my_own_doing(self, ticket_id: str, me: set[str]) -> bool:
        """True when this workspace gave me the ticket: its newest reassignment names me, or I acknowledged it."""
        if last_assignee(self.store, ticket_id).casefold() in me:  # ("" is never one of my names)
            return True
        return any(by.strip().casefold() in me for (by,) in self.store.db.conn.execute(
            "SELECT acknowledged_by FROM pages WHERE ticket_id = ? AND state = 'acknowledged'", (ticket_id,)))

    def _cursor(self, key: str | None = None) -> str | None:
        """The stored cursor of ``key`` (default: the desk's, ``source``; ``<source>#mine`` for my tickets)."""
        row = self.store.db.conn.execute("SELECT cursor FROM cursors WHERE source = ?",
                                         (key or self.source,)).fetchone()
        return row[0] if row else None

    def _save_cursor(self, cursor: str | None, now: datetime, key: str) -> None:
        self.store.db.conn.execute(
            "INSERT INTO cursors (source, cursor, at) VALUES (?, ?, ?) "
            "ON CONFLICT(source) DO UPDATE SET cursor = excluded.cursor, at = excluded.at",
            (key, cursor, iso(now)))

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
    """The known tickets of each contact in this poll, from the last two hours (repeat callers).

    Only contacts that *could* be repeat callers are kept: one whose tickets
    (here and stored) are all the very ticket being judged never is (the rule
    skips a ticket's own id), and in a big first poll that is most contacts.
    """
    contacts = list({t.contact for t in tickets if t.contact})
    if not contacts:
        return {}
    # json_each, not one "?" per contact: SQLite refuses more than 32,766 parameters
    rows = store.db.conn.execute(
        "SELECT id, source, remote_id, client, title, priority, status, contact, created FROM tickets "
        "WHERE contact IN (SELECT value FROM json_each(?)) AND created >= ?",
        (json.dumps(contacts), iso(now - REPEAT_WINDOW))).fetchall()
    # which contacts (compared case-insensitively, as the rules do) have two different tickets, or one without id
    first: dict[str, str] = {}
    repeat: set[str] = set()
    for key, ticket_id in [(r[7].casefold(), r[0]) for r in rows] + [(t.contact.casefold(), t.id)
                                                                       for t in tickets if t.contact]:
        if first.setdefault(key, ticket_id) != ticket_id or not ticket_id:
            repeat.add(key)
    if not repeat:
        return {}
    out: dict[str, list[Ticket]] = {}
    for row in rows:
        if row[7].casefold() in repeat:
            out.setdefault(row[7], []).append(Ticket(
                id=row[0], source=row[1], remote_id=row[2], client=row[3], title=row[4], priority=row[5],
                status=row[6], contact=row[7], created=parse_instant(row[8])))
    known = {(contact, t.id) for contact, mine in out.items() for t in mine}  # a set: 10k tickets stay linear
    for t in tickets:
        if t.contact and (t.contact, t.id) not in known and t.contact.casefold() in repeat:
            known.add((t.contact, t.id))
            out.setdefault(t.contact, []).append(t)
    return out

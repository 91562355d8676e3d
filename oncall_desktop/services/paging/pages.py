"""Pages as stored rows driven by the pure ack clock (``oncall_desktop/core/paging/ack.py``).

Why rows holding the whole ``PageState`` as JSON: a page must survive a
restart with its deadline intact (the window keeps running while the laptop
sleeps), so the clock's state lives in the store, never in memory.  Every
change goes through :meth:`PageService.apply`: one transaction stores the new
state, appends the event to the audit log and hands the transition's effects
(notes, timers, reassignment) to the workspace; notifications go out only
after the commit, so a crash can never announce a change that was not kept.

Every technician's app keeps its own copy of each page; the ticket system is
the shared truth between them.  The *holder* (``PageState.person``) is whose
clock runs it (services/paging/ack_clock.py).  What another app did reaches this one
only through the ticket system, and :meth:`PageService.follow_assignment`,
:meth:`take_over` and :meth:`resolve_elsewhere` apply it to this copy as
remote events — stored and logged (``page.acknowledged_elsewhere``,
``page.handed_over``, ``page.resolved_elsewhere``) but with no effects:
the note and the assignment were written once, by the app that acted.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from oncall_desktop.core.paging import ack, ack_events, sla
from oncall_desktop.core.paging.signals_fired import Signal
from oncall_desktop.core.shift.analytics import is_false_alarm
from oncall_desktop.core.tickets.tickets import SEVERITIES, Page, Ticket
from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.storage.store import Store, inserted_id

ACK_WINDOW_MINUTES = 15
#: Where an acknowledgement can come from (the ``origin`` in its event's data).
ACK_ORIGINS = ("window", "tray", "notification", "cli")

#: The audit-log kind for each event (Timeout and StaleCheck depend on the outcome).
_KINDS: dict[type, str] = {
    ack_events.Acknowledge: "page.acknowledged", ack_events.Resolve: "page.resolved", ack_events.Escalate: "page.escalated",
    ack_events.Unack: "page.unacknowledged", ack_events.Reassign: "page.reassigned", ack_events.Snooze: "page.snoozed",
    ack_events.Renotify: "page.renotified", ack_events.RemoteAcknowledge: "page.acknowledged_elsewhere",
    ack_events.RemoteResolve: "page.resolved_elsewhere", ack_events.Handover: "page.handed_over",
}


class PageError(ValueError):
    """An action that does not fit the page's state, worded for the user."""


class EffectSink(Protocol):
    """Carries out a transition's effects; returns what must wait for the commit."""

    def run(self, page: Page, transition: ack.Transition, key: str) -> list[Callable[[], None]]:
        ...


class PageService:
    """Opens pages and applies ack events to them; the only writer of the ``pages`` table.

    ``policy`` and ``chain`` are asked at the moment they matter (the
    settings may change while the app runs); ``contract(client)`` gives the
    client's SLA; ``effects`` is the workspace's executor (None: effects are
    only logged, which is what a bare store in a test wants).  ``assignee(ticket
    id)`` names the person the ticket system last showed the ticket assigned to
    ("" for nobody or unknown): acknowledging a ticket assigned to someone else
    takes it, so the other apps learn who has it.
    """

    def __init__(self, store: Store, *, policy: Callable[[], ack_events.AckPolicy] | None = None,
                 chain: Callable[[datetime], Sequence[str]] | None = None,
                 contract: Callable[[str], sla.Contract] | None = None,
                 effects: EffectSink | None = None,
                 assignee: Callable[[str], str] | None = None) -> None:
        self.store = store
        self.assignee = assignee or (lambda ticket_id: "")
        self.policy = policy or (lambda: ack_events.AckPolicy(ack_minutes=int(
            store.get_setting("ack_window_minutes", ACK_WINDOW_MINUTES))))
        self.chain = chain or (lambda at: [])
        self.contract = contract or (lambda client: sla.Contract())
        self.effects = effects

    # ------------------------------------------------------------------ open
    def open(self, ticket: Ticket, severity: str, reason: str, person: str = "",
             signals: Sequence[Signal] = (), reasons: Sequence[str] = ()) -> Page:
        """Open a page for a ticket unless one is already active for it.

        The opening notification is the poller's job (it knows the reason
        text), so the Notify effect of opening is not re-sent here.
        ``signals`` (the triage kinds that counted) and ``reasons`` (the
        decision's) are kept with the page, for the tech's verdict on it.
        """
        existing = self.active_for_ticket(ticket.id)
        if existing is not None:
            return existing
        now = self.store.clock.now()
        chain = clean_chain(self.chain(now))
        if person and person not in chain:
            chain = [person, *chain]
        policy = self.policy()
        fired, said = [s.to_json() for s in signals], list(reasons)
        opened = ack.open_page("", now, policy, chain, client=ticket.client, severity=severity)
        with self.store.transaction() as db:
            cur = db.conn.execute(
                "INSERT INTO pages (ticket_id, state, level, person, severity, reason, created, signals, reasons) "
                "VALUES (?, 'pending', 1, ?, ?, ?, ?, ?, ?)",
                (ticket.id, opened.state.person, severity, reason, iso(now), json.dumps(fired), json.dumps(said)))
            page_id = inserted_id(cur)
            state = replace(opened.state, page_id=str(page_id))
            self._save(page_id, state, now, seq=0)
            self.store.log("page.opened", ticket.id, {
                "page": page_id, "severity": severity, "reason": reason, "person": state.person,
                "chain": list(state.chain), "ack_deadline": iso(state.deadline) if state.deadline else None,
                "client": ticket.client, "signals": fired})
        return self.get(page_id)

    # ----------------------------------------------------------------- reads
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
            "ORDER BY COALESCE(ack_deadline, sla_deadline, created), id").fetchall()
        return [_page(r) for r in rows]

    def newest_waiting(self) -> Page | None:
        row = self.store.db.conn.execute(
            f"SELECT {_COLS} FROM pages WHERE state IN ('pending','escalated') ORDER BY id DESC LIMIT 1").fetchone()
        return _page(row) if row else None

    def find(self, ref: str) -> Page:
        """The page a person means by ``ref``: our ticket id (``local:3``), the remote id (``3``) or ``#page``.

        The active page wins; otherwise the latest one (so ``resolve`` after
        a restart still finds it).  Two systems with the same remote id is
        an error that lists both, never a guess.
        """
        ref = str(ref).strip()
        if ref.startswith("#") and ref[1:].isdigit():
            return self.get(int(ref[1:]))
        conn = self.store.db.conn
        ids = [ref] if conn.execute("SELECT 1 FROM pages WHERE ticket_id = ?", (ref,)).fetchone() else []
        if not ids:
            ids = [r[0] for r in conn.execute(
                "SELECT DISTINCT p.ticket_id FROM pages p JOIN tickets t ON t.id = p.ticket_id WHERE t.remote_id = ?",
                (ref,))]
        if not ids:
            ids = [r[0] for r in conn.execute("SELECT DISTINCT ticket_id FROM pages WHERE ticket_id LIKE ?",
                                               (f"%:{ref}",))]
        if not ids:
            raise PageError(f"no page for ticket '{ref}'; use the id shown by 'oncall-desktop now' (such as local:3)")
        if len(ids) > 1:
            raise PageError(f"ticket '{ref}' is ambiguous ({', '.join(sorted(ids))}); give the full id")
        page = self.active_for_ticket(ids[0]) or self.latest_for_ticket(ids[0])
        assert page is not None
        return page

    def state(self, page_id: int) -> ack.PageState:
        row = self.store.db.conn.execute(
            "SELECT p.ack_state, p.id, p.state, p.level, p.person, p.created, p.ack_deadline, p.acknowledged_at, "
            "p.acknowledged_by, p.resolved_at, p.severity, t.client FROM pages p "
            "LEFT JOIN tickets t ON t.id = p.ticket_id WHERE p.id = ?", (page_id,)).fetchone()
        if row is None:
            raise PageError(f"there is no page {page_id}")
        if row[0]:
            try:
                return ack.PageState.from_dict(json.loads(row[0]))
            except (ack_events.AckError, ValueError) as exc:
                raise PageError(f"page {page_id} is damaged in the workspace ({exc}); resolve it by hand") from None
        # a page stored before the ack clock existed: rebuild its state from the columns
        created = parse_instant(row[5])
        return ack.PageState(
            page_id=str(row[1]), state=row[2], level=row[3], person=row[4], created=created, window_start=created,
            deadline=parse_instant(row[6]) if row[6] and row[2] in ack.WAITING else None,
            chain=(row[4],) if row[4] else (), client=row[11] or "", severity=row[10],
            acknowledged_at=parse_instant(row[7]) if row[7] else None, acknowledged_by=row[8] or "",
            resolved_at=parse_instant(row[9]) if row[9] else None)

    # ----------------------------------------------------------------- verbs
    def acknowledge(self, page_id: int, by: str, origin: str = "window") -> Page:
        """``origin`` says where the tech acknowledged (one of :data:`ACK_ORIGINS`), kept in the event log.

        Why: an acknowledgement stops the escalation, so an audit must be able
        to tell a click in the window from a notification button or a script.
        """
        if origin not in ACK_ORIGINS:
            raise PageError(f"unknown acknowledgement origin {origin!r} (one of {', '.join(ACK_ORIGINS)})")
        holder = self.assignee(self.get(page_id).ticket_id).strip()  # as the ticket system last showed it
        # unassigned, or someone else's (a queue, the client's usual technician): acknowledging takes it,
        # so the team — and the other apps, on their next poll — see who has it
        take = holder.casefold() != str(by).strip().casefold()
        self.apply(page_id, ack_events.Acknowledge(by, take_ticket=take), logged={"origin": origin})
        return self.get(page_id)

    # ------------------------------------------------- what other apps did
    def follow_assignment(self, page_id: int, person: str, at: datetime | None = None) -> Page | None:
        """The ticket system shows the ticket given to ``person`` by another app; this copy follows.

        Further up the chain: that app escalated it (``page.handed_over``).
        Anyone else: they took it (``page.acknowledged_elsewhere``).  No
        effects either way.  None when nothing changed.
        """
        event = ack.remote_assignment(self.state(page_id), person, at)
        if event is None:
            return None
        return self.apply(page_id, event)[0]

    def take_over(self, page_id: int, person: str, at: datetime | None = None) -> Page:
        """The ticket was escalated to ``person`` (me) elsewhere: my copy continues at their level.

        Level and window come from the hand-over, not a fresh level-1 page,
        so my own clock escalates further if I do not acknowledge in time.
        """
        state = self.state(page_id)
        if state.person.casefold() == person.strip().casefold() and state.state in ack.WAITING:
            return self.get(page_id)  # already mine and waiting on me (a page opened for me)
        return self.apply(page_id, ack_events.Handover(person, at))[0]

    def resolve_elsewhere(self, page_id: int, by: str = "", at: datetime | None = None) -> Page:
        """The ticket was closed in the ticket system: the page is over here too (no note, no effects)."""
        return self.apply(page_id, ack_events.RemoteResolve(by, at))[0]

    def resolve(self, page_id: int, by: str, outcome: str = "fixed") -> Page:
        """Resolve with the tech's ``outcome``: their verdict, kept in the event with the page's signals.

        "no action needed" and "false alarm" say the page woke someone for
        nothing; any other outcome that it was needed.  The event carries the
        client and the signals the page opened on, so Insights can count
        false alarms per signal kind and per client from the log alone.
        """
        row = self.store.db.conn.execute(
            "SELECT p.signals, t.client FROM pages p LEFT JOIN tickets t ON t.id = p.ticket_id WHERE p.id = ?",
            (page_id,)).fetchone()
        logged: dict[str, Any] = {}
        if row is not None:
            logged = {"verdict": "false_alarm" if is_false_alarm(outcome) else "needed",
                      "signals": json.loads(row[0] or "[]"), "client": row[1] or ""}
        self.apply(page_id, ack_events.Resolve(by, outcome), logged=logged)
        return self.get(page_id)

    def escalate(self, page_id: int, by: str | None = None) -> Page:
        self.apply(page_id, ack_events.Escalate(by))
        return self.get(page_id)

    def snooze(self, page_id: int, minutes: int) -> Page:
        """Quiet the reminders for ``minutes``; the ack deadline (and escalation) stays where it was."""
        self.apply(page_id, ack_events.Snooze(minutes))
        return self.get(page_id)

    def unacknowledge(self, page_id: int, by: str) -> Page:
        self.apply(page_id, ack_events.Unack(by))
        return self.get(page_id)

    def reassign(self, page_id: int, to: str, by: str) -> Page:
        self.apply(page_id, ack_events.Reassign(to, by))
        return self.get(page_id)

    def apply(self, page_id: int, event: ack_events.Event, now: datetime | None = None,
              due: datetime | None = None, logged: dict[str, Any] | None = None) -> tuple[Page, ack.Transition]:
        """One event on one page: stored, logged and carried out, or nothing at all.

        ``logged``: more for the event's data in the log (where an acknowledgement came from).
        """
        now = now or self.store.clock.now()
        after: list[Callable[[], None]] = []
        with self.store.transaction():
            state = self.state(page_id)
            before = self.get(page_id)
            try:
                step = ack.transition(state, event, now, self.policy())
            except ack_events.AckError as exc:
                raise PageError(f"page {page_id} ({before.ticket_id}): {exc}") from None
            seq = int(self.store.db.conn.execute("SELECT clock_seq FROM pages WHERE id = ?",
                                                 (page_id,)).fetchone()[0]) + 1
            self._save(page_id, step.state, now, seq)
            self._save_snooze(page_id, step.state.renotify_at if isinstance(event, ack_events.Snooze) else None)
            page = self.get(page_id)
            self.store.log(_kind(event, state, step), page.ticket_id,
                           {**_log_data(page_id, event, state, step, due), **(logged or {})}, at=now)
            if self.effects is not None:
                after = self.effects.run(page, step, f"page-{page_id}-{seq}")
        for action in after:
            action()
        return page, step

    # ---------------------------------------------------------- clock support
    def due(self, now: datetime) -> list[tuple[int, datetime, ack.PageState]]:
        """Pages with something due by ``now``, as (page id, the instant it fell due, its state), earliest first."""
        rows = self.store.db.conn.execute(
            "SELECT id FROM pages WHERE next_due IS NOT NULL AND next_due <= ? AND state != 'resolved'",
            (iso(now),)).fetchall()
        out: list[tuple[int, datetime, ack.PageState]] = []
        for (page_id,) in rows:
            state = self.state(page_id)
            # due() and renotify_due() are true only when their instant is set
            when = state.deadline if ack.due(state, now) else state.renotify_at if ack.renotify_due(state, now) else None
            if when is not None:
                out.append((page_id, when, state))
        return sorted(out, key=lambda x: (x[1], x[0]))

    def waiting_unsnoozed(self, now: datetime) -> list[tuple[int, ack.PageState]]:
        """Pages still waiting for an acknowledgement and not snoozed at ``now`` (what the chime rings for)."""
        rows = self.store.db.conn.execute(
            "SELECT id, data FROM pages WHERE state IN ('pending','escalated') ORDER BY id").fetchall()
        out = []
        for page_id, raw in rows:
            until = json.loads(raw or "{}").get("snoozed_until")
            if until and parse_instant(until) > now:
                continue
            out.append((int(page_id), self.state(int(page_id))))
        return out

    def next_due(self) -> datetime | None:
        row = self.store.db.conn.execute(
            "SELECT MIN(next_due) FROM pages WHERE next_due IS NOT NULL AND state != 'resolved'").fetchone()
        return parse_instant(row[0]) if row and row[0] else None

    def set_waiting_on_client(self, page_id: int, waiting: bool, now: datetime) -> bool:
        """Pause or resume the SLA clock; True when that changed anything (then logged)."""
        row = self.store.db.conn.execute("SELECT sla_pauses, ticket_id FROM pages WHERE id = ?",
                                         (page_id,)).fetchone()
        pauses = sla.pauses_from_json(json.loads(row[0] or "[]"))
        updated = sla.update_pauses(pauses, waiting, now)
        if updated == pauses:
            return False
        with self.store.transaction() as db:
            db.conn.execute("UPDATE pages SET sla_pauses = ? WHERE id = ?",
                            (json.dumps(sla.pauses_to_json(updated)), page_id))
            self._save_sla(page_id, self.state(page_id), now)
            self.store.log("page.sla_paused" if waiting else "page.sla_resumed", row[1], {"page": page_id}, at=now)
        return True

    def set_severity(self, page_id: int, severity: str, by: str = "") -> Page:
        """A triage outcome re-rates the page (P1–P4); the SLA deadline follows the new severity."""
        if severity not in SEVERITIES:
            raise PageError(f"severity must be P1, P2, P3 or P4, not {severity!r}")
        page = self.get(page_id)
        if page.severity == severity:
            return page
        now = self.store.clock.now()
        with self.store.transaction() as db:
            db.conn.execute("UPDATE pages SET severity = ? WHERE id = ?", (severity, page_id))
            self._save_sla(page_id, self.state(page_id), now)
            self.store.log("page.severity_set", page.ticket_id,
                           {"page": page_id, "from": page.severity, "to": severity, "by": by})
        return self.get(page_id)

    # -------------------------------------------------------------- internals
    def _save(self, page_id: int, state: ack.PageState, now: datetime, seq: int) -> None:
        waiting = state.state in ack.WAITING
        dues = [d for d in (state.deadline, state.renotify_at if waiting else None) if d is not None]
        self.store.db.conn.execute(
            "UPDATE pages SET state=?, level=?, person=?, ack_deadline=?, acknowledged_at=?, acknowledged_by=?, "
            "resolved_at=?, ack_state=?, next_due=?, clock_seq=? WHERE id=?",
            (state.state, state.level, state.person, iso(state.deadline) if waiting and state.deadline else None,
             iso(state.acknowledged_at) if state.acknowledged_at else None, state.acknowledged_by,
             iso(state.resolved_at) if state.resolved_at else None, json.dumps(state.to_dict(), sort_keys=True),
             iso(min(dues)) if dues and state.state != ack.RESOLVED else None, seq, page_id))
        self._save_sla(page_id, state, now)

    def _save_snooze(self, page_id: int, until: datetime | None) -> None:
        """A snooze quiets the chime until ``until``; any other event ends it (the page moved on)."""
        conn = self.store.db.conn
        data = json.loads(conn.execute("SELECT data FROM pages WHERE id = ?", (page_id,)).fetchone()[0] or "{}")
        if until is None and "snoozed_until" not in data:
            return
        if until is None:
            del data["snoozed_until"]
        else:
            data["snoozed_until"] = iso(until)
        conn.execute("UPDATE pages SET data = ? WHERE id = ?", (json.dumps(data, sort_keys=True), page_id))

    def _save_sla(self, page_id: int, state: ack.PageState, now: datetime) -> None:
        conn = self.store.db.conn
        raw_pauses, raw_data = conn.execute("SELECT sla_pauses, data FROM pages WHERE id = ?", (page_id,)).fetchone()
        pauses = sla.pauses_from_json(json.loads(raw_pauses or "[]"))
        clock = sla.current(self.contract(state.client), state.severity, state.created, now, pauses,
                            state.acknowledged_at, state.resolved_at)
        data = json.loads(raw_data or "{}")
        data["sla"] = clock.to_json() if clock else None
        conn.execute("UPDATE pages SET sla_deadline = ?, data = ? WHERE id = ?",
                     (iso(clock.deadline) if clock and clock.deadline else None, json.dumps(data, sort_keys=True),
                      page_id))


def clean_chain(chain: Sequence[str | None]) -> list[str]:
    """The rotation's [on call, backup, lead] without the gaps and repeats.

    Nobody in the backup slot means the lead is next; the lead who is also on
    call is not paged twice.
    """
    out: list[str] = []
    for person in chain:
        if person and person.strip() and person.strip() not in out:
            out.append(person.strip())
    return out


def _kind(event: ack_events.Event, before: ack.PageState, step: ack.Transition) -> str:
    if isinstance(event, ack_events.Timeout):
        return "page.escalated" if step.state.level > before.level else "page.unanswered"
    if isinstance(event, ack_events.StaleCheck):
        return "page.stale" if step.state.state != ack.ACKNOWLEDGED else "page.stale_check_passed"
    return _KINDS[type(event)]


def _log_data(page_id: int, event: ack_events.Event, before: ack.PageState, step: ack.Transition,
              due: datetime | None) -> dict[str, Any]:
    data: dict[str, Any] = {"page": page_id, "event": type(event).__name__.lower(), "from": before.state,
                            "state": step.state.state, "level": step.state.level, "person": step.state.person,
                            "deadline": iso(step.deadline) if step.deadline else None,
                            "effects": [e.to_json() for e in step.effects]}
    by = getattr(event, "by", None)
    data["by"] = by if by else ("clock" if due is not None else "")
    if isinstance(event, ack_events.REMOTE_EVENTS):
        data["elsewhere"] = True
        if event.at is not None:
            data["happened_at"] = iso(event.at)
    if isinstance(event, ack_events.Handover):
        data["to"] = event.to
    if due is not None:
        data["due"] = iso(due)
    if isinstance(event, ack_events.Acknowledge) and step.state.acknowledged_at:
        data["after_minutes"] = max(0, int((step.state.acknowledged_at - before.created).total_seconds() // 60))
    if isinstance(event, ack_events.Snooze):
        data["minutes"] = event.minutes
    if isinstance(event, ack_events.Reassign):
        data["to"] = event.to
    if isinstance(event, ack_events.Resolve):
        data["outcome"] = event.outcome
    return data


_COLS = ("id, ticket_id, state, level, person, severity, reason, created, ack_deadline, sla_deadline, "
         "acknowledged_at, acknowledged_by, resolved_at, data")


def _opt(value: str | None) -> datetime | None:
    return parse_instant(value) if value else None


def _page(row: tuple[Any, ...]) -> Page:
    return Page(
        id=row[0], ticket_id=row[1], state=row[2], level=row[3], person=row[4], severity=row[5],
        reason=row[6], created=parse_instant(row[7]), ack_deadline=_opt(row[8]), sla_deadline=_opt(row[9]),
        acknowledged_at=_opt(row[10]), acknowledged_by=row[11], resolved_at=_opt(row[12]), extra=json.loads(row[13] or "{}"),
    )

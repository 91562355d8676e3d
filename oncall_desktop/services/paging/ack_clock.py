"""The ack and SLA clocks of the workspace: stored deadlines, fired by ``tick(now)``.

Why no timers of its own: a QTimer (or a thread) forgets everything when the
laptop sleeps or the app restarts, and a page must still move to the backup.
So every deadline lives in the ``pages`` table and :meth:`ClockService.tick`
fires whatever is due by ``now`` — one transition at a time, earliest first
across all pages, each in its own transaction and each in the event log.  The
app calls it every second; after sleep or a restart the first call fires the
overdue transitions at once, in the order they fell due.  ``oncall-desktop
tick --at ISO`` calls it with a chosen instant.

**How a team shares pages.**  Every technician runs this app against the same
ticket system, and every app keeps its own copy of each paging ticket's page.
The ticket system is the one shared truth, and the page's *holder*
(``PageState.person``) is the only one whose clock runs it:

- The clock fires timeouts, reminders and stale checks only for pages held
  by me (setting ``me``) — so when nobody acknowledges, exactly one app (the
  holder's) writes the escalation note and reassigns the ticket.
- The next person's app sees the ticket assigned to them on its next poll
  and takes the page over *at the escalated level*, its window counted from
  the hand-over (:func:`take_over`); from then on their clock runs it, up to
  the lead.
- Whatever another app did — took the ticket (acknowledged), escalated it,
  closed it — reaches this app as a change of assignee or status in a poll
  and moves this copy along without effects (:func:`follow_ticket`).

Where there is no shared truth to coordinate through, every app runs every
page, as a lone app must: ``me`` is not set (a single-user workspace, the
CLI's ``tick`` in scripts and tests), the ticket system cannot reassign (an
IMAP inbox, a system that is not ``base.Reassigns``), or it is the workspace's own local
book (no other app sees it).  Several technicians on such a system each
write their own escalation note — the duplicate-note risk is accepted there,
because a page that nobody escalates is worse.  A page no rotation gave a
holder ("level 1") is run by every app too.

This module also turns the transitions' *effects* into real work
(:class:`WorkspaceEffects`): notes go to the outbox, timers to the timer
service, notifications to the notifier, reassignments to the outbox (kind
"assign") where the ticket system can reassign (``Reassigns``) — that is how the
backup's own app, polling the same system, learns it must page them.  A system
that cannot reassign gets the limitation logged (``page.assign_not_supported``);
the note still says who has the page.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.paging import ack, ack_events, sla
from oncall_desktop.core.time.clock import as_utc, iso
from oncall_desktop.services.psa.base import HasPeopleDirectory, Reassigns

if TYPE_CHECKING:
    from oncall_desktop.core.tickets.tickets import Page, Ticket
    from oncall_desktop.services.app.workspace import Workspace

#: Safety bound for one tick (a page fires at most ``levels + 2`` times per catch-up).
MAX_FIRES_PER_TICK = 1000
#: A hand-over's window counts from the ticket's last update, but never from longer ago than
#: this before the app saw it: a laptop that slept through the hand-over still gets a real window.
HANDOVER_LOOKBACK = timedelta(minutes=5)


class ClockService:
    """Fires due page transitions; the only caller of Timeout, StaleCheck and Renotify.

    Only for the pages this app holds when the team shares pages (see the
    module docstring); for every page otherwise.
    """

    def __init__(self, ws: Workspace, chime: Callable[[], object] | None = None) -> None:
        from oncall_desktop.services.paging.page_sound import ChimeRepeat

        self.ws = ws
        #: plays the page chime without waiting for it (the app sets it; the CLI's ``tick`` stays silent)
        self.chime = chime
        self.chime_repeat = ChimeRepeat()

    def tick(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """Fire everything due by ``now`` (default: the workspace clock), earliest first.

        Returns one JSON-ready record per fired transition: page, ticket, the
        event, when it fell ``due`` and when it fired (``at``), the new state
        and the effects.
        """
        now = as_utc(now or self.ws.clock.now())
        pages = self.ws.pages
        self._sync_sla_pauses(now)
        fired: list[dict[str, Any]] = []
        mine = self.runs_for()
        for _ in range(MAX_FIRES_PER_TICK):
            due = [entry for entry in pages.due(now) if mine(entry[2])]
            if not due:
                break
            page_id, at, state = due[0]
            event: ack_events.Event
            if ack.due(state, now):
                event = ack_events.Timeout() if state.state in ack.WAITING else ack_events.StaleCheck(self._timer_on(page_id))
            else:
                event = ack_events.Renotify()
            page, step = pages.apply(page_id, event, now, due=at)
            fired.append({"page": page_id, "ticket": page.ticket_id, "event": type(event).__name__.lower(),
                          "due": iso(at), "at": iso(now), **step.to_json()})
        self._withdraw_settled()
        self._ring(now)
        return fired

    def _ring(self, now: datetime) -> None:
        """Chime for a page newly waiting on me, then every 30 s until it is acknowledged or snoozed.

        Driven from here because this tick already runs every second on the
        store thread and reads the store, the one truth about who acknowledged
        or snoozed what (a click, a notification button, the CLI, another
        app); it goes on after sleep like the rest of the clock.  Playing
        starts a player process and returns at once.
        """
        if self.chime is None:
            return
        from oncall_desktop.services.app.preferences import chime_on

        waiting: set[int] = set()
        if chime_on(self.ws.store):
            me = self.ws.me.strip().casefold()
            waiting = {page_id for page_id, state in self.ws.pages.waiting_unsnoozed(now)
                       if not me or ack.held_by_nobody(state) or state.person.strip().casefold() == me}
        if self.chime_repeat.due(now, waiting):
            self.chime()

    def next_due(self) -> datetime | None:
        """When the next transition will fire on its own (None: nothing waits)."""
        return self.ws.pages.next_due()

    def runs_for(self) -> Callable[[ack.PageState], bool]:
        """Whether this app's clock runs a page: held by me, or every page when pages are not shared."""
        me = self.ws.me.strip().casefold()
        if not me or not shares_pages(self.ws):
            return lambda state: True
        return lambda state: ack.held_by_nobody(state) or state.person.strip().casefold() == me

    def _withdraw_settled(self) -> None:
        """Close pop-ups of pages settled outside this process (the CLI's ``ack``, another window).

        This app's own transitions close theirs at once (WorkspaceEffects);
        the store is the truth for the rest, read here once a second.
        """
        from oncall_desktop.services.paging.pages import PageError

        notifier = self.ws.notifier
        for page_id in sorted(notifier.shown()):
            try:
                settled = self.ws.pages.state(page_id).state not in ack.WAITING
            except PageError:  # a page gone or damaged: its pop-up means nothing now
                settled = True
            if settled:
                notifier.withdraw(page_id)

    def _timer_on(self, page_id: int) -> bool:
        running = self.ws.timers.running()
        return running is not None and running.ticket_id == self.ws.pages.get(page_id).ticket_id

    def _sync_sla_pauses(self, now: datetime) -> None:
        """Pause each open page's SLA clock while its ticket waits on the client (status from the last poll)."""
        import json

        rows = self.ws.store.db.conn.execute(
            "SELECT p.id, p.sla_pauses, t.status FROM pages p JOIN tickets t ON t.id = p.ticket_id "
            "WHERE p.state != 'resolved'").fetchall()
        for page_id, raw, status in rows:
            pauses = json.loads(raw or "[]")
            paused = bool(pauses) and pauses[-1][1] is None
            waiting = sla.is_waiting_on_client(status or "")
            if waiting != paused:
                self.ws.pages.set_waiting_on_client(page_id, waiting, now)


# ------------------------------------------------------------ shared pages --

def shares_pages(ws: Workspace) -> bool:
    """True when other technicians' apps see this ticket system too and it can reassign tickets.

    Only then can the holder's app alone run a page's clock: the hand-over
    travels as an assignment.  The workspace's own book is nobody else's.
    """
    system = ws.ticket_system()
    return system is not ws.book and isinstance(system, Reassigns)


def person_named(ws: Workspace, assignee: str) -> str:
    """Our name for the ticket system's assignee (by name, e-mail or the ``people`` override), else as given."""
    wanted = assignee.strip().casefold()
    if not wanted:
        return ""
    for person in ws.directory_service.people():
        if wanted in (str(person.get("name", "")).casefold(), str(person.get("email") or "").casefold()):
            return str(person["name"])
    system = ws.ticket_system()
    for ours, user in dict((system.people or {}) if isinstance(system, HasPeopleDirectory) else {}).items():
        if str(user).strip().casefold() == wanted:
            return str(ours)
    return assignee.strip()


def assignee_of(ws: Workspace, ticket_id: str) -> str:
    """Who the ticket system showed the ticket assigned to in the last poll (our name; "" for nobody)."""
    return person_named(ws, str(ws._ticket_field(ticket_id, "assignee") or ""))


def handed_at(ws: Workspace, ticket: Ticket) -> datetime:
    """When a hand-over seen in this poll happened: the ticket's last update, within reason."""
    now = ws.clock.now()
    updated = ticket.updated
    if updated is None or updated > now or now - updated > HANDOVER_LOOKBACK:
        return now
    return as_utc(updated)


def take_over(ws: Workspace, page: Page, ticket: Ticket) -> Page:
    """The ticket was escalated to me through the ticket system: my copy of its page becomes mine."""
    if not ws.me:
        return page
    return ws.pages.take_over(int(page.id), ws.me, handed_at(ws, ticket))  # type: ignore[arg-type]


def caught_up(ws: Workspace, page: Page, ticket: Ticket) -> tuple[Page, str]:
    """A page just opened for a ticket first seen already escalated (this app was off at the hand-over).

    When the ticket is held by someone further up the page's chain, another
    app escalated it while this one was not running: the copy continues at
    that level from the hand-over — the holder's clock (mine, if it is me)
    escalates further — instead of starting over at level 1, where no clock
    would ever page the lead.  Anyone else holding it (a queue, the client's
    usual technician) is no hand-over.  Returns the page and, for the
    notification, what happened ("" for nothing).
    """
    holder = person_named(ws, ticket.assignee)
    if not holder:
        return page, ""
    state = ws.pages.state(int(page.id))  # type: ignore[arg-type]
    level = ack.chain_level(state, holder)
    if level is None or level <= state.level:
        return page, ""
    moved = ws.pages.follow_assignment(int(page.id), holder, handed_at(ws, ticket))  # type: ignore[arg-type]
    mine = bool(ws.me) and holder.casefold() == ws.me.casefold()
    return moved or page, (f"escalated to you (level {level})" if mine else f"already escalated to {holder} "
                           f"(level {level})")


def follow_ticket(ws: Workspace, ticket: Ticket, was: str | None) -> None:
    """A polled ticket with an active page here changed in the ticket system; this copy follows.

    Closed → resolved elsewhere.  Assigned to someone else (not by this
    app's own outbox) → handed over or acknowledged elsewhere.
    """
    from oncall_desktop.services.paging.poller import is_closed

    page = ws.pages.active_for_ticket(ticket.id)
    if page is None:
        return
    page_id = int(page.id)  # type: ignore[arg-type]
    person = person_named(ws, ticket.assignee)
    if is_closed(ticket.status):
        ws.pages.resolve_elsewhere(page_id, person, ticket.updated)
        return
    if not person or _my_own_assignment(ws, ticket.id, person):
        return
    ws.pages.follow_assignment(page_id, person, handed_at(ws, ticket))


def _my_own_assignment(ws: Workspace, ticket_id: str, person: str) -> bool:
    """True when this app's outbox made the ticket ``person``'s (my own escalation, seen coming back)."""
    from oncall_desktop.services.delivery.outbox import last_assignee

    return last_assignee(ws.store, ticket_id).casefold() == person.casefold()  # person is never "" here


# ----------------------------------------------------------------- settings --

def local_zone() -> str:
    from oncall_desktop.core.billing.calendar_hours import BillingError, local_zone_name

    try:
        return local_zone_name(os.environ)
    except BillingError:
        return "UTC"


def _client_data(ws: Workspace) -> dict[str, dict[str, Any]]:
    return {name.casefold(): data for name, data in ws.directory_service.clients().items()}


def ack_policy(ws: Workspace) -> ack_events.AckPolicy:
    """The workspace's ack policy: setting ``ack_policy``, then each client's own minutes.

    A client may carry ``ack_minutes``, ``ack_by_severity`` ({"P1": 5}) and
    ``stale_minutes`` (see docs/billing.md for the clients file).
    """
    base = dict(ws.store.get_setting("ack_policy", {}) or {})
    legacy = ws.store.get_setting("ack_window_minutes")
    if legacy is not None:
        base.setdefault("ack_minutes", int(legacy))
    base.setdefault("zone", str(ws.store.get_setting("time_zone") or local_zone()))
    by_client = dict(base.get("by_client", {}))
    by_client_severity = {k: dict(v) for k, v in dict(base.get("by_client_severity", {})).items()}
    stale = dict(base.get("stale_by_client", {}))
    for name, data in ws.directory_service.clients().items():
        if "ack_minutes" in data:
            by_client.setdefault(name, data["ack_minutes"])
        if isinstance(data.get("ack_by_severity"), Mapping):
            by_client_severity.setdefault(name, {str(k).upper(): v for k, v in data["ack_by_severity"].items()})
        if "stale_minutes" in data:
            stale.setdefault(name, data["stale_minutes"])
    base.update(by_client=by_client, by_client_severity=by_client_severity, stale_by_client=stale)
    return ack_events.AckPolicy.from_dict(base)


def escalation_chain(ws: Workspace, at: datetime) -> list[str]:
    """[on call, backup, lead] of the paging schedule at ``at``, gaps and repeats removed."""
    from oncall_desktop.core.rotation.compute import escalation_chain as chain_of
    from oncall_desktop.services.paging.pages import clean_chain

    schedule, schedules = ws.paging()
    if schedule is None:
        return []
    return clean_chain(chain_of(schedules, schedule, at))


def paging_person(ws: Workspace) -> str:
    """Who the paging schedule has on call now ("" for nobody): the holder of a page opened now."""
    from oncall_desktop.services.app.now import on_call_now

    paging = ws.paging_schedule()
    person: str = next((e["person"] for e in on_call_now(ws) if e["schedule"] == paging), "")
    return person


def sla_contract(ws: Workspace, client: str) -> sla.Contract:
    """The client's SLA (its ``sla`` table, else the workspace setting ``sla``, else the defaults)."""
    from oncall_desktop.core.billing.calendar_hours import Calendar

    data = _client_data(ws).get(client.casefold(), {})
    raw = data.get("sla") or ws.store.get_setting("sla") or {}
    calendar = None
    if raw.get("business_hours"):
        zone = (data.get("calendar") or {}).get("time_zone") or data.get("time_zone") or local_zone()
        calendar = Calendar(time_zone=str(zone))
    try:
        return sla.Contract.from_dict(raw, calendar)
    except sla.SlaError as exc:
        raise sla.SlaError(f"client '{client}': {exc}") from None


# ------------------------------------------------------------------ effects --

class WorkspaceEffects:
    """Carries out a transition's effects inside the page's transaction.

    Notes and timers are store writes, so they commit (or roll back) with the
    page; notifications leave the machine, so they are returned to run after
    the commit.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def run(self, page: Page, transition: ack.Transition, key: str) -> list[Callable[[], None]]:
        after: list[Callable[[], None]] = []
        if self._closes_pop_up(transition):
            after.append(lambda: self.ws.notifier.withdraw(int(page.id)))  # type: ignore[arg-type]
        notes = [e.text for e in transition.effects if isinstance(e, ack_events.Note)]
        for index, effect in enumerate(transition.effects):
            if isinstance(effect, ack_events.Note):
                self._note(page, effect.text, f"{key}-{index}")
            elif isinstance(effect, ack_events.StartTimer):
                client = self.ws._ticket_field(page.ticket_id, "client") or transition.state.client or "unknown"
                self.ws.timers.start_on_acknowledge(page.ticket_id, client)
            elif isinstance(effect, ack_events.StopTimer):
                running = self.ws.timers.running()
                if running is not None and running.ticket_id == page.ticket_id:
                    self.ws.timers.stop()
            elif isinstance(effect, ack_events.AssignTicket):
                self._assign(page, effect.person, f"{key}-{index}")
            elif isinstance(effect, ack_events.Notify):
                after.append(functools.partial(self._notify, page, transition, effect, notes))
        return after

    def _closes_pop_up(self, transition: ack.Transition) -> bool:
        """The page's pop-up comes down once the page no longer waits on me.

        Acknowledged (here, from the pop-up, elsewhere) or resolved; handed
        over to someone else.  A transition that notifies replaces the pop-up
        instead (an escalation says who has it now).
        """
        if any(isinstance(e, ack_events.Notify) for e in transition.effects):
            return False
        state = transition.state
        if state.state not in ack.WAITING:
            return True
        me = self.ws.me.strip().casefold()
        return bool(me) and not ack.held_by_nobody(state) and state.person.strip().casefold() != me

    def _assign(self, page: Page, person: str, key: str) -> None:
        """Queue the reassignment (same transaction as the page), or log that the system cannot do it."""
        system = self.ws.ticket_system()
        if not person or not isinstance(system, Reassigns):
            self.ws.store.log("page.assign_not_supported", page.ticket_id, {
                "page": page.id, "person": person, "system": system.name})
            return
        email = next((p["email"] for p in self.ws.directory_service.people()
                      if p["name"].casefold() == person.casefold() and p.get("email")), "")
        self.ws.outbox.enqueue_assign(page.ticket_id, person, key, email=email)

    def _note(self, page: Page, text: str, key: str) -> None:
        # same transaction as the page: the note exists exactly when the transition does
        self.ws.outbox.enqueue_note(page.ticket_id, text, key)

    def _notify(self, page: Page, transition: ack.Transition, effect: ack_events.Notify, notes: list[str]) -> None:
        from oncall_desktop.core.time.clock import local_time
        from oncall_desktop.services.paging.notifier import Notification

        state = transition.state
        client = self.ws._ticket_field(page.ticket_id, "client") or state.client or "unknown"
        title_text = self.ws._ticket_field(page.ticket_id, "title") or page.ticket_id
        me = self.ws.me
        if effect.level > 1 and notes:
            title = f"Escalated to {effect.person} (level {effect.level}) · {client}: {title_text}"
        else:
            title = f"Still waiting · {page.severity} · {client}: {title_text}"
        deadline = f" Acknowledge by {local_time(state.deadline)}." if state.deadline else ""
        body = (notes[0] + "." if notes else f"Not acknowledged yet by {effect.person}.") + deadline
        urgent = not me or effect.person.casefold() == me.casefold()
        delivery = self.ws.notifier.publish(Notification(title, body, page.id, page.ticket_id, urgent=urgent))
        self.ws.store.log("notification.sent" if delivery.delivered else "notification.failed", page.ticket_id,
                          {"page": page.id, "backend": delivery.backend, "problem": delivery.problem,
                           "person": effect.person, "level": effect.level})

"""The acknowledgement clock of one page, as pure transitions.

A page must reach a human even if this laptop slept through the night or the
app was restarted, so every rule lives here as a function of
``(state, event, now, policy)`` with no timers of its own: the state carries
its next ``deadline`` and the service layer only has to store it and call
:func:`catch_up` when it wakes.  Transitions return *effects* (notes for the
ticket, who to notify, timers to start) instead of doing them, so the outbox
writes them durably and tests read them as plain values.

States: ``pending`` → ``acknowledged`` → ``resolved``; ``pending`` →
``escalated`` (level n+1) when the window runs out.  ``deadline`` means
"the next thing that happens on its own": the end of the ack window while
waiting, the stale check while acknowledged, nothing once resolved.

A team shares pages through the ticket system, and every technician's app
keeps its own copy of each page.  What another app did arrives as *remote*
events — :class:`RemoteAcknowledge`, :class:`RemoteResolve`,
:class:`Handover` — that move this copy along and return **no effects**:
the app that did it already wrote the note and the assignment, and a second
copy of them on the client's ticket is exactly what must not happen.

Events, effects and the policy are plain data in :mod:`oncall_desktop.core.paging.ack_events`;
callers import them from there, and the states and transitions from here.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.core.paging.ack_events import (
    AckError,
    Acknowledge,
    AckPolicy,
    AssignTicket,
    Effect,
    Escalate,
    Event,
    Handover,
    Note,
    Notify,
    Reassign,
    RemoteAcknowledge,
    RemoteResolve,
    Renotify,
    Resolve,
    Snooze,
    StaleCheck,
    StartTimer,
    StopTimer,
    Timeout,
    Unack,
)
from oncall_desktop.core.time.clock import as_utc, iso, parse_instant

PENDING, ACKNOWLEDGED, ESCALATED, RESOLVED = "pending", "acknowledged", "escalated", "resolved"
STATES = (PENDING, ACKNOWLEDGED, ESCALATED, RESOLVED)
WAITING = (PENDING, ESCALATED)
SNOOZE_LIMIT_MINUTES = 120


# ------------------------------------------------------------------- state --

_TIMES = ("created", "window_start", "deadline", "renotify_at", "acknowledged_at", "resolved_at")


@dataclass(frozen=True)
class PageState:
    """Everything the clock needs to survive a restart (stored as JSON).

    ``chain`` is who is at each level (index 0 = level 1, on call) as the
    rotation said when the page fired; :func:`catch_up` may refresh it.
    """

    page_id: str
    state: str
    level: int
    person: str
    created: datetime
    window_start: datetime
    deadline: datetime | None
    chain: tuple[str, ...] = ()
    client: str = ""
    severity: str = "P2"
    renotify_at: datetime | None = None
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None
    resolved_by: str = ""
    resolved_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise AckError(f"unknown page state {self.state!r}; expected one of {', '.join(STATES)}")
        if isinstance(self.level, bool) or not isinstance(self.level, int) or self.level < 1:
            raise AckError(f"page level must be 1 or more, not {self.level!r}")
        object.__setattr__(self, "chain", tuple(self.chain))
        for name in _TIMES:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "page_id": self.page_id,
            "state": self.state,
            "level": self.level,
            "person": self.person,
            "chain": list(self.chain),
            "client": self.client,
            "severity": self.severity,
            "acknowledged_by": self.acknowledged_by,
            "resolved_by": self.resolved_by,
        }
        for name in _TIMES:
            value = getattr(self, name)
            out[name] = iso(value) if value is not None else None
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PageState:
        if not isinstance(data, Mapping):
            raise AckError("a stored page must be a JSON object")
        missing = [k for k in ("page_id", "state", "level", "created", "window_start") if k not in data]
        if missing:
            raise AckError(f"stored page is missing {', '.join(missing)}; the record is damaged")
        kwargs: dict[str, Any] = {
            k: data[k]
            for k in ("page_id", "state", "level", "person", "client", "severity", "acknowledged_by", "resolved_by")
            if k in data
        }
        kwargs.setdefault("person", "")
        kwargs["chain"] = tuple(data.get("chain") or ())
        for name in _TIMES:
            raw = data.get(name)
            try:
                kwargs[name] = parse_instant(raw) if raw is not None else None
            except ValueError as exc:
                raise AckError(f"stored page field '{name}': {exc}") from None
        return cls(**kwargs)


@dataclass(frozen=True)
class Transition:
    """The next state, its deadline, and what the services must now do."""

    state: PageState
    deadline: datetime | None
    effects: list[Effect]

    def to_json(self) -> dict[str, Any]:
        return {
            "page_id": self.state.page_id,
            "state": self.state.state,
            "level": self.state.level,
            "person": self.state.person,
            "deadline": iso(self.deadline) if self.deadline else None,
            "effects": [e.to_json() for e in self.effects],
        }


# -------------------------------------------------------------- operations --

def open_page(
    page_id: str,
    now: datetime,
    policy: AckPolicy,
    chain: Sequence[str],
    client: str = "",
    severity: str = "P2",
) -> Transition:
    """A new page: pending at level 1, the on-call person notified."""
    now = as_utc(now)
    chain = tuple(chain)
    state = PageState(
        page_id=page_id, state=PENDING, level=1, person=_person_at(chain, 1), created=now,
        window_start=now, deadline=now + policy.ack_window(client, severity), chain=chain,
        client=client, severity=severity, renotify_at=now + policy.renotify_after(),
    )
    return Transition(state, state.deadline, [Notify(state.person, 1)])


def due(state: PageState, now: datetime) -> bool:
    """Whether the stored deadline has passed (ack window, or stale check)."""
    return state.state != RESOLVED and state.deadline is not None and as_utc(now) >= state.deadline


def renotify_due(state: PageState, now: datetime) -> bool:
    return state.state in WAITING and state.renotify_at is not None and as_utc(now) >= state.renotify_at


def held_by_nobody(state: PageState) -> bool:
    """True when no real person holds the page (no rotation said who: "level 2")."""
    return not state.person.strip() or state.person == f"level {state.level}"


def chain_level(state: PageState, person: str) -> int | None:
    """``person``'s level in the page's escalation chain (1 = on call), or None."""
    wanted = person.strip().casefold()
    for index, name in enumerate(state.chain):
        if name.casefold() == wanted:
            return index + 1
    return None


def remote_assignment(state: PageState, person: str, at: datetime | None = None) -> Event | None:
    """What the ticket, seen assigned to ``person`` by another app, means for this copy of the page.

    Further up the chain than the page is now: the other app escalated it
    (:class:`Handover`).  Anyone else — the holder too, while the page still
    waits on them: the ticket moving to them is their acknowledgement — took
    it (:class:`RemoteAcknowledge`).  Already acknowledged by them, or
    resolved: nothing.
    """
    person = person.strip()
    if not person or state.state == RESOLVED:
        return None
    if state.state == ACKNOWLEDGED and person.casefold() == state.person.casefold():
        return None
    level = chain_level(state, person)
    if level is not None and level > state.level:
        return Handover(person, at)
    return RemoteAcknowledge(person, at)


def transition(state: PageState, event: Event, now: datetime, policy: AckPolicy) -> Transition:
    """Apply one event; an event that makes no sense raises :class:`AckError`."""
    now = as_utc(now)
    if state.state == RESOLVED:
        when = f" by {state.resolved_by} at {policy.clock(state.resolved_at)}" if state.resolved_at else ""
        raise AckError(f"this page is already resolved{when}; nothing more can happen to it")
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise AckError(f"unknown page event {event!r}")
    return handler(state, event, now, policy)


def catch_up(
    state: PageState,
    now: datetime,
    policy: AckPolicy,
    chain: Sequence[str] | None = None,
    timer_running: bool | None = None,
) -> list[Transition]:
    """Fire every overdue deadline in order (after sleep or restart).

    ``chain`` (if given) replaces who is at each level — the rotation's
    current answer.  A stale check needs to know whether a work timer runs,
    so it fires only when ``timer_running`` is given.
    """
    now = as_utc(now)
    if chain is not None:
        state = replace(state, chain=tuple(chain))
    fired: list[Transition] = []
    for _ in range(policy.levels + 2):
        if not due(state, now):
            break
        if state.state in WAITING:
            step = transition(state, Timeout(), now, policy)
        elif timer_running is not None:
            step = transition(state, StaleCheck(timer_running), now, policy)
        else:
            break
        fired.append(step)
        state = step.state
    return fired


# ---------------------------------------------------------------- handlers --

def _person_at(chain: Sequence[str], level: int) -> str:
    return chain[level - 1] if len(chain) >= level else f"level {level}"


def _top(state: PageState, policy: AckPolicy) -> int:
    return min(policy.levels, len(state.chain)) if state.chain else policy.levels


def _minutes(delta: timedelta) -> str:
    whole = int(delta.total_seconds() // 60)
    return f"{whole} min" if whole >= 1 else "less than 1 min"


def _name(person: str) -> str:
    if not isinstance(person, str) or not person.strip():
        raise AckError("say who does this: the person's name is empty")
    return person.strip()


def _late(deadline: datetime, now: datetime, policy: AckPolicy) -> str:
    """Honest audit text when a deadline fired long after it passed."""
    if now - deadline < timedelta(minutes=1):
        return ""
    return f" (fired late at {policy.clock(now)}: the app was asleep or closed)"


def _wait(page: PageState, now: datetime, policy: AckPolicy, **changes: Any) -> PageState:
    """A fresh ack window starting at ``now``."""
    merged = {"client": page.client, "severity": page.severity, **changes}
    return replace(
        page, window_start=now, deadline=now + policy.ack_window(merged["client"], merged["severity"]),
        renotify_at=now + policy.renotify_after(), **changes,
    )


def _acknowledge(state: PageState, event: Acknowledge, now: datetime, policy: AckPolicy) -> Transition:
    if state.state == ACKNOWLEDGED:
        raise AckError(
            f"this page is already acknowledged by {state.acknowledged_by} at {policy.clock(state.acknowledged_at)}"  # type: ignore[arg-type]
        )
    by = _name(event.by)
    new = replace(
        state, state=ACKNOWLEDGED, person=by, acknowledged_by=by, acknowledged_at=now,
        deadline=now + policy.stale_after(state.client), renotify_at=None,
    )
    note = Note(f"Acknowledged by {by} at {policy.clock(now)} (after {_minutes(now - state.created)})")
    effects: list[Effect] = [note, StartTimer(by)]
    if event.take_ticket or by.casefold() != state.person.casefold():
        effects.append(AssignTicket(by))  # someone else took it: the PSA should say so
    return Transition(new, new.deadline, effects)


def _resolve(state: PageState, event: Resolve, now: datetime, policy: AckPolicy) -> Transition:
    by = _name(event.by)
    new = replace(state, state=RESOLVED, resolved_by=by, resolved_at=now, deadline=None, renotify_at=None)
    note = Note(f"Resolved by {by} at {policy.clock(now)} ({_minutes(now - state.created)} after the page)")
    return Transition(new, None, [note, StopTimer()])


def _escalate(state: PageState, event: Escalate, now: datetime, policy: AckPolicy) -> Transition:
    top = _top(state, policy)
    if state.level >= top:
        raise AckError(
            f"this page is already at the top of the escalation chain (level {state.level}, {state.person}); "
            "call them directly"
        )
    level = state.level + 1
    person = _person_at(state.chain, level)
    new = _wait(state, now, policy, state=ESCALATED, level=level, person=person)
    who = f" by {event.by.strip()}" if event.by and event.by.strip() else ""
    note = Note(f"Escalated{who} to {person} (level {level}) at {policy.clock(now)}")
    effects: list[Effect] = [note, Notify(person, level), AssignTicket(person)]
    if state.state == ACKNOWLEDGED:
        effects.append(StopTimer())
    return Transition(new, new.deadline, effects)


def _timeout(state: PageState, event: Timeout, now: datetime, policy: AckPolicy) -> Transition:
    if state.state == ACKNOWLEDGED:
        raise AckError("an acknowledged page has no ack window to run out; its stale check is a StaleCheck event")
    assert state.deadline is not None
    if now < state.deadline:
        raise AckError(f"this page's window runs until {policy.clock(state.deadline)}; it has not timed out yet")
    window = state.deadline - state.window_start
    late = _late(state.deadline, now, policy)
    top = _top(state, policy)
    if state.level < top:
        # The next window starts when this one ended, not when we noticed: a
        # laptop that slept through two windows fires both, in order.
        level = state.level + 1
        person = _person_at(state.chain, level)
        start = state.deadline
        new = replace(
            state, state=ESCALATED, level=level, person=person, window_start=start,
            deadline=start + policy.ack_window(state.client, state.severity),
            renotify_at=now + policy.renotify_after(),
        )
        note = Note(f"Not acknowledged within {_minutes(window)} by {state.person}; escalated to {person}{late}")
        return Transition(new, new.deadline, [note, Notify(person, level), AssignTicket(person)])
    # Nobody further up: stay at the top and keep re-notifying, one window at
    # a time; after a long sleep skip to the next future slot (one notice, not forty).
    step = policy.ack_window(state.client, state.severity)
    deadline = state.deadline + step
    if deadline <= now:
        deadline += step * ((now - deadline) // step + 1)
    new = replace(
        state, state=ESCALATED, window_start=deadline - step, deadline=deadline,
        renotify_at=now + policy.renotify_after(),
    )
    effects: list[Effect] = [Notify(state.person, state.level)]
    if state.state != ESCALATED:
        effects.insert(0, Note(
            f"Not acknowledged within {_minutes(window)} by {state.person}; nobody further in the escalation "
            f"chain, re-notifying {state.person}{late}"
        ))
    return Transition(new, new.deadline, effects)


def _unack(state: PageState, event: Unack, now: datetime, policy: AckPolicy) -> Transition:
    if state.state != ACKNOWLEDGED:
        raise AckError("this page is not acknowledged, so there is nothing to hand back")
    by = _name(event.by)
    person = _person_at(state.chain, state.level)
    new = _wait(state, now, policy, state=PENDING, person=person, acknowledged_by="", acknowledged_at=None)
    note = Note(f"Handed back by {by} at {policy.clock(now)}; waiting for acknowledgement by {person} again")
    return Transition(new, new.deadline, [note, StopTimer(), Notify(person, state.level), AssignTicket(person)])


def _reassign(state: PageState, event: Reassign, now: datetime, policy: AckPolicy) -> Transition:
    to, by = _name(event.to), _name(event.by)
    if to.casefold() == state.person.casefold():
        raise AckError(f"this page is already with {state.person}")
    new = _wait(state, now, policy, state=PENDING, person=to, acknowledged_by="", acknowledged_at=None)
    note = Note(f"Reassigned by {by} to {to} at {policy.clock(now)}; waiting for {to} to acknowledge")
    effects: list[Effect] = [note, Notify(to, state.level), AssignTicket(to)]
    if state.state == ACKNOWLEDGED:
        effects.insert(1, StopTimer())
    return Transition(new, new.deadline, effects)


def _snooze(state: PageState, event: Snooze, now: datetime, policy: AckPolicy) -> Transition:
    if state.state == ACKNOWLEDGED:
        raise AckError("this page is acknowledged; there are no reminders to snooze")
    minutes = event.minutes
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= SNOOZE_LIMIT_MINUTES:
        raise AckError(f"snooze for 1 to {SNOOZE_LIMIT_MINUTES} minutes, not {minutes!r}")
    # Only the reminders pause: the ack deadline (and escalation) stays put.
    new = replace(state, renotify_at=now + timedelta(minutes=minutes))
    return Transition(new, new.deadline, [])


def _renotify(state: PageState, event: Renotify, now: datetime, policy: AckPolicy) -> Transition:
    if state.state == ACKNOWLEDGED:
        raise AckError("this page is acknowledged; nobody needs reminding")
    new = replace(state, renotify_at=now + policy.renotify_after())
    return Transition(new, new.deadline, [Notify(state.person, state.level)])


def _stale_check(state: PageState, event: StaleCheck, now: datetime, policy: AckPolicy) -> Transition:
    if state.state != ACKNOWLEDGED:
        raise AckError(f"only an acknowledged page can go stale; this one is {state.state}")
    assert state.deadline is not None
    if now < state.deadline:
        raise AckError(f"this acknowledgement is checked for staleness at {policy.clock(state.deadline)}, not yet")
    if event.timer_running:
        new = replace(state, deadline=now + policy.stale_after(state.client))
        return Transition(new, new.deadline, [])
    person = state.person
    idle = _minutes(now - state.acknowledged_at) if state.acknowledged_at else "a while"
    new = _wait(state, now, policy, state=PENDING, acknowledged_by="", acknowledged_at=None)
    note = Note(
        f"Acknowledged by {person} {idle} ago, but not resolved and no timer running; paging {person} again"
    )
    return Transition(new, new.deadline, [note, Notify(person, state.level)])


def _when(at: datetime | None, now: datetime) -> datetime:
    """A remote event's instant: never in this app's future (clocks of two laptops differ)."""
    return min(as_utc(at), now) if at is not None else now


def _remote_acknowledge(state: PageState, event: RemoteAcknowledge, now: datetime, policy: AckPolicy) -> Transition:
    by = _name(event.by)
    at = _when(event.at, now)
    # no deadline: the stale check belongs to the app of whoever took it
    new = replace(state, state=ACKNOWLEDGED, person=by, acknowledged_by=by, acknowledged_at=at,
                  deadline=None, renotify_at=None)
    return Transition(new, None, [])


def _remote_resolve(state: PageState, event: RemoteResolve, now: datetime, policy: AckPolicy) -> Transition:
    new = replace(state, state=RESOLVED, resolved_by=event.by.strip() or "someone else",
                  resolved_at=_when(event.at, now), deadline=None, renotify_at=None)
    return Transition(new, None, [])


def _handover(state: PageState, event: Handover, now: datetime, policy: AckPolicy) -> Transition:
    to = _name(event.to)
    at = _when(event.at, now)
    level = chain_level(state, to) or state.level
    new = replace(
        state, state=ESCALATED if level > 1 else PENDING, level=level, person=to, window_start=at,
        deadline=at + policy.ack_window(state.client, state.severity),
        renotify_at=now + policy.renotify_after(), acknowledged_by="", acknowledged_at=None,
    )
    return Transition(new, new.deadline, [])


_HANDLERS: dict[type, Callable[..., Transition]] = {
    RemoteAcknowledge: _remote_acknowledge,
    RemoteResolve: _remote_resolve,
    Handover: _handover,
    Acknowledge: _acknowledge,
    Resolve: _resolve,
    Escalate: _escalate,
    Timeout: _timeout,
    Unack: _unack,
    Reassign: _reassign,
    Snooze: _snooze,
    Renotify: _renotify,
    StaleCheck: _stale_check,
}

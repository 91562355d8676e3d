"""SLA clocks: how long the client's contract gives us to respond and to resolve.

Why pure and shaped like this: the Now tab shows "SLA left" for every page and a
dispute about a missed target months later must be re-done by hand, so the
arithmetic is a function of (contract, severity, start, pauses, now) only.
Business hours come from billing's calendar (the same definition billing
uses: an SLA and an invoice must never disagree about what "after hours" is).
Time spent waiting on the client does not count — the clock *pauses*, so a
paused clock has no deadline, only minutes left.

Contracts are written as the clients file writes them (docs/billing.md)::

    sla = { p1_response_minutes = 30, p1_resolution_minutes = 240, business_hours = true }
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.core.billing.calendar_hours import Calendar, add_business_minutes, business_minutes_between
from oncall_desktop.core.tickets.tickets import SEVERITIES
from oncall_desktop.core.time.clock import as_utc, iso

RESPONSE, RESOLUTION = "response", "resolution"

#: Used for clients without a contract of their own: wall-clock hours, so the
#: clock never silently stops overnight for a client nobody has configured.
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    "P1": (60, 4 * 60),
    "P2": (4 * 60, 24 * 60),
    "P3": (8 * 60, 3 * 24 * 60),
    "P4": (24 * 60, 7 * 24 * 60),
}

#: Ticket statuses (lower-cased, vendor words) that mean "the ball is with the client".
WAITING_WORDS = ("waiting on client", "waiting on customer", "waiting for client", "waiting for customer",
                 "pending client", "pending customer", "awaiting client", "awaiting customer",
                 "customer reply", "client reply", "on hold - customer", "waiting customer")


class SlaError(ValueError):
    """A contract that cannot be used; the message names the key and what to write."""


@dataclass(frozen=True)
class Target:
    """Minutes allowed for one severity; ``None`` means the contract promises nothing."""

    response_minutes: int | None
    resolution_minutes: int | None


def _minutes(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365 * 24 * 60:
        raise SlaError(f"SLA setting {key} must be a whole number of minutes (1 or more), not {value!r}")
    return value


@dataclass(frozen=True)
class Contract:
    """One client's SLA: targets per severity, counted in wall or business hours."""

    targets: Mapping[str, Target] = field(default_factory=lambda: {
        sev: Target(*mins) for sev, mins in DEFAULT_TARGETS.items()})
    business_hours: bool = False
    calendar: Calendar | None = None

    def __post_init__(self) -> None:
        if self.business_hours and self.calendar is None:
            raise SlaError("an SLA counted in business hours needs the client's calendar (time_zone and hours)")

    def target(self, severity: str, kind: str) -> int | None:
        found = self.targets.get(severity.upper())
        if found is None:
            return None
        return found.response_minutes if kind == RESPONSE else found.resolution_minutes

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], calendar: Calendar | None = None) -> Contract:
        """``{p1_response_minutes = 30, …, business_hours = true}``; unknown keys are refused.

        Severities the contract leaves out keep the built-in defaults, so a
        contract that only speaks about P1 still shows a clock for a P3.
        """
        if not isinstance(data, Mapping):
            raise SlaError("an SLA must be a table such as sla = { p1_response_minutes = 30 }")
        allowed = {f"{s.lower()}_{k}_minutes" for s in SEVERITIES for k in (RESPONSE, RESOLUTION)}
        allowed.add("business_hours")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise SlaError(f"unknown SLA setting(s) {', '.join(unknown)}; use p1_response_minutes, "
                           "p1_resolution_minutes (… p4) and business_hours")
        business = data.get("business_hours", False)
        if not isinstance(business, bool):
            raise SlaError(f"SLA setting business_hours must be true or false, not {business!r}")
        targets = {}
        for sev in SEVERITIES:
            default = DEFAULT_TARGETS[sev]
            values = []
            for i, kind in enumerate((RESPONSE, RESOLUTION)):
                key = f"{sev.lower()}_{kind}_minutes"
                values.append(_minutes(data[key], key) if key in data else default[i])
            targets[sev] = Target(values[0], values[1])
        return cls(targets, business, calendar if business else None)


# ------------------------------------------------------------------ pauses --

Pause = tuple[datetime, "datetime | None"]


def is_waiting_on_client(status: str) -> bool:
    """Whether a ticket status (any vendor's words) means we wait for the client."""
    text = " ".join(status.strip().lower().replace("_", " ").split())
    return any(word in text for word in WAITING_WORDS)


def update_pauses(pauses: Sequence[Pause], waiting: bool, now: datetime) -> list[Pause]:
    """Open a pause when waiting starts, close it when it ends; unchanged otherwise."""
    now = as_utc(now)
    out = list(pauses)
    open_ = bool(out) and out[-1][1] is None
    if waiting and not open_:
        out.append((now, None))
    elif not waiting and open_:
        out[-1] = (out[-1][0], now)
    return out


def pauses_to_json(pauses: Sequence[Pause]) -> list[list[str | None]]:
    return [[iso(a), iso(b) if b else None] for a, b in pauses]


def pauses_from_json(data: Any) -> list[Pause]:
    from oncall_desktop.core.time.clock import parse_instant

    if not isinstance(data, list):
        return []
    return [(parse_instant(a), parse_instant(b) if b else None) for a, b in data]


# ------------------------------------------------------------------- clock --

@dataclass(frozen=True)
class Status:
    """Where one SLA clock stands at ``now``.

    ``deadline`` is None while paused (nobody can say when it will run out)
    and after the clock stopped; ``remaining_minutes`` is negative once breached.
    """

    kind: str
    severity: str
    target_minutes: int
    elapsed_minutes: int
    remaining_minutes: int
    deadline: datetime | None
    paused: bool
    stopped: bool
    business_hours: bool

    @property
    def breached(self) -> bool:
        return self.remaining_minutes < 0 or (self.remaining_minutes == 0 and not self.paused and not self.stopped)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "target_minutes": self.target_minutes,
                "elapsed_minutes": self.elapsed_minutes, "remaining_minutes": self.remaining_minutes,
                "deadline": iso(self.deadline) if self.deadline else None, "paused": self.paused,
                "stopped": self.stopped, "breached": self.breached, "business_hours": self.business_hours}


def _counted(start: datetime, end: datetime, contract: Contract) -> int:
    """Minutes that count between two instants (floor: a target is missed only after a full minute)."""
    if end <= start:
        return 0
    if contract.business_hours:
        assert contract.calendar is not None
        return business_minutes_between(start, end, contract.calendar)
    return int((end - start).total_seconds() // 60)


def elapsed_minutes(start: datetime, end: datetime, pauses: Sequence[Pause], contract: Contract) -> int:
    """Counted minutes from ``start`` to ``end`` minus the time paused inside them."""
    start, end = as_utc(start), as_utc(end)
    total = _counted(start, end, contract)
    for p_start, p_end in pauses:
        lo = max(as_utc(p_start), start)
        hi = min(as_utc(p_end) if p_end else end, end)
        total -= _counted(lo, hi, contract)
    return max(total, 0)


def status(contract: Contract, severity: str, kind: str, start: datetime, now: datetime,
           pauses: Sequence[Pause] = (), stopped_at: datetime | None = None) -> Status | None:
    """The clock of one target, or None when the contract has no target for it."""
    target = contract.target(severity, kind)
    if target is None:
        return None
    now = as_utc(now)
    end = as_utc(stopped_at) if stopped_at is not None else now
    elapsed = elapsed_minutes(start, end, pauses, contract)
    remaining = target - elapsed
    paused = stopped_at is None and bool(pauses) and pauses[-1][1] is None
    deadline: datetime | None = None
    if stopped_at is None and not paused:
        deadline = _deadline(as_utc(start), target, pauses, contract)
    return Status(kind, severity.upper(), target, elapsed, remaining, deadline, paused, stopped_at is not None,
                  contract.business_hours)


def _deadline(start: datetime, target: int, pauses: Sequence[Pause], contract: Contract) -> datetime:
    """The instant ``target`` counted minutes are used up, walking around the (closed) pauses."""
    cursor, left = start, target
    for p_start, p_end in sorted(pauses, key=lambda p: p[0]):
        p_start = as_utc(p_start)
        if p_start > cursor:
            span = _counted(cursor, p_start, contract)
            if span >= left:
                break
            left -= span
        if p_end is None:
            break
        cursor = max(cursor, as_utc(p_end))
    if contract.business_hours:
        assert contract.calendar is not None
        return add_business_minutes(cursor, left, contract.calendar)
    return cursor + timedelta(minutes=left)


def current(contract: Contract, severity: str, opened: datetime, now: datetime, pauses: Sequence[Pause] = (),
            acknowledged_at: datetime | None = None, resolved_at: datetime | None = None) -> Status | None:
    """The clock a technician should watch now: response until acknowledged, then resolution.

    Our acknowledgement is the response (it writes "Acknowledged by …" on
    the ticket, which the client sees as the first answer).
    """
    if resolved_at is not None:
        return status(contract, severity, RESOLUTION, opened, now, pauses, resolved_at)
    if acknowledged_at is None:
        found = status(contract, severity, RESPONSE, opened, now, pauses)
        if found is not None:
            return found
    return status(contract, severity, RESOLUTION, opened, now, pauses)

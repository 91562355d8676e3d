"""After-hours billing: agreements, and turning work sessions into billed time entries.

Why this is pure and integer-based: a billing person must be able to re-do every
entry by hand from its reasons ("rounded 38 → 45", "minimum call-out 60").  So
minutes are ``int``, money is integer cents, and nothing here reads the clock,
the disk or the environment.  Business-hours calendars and the split of a
session into in-hours and after-hours minutes live in calendar_hours.py (the
SLA clock shares them); the rounding of seconds to minutes is described there.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from operator import attrgetter
from typing import Any

from oncall_desktop.core.billing.calendar_hours import BillingError, Calendar, epoch_seconds, utc_from_epoch
from oncall_desktop.core.time.clock import iso

NO_CHARGE = "no-charge"
REGULAR_CHARGE = "regular-charge"
FLAGS = (NO_CHARGE, REGULAR_CHARGE)
ROUNDING_MODES = ("up", "down", "nearest")
RATE_NORMAL = "normal"
RATE_AFTER_HOURS = "after_hours"
RATE_NO_CHARGE = "no_charge"

#: Keys of ``TimeEntry.to_json()``; the CLI ``time report --json`` contract.
TIME_ENTRY_JSON_KEYS = (
    "ticket", "client", "start", "end", "worked_minutes", "after_hours_minutes",
    "billable_minutes", "multiplier", "reasons",
)


# --------------------------------------------------------------------------- agreements

def round_minutes(minutes: int, increment: int, mode: str) -> int:
    """Round to a multiple of ``increment`` (``nearest`` rounds halves up); increment ≤ 1 keeps minutes."""
    if increment <= 1:
        return minutes
    whole, rest = divmod(minutes, increment)
    if rest == 0:
        return minutes
    if mode == "up" or (mode == "nearest" and 2 * rest >= increment):
        return (whole + 1) * increment
    return whole * increment


@dataclass(frozen=True)
class Agreement:
    """A client's after-hours terms, in force from ``effective_from`` through ``effective_to``.

    Dates are the client's local dates, both inclusive.  ``normal_rate_cents``
    is per hour; when known, entries carry an amount in integer cents.
    ``callout_merge_minutes``: sessions on the same ticket starting within this
    long after the previous one ended are one call-out (one minimum charge).
    """

    name: str
    effective_from: date
    effective_to: date | None = None
    multiplier: float = 2.0
    rounding_increment: int = 15
    rounding: str = "up"
    minimum_minutes: int = 60
    bill_in_hours_at_normal_rate: bool = True
    normal_rate_cents: int | None = None
    callout_merge_minutes: int = 60
    _ratio: tuple[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"agreement '{self.name}'"
        if not isinstance(self.name, str) or not self.name.strip():
            raise BillingError("an agreement needs a name (e.g. \"After-hours 2026\")")
        if not isinstance(self.effective_from, date) or isinstance(self.effective_from, datetime):
            raise BillingError(f"{where}: effective_from must be a date such as 2026-01-01")
        if self.effective_to is not None:
            if not isinstance(self.effective_to, date) or isinstance(self.effective_to, datetime):
                raise BillingError(f"{where}: effective_to must be a date such as 2026-12-31, or left out")
            if self.effective_to < self.effective_from:
                raise BillingError(f"{where}: effective_to {self.effective_to} is before effective_from "
                                   f"{self.effective_from}")
        if isinstance(self.multiplier, bool) or not isinstance(self.multiplier, (int, float)) \
                or not 0 < self.multiplier <= 10:
            raise BillingError(f"{where}: multiplier must be a number above 0 and at most 10 (e.g. 2.0), "
                               f"not {self.multiplier!r}")
        if self.rounding not in ROUNDING_MODES:
            raise BillingError(f"{where}: rounding must be one of {', '.join(ROUNDING_MODES)}, not {self.rounding!r}")
        for name in ("rounding_increment", "minimum_minutes", "callout_merge_minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24 * 60:
                raise BillingError(f"{where}: {name} must be whole minutes 0–1440, not {value!r}")
        if not isinstance(self.bill_in_hours_at_normal_rate, bool):
            raise BillingError(f"{where}: bill_in_hours_at_normal_rate must be true or false")
        rate = self.normal_rate_cents
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate < 0):
            raise BillingError(f"{where}: normal_rate_cents must be whole cents per hour (15000 = 150.00), "
                               f"not {rate!r}")
        object.__setattr__(self, "multiplier", float(self.multiplier))
        ratio = Decimal(repr(self.multiplier)).as_integer_ratio()  # 1.5 is exactly 3/2
        object.__setattr__(self, "_ratio", ratio)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def amount_cents(self, billable_minutes: int, multiplier_applies: bool) -> int | None:
        """Money for ``billable_minutes``: minutes × hourly cents × multiplier / 60, half-cents up."""
        if self.normal_rate_cents is None:
            return None
        num, den = self._ratio if multiplier_applies else (1, 1)
        exact_num = billable_minutes * self.normal_rate_cents * num
        exact_den = 60 * den
        return (2 * exact_num + exact_den) // (2 * exact_den)


#: What applies to a client that never signed an agreement (the workspace may configure its own).
DEFAULT_AGREEMENT = Agreement("workspace default", date.min)


def agreement_for(agreements: Iterable[Agreement], on: date,
                  default: Agreement = DEFAULT_AGREEMENT) -> Agreement:
    """The agreement in force on the local date ``on``; the newest start wins an overlap."""
    best: Agreement | None = None
    for agreement in agreements:
        if agreement.in_force(on) and (best is None or agreement.effective_from > best.effective_from):
            best = agreement
    return best if best is not None else default


def check_agreements(agreements: Sequence[Agreement]) -> None:
    """Refuse overlapping agreements: which one bills a night must never be a guess."""
    ordered = sorted(agreements, key=lambda a: a.effective_from)
    for before, after in pairwise(ordered):
        if before.effective_to is None or before.effective_to >= after.effective_from:
            raise BillingError(
                f"agreements '{before.name}' and '{after.name}' are both in force on {after.effective_from}; "
                f"set effective_to of '{before.name}' to {after.effective_from - timedelta(days=1)}"
            )


# --------------------------------------------------------------------------- bill

def normalise_flag(flag: str | None) -> str | None:
    """``NO CHARGE`` / ``no_charge`` / ``no-charge`` → ``no-charge`` (as MSPs write it on tickets)."""
    if flag is None or flag == "":
        return None
    canonical = str(flag).strip().lower().replace("_", "-").replace(" ", "-")
    if canonical not in FLAGS:
        raise BillingError(f"unknown billing flag {flag!r}; use 'no-charge' or 'regular-charge'")
    return canonical


@dataclass(frozen=True, slots=True)
class WorkSession:
    """One stretch of work on one ticket, as the timer recorded it (aware instants)."""

    ticket: str
    client: str
    start: datetime
    end: datetime
    flag: str | None = None

    def __post_init__(self) -> None:
        if self.flag is not None and self.flag not in FLAGS:
            object.__setattr__(self, "flag", normalise_flag(self.flag))


@dataclass(slots=True)
class TimeEntry:
    """A billed piece of work, ready for the outbox and the CSV export.

    Treat it as a value.  It is not frozen only because a frozen dataclass's
    ``__init__`` costs twice as much, and a report builds 100,000 of them.

    ``billable_minutes`` are charged at ``multiplier`` × the normal rate;
    ``amount_cents`` is set when the agreement names a rate.
    """

    ticket: str
    client: str
    start: datetime
    end: datetime
    worked_minutes: int
    in_hours_minutes: int
    after_hours_minutes: int
    billable_minutes: int
    multiplier: float
    rate_class: str
    reasons: list[str]
    agreement: str
    amount_cents: int | None = None

    def to_json(self, *, detailed: bool = False) -> dict[str, Any]:
        """The ``time report --json`` shape; ``detailed`` adds the export columns."""
        data: dict[str, Any] = {
            "ticket": self.ticket,
            "client": self.client,
            "start": iso(self.start),
            "end": iso(self.end),
            "worked_minutes": self.worked_minutes,
            "after_hours_minutes": self.after_hours_minutes,
            "billable_minutes": self.billable_minutes,
            "multiplier": float(self.multiplier),
            "reasons": list(self.reasons),
        }
        if detailed:
            data.update(in_hours_minutes=self.in_hours_minutes, rate_class=self.rate_class,
                        agreement=self.agreement, amount_cents=self.amount_cents)
        return data


def bill(work_sessions: Iterable[WorkSession], agreements: Sequence[Agreement], calendar: Calendar,
         default: Agreement = DEFAULT_AGREEMENT) -> list[TimeEntry]:
    """Turn work sessions into time entries, in start order (see docs/billing.md for the rules).

    Per session: split by ``calendar``; pick the agreement in force on the local
    start date; then, unless a flag says otherwise, in-hours minutes are rounded
    and billed at the normal rate, after-hours minutes are rounded, then topped
    up to the call-out minimum, and billed at the multiplier.  A session that
    straddles business hours becomes two entries when the agreement bills
    in-hours minutes at the normal rate.
    """
    sessions = sorted(work_sessions, key=attrgetter("start"))
    entries: list[TimeEntry] = []
    append = entries.append
    callouts: dict[tuple[str, str, str], tuple[int, int, int]] = {}
    terms: dict[int, tuple[Agreement, list[str]]] = {}  # local day → (agreement, reasons); one lookup a day
    scan = calendar._scan
    for session in sessions:
        start, end = session.start, session.end
        s = int(start.timestamp()) if start.tzinfo is not None else epoch_seconds(start)
        e = int(end.timestamp()) if end.tzinfo is not None else epoch_seconds(end)
        if e < s:
            raise BillingError(
                f"ticket {session.ticket}: the work ends ({iso(end)}) before it starts "
                f"({iso(start)}); fix the time entry"
            )
        ordinal, inside, segments, notes = scan(s, e)
        found = terms.get(ordinal)
        if found is None:
            found = terms[ordinal] = _terms(agreements, date.fromordinal(ordinal), default)
        agreement, base = found
        worked = (e - s + 30) // 60
        in_hours = (inside + 30) // 60
        if in_hours > worked:
            in_hours = worked
        after = worked - in_hours
        flag = session.flag
        if flag == NO_CHARGE:
            append(TimeEntry(session.ticket, session.client, start, end, worked, in_hours, after, 0, 1.0,
                             RATE_NO_CHARGE, base + ["NO CHARGE flag on ticket"], agreement.name, 0))
            continue
        if flag == REGULAR_CHARGE or after == 0:
            reasons = base + (["REGULAR CHARGE flag on ticket: normal rate, no call-out minimum"]
                              if flag == REGULAR_CHARGE and after else [])
            billable = _rounded(worked, agreement, reasons)
            append(TimeEntry(session.ticket, session.client, start, end, worked, in_hours, after, billable,
                             1.0, RATE_NORMAL, reasons, agreement.name,
                             None if agreement.normal_rate_cents is None else agreement.amount_cents(billable, False)))
            continue
        premium_minutes, part_worked, part_in = after, worked, in_hours
        reasons = [*base, *(f"after hours: {n}" for n in notes)] if notes else base[:]
        if in_hours and agreement.bill_in_hours_at_normal_rate:
            boundary = segments[0][1] if segments[0][0] == s else segments[0][0]
            at = f"{datetime.fromtimestamp(boundary, calendar.zone):%H:%M} {calendar.time_zone}"
            normal_reasons = base + [f"in-hours part of a session split at {at}"]
            billable = _rounded(in_hours, agreement, normal_reasons)
            first, last = utc_from_epoch(segments[0][0]), utc_from_epoch(segments[-1][1])
            append(TimeEntry(session.ticket, session.client, first, last, in_hours, in_hours, 0, billable, 1.0,
                             RATE_NORMAL, normal_reasons, agreement.name, agreement.amount_cents(billable, False)))
            start = start if segments[0][0] > s else utc_from_epoch(segments[0][1])
            end = end if segments[-1][1] < e else utc_from_epoch(segments[-1][0])
            reasons.append(f"after-hours part of a session split at {at}")
            part_worked, part_in = after, 0
        elif in_hours:
            premium_minutes = worked
            reasons.append(f"in-hours {in_hours} min billed at the after-hours rate "
                           f"(agreement '{agreement.name}' bills whole call-outs)")
        # Round, then top up to the minimum once per call-out (inlined: this is the hot path).
        # A call-out is (last end, first start, rounded minutes so far); its entries add up to
        # max(minimum, rounded total), and a later session never changes an earlier entry.
        rounded = _rounded(premium_minutes, agreement, reasons)
        minimum = agreement.minimum_minutes
        key = (session.client, session.ticket, agreement.name)
        callout = callouts.get(key)
        if callout is None or s - callout[0] > agreement.callout_merge_minutes * 60:
            callouts[key] = (e, s, rounded)  # tuples of ints: the garbage collector soon ignores them
            billable = rounded
            if rounded < minimum:
                reasons.append(f"minimum call-out {minimum}")
                billable = minimum
        else:
            callouts[key] = (max(callout[0], e), callout[1], callout[2] + rounded)
            billable = _join_callout(callout, rounded, minimum, calendar, reasons)
        append(TimeEntry(session.ticket, session.client, start, end, part_worked, part_in, after, billable,
                         agreement.multiplier, RATE_AFTER_HOURS, reasons, agreement.name,
                         None if agreement.normal_rate_cents is None else agreement.amount_cents(billable, True)))
    return entries


def _terms(agreements: Sequence[Agreement], on: date, default: Agreement) -> tuple[Agreement, list[str]]:
    agreement = agreement_for(agreements, on, default)
    if agreements and agreement is default:
        return agreement, [f"no agreement in force on {on}; workspace default applied"]
    return agreement, []


def _rounded(minutes: int, agreement: Agreement, reasons: list[str]) -> int:
    increment = agreement.rounding_increment
    if increment <= 1 or minutes % increment == 0:
        return minutes
    rounded = round_minutes(minutes, increment, agreement.rounding)
    if rounded != minutes:
        reasons.append(f"rounded {minutes} → {rounded}")
    return rounded


def _join_callout(callout: tuple[int, int, int], rounded: int, minimum: int, calendar: Calendar,
                  reasons: list[str]) -> int:
    """Billable minutes of a session that continues a call-out: only what exceeds the charge so far."""
    charged_before = max(minimum, callout[2])
    billable = max(minimum, callout[2] + rounded) - charged_before
    reasons.append(f"same call-out as the session from {datetime.fromtimestamp(callout[1], calendar.zone):%H:%M}")
    if billable < rounded:
        reasons.append(f"{rounded - billable} min already covered by the call-out minimum {minimum}")
    return billable

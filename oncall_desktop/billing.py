"""After-hours billing: business-hours calendars, agreements, and the arithmetic between them.

Why this is pure and integer-based: a billing person must be able to re-do every
entry by hand from its reasons ("rounded 38 → 45", "minimum call-out 60"), and
the SLA clock must agree with billing about what "business hours" means.  So
minutes are ``int``, money is integer cents, and nothing here reads the clock,
the disk or the environment (the one exception, finding the machine's zone
name, is isolated in :func:`_etc_localtime_target` and injectable).

Seconds: instants are truncated to whole seconds (microseconds dropped, as the
store keeps them); elapsed seconds become minutes by rounding to the nearest
minute, 30 s rounding up.  In-hours minutes are rounded the same way and the
after-hours minutes are the rest, so ``in + after == worked`` always.
"""
from __future__ import annotations

import difflib
import functools
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from operator import attrgetter
from typing import Any, Callable, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holidays_lib

from oncall_desktop.clock import iso

UTC = timezone.utc
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

NO_CHARGE = "no-charge"
REGULAR_CHARGE = "regular-charge"
FLAGS = (NO_CHARGE, REGULAR_CHARGE)
ROUNDING_MODES = ("up", "down", "nearest")
RATE_NORMAL = "normal"
RATE_AFTER_HOURS = "after_hours"
RATE_NO_CHARGE = "no_charge"

#: Keys of ``TimeEntry.to_json()``; the CLI ``time report --json`` contract (issue 7).
TIME_ENTRY_JSON_KEYS = (
    "ticket", "client", "start", "end", "worked_minutes", "after_hours_minutes",
    "billable_minutes", "multiplier", "reasons",
)

#: Search this far ahead for business hours before declaring a calendar always closed.
_MAX_SCAN_DAYS = 3660
_DAY_CACHE_LIMIT = 50_000


class BillingError(ValueError):
    """Input billing cannot use; the message says what is wrong and what to do."""


class CalendarError(BillingError):
    """A business-hours calendar that cannot be built as given."""


# --------------------------------------------------------------------------- zones

def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or a :class:`CalendarError` suggesting the closest real name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        close = difflib.get_close_matches(str(name), sorted(available_timezones()), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise CalendarError(
            f"'{name}' is not a time zone name; use an IANA name such as Europe/Berlin{hint}"
        ) from None


def _etc_localtime_target() -> str | None:
    """The only file-system read in this module: where /etc/localtime points (Linux, macOS)."""
    try:
        return os.path.realpath("/etc/localtime")
    except OSError:
        return None


def local_zone_name(environ: Mapping[str, str],
                    localtime_target: Callable[[], str | None] = _etc_localtime_target) -> str:
    """The machine's zone name: ``TZ`` from ``environ`` first, then /etc/localtime, else UTC.

    An empty ``TZ`` means UTC (as the C library reads it).  A ``TZ`` that names
    no zone is refused rather than silently billed in UTC.
    """
    if "TZ" in environ:
        raw = environ["TZ"].strip().lstrip(":")
        if not raw:
            return "UTC"
        name = raw.split("zoneinfo/", 1)[1] if "zoneinfo/" in raw else raw
        try:
            zone(name)
        except CalendarError as exc:
            raise CalendarError(f"the TZ environment variable: {exc}, or unset TZ") from None
        return name
    target = localtime_target()
    if target and "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        try:
            zone(name)
            return name
        except CalendarError:
            pass
    return "UTC"


# --------------------------------------------------------------------------- holidays

@functools.lru_cache(maxsize=1024)
def _holidays_for(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """Public holidays of one year (cached: the package builds them on every call)."""
    return dict(holidays_lib.country_holidays(country, subdiv=subdivision, years=year).items())


def _check_holidays(country: str, subdivision: str | None) -> None:
    supported = holidays_lib.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            f"holidays country '{country}' is not known; use a two-letter ISO 3166 code such as US, GB, DE"
        )
    if subdivision is not None and subdivision not in supported[country]:
        choices = ", ".join(supported[country]) or "none (leave the subdivision out)"
        raise CalendarError(
            f"holidays subdivision '{subdivision}' is not known for {country}; choose one of: {choices}"
        )


# --------------------------------------------------------------------------- calendar

Window = tuple[int, int]  # [start, end) in minutes of a local day, 0..1440


def _minute_of_day(value: time | int, where: str) -> int:
    if isinstance(value, bool):
        raise CalendarError(f"{where}: expected a time of day, not {value!r}")
    if isinstance(value, int):
        if not 0 <= value <= 1440:
            raise CalendarError(f"{where}: {value} is not a minute of the day (0–1440)")
        return value
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    raise CalendarError(f"{where}: expected a time of day such as 09:00, not {value!r}")


def _normalise_week(weekly_hours: Mapping[int, Sequence[tuple[time | int, time | int]]]
                    ) -> tuple[tuple[Window, ...], ...]:
    week: list[tuple[Window, ...]] = []
    for unknown in set(weekly_hours) - set(range(7)):
        raise CalendarError(f"weekly hours: day {unknown!r} is not a weekday number 0 (Mon) … 6 (Sun)")
    for day in range(7):
        windows: list[Window] = []
        for start, end in weekly_hours.get(day, ()):
            where = f"weekly hours on {DAY_NAMES[day]}"
            lo, hi = _minute_of_day(start, where), _minute_of_day(end, where)
            if hi == 0 and lo > 0:
                hi = 1440  # "17:00-00:00" ends at midnight
            if hi <= lo:
                raise CalendarError(
                    f"{where}: {_hhmm(lo)}–{_hhmm(hi)} ends before it starts; "
                    "split an overnight window into two days (e.g. 22:00-24:00 and 00:00-06:00)"
                )
            windows.append((lo, hi))
        windows.sort()
        for (a_lo, a_hi), (b_lo, b_hi) in zip(windows, windows[1:]):
            if b_lo < a_hi:
                raise CalendarError(
                    f"weekly hours on {DAY_NAMES[day]}: {_hhmm(a_lo)}–{_hhmm(a_hi)} overlaps "
                    f"{_hhmm(b_lo)}–{_hhmm(b_hi)}; merge them into one window"
                )
        week.append(tuple(windows))
    return tuple(week)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _subtract(windows: Sequence[Window], closed: Sequence[Window]) -> tuple[Window, ...]:
    result = list(windows)
    for c_lo, c_hi in closed:
        nxt: list[Window] = []
        for lo, hi in result:
            if c_hi <= lo or c_lo >= hi:
                nxt.append((lo, hi))
                continue
            if lo < c_lo:
                nxt.append((lo, c_lo))
            if c_hi < hi:
                nxt.append((c_hi, hi))
        result = nxt
    return tuple(result)


DEFAULT_WEEKLY_HOURS: Mapping[int, Sequence[tuple[time | int, time | int]]] = {
    day: ((time(9), time(17)),) for day in range(5)
}


@dataclass(frozen=True)
class Closure:
    """A time the client (or the MSP) is closed although the week says open, in local wall time.

    ``yearly`` repeats it on the same month and day every year (24 Dec afternoon).
    Minute precision: seconds in ``start``/``end`` are ignored.
    """

    start: datetime
    end: datetime
    name: str = "closed"
    yearly: bool = False

    def __post_init__(self) -> None:
        for label in ("start", "end"):
            value = getattr(self, label)
            if not isinstance(value, datetime):
                raise CalendarError(f"closure '{self.name}': {label} must be a date and time, not {value!r}")
            if value.tzinfo is not None:
                raise CalendarError(
                    f"closure '{self.name}': write {label} in the client's local time without an offset"
                )
        if self.end <= self.start:
            raise CalendarError(f"closure '{self.name}': the end {self.end} is not after the start {self.start}")
        if self.yearly:
            if (self.start.month, self.start.day) == (2, 29):
                raise CalendarError(f"closure '{self.name}': a yearly closure cannot start on 29 February")
            if self.end - self.start > timedelta(days=300):
                raise CalendarError(f"closure '{self.name}': a yearly closure must be shorter than 300 days")

    @classmethod
    def whole_days(cls, first: date, last: date | None = None, name: str = "closed",
                   yearly: bool = False) -> Closure:
        """Closed all day from ``first`` through ``last`` (inclusive)."""
        end_day = (last or first) + timedelta(days=1)
        return cls(datetime.combine(first, time()), datetime.combine(end_day, time()), name, yearly)

    def windows_on(self, day: date) -> list[Window]:
        """The parts of ``day`` (local minutes) this closure covers."""
        day_start = datetime.combine(day, time())
        day_end = day_start + timedelta(days=1)
        starts = [self.start]
        if self.yearly:
            length = self.end - self.start
            starts = [self.start.replace(year=y) for y in (day.year - 1, day.year)]
            ends = [s + length for s in starts]
        else:
            ends = [self.end]
        windows: list[Window] = []
        for start, end in zip(starts, ends):
            lo, hi = max(start, day_start), min(end, day_end)
            if lo < hi:
                windows.append((int((lo - day_start).total_seconds()) // 60,
                                int((hi - day_start).total_seconds()) // 60))
        return windows


# A resolved day: (start_ts, end_ts, open windows as UTC seconds, whole-day label, closed windows).
_Day = tuple[int, int, tuple[tuple[int, int], ...], str, tuple[tuple[int, int, str], ...]]


@dataclass(frozen=True)
class Calendar:
    """When a client counts as "in business hours", in its own zone.

    ``weekly_hours`` maps weekday (0 = Monday) to windows of ``(start, end)``
    local times (an end of 00:00 means midnight).  Public holidays come from the
    ``holidays`` package; ``closures`` remove further time.  Each local day is
    resolved once into UTC seconds and cached on the calendar, so splitting is
    a walk day by day, never minute by minute.
    """

    time_zone: str = "UTC"
    weekly_hours: Mapping[int, Sequence[tuple[time | int, time | int]]] = field(
        default_factory=lambda: dict(DEFAULT_WEEKLY_HOURS))
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    closures: Sequence[Closure] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _week: tuple[tuple[Window, ...], ...] = field(init=False, repr=False, compare=False)
    _days: dict[int, _Day] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", zone(self.time_zone))
        object.__setattr__(self, "_week", _normalise_week(self.weekly_hours))
        object.__setattr__(self, "closures", tuple(self.closures))
        for closure in self.closures:
            if not isinstance(closure, Closure):
                raise CalendarError(f"closures must be Closure values, not {closure!r}")
        if self.holidays_subdivision is not None and self.holidays_country is None:
            raise CalendarError("a holidays subdivision needs a holidays country as well")
        if self.holidays_country is not None:
            _check_holidays(self.holidays_country, self.holidays_subdivision)
        object.__setattr__(self, "_days", {})

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on ``day`` (local date), if any."""
        if self.holidays_country is None:
            return None
        return _holidays_for(self.holidays_country, self.holidays_subdivision, day.year).get(day)

    def open_windows(self, day: date) -> tuple[Window, ...]:
        """Business-hours windows of a local ``day`` after holidays and closures (local minutes)."""
        if self.holiday(day):
            return ()
        closed = [w for c in self.closures for w in c.windows_on(day)]
        return _subtract(self._week[day.weekday()], closed)

    def _ordinal(self, ts: int) -> int:
        return datetime.fromtimestamp(ts, self._zone).toordinal()

    def _day(self, ordinal: int) -> _Day:
        cached = self._days.get(ordinal)
        if cached is not None:
            return cached
        day = date.fromordinal(ordinal)
        week = self._week[day.weekday()]
        holiday = self.holiday(day)
        label = ""
        closed_local: list[tuple[int, int, str]] = []
        if holiday:
            label, windows = f"public holiday: {holiday}", ()
        else:
            closed_local = [(lo, hi, c.name) for c in self.closures for lo, hi in c.windows_on(day)]
            windows = _subtract(week, [(lo, hi) for lo, hi, _ in closed_local])
            if not week:
                label = "weekend" if day.weekday() >= 5 else f"no business hours on {DAY_NAMES[day.weekday()]}"
        closed = tuple((self._wall(day, lo), self._wall(day, hi), name) for lo, hi, name in closed_local)
        resolved: _Day = (self._wall(day, 0), self._wall(day, 1440),
                          tuple((self._wall(day, lo), self._wall(day, hi)) for lo, hi in windows),
                          label, closed)
        if len(self._days) >= _DAY_CACHE_LIMIT:
            self._days.clear()
        self._days[ordinal] = resolved
        return resolved

    def _wall(self, day: date, minute: int) -> int:
        """UTC seconds of local wall time ``minute`` on ``day`` (a time skipped by DST maps forward)."""
        if minute >= 1440:
            day, minute = day + timedelta(days=1), minute - 1440
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self._zone)
        return int(local.timestamp())

    def _scan(self, start: int, end: int) -> tuple[int, int, tuple[tuple[int, int], ...], tuple[str, ...]]:
        """Walk the local days of ``[start, end)``: (first ordinal, in-hours seconds, in-hours pieces, notes).

        The hot path of billing: tuples grow only when something is found, so
        an ordinary session allocates almost nothing.
        """
        first = ordinal = datetime.fromtimestamp(start, self._zone).toordinal()
        days = self._days
        inside = 0
        pieces: tuple[tuple[int, int], ...] = ()
        notes: tuple[str, ...] = ()
        while True:
            day_start, day_end, windows, label, closed = days.get(ordinal) or self._day(ordinal)
            if day_start >= end and ordinal != first:
                break
            for w_lo, w_hi in windows:
                lo = w_lo if w_lo > start else start
                hi = w_hi if w_hi < end else end
                if lo < hi:
                    inside += hi - lo
                    if pieces and pieces[-1][1] == lo:
                        pieces = pieces[:-1] + ((pieces[-1][0], hi),)
                    else:
                        pieces += ((lo, hi),)
            if label and start < day_end and end > day_start and label not in notes:
                notes += (label,)
            for c_lo, c_hi, name in closed:
                if start < c_hi and end > c_lo and f"closure: {name}" not in notes:
                    notes += (f"closure: {name}",)
            if day_end >= end:
                break
            ordinal += 1
        return first, inside, pieces, notes


def default_calendar(local_zone_name: str) -> Calendar:
    """Mon–Fri 09:00–17:00 in the machine's zone, for clients without a calendar of their own."""
    return Calendar(time_zone=local_zone_name)


# --------------------------------------------------------------------------- split

def _seconds(value: datetime, what: str = "time") -> int:
    if not isinstance(value, datetime):
        raise BillingError(f"the {what} must be a date and time, not {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # house rule: naive means UTC
    return int(value.timestamp())


def _minutes(seconds: int) -> int:
    return (seconds + 30) // 60


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _iso(value: datetime) -> str:
    """``clock.iso`` (UTC, whole seconds, ``Z``) without its extra copies: reports format 200,000 of these."""
    if value.tzinfo is not UTC and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"


@dataclass(frozen=True)
class Piece:
    """A stretch of a worked interval that is wholly in or wholly out of business hours."""

    start: datetime
    end: datetime
    in_hours: bool

    @property
    def minutes(self) -> int:
        return _minutes(int((self.end - self.start).total_seconds()))


@dataclass(frozen=True)
class Split:
    """A worked interval divided by the client's business hours (real elapsed minutes)."""

    in_hours_minutes: int
    after_hours_minutes: int
    pieces: tuple[Piece, ...]
    notes: tuple[str, ...] = ()

    @property
    def worked_minutes(self) -> int:
        return self.in_hours_minutes + self.after_hours_minutes


def split(start: datetime, end: datetime, calendar: Calendar) -> Split:
    """In-hours and after-hours minutes of ``[start, end)``, with the pieces in order.

    ``notes`` names special days touched (weekend, public holiday, closure).
    """
    s, e = _seconds(start, "start"), _seconds(end, "end")
    if e < s:
        raise BillingError(f"the work ends ({iso(end)}) before it starts ({iso(start)}); swap the times")
    _, inside, segments, notes = calendar._scan(s, e)
    worked = _minutes(e - s)
    in_hours = min(_minutes(inside), worked)
    pieces: list[Piece] = []
    cursor = s
    for lo, hi in segments:
        if cursor < lo:
            pieces.append(Piece(_utc(cursor), _utc(lo), False))
        pieces.append(Piece(_utc(lo), _utc(hi), True))
        cursor = hi
    if cursor < e:
        pieces.append(Piece(_utc(cursor), _utc(e), False))
    return Split(in_hours, worked - in_hours, tuple(pieces), tuple(notes))


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Whole business minutes elapsed from ``start`` to ``end`` (floor; negative if reversed).

    Floor, not nearest: an SLA target is not missed until a full minute has passed.
    """
    s, e = _seconds(start, "start"), _seconds(end, "end")
    if e < s:
        return -business_minutes_between(end, start, calendar)
    return calendar._scan(s, e)[1] // 60


def add_business_minutes(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """The instant (UTC) at which ``minutes`` business minutes have passed since ``start``.

    Ending exactly at closing time returns closing time, not the next opening.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise BillingError(f"business minutes to add must be a whole number ≥ 0, not {minutes!r}")
    s = _seconds(start, "start")
    if minutes == 0:
        return _utc(s)
    remaining = minutes * 60
    ordinal = calendar._ordinal(s)
    for _ in range(_MAX_SCAN_DAYS):
        for w_lo, w_hi in calendar._day(ordinal)[2]:
            lo = w_lo if w_lo > s else s
            if lo >= w_hi:
                continue
            if remaining <= w_hi - lo:
                return _utc(lo + remaining)
            remaining -= w_hi - lo
        ordinal += 1
    raise CalendarError(
        f"the calendar in {calendar.time_zone} has no business hours for ten years after {iso(start)}; "
        "check its weekly hours and closures"
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
    for before, after in zip(ordered, ordered[1:]):
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
            "start": _iso(self.start),
            "end": _iso(self.end),
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
        s = int(start.timestamp()) if start.tzinfo is not None else _seconds(start)
        e = int(end.timestamp()) if end.tzinfo is not None else _seconds(end)
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
            append(TimeEntry(session.ticket, session.client, _utc(segments[0][0]), _utc(segments[-1][1]),
                             in_hours, in_hours, 0, billable, 1.0, RATE_NORMAL, normal_reasons, agreement.name,
                             agreement.amount_cents(billable, False)))
            start = start if segments[0][0] > s else _utc(segments[0][1])
            end = end if segments[-1][1] < e else _utc(segments[-1][0])
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

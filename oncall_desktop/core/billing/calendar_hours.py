"""Business-hours calendars and the arithmetic on them: split, business minutes, add minutes.

Split out of billing.py (which keeps agreements and ``bill()``) because two
consumers share it: billing asks how much of a session was after hours, and
the SLA clock (sla.py) must agree with billing about what "business hours"
means.  Pure and integer-based, so a billing person can re-do every entry by
hand: nothing here reads the clock, the disk or the environment (the one
exception, finding the machine's zone name, is isolated in
:func:`_etc_localtime_target` and injectable).

Seconds: instants are truncated to whole seconds (microseconds dropped, as the
store keeps them); elapsed seconds become minutes by rounding to the nearest
minute, 30 s rounding up.  In-hours minutes are rounded the same way and the
after-hours minutes are the rest, so ``in + after == worked`` always.

``BillingError`` lives here rather than in billing.py because ``CalendarError``
derives from it and ``split`` raises it; billing.py imports it from here, so
callers catch one error type for both modules.
"""
from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holidays_lib

from oncall_desktop.core.time.clock import iso

UTC = timezone.utc
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

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
        for (a_lo, a_hi), (b_lo, b_hi) in pairwise(windows):
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
        for start, end in zip(starts, ends, strict=True):
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
        windows: tuple[tuple[int, int], ...]
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

def epoch_seconds(value: datetime, what: str = "time") -> int:
    """Whole seconds since the epoch (the unit of the interval arithmetic); naive means UTC."""
    if not isinstance(value, datetime):
        raise BillingError(f"the {what} must be a date and time, not {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # house rule: naive means UTC
    return int(value.timestamp())


def _minutes(seconds: int) -> int:
    return (seconds + 30) // 60


def utc_from_epoch(ts: int) -> datetime:
    """The inverse of :func:`epoch_seconds`, as an aware UTC datetime."""
    return datetime.fromtimestamp(ts, UTC)


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
    s, e = epoch_seconds(start, "start"), epoch_seconds(end, "end")
    if e < s:
        raise BillingError(f"the work ends ({iso(end)}) before it starts ({iso(start)}); swap the times")
    _, inside, segments, notes = calendar._scan(s, e)
    worked = _minutes(e - s)
    in_hours = min(_minutes(inside), worked)
    pieces: list[Piece] = []
    cursor = s
    for lo, hi in segments:
        if cursor < lo:
            pieces.append(Piece(utc_from_epoch(cursor), utc_from_epoch(lo), False))
        pieces.append(Piece(utc_from_epoch(lo), utc_from_epoch(hi), True))
        cursor = hi
    if cursor < e:
        pieces.append(Piece(utc_from_epoch(cursor), utc_from_epoch(e), False))
    return Split(in_hours, worked - in_hours, tuple(pieces), tuple(notes))


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Whole business minutes elapsed from ``start`` to ``end`` (floor; negative if reversed).

    Floor, not nearest: an SLA target is not missed until a full minute has passed.
    """
    s, e = epoch_seconds(start, "start"), epoch_seconds(end, "end")
    if e < s:
        return -business_minutes_between(end, start, calendar)
    return calendar._scan(s, e)[1] // 60


def add_business_minutes(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """The instant (UTC) at which ``minutes`` business minutes have passed since ``start``.

    Ending exactly at closing time returns closing time, not the next opening.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise BillingError(f"business minutes to add must be a whole number ≥ 0, not {minutes!r}")
    s = epoch_seconds(start, "start")
    if minutes == 0:
        return utc_from_epoch(s)
    remaining = minutes * 60
    ordinal = calendar._ordinal(s)
    for _ in range(_MAX_SCAN_DAYS):
        for w_lo, w_hi in calendar._day(ordinal)[2]:
            lo = w_lo if w_lo > s else s
            if lo >= w_hi:
                continue
            if remaining <= w_hi - lo:
                return utc_from_epoch(lo + remaining)
            remaining -= w_hi - lo
        ordinal += 1
    raise CalendarError(
        f"the calendar in {calendar.time_zone} has no business hours for ten years after {iso(start)}; "
        "check its weekly hours and closures"
    )

"""Injectable clocks.

The core never asks the system for the time: it is handed ``now``.  Services
take a :class:`Clock` so tests (and ``oncall-desktop tick --at``) can move time
by hand instead of sleeping.
"""
from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Protocol

UTC = timezone.utc


class Clock(Protocol):
    def now(self) -> datetime:
        """Current instant, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for intervals)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class FakeClock:
    """A clock that only moves when told to (tests, scripted ``tick``)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    _mono: float = 0.0

    def __post_init__(self) -> None:
        self.current = as_utc(self.current)

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self._mono

    def advance(self, **delta: float) -> datetime:
        step = timedelta(**delta)
        self.current += step
        self._mono += step.total_seconds()
        return self.current

    def set(self, at: datetime) -> None:
        at = as_utc(at)
        self._mono += max(0.0, (at - self.current).total_seconds())
        self.current = at


@dataclass(frozen=True)
class OffsetClock:
    """The real clock moved by a fixed offset: time runs at real speed, from another instant.

    For demos and end-to-end tests only — never on by default.  A test that
    needs the app process to live "at 23:10 local" starts it with
    ``ONCALL_FAKE_NOW`` (see :func:`clock_from_environ`); timers, heartbeats and
    the ack window then behave exactly as at night, only the date differs.
    """

    offset: timedelta
    real: Clock = field(default_factory=SystemClock)

    @classmethod
    def starting_at(cls, at: datetime, real: Clock | None = None) -> OffsetClock:
        """A clock that reads ``at`` now and runs on from there."""
        base = real or SystemClock()
        return cls(as_utc(at) - base.now(), base)

    def now(self) -> datetime:
        return self.real.now() + self.offset

    def monotonic(self) -> float:
        return self.real.monotonic()


#: ``ONCALL_FAKE_NOW=2026-11-25T23:10:00Z``: the app starts at that instant and runs at real speed.
FAKE_NOW_VARIABLE = "ONCALL_FAKE_NOW"
#: ``ONCALL_CLOCK_OFFSET=-3600``: the app runs that many seconds ahead (or behind) the real clock.
OFFSET_VARIABLE = "ONCALL_CLOCK_OFFSET"
_MAX_OFFSET_SECONDS = 100 * 366 * 86400


def clock_from_environ(environ: Mapping[str, str], real: Clock | None = None) -> OffsetClock | None:
    """The demo/test clock the environment asks for, or None (the normal case: the real clock).

    Read once when the tray app starts (``ui/app.py``), so "now" moves on in
    real time from there.  ``ONCALL_FAKE_NOW`` takes an ISO 8601 instant (a
    value without an offset means UTC, as for ``tick --at``; use the offset to
    mean local time, e.g. ``2026-11-25T23:10:00+00:00`` for London in winter).
    ``ONCALL_CLOCK_OFFSET`` takes seconds, which processes started at
    different moments agree on.  Raises ``ValueError`` in words for a bad value.
    """
    fake = environ.get(FAKE_NOW_VARIABLE, "").strip()
    offset = environ.get(OFFSET_VARIABLE, "").strip()
    if fake and offset:
        raise ValueError(f"set {FAKE_NOW_VARIABLE} or {OFFSET_VARIABLE}, not both (they both move the clock)")
    if fake:
        try:
            return OffsetClock.starting_at(parse_instant(fake), real)
        except ValueError as exc:
            raise ValueError(f"{FAKE_NOW_VARIABLE}: {exc}") from None
    if offset:
        try:
            seconds = float(offset)
        except ValueError:
            raise ValueError(f"{OFFSET_VARIABLE}: '{offset}' is not a number of seconds; "
                             "use e.g. -3600 for one hour behind the real clock") from None
        if not math.isfinite(seconds) or abs(seconds) > _MAX_OFFSET_SECONDS:
            raise ValueError(f"{OFFSET_VARIABLE}: '{offset}' seconds is more than a century; "
                             "give the offset in seconds, e.g. -3600")
        return OffsetClock(timedelta(seconds=seconds), real or SystemClock())
    return None


def as_utc(value: datetime) -> datetime:
    """Normalise to aware UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601 (``Z`` accepted) into aware UTC; naive means UTC.

    Raises ``ValueError`` with a message a person can act on.
    """
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date-time; use ISO 8601 such as 2026-11-25T23:10:00Z"
        ) from None
    try:
        return as_utc(value)
    except OverflowError:  # e.g. 0001-01-01T00:00+05:45 has no UTC equivalent
        raise ValueError(f"'{text}' is outside the dates oncall-desktop can handle") from None


#: How a moment is written for the technician everywhere ("Thu 26 Nov 23:10").
STAMP = "%a %d %b %H:%M"


def local_tzinfo(at: datetime) -> tzinfo:
    """The machine's zone at ``at``, as ``astimezone()`` attaches it (a fixed offset)."""
    zone = at.astimezone().tzinfo
    assert zone is not None  # astimezone() without an argument always sets the local zone
    return zone


def local_time(value: datetime, fmt: str = "%H:%M", tz: tzinfo | None = None) -> str:
    """Shown in ``tz``, by default the technician's own zone (the machine's); naive means UTC."""
    return as_utc(value).astimezone(tz).strftime(fmt)


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, second precision (how we store instants).

    Written out field by field: a big poll stores 20,000 of these and a billing
    report formats 200,000, at a third of the cost of ``isoformat`` and its copies.
    """
    if value.tzinfo is not UTC:
        value = as_utc(value)
    # %-formatting parses its format once; an f-string with six format specs costs 1.7x as much
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031
        value.year, value.month, value.day, value.hour, value.minute, value.second)

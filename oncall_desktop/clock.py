"""Injectable clocks.

The core never asks the system for the time: it is handed ``now``.  Services
take a :class:`Clock` so tests (and ``oncall-desktop tick --at``) can move time
by hand instead of sleeping.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
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
    return as_utc(value)


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, second precision (how we store instants)."""
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")

"""How many requests this app sent the ticket system in the last hour, and what the vendor says is left.

Why: the vendor's limit is shared by a whole team (and every other
integration), so each app keeps its own count against its budget (a Setting)
and reads the limit headers the vendor sends, to slow down *before* the limit
rather than after the first 429.  The headers read, as the vendors document them:

* Freshdesk (https://developers.freshdesk.com/api/#ratelimit):
  ``X-RateLimit-Total``, ``X-RateLimit-Remaining``,
  ``X-RateLimit-Used-CurrentRequest``; a 429 carries ``Retry-After`` (seconds).
* Jira Cloud (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/):
  ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset`` (an
  ISO 8601 instant) and ``Retry-After`` on a 429.
* HaloPSA, ConnectWise and Autotask send no documented count with each answer;
  they throttle with 429 (Autotask also slows answers past 50 % of its 10,000
  an hour), so for them only ``Retry-After`` is learnt, and the app's own count.

One meter per workspace, shared by the poll and the outbox (both run on network
threads), so it holds a lock.  Counts are kept per minute for the last hour;
``to_json``/``from_json`` carry them across a restart in the settings table
(no secret is ever in them).
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.psa.retry import parse_retry_after

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Usage:
    """The meter read at one instant."""

    used_last_hour: int
    window_frees_at: datetime | None
    vendor_remaining: int | None
    vendor_total: int | None
    vendor_resets_at: datetime | None
    retry_after_until: datetime | None
    throttled_last_hour: int

    def line(self, budget: int) -> str:
        """One line for Settings and the CLI: this app's use, and the vendor's count when it sends one."""
        text = f"{self.used_last_hour} of {budget} requests in the last hour"
        if self.vendor_remaining is not None and self.vendor_total:
            text += f"; the ticket system reports {self.vendor_remaining} of {self.vendor_total} left"
        if self.throttled_last_hour:
            text += f"; throttled {self.throttled_last_hour}× (HTTP 429)"
        return text


class RateMeter:
    """Requests per minute over the last hour, and the vendor's last word on its limit."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self._lock = threading.Lock()
        self._minutes: dict[datetime, int] = {}
        self._throttled: dict[datetime, int] = {}
        self._remaining: int | None = None
        self._total: int | None = None
        self._resets_at: datetime | None = None
        self._retry_until: datetime | None = None

    def sent(self) -> None:
        """One request is going out (every attempt counts: the vendor counts them all)."""
        minute = _minute(self.now())
        with self._lock:
            self._minutes[minute] = self._minutes.get(minute, 0) + 1
            self._trim(minute)

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Read the limit headers of one answer (a 429 included)."""
        now = self.now()
        get = {k.lower(): v for k, v in headers.items()}.get
        remaining = _int(get("x-ratelimit-remaining"))
        total = _int(get("x-ratelimit-total")) or _int(get("x-ratelimit-limit"))
        reset = _instant(get("x-ratelimit-reset"))
        wait = parse_retry_after(get("retry-after"), now)
        with self._lock:
            if remaining is not None:
                self._remaining, self._total = remaining, total or self._total
            if reset is not None:
                self._resets_at = reset
            if wait is not None:
                self._retry_until = now + timedelta(seconds=wait)
            if status == 429:
                minute = _minute(now)
                self._throttled[minute] = self._throttled.get(minute, 0) + 1

    def usage(self) -> Usage:
        now = self.now()
        with self._lock:
            self._trim(_minute(now))
            used = sum(self._minutes.values())
            oldest = min(self._minutes) if self._minutes else None
            retry = self._retry_until if self._retry_until and self._retry_until > now else None
            return Usage(used_last_hour=used, window_frees_at=oldest + WINDOW + timedelta(minutes=1) if oldest else None,
                         vendor_remaining=self._remaining, vendor_total=self._total, vendor_resets_at=self._resets_at,
                         retry_after_until=retry, throttled_last_hour=sum(self._throttled.values()))

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {"minutes": {iso(m): n for m, n in self._minutes.items()},
                    "throttled": {iso(m): n for m, n in self._throttled.items()},
                    "remaining": self._remaining, "total": self._total,
                    "resets_at": iso(self._resets_at) if self._resets_at else None,
                    "retry_until": iso(self._retry_until) if self._retry_until else None}

    def load(self, data: Any) -> None:
        """Take up the counts kept before a restart (unreadable parts are ignored, never fatal)."""
        if not isinstance(data, dict):
            return
        with self._lock:
            for name, target in (("minutes", self._minutes), ("throttled", self._throttled)):
                for at, n in dict(data.get(name) or {}).items():
                    when = _instant(at)
                    if when is not None and isinstance(n, int):
                        target[_minute(when)] = target.get(_minute(when), 0) + n
            self._remaining = _int(data.get("remaining"))
            self._total = _int(data.get("total"))
            self._resets_at = _instant(data.get("resets_at"))
            self._retry_until = _instant(data.get("retry_until"))
            self._trim(_minute(self.now()))

    def _trim(self, minute: datetime) -> None:
        cut = minute - WINDOW
        for counts in (self._minutes, self._throttled):
            for old in [m for m in counts if m <= cut]:
                del counts[old]


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _instant(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return parse_instant(value.strip())
    except ValueError:
        return None

"""When one call to a ticket system tries again, how long it waits, and when it must not retry.

Pure rules, no I/O and no clock of their own (``now`` and ``rand`` come in), so
the behaviour at a vendor's outage is tested without waiting: exponential
backoff with full jitter, ``Retry-After`` read as seconds or an HTTP-date
(RFC 9110 §10.2.3), which methods are safe to repeat, and :func:`post_once`
for the POST whose fate is unknown.  The HTTP layer (http.py) applies them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from oncall_desktop.core.time.clock import as_utc
from oncall_desktop.services.psa.base import TicketSystemError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one call tries before it gives up.

    ``attempts`` counts tries, not retries.  ``max_total_wait`` bounds the sum
    of all sleeps, so a poll never hangs longer than the poller's interval.
    """

    attempts: int = 4
    base: float = 0.5
    cap: float = 8.0
    max_total_wait: float = 30.0


def backoff_delay(attempt: int, policy: RetryPolicy, rand: Callable[[], float]) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based), full jitter.

    Full jitter spreads clients that failed together (an outage at the vendor)
    so they do not come back in lock-step.
    """
    ceiling = min(policy.cap, policy.base * (2.0 ** attempt))
    return max(0.0, rand()) * ceiling


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """``Retry-After`` as seconds from ``now``; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        return max(0.0, (as_utc(when) - as_utc(now)).total_seconds())
    return seconds if seconds >= 0 else None

def how_long(seconds: float) -> str:
    """A wait in the unit a person would use: "40 s", "12 min", "3 h", "11.6 days"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.1f} days"

def post_once(post: Callable[[], str], find: Callable[[], str | None]) -> str:
    """Create a remote entry at most once.

    If the POST's fate is unknown (sent, then timeout/5xx), look the
    idempotency key up: found → that is our entry; not found → re-raise the
    uncertain error so the outbox retries later, after looking again (the
    server may still be committing, so posting again now could duplicate).
    """
    try:
        return post()
    except TicketSystemError as exc:
        if not exc.uncertain:
            raise
        try:
            found = find()
        except TicketSystemError:
            raise exc from None
        if found is not None:
            return found
        raise

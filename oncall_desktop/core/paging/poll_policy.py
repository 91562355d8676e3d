"""When this app asks the ticket system next, and for what: polling by need.

Why: a team shares its state only through the ticket system, and the vendor
counts every request of every app against one budget for the whole database
(Autotask: 10,000 requests an hour, shared with every other integration;
Freshdesk plans 3,000–5,000 an hour).  If 200 apps each polled every minute
they would send 12,000 requests an hour from polling alone.  Only two apps need
to hear quickly: the one whose tech is first on call (new tickets page them),
and one holding a live page (its ticket may be acknowledged, handed over or
closed elsewhere).  Everyone else needs only what concerns them — a ticket
given to them — and the backup, who is on call for escalations, must hear of
a hand-over in time.

The rules (:func:`plan_next`):

* **first on call, or holding a live page** → every ``interval``, the whole
  desk (scope ``all``);
* **on call in another role** (a backup, a lead) → every ``interval``, but only
  the tickets assigned to them (scope ``mine``): an escalation reaches them
  within a minute at the cost of one small request;
* **off call** → only ``mine``, every ``off_call_interval`` (15 min), jittered
  so that a team's apps do not come in lock-step; during the tech's quiet hours
  (pop-ups are held then anyway) every ``quiet_interval`` (an hour);
* **the app's own budget** (``budget_per_hour``, a Setting): at 80 % of it the
  gap doubles; at 100 % the next poll waits until the oldest request of the
  hour ages out;
* **the vendor's word**: below 20 % of the vendor's window left
  (``X-RateLimit-Remaining``/``Total``) the gap doubles on call and quadruples
  off call; below 5 % off-call apps wait for the window's reset; a
  ``Retry-After`` is never undercut;
* **failures** back off: 30 s, doubling, up to 10 minutes (or the gap, if
  longer), as before.

Pure: ``now`` and ``rand`` come in; nothing here reads a clock or the network.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Scope = Literal["all", "mine"]

RETRY_FIRST_SECONDS = 30.0
RETRY_CAP_SECONDS = 600.0

#: At this share of the app's own hourly budget the gap between polls doubles.
BUDGET_SLOW_SHARE = 0.8
#: Below these shares of the vendor's window left, apps slow down, then off-call apps stop until the reset.
VENDOR_SLOW_SHARE = 0.2
VENDOR_STOP_SHARE = 0.05


@dataclass(frozen=True)
class PollSettings:
    """The knobs, in seconds, and the app's own request budget per hour."""

    interval: float = 60.0
    off_call_interval: float = 900.0
    quiet_interval: float = 3600.0
    jitter: float = 0.2
    budget_per_hour: int = 240


@dataclass(frozen=True)
class PollState:
    """What the app knows at the moment it plans its next poll.

    ``primary``: first on call on the paging schedule; ``on_call``: on call on
    any schedule (a backup, a lead); ``live_pages``: pages waiting or
    acknowledged here; ``quiet``: inside the tech's quiet hours;
    ``used_last_hour``: requests this app sent in the last hour;
    ``window_frees_at``: when the oldest of those turns an hour old;
    ``vendor_remaining``/``vendor_total``: the vendor's own count, when its
    answers carry one; ``vendor_resets_at``, ``retry_after_until``: when the
    vendor's window resets and until when it asked us to wait.
    """

    primary: bool = False
    on_call: bool = False
    live_pages: int = 0
    quiet: bool = False
    failures: int = 0
    used_last_hour: int = 0
    window_frees_at: datetime | None = None
    vendor_remaining: int | None = None
    vendor_total: int | None = None
    vendor_resets_at: datetime | None = None
    retry_after_until: datetime | None = None


@dataclass(frozen=True)
class PollPlan:
    """The next poll: when, what for, and why in words (shown in Settings and the log)."""

    at: datetime
    scope: Scope
    why: str

    def seconds_from(self, now: datetime) -> float:
        return max(0.0, (self.at - now).total_seconds())


def failure_delay(gap: float, failures: int, first: float = RETRY_FIRST_SECONDS,
                  cap: float = RETRY_CAP_SECONDS) -> float:
    """Seconds until the next poll after ``failures`` failed polls in a row.

    Healthy: the gap.  Offline: retry soon (a blip), then back off by
    doubling — 30 s, 60, 120 … — up to ``cap`` (or the gap, if longer), so a
    laptop on a train does not hammer the PSA or drain its battery.
    """
    if failures <= 0:
        return float(gap)
    step = min(first, gap) * (2 ** min(failures - 1, 20))
    return float(min(max(cap, gap), step))


def scope_for(state: PollState) -> Scope:
    """The whole desk for the first on call and for a live page; otherwise only what is assigned to me."""
    return "all" if state.primary or state.live_pages else "mine"


def plan_next(state: PollState, settings: PollSettings, now: datetime, rand: float = 0.5) -> PollPlan:
    """The next poll's time and scope (``rand`` in [0, 1) spreads the off-call apps)."""
    scope = scope_for(state)
    if state.primary:
        gap, why = settings.interval, "first on call"
    elif state.live_pages:
        gap, why = settings.interval, "a page is live here"
    elif state.on_call:
        gap, why = settings.interval, "on call (backup): only tickets assigned to you"
    else:
        base = settings.quiet_interval if state.quiet else settings.off_call_interval
        spread = max(0.0, min(settings.jitter, 0.9))
        gap = base * (1.0 - spread + 2.0 * spread * min(max(rand, 0.0), 1.0))
        why = "off call, quiet hours" if state.quiet else "off call: only tickets assigned to you"
    off_call = not (state.primary or state.live_pages or state.on_call)
    budget = max(1, settings.budget_per_hour)
    if state.used_last_hour >= BUDGET_SLOW_SHARE * budget:
        gap *= 2
        why += f"; {state.used_last_hour} of this app's {budget} requests an hour used"
    vendor_share = _share(state.vendor_remaining, state.vendor_total)
    if vendor_share is not None and vendor_share < VENDOR_SLOW_SHARE:
        gap *= 4 if off_call else 2
        why += f"; the ticket system has {state.vendor_remaining} of {state.vendor_total} requests left"
    gap = failure_delay(gap, state.failures)
    at = now + timedelta(seconds=gap)
    if state.used_last_hour >= budget and state.window_frees_at is not None:
        at = max(at, state.window_frees_at)
        why += "; waiting for this app's hourly budget"
    if off_call and vendor_share is not None and vendor_share < VENDOR_STOP_SHARE and state.vendor_resets_at:
        at = max(at, state.vendor_resets_at)
        why += "; off call: waiting for the ticket system's window to reset"
    if state.retry_after_until is not None and state.retry_after_until > at:
        at = state.retry_after_until
        why += "; the ticket system asked us to wait"
    return PollPlan(at=at, scope=scope, why=why)


def _share(remaining: int | None, total: int | None) -> float | None:
    if remaining is None or not total or total <= 0:
        return None
    return max(0.0, remaining) / total

"""The facts the poll policy needs, read from one workspace; the request budget's settings.

Why apart from the policy: ``core/paging/poll_policy.py`` is pure and judges
what it is handed; this module gathers it on the store thread — who is on call
(the rotation), the live pages, the quiet hours, the app's own request count
and the vendor's (``services/psa/rate_meter.py``) — and keeps the count across
restarts in the settings table (``request_use``).

Settings read (all optional): ``poll_seconds`` (on call, 60),
``poll_off_call_seconds`` (900), ``poll_quiet_seconds`` (3600) and
``request_budget_per_hour`` (240; see docs/ticket-systems.md for why).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.paging.poll_policy import PollPlan, PollSettings, PollState, plan_next
from oncall_desktop.services.psa.rate_meter import RateMeter, Usage

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

USAGE_SETTING = "request_use"
BUDGET_SETTING = "request_budget_per_hour"
DEFAULT_BUDGET = 240
#: the least and most Settings accepts: below 10 an on-call app could not poll; above 2,000 one app could
#: take a fifth of Autotask's whole database
BUDGET_RANGE = (10, 2000)


def settings_of(ws: Workspace) -> PollSettings:
    get = ws.store.get_setting
    return PollSettings(interval=float(_positive(get("poll_seconds"), 60)),
                        off_call_interval=float(_positive(get("poll_off_call_seconds"), 900)),
                        quiet_interval=float(_positive(get("poll_quiet_seconds"), 3600)),
                        budget_per_hour=budget_of(ws))


def budget_of(ws: Workspace) -> int:
    """This app's request budget per hour (the Setting, else the default; out-of-range values are clamped)."""
    low, high = BUDGET_RANGE
    return min(high, max(low, _positive(ws.store.get_setting(BUDGET_SETTING), DEFAULT_BUDGET)))


def state_of(ws: Workspace, usage: Usage) -> PollState:
    """Who I am on the rotation now, what is live here, and what the meter says (store thread)."""
    from oncall_desktop.services.app.now import on_call_now
    from oncall_desktop.services.paging import ack_clock

    me = ws.me.casefold()
    if not me or ws.paging_schedule() is None:
        # no rotation, or nobody named as me: this app is the only one watching, as before
        primary = on_call = True
    else:
        entries = on_call_now(ws)
        primary = ack_clock.paging_person(ws).casefold() == me
        on_call = any(str(e["person"]).casefold() == me for e in entries)
    return PollState(primary=primary, on_call=on_call, live_pages=len(ws.pages.active()),
                     quiet=_quiet_now(ws), failures=int(ws.store.get_setting("poll_failures", 0) or 0),
                     used_last_hour=usage.used_last_hour, window_frees_at=usage.window_frees_at,
                     vendor_remaining=usage.vendor_remaining, vendor_total=usage.vendor_total,
                     vendor_resets_at=usage.vendor_resets_at, retry_after_until=usage.retry_after_until)


def plan_poll(ws: Workspace, meter: RateMeter, rand: Callable[[], float]) -> PollPlan:
    """The next poll of this workspace (store thread): the policy applied to the facts."""
    return plan_next(state_of(ws, meter.usage()), settings_of(ws), ws.clock.now(), rand())


def save_usage(ws: Workspace, meter: RateMeter) -> None:
    """Keep the hour's count across a restart, and for ``oncall-desktop requests`` (store thread)."""
    ws.store.set_setting(USAGE_SETTING, meter.to_json())


def load_usage(ws: Workspace, meter: RateMeter) -> RateMeter:
    meter.load(ws.store.get_setting(USAGE_SETTING))
    return meter


def set_budget(ws: Workspace, value: Any) -> int:
    """Store this app's request budget per hour; bad input is one readable ValueError and changes nothing."""
    low, high = BUDGET_RANGE
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"the request budget is a whole number of requests an hour, not {value!r}") from None
    if not low <= number <= high:
        raise ValueError(f"the request budget must be between {low} and {high} requests an hour, not {number}")
    ws.store.set_setting(BUDGET_SETTING, number)
    return number


def request_report(ws: Workspace) -> dict[str, Any]:
    """This app's use of the ticket system's requests, and the next poll, for Settings and the CLI."""
    from oncall_desktop.core.time.clock import iso, local_time

    budget = budget_of(ws)
    usage = ws.rate_meter.usage()
    plan = ws.plan_poll()
    wait = plan.seconds_from(ws.clock.now())
    when = f"in {wait / 60:.0f} min" if wait >= 90 else f"in {wait:.0f} s"
    line = f"{usage.line(budget)}. Next check {when} ({local_time(plan.at)}): {plan.why}."
    return {"used_last_hour": usage.used_last_hour, "budget": budget, "vendor_remaining": usage.vendor_remaining,
            "vendor_total": usage.vendor_total, "throttled_last_hour": usage.throttled_last_hour,
            "next_poll": iso(plan.at), "scope": plan.scope, "why": plan.why, "line": line}


def _quiet_now(ws: Workspace) -> bool:
    from oncall_desktop.services.paging.notifier import QuietHours

    text = ws.store.get_setting("quiet_hours")
    if not text:
        return False
    try:
        quiet = QuietHours.parse(str(text))
    except ValueError:
        return False
    return quiet is not None and quiet.covers(ws.clock.now().astimezone().time())


def _positive(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default

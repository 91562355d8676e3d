"""The poll policy: who polls how often, for what, and how it yields to budgets and the vendor."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oncall_desktop.core.paging.poll_policy import PollSettings, PollState, failure_delay, plan_next

NOW = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
S = PollSettings()


def gap(state: PollState, rand: float = 0.5, settings: PollSettings = S) -> float:
    return (plan_next(state, settings, NOW, rand).at - NOW).total_seconds()


def test_the_first_on_call_polls_the_whole_desk_every_interval() -> None:
    plan = plan_next(PollState(primary=True, on_call=True), S, NOW)
    assert (plan.scope, plan.seconds_from(NOW)) == ("all", 60.0)


def test_a_backup_on_call_polls_every_interval_but_only_for_tickets_assigned_to_them() -> None:
    plan = plan_next(PollState(on_call=True), S, NOW)
    assert (plan.scope, plan.seconds_from(NOW)) == ("mine", 60.0)


def test_a_live_page_makes_any_app_follow_the_whole_desk() -> None:
    plan = plan_next(PollState(live_pages=1), S, NOW)
    assert (plan.scope, plan.seconds_from(NOW)) == ("all", 60.0)


def test_off_call_polls_rarely_and_spread_out() -> None:
    assert plan_next(PollState(), S, NOW).scope == "mine"
    assert gap(PollState(), rand=0.5) == 900.0
    assert gap(PollState(), rand=0.0) == pytest.approx(720.0)  # 15 min ± 20 %
    assert gap(PollState(), rand=0.999999) == pytest.approx(1080.0, abs=0.01)


def test_off_call_in_quiet_hours_polls_hourly_but_quiet_hours_do_not_slow_an_on_call_app() -> None:
    assert gap(PollState(quiet=True)) == 3600.0
    assert gap(PollState(primary=True, on_call=True, quiet=True)) == 60.0
    assert gap(PollState(on_call=True, quiet=True)) == 60.0


def test_near_its_own_budget_an_app_slows_down_and_past_it_waits_for_the_hour_to_free() -> None:
    assert S.budget_per_hour == 240  # the default (docs/ticket-systems.md says why)
    small = PollSettings(budget_per_hour=120)
    assert gap(PollState(primary=True, used_last_hour=95), settings=small) == 60.0
    assert gap(PollState(primary=True, used_last_hour=96), settings=small) == 120.0  # 80 % of 120
    frees = NOW + timedelta(minutes=7)
    plan = plan_next(PollState(primary=True, used_last_hour=120, window_frees_at=frees), small, NOW)
    assert plan.at == frees and "budget" in plan.why


def test_the_vendors_count_slows_everyone_and_stops_off_call_apps_near_its_limit() -> None:
    # Freshdesk's X-RateLimit-Remaining / X-RateLimit-Total (https://developers.freshdesk.com/api/#ratelimit)
    assert gap(PollState(primary=True, vendor_remaining=2500, vendor_total=3000)) == 60.0
    assert gap(PollState(primary=True, vendor_remaining=500, vendor_total=3000)) == 120.0  # < 20 % left
    assert gap(PollState(vendor_remaining=500, vendor_total=3000)) == 3600.0  # off call: ×4
    reset = NOW + timedelta(minutes=90)
    low = PollState(vendor_remaining=100, vendor_total=3000, vendor_resets_at=reset)
    assert plan_next(low, S, NOW).at == reset  # < 5 %: off call waits for the reset
    assert gap(PollState(primary=True, vendor_remaining=100, vendor_total=3000, vendor_resets_at=reset)) == 120.0


def test_retry_after_is_never_undercut() -> None:
    # Jira Cloud and HaloPSA/ConnectWise/Autotask: 429 + Retry-After
    # (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/)
    until = NOW + timedelta(seconds=300)
    assert plan_next(PollState(primary=True, retry_after_until=until), S, NOW).at == until


def test_failures_back_off_from_the_gap_as_before() -> None:
    assert [failure_delay(60, n) for n in range(6)] == [60, 30, 60, 120, 240, 480]
    assert failure_delay(60, 12) == 600
    assert failure_delay(3600, 12) == 3600  # a gap longer than the cap is kept
    assert gap(PollState(primary=True, failures=2)) == 60.0

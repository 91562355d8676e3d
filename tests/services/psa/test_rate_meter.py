"""The request meter: the app's own count over an hour and the vendor's limit headers.

Header names as documented: Freshdesk "Rate Limit" (https://developers.freshdesk.com/api/#ratelimit:
X-RateLimit-Total, X-RateLimit-Remaining, X-RateLimit-Used-CurrentRequest, Retry-After on 429);
Jira Cloud "Rate limiting" (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/:
X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset as an ISO 8601 instant, Retry-After).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.psa.rate_meter import RateMeter

START = datetime(2026, 1, 6, 2, 0, 30, tzinfo=UTC)


def test_requests_count_for_an_hour_then_age_out() -> None:
    clock = FakeClock(START)
    meter = RateMeter(clock.now)
    for _ in range(3):
        meter.sent()
    clock.advance(minutes=30)
    meter.sent()
    usage = meter.usage()
    assert usage.used_last_hour == 4
    assert usage.window_frees_at == datetime(2026, 1, 6, 3, 1, tzinfo=UTC)  # the first minute's hour is over
    clock.advance(minutes=31)
    assert meter.usage().used_last_hour == 1


def test_freshdesk_headers_give_the_vendors_count_and_a_429_its_wait() -> None:
    clock = FakeClock(START)
    meter = RateMeter(clock.now)
    meter.observe(200, {"X-RateLimit-Total": "3000", "X-RateLimit-Remaining": "2890",
                        "X-RateLimit-Used-CurrentRequest": "1"})
    assert (meter.usage().vendor_remaining, meter.usage().vendor_total) == (2890, 3000)
    meter.observe(429, {"Retry-After": "120", "X-RateLimit-Total": "3000", "X-RateLimit-Remaining": "0"})
    usage = meter.usage()
    assert usage.retry_after_until == START + timedelta(seconds=120) and usage.throttled_last_hour == 1
    assert usage.line(120) == ("0 of 120 requests in the last hour; the ticket system reports 0 of 3000 left; "
                               "throttled 1× (HTTP 429)")


def test_jira_headers_and_their_reset_instant() -> None:
    meter = RateMeter(FakeClock(START).now)
    meter.observe(200, {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "7",
                        "x-ratelimit-reset": "2026-01-06T02:05Z"})
    usage = meter.usage()
    assert (usage.vendor_remaining, usage.vendor_total) == (7, 100)
    assert usage.vendor_resets_at == datetime(2026, 1, 6, 2, 5, tzinfo=UTC)


def test_no_headers_and_garbage_headers_change_nothing() -> None:
    meter = RateMeter(FakeClock(START).now)
    meter.observe(200, {"X-RateLimit-Remaining": "lots", "Retry-After": "soon"})
    usage = meter.usage()
    assert (usage.vendor_remaining, usage.retry_after_until, usage.throttled_last_hour) == (None, None, 0)


def test_the_count_survives_a_restart_through_its_json() -> None:
    clock = FakeClock(START)
    meter = RateMeter(clock.now)
    meter.sent()
    meter.observe(200, {"X-RateLimit-Total": "5000", "X-RateLimit-Remaining": "4000"})
    again = RateMeter(clock.now)
    again.load(meter.to_json())
    assert again.usage() == meter.usage()
    again.load("not a dict")  # an unreadable setting is ignored
    assert again.usage() == meter.usage()

"""Subscribed calendar links refresh on their own from the poll, against a real server on 127.0.0.1.

The feed is the project's PagerDuty-shaped fixture (tests/core/rotation/data, sources named in
tests/core/rotation/test_rotation_feeds.py); the server is pytest-httpserver's, answering as a
feed server does: ETag and Last-Modified, 304 for an unchanged calendar, 503 when it is down.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from oncall_desktop.core.rotation.model import RotationError
from oncall_desktop.services.rotation.feed_refresh import REFRESH_SETTING, check_refresh_minutes, refresh_minutes
from oncall_desktop.services.rotation.service import RotationService

UTC = timezone.utc
FEED = (Path(__file__).parents[2] / "core" / "rotation" / "data" / "pagerduty_schedule.ics").read_bytes()
STAMP = "Tue, 24 Nov 2026 08:00:00 GMT"


def on_call(ws, at=datetime(2026, 11, 26, tzinfo=UTC)) -> str | None:
    return ws.rotation.show("Primary", at)["on_call"]


def serve(httpserver, body: bytes = FEED, etag: str = '"v1"', status: int = 200) -> None:
    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data(
        body, status=status, content_type="text/calendar; charset=utf-8",
        headers={"ETag": etag, "Last-Modified": STAMP} if status == 200 else {})


def test_the_poll_refreshes_a_link_when_it_is_due(workspace, httpserver, fake_clock) -> None:
    serve(httpserver)
    url = httpserver.url_for("/feed")
    workspace.rotation.import_ics(url, "Primary")
    assert on_call(workspace) == "Priya Raman"
    fake_clock.advance(minutes=30)
    workspace.poll()
    assert len(httpserver.log) == 1  # not due yet (every 60 minutes by default)

    swapped = FEED.replace(b"UID:Q0K7V2M4X8D1AE\r\nURL:https://msp-example.pagerduty.com/schedules#P7Q2R9T\r\n"
                           b"SUMMARY:On Call - Priya Raman", b"UID:Q0K7V2M4X8D1AE\r\n"
                           b"URL:https://msp-example.pagerduty.com/schedules#P7Q2R9T\r\nSUMMARY:On Call - Tom\xc3\xa1s "
                           b"Herrera")
    serve(httpserver, swapped, '"v2"')
    fake_clock.advance(minutes=31)
    workspace.poll()
    request = httpserver.log[-1][0]
    assert request.headers["If-None-Match"] == '"v1"' and request.headers["If-Modified-Since"] == STAMP
    assert on_call(workspace) == "Tomás Herrera"
    status = workspace.rotation.feed_statuses()[0]
    assert (status.host, status.problem, status.checked_at) == ("localhost", "", "2026-11-25T23:11:00Z")
    assert status.next_at == "2026-11-26T00:11:00Z"
    assert workspace.store.events(kind="rotation.imported")[-1]["data"]["by"] == "refresh"


def test_a_failed_refresh_keeps_the_copy_and_says_why(workspace, httpserver, fake_clock) -> None:
    serve(httpserver)
    workspace.rotation.import_ics(httpserver.url_for("/feed"), "Primary")
    first = workspace.rotation.feed_statuses()[0]
    serve(httpserver, b"down for maintenance", status=503)
    fake_clock.advance(minutes=61)
    tried = workspace.rotation.refresh_feeds()
    assert on_call(workspace) == "Priya Raman"  # the last good copy still answers
    assert tried[0].problem == ("the calendar server answered HTTP 503; using the copy from 2026-11-25T22:10:00Z")
    assert tried[0].fetched_at == first.fetched_at == "2026-11-25T22:10:00Z"  # the copy is as old as it was
    assert tried[0].next_at == "2026-11-25T23:21:00Z"  # a failure is tried again after 10 minutes

    serve(httpserver, b"gone", status=404)
    fake_clock.advance(minutes=11)
    before = workspace.rotation.schedule("Primary")
    tried = workspace.rotation.refresh_feeds()
    assert "HTTP 404 (the link may have expired" in tried[0].problem
    assert workspace.rotation.schedule("Primary") == before
    assert workspace.store.events(kind="rotation.refresh_failed")[-1]["data"]["problem"] == tried[0].problem

    serve(httpserver)
    fake_clock.advance(minutes=11)
    assert workspace.rotation.refresh_feeds()[0].problem == ""  # and it heals by itself


def test_the_offline_copy_keeps_its_own_date(workspace, httpserver, fake_clock) -> None:
    """An import that fell back to the offline copy must not date the copy as fresh."""
    serve(httpserver)
    url = httpserver.url_for("/feed")
    workspace.rotation.import_ics(url, "Primary")
    fake_clock.advance(hours=5)

    def offline(*args, **kwargs):
        raise requests.ConnectionError("network is unreachable")

    cut_off = RotationService(workspace.store, workspace.directory_service, workspace.clock, http_get=offline)
    cut_off.import_ics(url, "Primary")
    fake_clock.advance(hours=5)
    again = cut_off.import_ics(url, "Primary")
    assert again.note == ("could not reach the calendar (ConnectionError); using the copy from 2026-11-25T22:10:00Z")
    assert workspace.rotation.feed_statuses()[0].problem == again.note


def test_the_download_waits_off_the_store_thread(workspace, httpserver, fake_clock) -> None:
    serve(httpserver)
    workspace.rotation.import_ics(httpserver.url_for("/feed"), "Primary")
    fake_clock.advance(minutes=61)
    inside = threading.local()
    seen: list[bool] = []

    def on_store(fn):
        inside.now = True
        try:
            return fn()
        finally:
            inside.now = False

    def get(*args, **kwargs):
        seen.append(getattr(inside, "now", False))
        return requests.get(*args, **kwargs)

    rotation = RotationService(workspace.store, workspace.directory_service, workspace.clock, http_get=get)
    assert rotation.refresh_feeds(on_store=on_store)[0].problem == ""
    assert seen == [False]


def test_files_are_not_refreshed_and_zero_turns_it_off(workspace, httpserver, fake_clock, tmp_path) -> None:
    path = tmp_path / "pd.ics"
    path.write_bytes(FEED)
    workspace.rotation.import_ics(str(path), "Primary")
    serve(httpserver)
    workspace.rotation.import_ics(httpserver.url_for("/feed"), "Secondary")
    assert [s.schedule for s in workspace.rotation.feed_statuses()] == ["Secondary"]
    workspace.store.set_setting(REFRESH_SETTING, 0)
    fake_clock.advance(days=2)
    assert workspace.rotation.refresh_feeds() == [] and len(httpserver.log) == 1
    assert workspace.rotation.feed_statuses()[0].next_at == ""
    assert [s.schedule for s in workspace.rotation.refresh_feeds(force=True)] == ["Secondary"]


@pytest.mark.parametrize("value, minutes", [("30", 30), (" 0 ", 0), (1440, 1440)])
def test_interval_values(value, minutes) -> None:
    assert check_refresh_minutes(value) == minutes


@pytest.mark.parametrize("value, message", [("2", "0 \\(never\\) or 5 to 1440"), ("hourly", "whole number")])
def test_interval_refusals(value, message) -> None:
    with pytest.raises(RotationError, match=message):
        check_refresh_minutes(value)


def test_a_damaged_interval_reads_as_the_default(workspace) -> None:
    workspace.store.set_setting(REFRESH_SETTING, "soon")
    assert refresh_minutes(workspace.store) == 60
    workspace.store.set_setting(REFRESH_SETTING, 3)
    assert refresh_minutes(workspace.store) == 60
    assert timedelta(minutes=refresh_minutes(workspace.store)) == timedelta(hours=1)

"""The chime wakes the tech: on by default, again every 30 s while a page waits, quiet once acknowledged or snoozed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.services.app.preferences import Preferences
from oncall_desktop.services.paging.page_sound import ChimeRepeat
from tests.services.paging.test_pages import demo_workspace, open_p1

T0 = datetime(2026, 11, 25, 22, 10, tzinfo=timezone.utc)


def test_repeat_rule_rings_at_once_then_every_30_seconds_and_stops_when_nothing_waits() -> None:
    rule = ChimeRepeat()
    at = lambda s: T0 + timedelta(seconds=s)  # noqa: E731
    assert [rule.due(at(s), {1}) for s in (0, 1, 29)] == [True, False, False]
    assert rule.due(at(30), {1}) and not rule.due(at(31), {1})
    assert rule.due(at(35), {1, 2})  # a second page: at once
    assert not rule.due(at(36), set())  # acknowledged or snoozed: silent
    assert rule.due(at(40), {2})  # waiting again (a snooze ran out): at once


@pytest.fixture
def ws(workspace_dir, fake_clock, recorder):
    w = demo_workspace(workspace_dir, fake_clock, recorder)
    w.chimes = []
    w.clock_service.chime = lambda: w.chimes.append(w.clock.now())
    yield w
    w.close()


def _tick_for(ws, fake_clock, seconds: int) -> None:
    for _ in range(seconds):
        fake_clock.advance(seconds=1)
        ws.clock_service.tick()


def test_the_chime_is_on_by_default_and_repeats_until_acknowledged(ws, fake_clock) -> None:
    assert Preferences(ws).values()["sound"] is True
    page_id = open_p1(ws)
    ws.clock_service.tick()
    assert len(ws.chimes) == 1  # at the first tick after the page opened
    _tick_for(ws, fake_clock, 65)
    assert len(ws.chimes) == 3  # again at +30 s and +60 s
    ws.acknowledge(page_id)
    _tick_for(ws, fake_clock, 120)
    assert len(ws.chimes) == 3


def test_a_snooze_quiets_the_chime_until_it_runs_out(ws, fake_clock) -> None:
    page_id = open_p1(ws)
    ws.clock_service.tick()
    ws.snooze(page_id, 5)
    _tick_for(ws, fake_clock, 5 * 60 - 1)
    assert len(ws.chimes) == 1
    _tick_for(ws, fake_clock, 2)  # the snooze is over and the page still waits
    assert len(ws.chimes) == 2


def test_settings_can_turn_the_chime_off(ws, fake_clock) -> None:
    ws.store.set_setting("sound", False)
    open_p1(ws)
    _tick_for(ws, fake_clock, 90)
    assert ws.chimes == []


def test_no_chime_for_a_page_waiting_on_someone_else(ws, fake_clock) -> None:
    ws.store.set_setting("me", "Erin Walsh")  # the lead; the page waits on Ana (level 1)
    open_p1(ws)
    _tick_for(ws, fake_clock, 40)
    assert ws.chimes == []

"""The demo/test clock: ONCALL_FAKE_NOW and ONCALL_CLOCK_OFFSET (oncall_desktop.core.time.clock).

Why it matters: the night-call e2e test and demos run the real app "at
23:10"; a clock that drifted, jumped or accepted nonsense would bill the
wrong minutes or page at the wrong hour.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.time.clock import FakeClock, OffsetClock, clock_from_environ

REAL = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)
NIGHT = datetime(2026, 11, 25, 23, 10, tzinfo=timezone.utc)


def test_nothing_set_means_the_real_clock() -> None:
    assert clock_from_environ({}) is None
    assert clock_from_environ({"ONCALL_FAKE_NOW": "  ", "ONCALL_CLOCK_OFFSET": ""}) is None


def test_fake_now_starts_there_and_runs_at_real_speed() -> None:
    real = FakeClock(REAL)
    clock = clock_from_environ({"ONCALL_FAKE_NOW": "2026-11-25T23:10:00Z"}, real)
    assert isinstance(clock, OffsetClock)
    assert clock.now() == NIGHT
    real.advance(minutes=38, seconds=5)
    assert clock.now() == NIGHT + timedelta(minutes=38, seconds=5)
    assert clock.monotonic() == real.monotonic()


def test_fake_now_with_an_offset_is_that_instant() -> None:
    clock = clock_from_environ({"ONCALL_FAKE_NOW": "2026-11-26T00:10:00+01:00"}, FakeClock(REAL))
    assert clock is not None and clock.now() == NIGHT


def test_offset_in_seconds_agrees_across_processes_started_at_different_times() -> None:
    first, later = FakeClock(REAL), FakeClock(REAL + timedelta(seconds=7))
    a = clock_from_environ({"ONCALL_CLOCK_OFFSET": "-6600"}, first)
    b = clock_from_environ({"ONCALL_CLOCK_OFFSET": "-6600"}, later)
    assert a is not None and b is not None
    assert a.now() == NIGHT and b.now() == NIGHT + timedelta(seconds=7)
    first.advance(seconds=7)
    assert a.now() == b.now()


@pytest.mark.parametrize(("environ", "words"), [
    ({"ONCALL_FAKE_NOW": "tonight"}, "ONCALL_FAKE_NOW: 'tonight' is not a date-time; use ISO 8601"),
    ({"ONCALL_CLOCK_OFFSET": "an hour"}, "ONCALL_CLOCK_OFFSET: 'an hour' is not a number of seconds"),
    ({"ONCALL_CLOCK_OFFSET": "nan"}, "is more than a century"),
    ({"ONCALL_CLOCK_OFFSET": "1e12"}, "is more than a century"),
    ({"ONCALL_FAKE_NOW": "2026-11-25T23:10:00Z", "ONCALL_CLOCK_OFFSET": "60"}, "not both"),
])
def test_bad_values_are_refused_in_words(environ: dict[str, str], words: str) -> None:
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        clock_from_environ(environ, FakeClock(REAL))


def test_the_tray_app_refuses_a_bad_clock_before_starting(tmp_path, monkeypatch, capsys) -> None:
    from oncall_desktop.ui.app import run

    monkeypatch.setenv("ONCALL_FAKE_NOW", "half past eleven")
    assert run(tmp_path / "ws") == 2
    assert "ONCALL_FAKE_NOW: 'half past eleven' is not a date-time" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()  # nothing was opened

"""Invariants of the final schedule over random schedules (hypothesis)."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall_desktop.core.rotation.compute import next_shift_for, on_call, shifts
from oncall_desktop.core.rotation.model import Layer, Override, Restriction, Schedule, TurnLength

UTC = timezone.utc
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe"]
PEOPLE = ["Ana", "Ben", "Cem", "Dan", "Eva"]
BASE = datetime(2026, 1, 1, tzinfo=UTC)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

instants = st.integers(0, 330 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
turns = st.one_of(st.integers(1, 14).map(lambda d: TurnLength(days=d)),
                  st.integers(1, 72).map(lambda h: TurnLength(hours=h)))
clock_times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
restrictions = st.one_of(
    st.builds(Restriction, clock_times, st.integers(1, 24 * 60)),
    st.builds(Restriction, clock_times, st.integers(1, 7 * 24 * 60), st.integers(1, 7)),
)


@st.composite
def layers(draw: st.DrawFn, index: int, restricted: bool) -> Layer:
    return Layer(f"L{index}", draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4)), draw(instants),
                 draw(turns), draw(st.none() | clock_times),
                 tuple(draw(st.lists(restrictions, max_size=2))) if restricted else ())


@st.composite
def overrides(draw: st.DrawFn) -> Override:
    start = draw(instants)
    return Override(draw(st.sampled_from(PEOPLE + ["Sub"])), start, start + timedelta(minutes=draw(st.integers(1, 9000))))


@st.composite
def schedules(draw: st.DrawFn, restricted: bool = True) -> Schedule:
    count = draw(st.integers(1, 3))
    return Schedule("P", draw(st.sampled_from(ZONES)), tuple(draw(layers(i, restricted)) for i in range(count)),
                    tuple(draw(st.lists(overrides(), max_size=4))))


@st.composite
def periods(draw: st.DrawFn) -> tuple[datetime, datetime]:
    start = draw(instants)
    return start, start + timedelta(minutes=draw(st.integers(1, 40 * 24 * 60)))


@FAST
@given(schedules(), periods())
def test_shifts_are_ordered_disjoint_clipped_and_merged(schedule: Schedule, period: tuple[datetime, datetime]) -> None:
    a, b = period
    got = shifts(schedule, a, b)
    for x in got:
        assert a <= x.start < x.end <= b
    for x, y in pairwise(got):
        assert x.end <= y.start
        assert not (x.end == y.start and x.person == y.person and x.override == y.override)


@FAST
@given(schedules(restricted=False), periods())
def test_unrestricted_layers_cover_the_whole_period(schedule: Schedule, period: tuple[datetime, datetime]) -> None:
    a, b = period
    earliest = min(layer.start for layer in schedule.layers)
    a = max(a, earliest)
    b = max(b, a + timedelta(hours=1))
    got = shifts(schedule, a, b)
    assert got[0].start == a and got[-1].end == b
    assert all(x.end == y.start for x, y in pairwise(got))


@FAST
@given(schedules(), st.data())
def test_overrides_always_win(schedule: Schedule, data: st.DataObject) -> None:
    if not schedule.overrides:
        schedule = schedule.with_override(Override("Sub", BASE + timedelta(days=40), BASE + timedelta(days=41)))
    chosen = data.draw(st.sampled_from(schedule.overrides))
    offset = data.draw(st.floats(0, 0.999))
    at = chosen.start + (chosen.end - chosen.start) * offset
    expected = [o for o in schedule.overrides if o.start <= at < o.end][-1]
    shift = on_call(schedule, at)
    assert shift is not None and shift.override and shift.person == expected.person
    assert shift.start <= at < shift.end


@FAST
@given(schedules(), periods(), st.data())
def test_on_call_agrees_with_the_timeline(schedule: Schedule, period: tuple[datetime, datetime],
                                          data: st.DataObject) -> None:
    a, b = period
    timeline = shifts(schedule, a, b)
    at = a + (b - a) * data.draw(st.floats(0, 0.999))
    piece = next((x for x in timeline if x.start <= at < x.end), None)
    shift = on_call(schedule, at)
    if piece is None:
        assert shift is None
    else:
        assert shift is not None and (shift.person, shift.override) == (piece.person, piece.override)
        assert shift.start <= piece.start and piece.end <= shift.end


@FAST
@given(schedules(), periods(), st.sampled_from(PEOPLE))
def test_next_shift_for_finds_the_first_later_shift(schedule: Schedule, period: tuple[datetime, datetime],
                                                     person: str) -> None:
    a, b = period
    later = [x for x in shifts(schedule, a, b) if x.person == person and x.start > a]
    found = next_shift_for(schedule, person, a)
    if later:
        assert found is not None and found.start == later[0].start and found.person == person


@FAST
@given(schedules())
def test_dict_round_trip(schedule: Schedule) -> None:
    assert Schedule.from_dict(schedule.to_dict()) == schedule

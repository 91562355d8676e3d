"""Behaviour of the rotation core: stacking, overrides, DST, follow-the-sun, swaps, fairness."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from oncall_desktop.core.rotation.compute import (
    backup_for,
    escalation_chain,
    next_on_call,
    next_shift_for,
    on_call,
    shifts,
)
from oncall_desktop.core.rotation.fairness import fairness, fairness_csv
from oncall_desktop.core.rotation.model import (
    Layer,
    Override,
    Restriction,
    RotationError,
    Schedule,
    Shift,
    TurnLength,
)
from oncall_desktop.core.rotation.swaps import SwapProposal, accept_swap, propose_swap, swap_accepted_event

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def daily(zone: str, members: list[str], start: datetime, **kw: object) -> Schedule:
    return Schedule("Primary", zone, (Layer("Day", members, start, "daily", time(9, 0), **kw),))


def who(schedule: Schedule, at: datetime) -> str | None:
    shift = on_call(schedule, at)
    return shift.person if shift else None


# ----------------------------------------------------------------- basic turns


def test_members_take_daily_turns_in_order_from_start() -> None:
    s = daily("Europe/Berlin", ["Ana", "Ben", "Cem"], local("Europe/Berlin", 2026, 1, 5, 9))
    got = [(x.person, x.start.astimezone(BERLIN).day) for x in
           shifts(s, local("Europe/Berlin", 2026, 1, 5, 9), local("Europe/Berlin", 2026, 1, 9, 9))]
    assert got == [("Ana", 5), ("Ben", 6), ("Cem", 7), ("Ana", 8)]
    assert who(s, local("Europe/Berlin", 2026, 1, 6, 8, 59)) == "Ana"
    assert who(s, local("Europe/Berlin", 2026, 1, 6, 9, 0)) == "Ben"
    assert who(s, local("Europe/Berlin", 2026, 1, 5, 8, 0)) is None  # before the layer starts


def test_start_before_handoff_gives_first_member_a_longer_first_turn() -> None:
    s = daily("Europe/Berlin", ["Ana", "Ben"], local("Europe/Berlin", 2026, 1, 5, 0))
    first = on_call(s, local("Europe/Berlin", 2026, 1, 5, 3))
    assert first is not None and first.person == "Ana"
    assert first.start == local("Europe/Berlin", 2026, 1, 5, 0)
    assert first.end == local("Europe/Berlin", 2026, 1, 6, 9)


def test_layer_end_stops_the_rotation() -> None:
    s = daily("UTC", ["Ana", "Ben"], local("UTC", 2026, 1, 5, 9), end=local("UTC", 2026, 1, 7, 12))
    assert [x.person for x in shifts(s, local("UTC", 2026, 1, 5), local("UTC", 2026, 1, 10))] == ["Ana", "Ben", "Ana"]
    assert who(s, local("UTC", 2026, 1, 7, 12)) is None


def test_single_member_layer_is_one_long_shift() -> None:
    s = daily("UTC", ["Solo"], local("UTC", 2026, 1, 5, 9))
    shift = on_call(s, local("UTC", 2026, 2, 1))
    assert shift is not None and shift.start == local("UTC", 2026, 1, 5, 9)
    assert shift.end - shift.start > timedelta(days=365)


# ----------------------------------------------------------------- DST


@pytest.mark.parametrize("zone, short_day, long_day", [
    ("Europe/Berlin", date(2026, 3, 28), date(2026, 10, 24)),
    ("America/New_York", date(2026, 3, 7), date(2026, 10, 31)),
    ("Australia/Sydney", date(2026, 10, 3), date(2026, 4, 4)),
])
def test_daily_handoff_stays_at_nine_local_across_dst(zone: str, short_day: date, long_day: date) -> None:
    tz = ZoneInfo(zone)
    s = daily(zone, ["Ana", "Ben", "Cem"], local(zone, 2026, 1, 1, 9))
    for day, hours in ((short_day, 23), (long_day, 25)):
        a = datetime.combine(day, time(0), tz)
        span = shifts(s, a, a + timedelta(days=3))
        inner = span[1:-1]
        assert all(x.start.astimezone(tz).time() == time(9) for x in inner)
        assert inner[0].start.astimezone(tz).date() == day
        assert inner[0].duration == timedelta(hours=hours)
        assert inner[1].duration == timedelta(hours=24)


def test_weekly_turn_spanning_dst_lasts_167_hours() -> None:
    s = Schedule("P", "Europe/Berlin", (Layer("W", ["Ana", "Ben"], local("Europe/Berlin", 2026, 3, 23, 9), "weekly"),))
    shift = on_call(s, local("Europe/Berlin", 2026, 3, 25))
    assert shift is not None and shift.duration == timedelta(hours=167)
    assert shift.end.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 30, 9)


def test_hour_turns_are_real_elapsed_hours_and_drift_in_local_time() -> None:
    s = Schedule("P", "Europe/Berlin", (Layer("H", ["Ana", "Ben"], local("Europe/Berlin", 2026, 3, 28, 9), "12h"),))
    span = shifts(s, local("Europe/Berlin", 2026, 3, 28, 9), local("Europe/Berlin", 2026, 3, 30, 9))
    assert all(x.duration == timedelta(hours=12) for x in span[:-1])
    assert span[2].start.astimezone(BERLIN).hour == 10  # 09:00 CET + 24 real hours = 10:00 CEST


# ----------------------------------------------------------------- stacking, restrictions, overrides


def test_upper_layer_wins_only_inside_its_restrictions() -> None:
    start = local("Europe/Berlin", 2026, 1, 5, 9)
    nights = Layer("Nights", ["Nia"], start, "weekly", restrictions=Restriction.on_days("weekdays", "17:30", "08:15"))
    s = Schedule("P", "Europe/Berlin", (Layer("Day", ["Ana", "Ben"], start, "weekly"), nights))
    assert who(s, local("Europe/Berlin", 2026, 1, 6, 12)) == "Ana"
    assert who(s, local("Europe/Berlin", 2026, 1, 6, 17, 30)) == "Nia"
    assert who(s, local("Europe/Berlin", 2026, 1, 7, 8, 14)) == "Nia"
    assert who(s, local("Europe/Berlin", 2026, 1, 7, 8, 15)) == "Ana"
    assert who(s, local("Europe/Berlin", 2026, 1, 10, 2)) == "Nia"  # Friday night runs into Saturday
    assert who(s, local("Europe/Berlin", 2026, 1, 10, 20)) == "Ana"  # no Saturday window
    night = on_call(s, local("Europe/Berlin", 2026, 1, 6, 20))
    assert night is not None and night.layer == "Nights" and not night.override


def test_weekend_only_layer() -> None:
    start = local("UTC", 2026, 1, 5, 9)
    weekend = Layer("Weekend", ["Wes", "Wim"], start, "weekly", restrictions=[Restriction(time(0), 48 * 60, 6)])
    s = Schedule("P", "UTC", (Layer("Base", ["Ana"], start, "weekly"), weekend))
    assert who(s, local("UTC", 2026, 1, 9, 23, 59)) == "Ana"
    assert who(s, local("UTC", 2026, 1, 10, 0)) == "Wes"
    assert who(s, local("UTC", 2026, 1, 17, 12)) == "Wim"
    assert who(s, local("UTC", 2026, 1, 12, 0)) == "Ana"


def test_override_beats_all_layers_and_later_override_wins() -> None:
    start = local("UTC", 2026, 1, 5, 9)
    s = Schedule("P", "UTC", (Layer("Day", ["Ana", "Ben"], start, "daily"),
                              Layer("Top", ["Tom"], start, "daily", restrictions=[Restriction.daily("12:00", "14:00")])),
                 (Override("Ovi", local("UTC", 2026, 1, 5, 11), local("UTC", 2026, 1, 5, 15)),
                  Override("Una", local("UTC", 2026, 1, 5, 13), local("UTC", 2026, 1, 5, 14))))
    got = [(x.person, x.start.hour, x.end.hour, x.override) for x in
           shifts(s, local("UTC", 2026, 1, 5, 9), local("UTC", 2026, 1, 5, 18))]
    assert got == [("Ana", 9, 11, False), ("Ovi", 11, 13, True), ("Una", 13, 14, True), ("Ovi", 14, 15, True),
                   ("Ana", 15, 18, False)]


def test_adjacent_pieces_of_the_same_person_merge_across_layers() -> None:
    start = local("UTC", 2026, 1, 5, 0)
    s = Schedule("P", "UTC", (Layer("Day", ["Ana"], start, "daily", restrictions=[Restriction.daily("08:00", "20:00")]),
                              Layer("Night", ["Ana"], start, "daily", restrictions=[Restriction.daily("20:00", "08:00")])))
    span = shifts(s, local("UTC", 2026, 1, 5), local("UTC", 2026, 1, 8))
    assert span == [Shift("Ana", local("UTC", 2026, 1, 5), local("UTC", 2026, 1, 8), False, None)]


def test_follow_the_sun_covers_24h_and_nobody_works_their_own_night() -> None:
    start = local("UTC", 2026, 1, 5, 0)
    regions = {"EMEA": (["Eva", "Emil"], "08:00", "16:00", "Europe/Berlin"),
               "AMER": (["Ava", "Abe"], "16:00", "00:00", "America/New_York"),
               "APAC": (["Pia", "Pat"], "00:00", "08:00", "Australia/Sydney")}
    home = {m: zone for members, _, _, zone in regions.values() for m in members}
    layers = tuple(Layer(name, members, start, "weekly", restrictions=[Restriction.daily(a, b)])
                   for name, (members, a, b, _) in regions.items())
    s = Schedule("Global", "UTC", layers)
    a, b = local("UTC", 2026, 1, 5), local("UTC", 2026, 12, 28)  # across both DST seasons
    span = shifts(s, a, b)
    assert span[0].start == a and span[-1].end == b
    assert all(x.end == y.start for x, y in pairwise(span))
    for x in span:
        tz = ZoneInfo(home[x.person])
        t = x.start
        while t < x.end:
            assert 6 <= t.astimezone(tz).hour < 22, f"{x.person} works at night at {t.astimezone(tz)}"
            t += timedelta(minutes=30)


# ----------------------------------------------------------------- questions


def test_next_on_call_and_next_shift_for() -> None:
    s = daily("UTC", ["Ana", "Ben", "Cem"], local("UTC", 2026, 1, 5, 9))
    at = local("UTC", 2026, 1, 5, 12)
    nxt = next_on_call(s, at)
    assert nxt is not None and (nxt.person, nxt.start) == ("Ben", local("UTC", 2026, 1, 6, 9))
    mine = next_shift_for(s, "Ana", at)
    assert mine is not None and mine.start == local("UTC", 2026, 1, 8, 9)
    current = next_shift_for(s, "Ana", at, include_current=True)
    assert current is not None and current.start == local("UTC", 2026, 1, 5, 9)
    assert next_shift_for(s, "Nobody", at) is None


def test_next_shift_for_skips_turns_hidden_by_an_override_and_sees_far_turns() -> None:
    members = [f"P{i:03d}" for i in range(200)]
    s = Schedule("Big", "UTC", (Layer("W", members, local("UTC", 2026, 1, 5, 9), "weekly"),),
                 (Override("Sub", local("UTC", 2026, 1, 5, 9), local("UTC", 2026, 1, 19, 9)),))
    assert who(s, local("UTC", 2026, 1, 6)) == "Sub"
    again = next_shift_for(s, "P000", local("UTC", 2026, 1, 6))
    assert again is not None and again.start == local("UTC", 2026, 1, 5, 9) + timedelta(weeks=200)
    hidden = next_shift_for(s, "P001", local("UTC", 2026, 1, 6))
    assert hidden is not None and hidden.start == local("UTC", 2026, 1, 5, 9) + timedelta(weeks=201)
    p002 = next_shift_for(s, "P002", local("UTC", 2026, 1, 6))
    assert p002 is not None and p002.start == local("UTC", 2026, 1, 19, 9)


def test_backup_and_escalation_chain() -> None:
    start = local("UTC", 2026, 1, 5, 9)
    primary = Schedule("Primary", "UTC", (Layer("L", ["Ana", "Ben"], start, "daily"),), backup="Second", lead="Lea")
    second = Schedule("Second", "UTC", (Layer("L", ["Sam", "Sue"], start, "weekly"),))
    book = {"Primary": primary, "Second": second}
    at = local("UTC", 2026, 1, 6, 10)
    assert backup_for(book, primary, at) == "Sam"
    assert escalation_chain(book, primary, at) == ["Ben", "Sam", "Lea"]
    assert backup_for(book, second, at) is None
    with pytest.raises(RotationError, match="names backup schedule 'Second', which does not exist"):
        backup_for({"Primary": primary}, primary, at)


# ----------------------------------------------------------------- dict form and validation


def test_to_dict_from_dict_round_trip_is_plain_json() -> None:
    start = local("America/New_York", 2026, 1, 5, 9)
    s = Schedule("P", "America/New_York", (
        Layer("Day", ["Ana", "Ben"], start, TurnLength(days=7), time(9, 30),
              Restriction.on_days(["mon", "fri"], "08:05", "17:55"), local("America/New_York", 2027, 1, 1)),
        Layer("Hours", ["Cem"], start, "8h")),
        (Override("Ovi", start, start + timedelta(hours=3), "dentist"),), backup="B", lead="Lea")
    text = json.dumps(s.to_dict())
    assert Schedule.from_dict(json.loads(text)) == s
    for x in shifts(s, start, start + timedelta(days=9)):
        assert Shift.from_dict(json.loads(json.dumps(x.to_dict()))) == x


@pytest.mark.parametrize("change, message", [
    ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"layers": [{"name": "L", "members": [], "start": "2026-01-05T09:00:00Z", "turn_length": "daily"}]},
     "layer 1, 'members': layer 'L' has no members"),
    ({"layers": [{"name": "L", "members": ["a"], "start": "2026-01-05T09:00:00Z", "turn_length": "0h"}]},
     "'turn_length'.*more than zero"),
    ({"layers": [{"name": "L", "members": ["a"], "start": "soon", "turn_length": "1d"}]},
     "'start': 'soon' is not a date-time"),
    ({"layers": [{"name": "L", "members": ["a"], "start": "2026-01-05T09:00:00Z", "turn_length": "1d",
                  "restrictions": [{"days": ["mon", "funday"], "from": "09:00", "to": "17:00"}]}]},
     "restriction 1.*'funday' is not a weekday"),
    ({"layers": [{"name": "L", "members": ["a"], "start": "2026-01-05T09:00:00Z", "turn_length": "1d",
                  "handoff_time": "25:00"}]}, "'handoff_time'.*not a time of day"),
    ({"overrides": [{"person": "a", "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T08:00:00Z"}]},
     "override 1, 'end': override for a ends"),
    ({"colour": "red"}, "unknown key 'colour'"),
])
def test_from_dict_refuses_bad_input_with_readable_errors(change: dict[str, object], message: str) -> None:
    data: dict[str, object] = {"name": "P", "time_zone": "UTC"}
    data.update(change)
    with pytest.raises(RotationError, match=message):
        Schedule.from_dict(data)


def test_two_layers_with_one_name_are_refused() -> None:
    layer = Layer("L", ["a"], local("UTC", 2026, 1, 5), "daily")
    with pytest.raises(RotationError, match="two layers are called 'L'"):
        Schedule("P", "UTC", (layer, layer))


def test_turn_length_spellings() -> None:
    assert TurnLength.parse("weekly") == TurnLength(days=7)
    assert TurnLength.parse("2w") == TurnLength(days=14)
    assert TurnLength.parse("36h") == TurnLength(hours=36)
    with pytest.raises(RotationError):
        TurnLength.parse("-3d")


# ----------------------------------------------------------------- swaps


def swap_world() -> Schedule:
    return Schedule("P", "UTC", (Layer("L", ["Ana", "Ben"], local("UTC", 2026, 1, 5, 9), "weekly"),))


def test_swap_becomes_an_override_once_the_colleague_accepts() -> None:
    s, now = swap_world(), local("UTC", 2026, 1, 1)
    a, b = local("UTC", 2026, 1, 7, 18), local("UTC", 2026, 1, 8, 9)
    proposal = propose_swap(s, "Ana", "Cem", a, b, now)
    assert proposal.event()["kind"] == "rotation.swap_proposed"
    with pytest.raises(RotationError, match="only Cem can accept"):
        accept_swap(s, proposal, "Ben", now)
    after = accept_swap(s, proposal, "Cem", now + timedelta(hours=1))
    assert who(after, local("UTC", 2026, 1, 7, 20)) == "Cem"
    assert who(after, local("UTC", 2026, 1, 8, 9, 1)) == "Ana"
    assert on_call(after, a) == Shift("Cem", a, b, True, None)
    event = swap_accepted_event(proposal, "Cem", now)
    assert event["data"]["accepted_by"] == "Cem" and event["subject"] == "schedule:P"


def test_swap_must_lie_inside_the_proposers_own_shift() -> None:
    s, now = swap_world(), local("UTC", 2026, 1, 1)
    with pytest.raises(RotationError, match="Ana is not on call for all of.*Ben"):
        propose_swap(s, "Ana", "Cem", local("UTC", 2026, 1, 11), local("UTC", 2026, 1, 13), now)
    with pytest.raises(RotationError, match="already past"):
        propose_swap(s, "Ana", "Cem", local("UTC", 2026, 1, 6), local("UTC", 2026, 1, 7), local("UTC", 2026, 1, 6, 1))


def test_stale_swap_is_refused_and_nothing_changes() -> None:
    s, now = swap_world(), local("UTC", 2026, 1, 1)
    proposal = propose_swap(s, "Ana", "Cem", local("UTC", 2026, 1, 7), local("UTC", 2026, 1, 8), now)
    edited = s.with_override(Override("Dan", local("UTC", 2026, 1, 6), local("UTC", 2026, 1, 9)))
    with pytest.raises(RotationError, match="stale.*Dan"):
        accept_swap(edited, proposal, "Cem", now)
    assert SwapProposal.from_dict(proposal.to_dict()) == proposal


# ----------------------------------------------------------------- fairness


def test_fairness_counts_nights_weekends_and_holidays_in_local_time() -> None:
    # Ana: Fri 2026-01-02 09:00 → Mon 09:00 Berlin (72 h); Jan 2 marked as a holiday for the test.
    s = Schedule("P", "Europe/Berlin", (Layer("W", ["Ana", "Ben"], local("Europe/Berlin", 2026, 1, 2, 9), "3d"),))
    report = fairness(s, local("Europe/Berlin", 2026, 1, 2, 9), local("Europe/Berlin", 2026, 1, 5, 9),
                      holidays={date(2026, 1, 2)})
    ana = report.row("Ana")
    assert ana is not None and ana.shifts == 1
    assert ana.on_call == timedelta(hours=72)
    assert ana.night == timedelta(hours=3 * 8)      # three nights 22–06
    assert ana.weekend == timedelta(hours=48)       # all of Saturday and Sunday
    assert ana.holiday == timedelta(hours=15)       # Friday 09:00–24:00
    assert report.row("Ben") is None
    csv_text = fairness_csv(report)
    assert csv_text.splitlines()[1] == "P,Ana,2026-01-02T08:00:00Z,2026-01-05T08:00:00Z,Europe/Berlin,1,72.00,24.00,48.00,15.00"


def test_fairness_night_hours_are_true_length_on_dst_night() -> None:
    s = daily("Europe/Berlin", ["Ana"], local("Europe/Berlin", 2026, 3, 28, 9))
    report = fairness(s, local("Europe/Berlin", 2026, 3, 28, 9), local("Europe/Berlin", 2026, 3, 29, 9))
    ana = report.row("Ana")
    assert ana is not None and ana.on_call == timedelta(hours=23) and ana.night == timedelta(hours=7)

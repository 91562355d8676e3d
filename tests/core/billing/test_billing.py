"""Hand-checked tables for business hours, splitting and billing.

Every expected number below was worked out by hand from a wall clock and a
calendar; the comment on each row shows the arithmetic.  DST dates 2026:
New York springs forward Sun 8 Mar (02:00→03:00) and falls back Sun 1 Nov
(02:00→01:00); Berlin springs forward Sun 29 Mar (02:00→03:00) and falls back
Sun 25 Oct (03:00→02:00).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oncall_desktop.core.billing.billing import (
    DEFAULT_AGREEMENT,
    TIME_ENTRY_JSON_KEYS,
    Agreement,
    WorkSession,
    agreement_for,
    bill,
    check_agreements,
    round_minutes,
)
from oncall_desktop.core.billing.calendar_hours import (
    BillingError,
    Calendar,
    CalendarError,
    Closure,
    add_business_minutes,
    business_minutes_between,
    default_calendar,
    local_zone_name,
    split,
)

NYZ = ZoneInfo("America/New_York")
BEZ = ZoneInfo("Europe/Berlin")
NY = Calendar("America/New_York", holidays_country="US", holidays_subdivision="NY")
BERLIN = Calendar(
    "Europe/Berlin", holidays_country="DE", holidays_subdivision="BY",
    closures=(
        Closure(datetime(2026, 12, 24, 12), datetime(2026, 12, 25), "Christmas Eve afternoon", yearly=True),
        Closure.whole_days(date(2026, 8, 3), date(2026, 8, 7), "summer shutdown"),
    ),
)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NYZ)


def be(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEZ)


# --------------------------------------------------------------------------- split

SPLIT_CASES = [
    # id, calendar, start, end, in-hours, after-hours
    ("weekday evening", NY, ny(2026, 3, 10, 18, 0), ny(2026, 3, 10, 19, 38), 0, 98),
    ("straddles 17:00", NY, ny(2026, 3, 10, 16, 40), ny(2026, 3, 10, 17, 50), 20, 50),
    ("straddles 09:00", NY, ny(2026, 3, 10, 8, 50), ny(2026, 3, 10, 9, 10), 10, 10),
    # 22:30 → 00:00 is 90, 00:00 → 01:15 is 75
    ("overnight across midnight", NY, ny(2026, 3, 11, 22, 30), ny(2026, 3, 12, 1, 15), 0, 165),
    # 07:00 → 09:00 after (120), 09:00 → 10:00 in (60)
    ("night into the morning", NY, ny(2026, 3, 12, 7, 0), ny(2026, 3, 12, 10, 0), 60, 120),
    ("weekend", NY, ny(2026, 3, 14, 10, 0), ny(2026, 3, 14, 14, 0), 0, 240),
    # Fri 16→17 in (60) + Mon 09→10 in (60); Fri 16:00 → Mon 10:00 is 66 h = 3960
    ("friday to monday", NY, ny(2026, 3, 13, 16, 0), ny(2026, 3, 16, 10, 0), 120, 3840),
    # 4 July 2026 is a Saturday, observed on Friday 3 July
    ("public holiday (US observed)", NY, ny(2026, 7, 3, 10, 0), ny(2026, 7, 3, 11, 0), 0, 60),
    ("public holiday (Bavaria, Epiphany)", BERLIN, be(2026, 1, 6, 10, 0), be(2026, 1, 6, 12, 0), 0, 120),
    # 23:00 → 04:00 on the wall is 5 h, but 02:00–03:00 never happens: 4 h
    ("DST spring, New York", NY, ny(2026, 3, 7, 23, 0), ny(2026, 3, 8, 4, 0), 0, 240),
    # 23:00 → 04:00 on the wall, 01:00–02:00 happens twice: 6 h
    ("DST autumn, New York", NY, ny(2026, 10, 31, 23, 0), ny(2026, 11, 1, 4, 0), 0, 360),
    ("DST spring, Berlin", BERLIN, be(2026, 3, 29, 1, 0), be(2026, 3, 29, 4, 0), 0, 120),
    ("DST autumn, Berlin", BERLIN, be(2026, 10, 25, 1, 0), be(2026, 10, 25, 4, 0), 0, 240),
    # Fri 16:30 → Mon 09:30 is 65 wall hours + 1 repeated = 66 h = 3960; in: 30 + 30
    ("weekend across autumn DST, Berlin", BERLIN, be(2026, 10, 23, 16, 30), be(2026, 10, 26, 9, 30), 60, 3900),
    # Monday after spring-forward: hours are still 09:00–17:00 local
    ("first weekday after spring DST", NY, ny(2026, 3, 9, 8, 0), ny(2026, 3, 9, 10, 0), 60, 60),
    ("24 Dec afternoon closure", BERLIN, be(2026, 12, 24, 11, 0), be(2026, 12, 24, 13, 0), 60, 60),
    ("yearly closure repeats in 2027", BERLIN, be(2027, 12, 24, 11, 0), be(2027, 12, 24, 13, 0), 60, 60),
    ("whole-day closure range", BERLIN, be(2026, 8, 5, 10, 0), be(2026, 8, 5, 11, 0), 0, 60),
    ("zero length", NY, ny(2026, 3, 10, 12, 0), ny(2026, 3, 10, 12, 0), 0, 0),
]


@pytest.mark.parametrize("name,calendar,start,end,in_hours,after", SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_table(name: str, calendar: Calendar, start: datetime, end: datetime, in_hours: int,
                     after: int) -> None:
    result = split(start, end, calendar)
    assert (result.in_hours_minutes, result.after_hours_minutes) == (in_hours, after)
    # real elapsed time: subtract in UTC (same-zone subtraction in Python is wall-clock arithmetic)
    assert result.worked_minutes == int((end.astimezone(timezone.utc) - start.astimezone(timezone.utc))
                                        .total_seconds() // 60)
    assert sum(p.minutes for p in result.pieces) == result.worked_minutes
    for left, right in pairwise(result.pieces):
        assert left.end == right.start and left.in_hours != right.in_hours


def test_split_pieces_are_the_wall_clock_boundaries() -> None:
    result = split(ny(2026, 3, 10, 16, 40), ny(2026, 3, 10, 17, 50), NY)
    assert [(p.start.astimezone(NYZ).strftime("%H:%M"), p.end.astimezone(NYZ).strftime("%H:%M"), p.in_hours)
            for p in result.pieces] == [("16:40", "17:00", True), ("17:00", "17:50", False)]


def test_seconds_round_to_the_nearest_minute_half_up() -> None:
    assert split(ny(2026, 3, 10, 18, 0, 0), ny(2026, 3, 10, 18, 37, 30), NY).after_hours_minutes == 38
    assert split(ny(2026, 3, 10, 18, 0, 0), ny(2026, 3, 10, 18, 37, 29), NY).after_hours_minutes == 37


def test_split_names_the_special_days_it_touches() -> None:
    assert split(ny(2026, 7, 3, 10), ny(2026, 7, 3, 11), NY).notes == ("public holiday: Independence Day (observed)",)
    assert split(ny(2026, 3, 14, 10), ny(2026, 3, 14, 11), NY).notes == ("weekend",)
    assert split(be(2026, 12, 24, 13), be(2026, 12, 24, 14), BERLIN).notes == ("closure: Christmas Eve afternoon",)


def test_split_refuses_an_end_before_the_start() -> None:
    with pytest.raises(BillingError, match="before it starts"):
        split(ny(2026, 3, 10, 19), ny(2026, 3, 10, 18), NY)


def test_naive_instants_are_utc_as_everywhere_in_the_project() -> None:
    # 21:00Z = 17:00 EDT on 10 March 2026
    result = split(datetime(2026, 3, 10, 20, 30), datetime(2026, 3, 10, 21, 30), NY)
    assert (result.in_hours_minutes, result.after_hours_minutes) == (30, 30)


# --------------------------------------------------------------------------- business-hours helpers

def test_business_minutes_between_skips_nights_weekends_and_holidays() -> None:
    assert business_minutes_between(ny(2026, 3, 13, 16), ny(2026, 3, 16, 10), NY) == 120
    # Thu 2 Jul 16:00 → Mon 6 Jul 10:00: Thu 60 + (Fri 3 Jul holiday) + Mon 60
    assert business_minutes_between(ny(2026, 7, 2, 16), ny(2026, 7, 6, 10), NY) == 120
    assert business_minutes_between(ny(2026, 7, 6, 10), ny(2026, 7, 2, 16), NY) == -120


def test_business_minutes_between_counts_whole_minutes_only() -> None:
    assert business_minutes_between(ny(2026, 3, 10, 10, 0, 0), ny(2026, 3, 10, 10, 0, 59), NY) == 0


def test_add_business_minutes() -> None:
    assert add_business_minutes(ny(2026, 3, 13, 16, 30), 60, NY) == ny(2026, 3, 16, 9, 30)
    assert add_business_minutes(ny(2026, 7, 2, 16, 30), 60, NY) == ny(2026, 7, 6, 9, 30)
    assert add_business_minutes(ny(2026, 3, 16, 16, 0), 60, NY) == ny(2026, 3, 16, 17, 0)  # closing time
    assert add_business_minutes(ny(2026, 3, 14, 3, 0), 0, NY) == ny(2026, 3, 14, 3, 0)
    assert add_business_minutes(ny(2026, 3, 14, 3, 0), 1, NY) == ny(2026, 3, 16, 9, 1)
    assert add_business_minutes(ny(2026, 3, 16, 9, 0), 8 * 60 * 5, NY) == ny(2026, 3, 20, 17, 0)


def test_add_business_minutes_refuses_negative_and_never_open_calendars() -> None:
    with pytest.raises(BillingError, match="≥ 0"):
        add_business_minutes(ny(2026, 3, 16, 9), -5, NY)
    with pytest.raises(CalendarError, match="no business hours"):
        add_business_minutes(ny(2026, 3, 16, 9), 5, Calendar("UTC", weekly_hours={}))


@settings(max_examples=150, deadline=None)
@given(offset=st.integers(min_value=0, max_value=2 * 365 * 24 * 60), minutes=st.integers(min_value=0, max_value=20_000))
def test_add_and_between_are_inverse(offset: int, minutes: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=offset)
    assert business_minutes_between(start, add_business_minutes(start, minutes, BERLIN), BERLIN) == minutes


# --------------------------------------------------------------------------- calendars and zones

def test_calendar_errors_say_what_to_write() -> None:
    with pytest.raises(CalendarError, match="did you mean 'Europe/Berlin'"):
        Calendar("Europe/Berln")
    with pytest.raises(CalendarError, match="ISO 3166"):
        Calendar("UTC", holidays_country="XX")
    with pytest.raises(CalendarError, match="choose one of: .*NY"):
        Calendar("UTC", holidays_country="US", holidays_subdivision="ZZ")
    with pytest.raises(CalendarError, match="split an overnight window"):
        Calendar("UTC", weekly_hours={0: [(22 * 60, 6 * 60)]})
    with pytest.raises(CalendarError, match="local time without an offset"):
        Closure(datetime(2026, 12, 24, 12, tzinfo=timezone.utc), datetime(2026, 12, 25, tzinfo=timezone.utc))


def test_midnight_end_and_default_calendar() -> None:
    late = Calendar("UTC", weekly_hours={0: [(17 * 60, 0)]})  # Monday 17:00 until midnight
    assert late.open_windows(date(2026, 3, 16)) == ((1020, 1440),)
    office = default_calendar("Europe/Berlin")
    assert office.time_zone == "Europe/Berlin" and office.open_windows(date(2026, 3, 16)) == ((540, 1020),)
    assert office.open_windows(date(2026, 3, 14)) == ()


def test_local_zone_name_honours_tz_then_localtime_then_utc() -> None:
    no_link = lambda: None  # noqa: E731
    assert local_zone_name({"TZ": "Europe/Berlin"}, no_link) == "Europe/Berlin"
    assert local_zone_name({"TZ": ":/usr/share/zoneinfo/America/Chicago"}, no_link) == "America/Chicago"
    assert local_zone_name({"TZ": ""}, no_link) == "UTC"
    assert local_zone_name({}, lambda: "/usr/share/zoneinfo/Asia/Tokyo") == "Asia/Tokyo"
    assert local_zone_name({}, lambda: "/etc/localtime") == "UTC"
    assert local_zone_name({}, no_link) == "UTC"
    with pytest.raises(CalendarError, match="TZ environment variable"):
        local_zone_name({"TZ": "Mars/Olympus"}, no_link)


# --------------------------------------------------------------------------- agreements

STANDARD = Agreement("standard", date(2020, 1, 1))


@pytest.mark.parametrize("minutes,increment,mode,expected", [
    (38, 15, "up", 45), (45, 15, "up", 45), (38, 15, "down", 30), (37, 15, "nearest", 30),
    (38, 15, "nearest", 45), (45, 30, "nearest", 60), (38, 0, "up", 38), (38, 1, "down", 38),
])
def test_round_minutes(minutes: int, increment: int, mode: str, expected: int) -> None:
    assert round_minutes(minutes, increment, mode) == expected


def test_agreement_in_force_on_a_date_and_overlaps_refused() -> None:
    old = Agreement("2025 terms", date(2025, 1, 1), date(2026, 3, 14))
    new = Agreement("2026 terms", date(2026, 3, 15), multiplier=1.5)
    assert agreement_for([old, new], date(2026, 3, 14)) is old
    assert agreement_for([old, new], date(2026, 3, 15)) is new
    assert agreement_for([old, new], date(2024, 12, 31)) is DEFAULT_AGREEMENT
    with pytest.raises(BillingError, match="set effective_to of '2025 terms' to 2026-03-14"):
        check_agreements([Agreement("2025 terms", date(2025, 1, 1)), new])


@pytest.mark.parametrize("kwargs,message", [
    ({"rounding": "upward"}, "rounding must be one of up, down, nearest"),
    ({"multiplier": 0}, "multiplier must be a number above 0"),
    ({"minimum_minutes": -1}, "minimum_minutes must be whole minutes"),
    ({"effective_to": date(2019, 1, 1)}, "is before effective_from"),
    ({"normal_rate_cents": 150.5}, "whole cents per hour"),
])
def test_agreement_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(BillingError, match=message):
        Agreement("bad", date(2020, 1, 1), **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bill

def one(start: datetime, end: datetime, *, flag: str | None = None, ticket: str = "T1",
        agreements: tuple[Agreement, ...] = (STANDARD,), calendar: Calendar = NY) -> list[tuple]:
    entries = bill([WorkSession(ticket, "acme", start, end, flag)], agreements, calendar)
    return [(e.worked_minutes, e.billable_minutes, e.multiplier, e.rate_class, e.reasons) for e in entries]


BILL_CASES = [
    # id, start, end, agreement overrides, flag, expected [(worked, billable, multiplier, rate class, reasons)]
    ("38 min weekday evening: round then minimum", ny(2026, 3, 10, 19, 0), ny(2026, 3, 10, 19, 38), {}, None,
     [(38, 60, 2.0, "after_hours", ["rounded 38 → 45", "minimum call-out 60"])]),
    ("70 min: rounding only, above the minimum", ny(2026, 3, 10, 19, 0), ny(2026, 3, 10, 20, 10), {}, None,
     [(70, 75, 2.0, "after_hours", ["rounded 70 → 75"])]),
    ("exactly the minimum: no adjustment", ny(2026, 3, 10, 19, 0), ny(2026, 3, 10, 20, 0), {}, None,
     [(60, 60, 2.0, "after_hours", [])]),
    ("minimum not a multiple of the increment", ny(2026, 3, 10, 19, 0), ny(2026, 3, 10, 19, 38),
     {"minimum_minutes": 50}, None, [(38, 50, 2.0, "after_hours", ["rounded 38 → 45", "minimum call-out 50"])]),
    ("round down, no minimum", ny(2026, 3, 10, 19, 0), ny(2026, 3, 10, 19, 38),
     {"rounding": "down", "minimum_minutes": 0}, None, [(38, 30, 2.0, "after_hours", ["rounded 38 → 30"])]),
    ("no rounding increment", ny(2026, 3, 10, 19, 0), ny(2026, 3, 10, 20, 7),
     {"rounding_increment": 0}, None, [(67, 67, 2.0, "after_hours", [])]),
    ("NO CHARGE flag", ny(2026, 3, 14, 10, 0), ny(2026, 3, 14, 12, 0), {}, "NO CHARGE",
     [(120, 0, 1.0, "no_charge", ["NO CHARGE flag on ticket"])]),
    ("REGULAR CHARGE flag on a Saturday", ny(2026, 3, 14, 10, 0), ny(2026, 3, 14, 10, 38), {}, "regular-charge",
     [(38, 45, 1.0, "normal", ["REGULAR CHARGE flag on ticket: normal rate, no call-out minimum",
                               "rounded 38 → 45"])]),
    ("in-hours only: normal rate, no minimum", ny(2026, 3, 10, 10, 0), ny(2026, 3, 10, 10, 38), {}, None,
     [(38, 45, 1.0, "normal", ["rounded 38 → 45"])]),
    ("straddles 17:00: two entries", ny(2026, 3, 10, 16, 40), ny(2026, 3, 10, 17, 50), {}, None,
     [(20, 30, 1.0, "normal", ["in-hours part of a session split at 17:00 America/New_York", "rounded 20 → 30"]),
      (50, 60, 2.0, "after_hours", ["after-hours part of a session split at 17:00 America/New_York",
                                    "rounded 50 → 60"])]),
    ("straddles 17:00, whole call-out at premium", ny(2026, 3, 10, 16, 40), ny(2026, 3, 10, 17, 50),
     {"bill_in_hours_at_normal_rate": False}, None,
     [(70, 75, 2.0, "after_hours", ["in-hours 20 min billed at the after-hours rate (agreement 'standard' "
                                    "bills whole call-outs)", "rounded 70 → 75"])]),
    ("public holiday named", ny(2026, 7, 3, 10, 0), ny(2026, 7, 3, 10, 38), {}, None,
     [(38, 60, 2.0, "after_hours", ["after hours: public holiday: Independence Day (observed)",
                                    "rounded 38 → 45", "minimum call-out 60"])]),
    ("weekend named", ny(2026, 3, 14, 10, 0), ny(2026, 3, 14, 11, 30), {}, None,
     [(90, 90, 2.0, "after_hours", ["after hours: weekend"])]),
    # 23:00 EDT = 03:00Z, 01:30 EST = 06:30Z: 210 minutes although the wall clock shows 150
    ("autumn DST night bills real minutes", ny(2026, 10, 31, 23, 0), datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc),
     {}, None, [(210, 210, 2.0, "after_hours", ["after hours: weekend"])]),
    ("sub-minute tail after 17:00 is not a call-out", ny(2026, 3, 10, 16, 30, 0), ny(2026, 3, 10, 17, 0, 20),
     {}, None, [(30, 30, 1.0, "normal", [])]),
]


@pytest.mark.parametrize("name,start,end,overrides,flag,expected", BILL_CASES, ids=[c[0] for c in BILL_CASES])
def test_bill_table(name: str, start: datetime, end: datetime, overrides: dict[str, object], flag: str | None,
                    expected: list[tuple]) -> None:
    agreement = Agreement("standard", date(2020, 1, 1), **overrides)  # type: ignore[arg-type]
    assert one(start, end, flag=flag, agreements=(agreement,)) == expected


def test_christmas_eve_afternoon_is_after_hours_in_berlin() -> None:
    assert one(be(2026, 12, 24, 13, 0), be(2026, 12, 24, 13, 30), calendar=BERLIN) == [
        (30, 60, 2.0, "after_hours", ["after hours: closure: Christmas Eve afternoon", "minimum call-out 60"])]


def test_straddling_entries_carry_their_own_intervals() -> None:
    normal, after = bill([WorkSession("T1", "acme", ny(2026, 3, 10, 16, 40), ny(2026, 3, 10, 17, 50))],
                         [STANDARD], NY)
    assert (normal.start, normal.end) == (ny(2026, 3, 10, 16, 40), ny(2026, 3, 10, 17, 0))
    assert (after.start, after.end) == (ny(2026, 3, 10, 17, 0), ny(2026, 3, 10, 17, 50))
    assert (normal.in_hours_minutes, normal.after_hours_minutes) == (20, 0)
    assert (after.in_hours_minutes, after.after_hours_minutes) == (0, 50)


def test_agreement_changing_mid_month() -> None:
    old = Agreement("2025 terms", date(2025, 1, 1), date(2026, 3, 14))
    new = Agreement("2026 terms", date(2026, 3, 15), multiplier=1.5, minimum_minutes=30)
    sessions = [
        WorkSession("T1", "acme", ny(2026, 3, 13, 20, 0), ny(2026, 3, 13, 20, 20)),
        # starts on the 14th (old terms) and runs past midnight into the 15th
        WorkSession("T2", "acme", ny(2026, 3, 14, 23, 30), ny(2026, 3, 15, 0, 30)),
        WorkSession("T3", "acme", ny(2026, 3, 16, 20, 0), ny(2026, 3, 16, 20, 20)),
    ]
    assert [(e.ticket, e.agreement, e.billable_minutes, e.multiplier) for e in bill(sessions, [old, new], NY)] == [
        ("T1", "2025 terms", 60, 2.0), ("T2", "2025 terms", 60, 2.0), ("T3", "2026 terms", 30, 1.5)]


def test_work_before_any_agreement_falls_back_to_the_workspace_default_and_says_so() -> None:
    signed = Agreement("2026 terms", date(2026, 6, 1), multiplier=1.5)
    workspace = Agreement("workspace default", date.min, multiplier=1.25, minimum_minutes=0)
    entry, = bill([WorkSession("T1", "acme", ny(2026, 3, 10, 19), ny(2026, 3, 10, 20))], [signed], NY, workspace)
    assert (entry.agreement, entry.multiplier) == ("workspace default", 1.25)
    assert entry.reasons == ["no agreement in force on 2026-03-10; workspace default applied"]
    never_signed, = bill([WorkSession("T1", "acme", ny(2026, 3, 10, 19), ny(2026, 3, 10, 20))], [], NY, workspace)
    assert never_signed.reasons == [] and never_signed.multiplier == 1.25


def test_pauses_on_one_ticket_share_one_call_out_minimum() -> None:
    sessions = [  # given out of order on purpose: entries come back in start order
        WorkSession("T1", "acme", ny(2026, 3, 10, 22, 40), ny(2026, 3, 10, 23, 30)),
        WorkSession("T1", "acme", ny(2026, 3, 10, 22, 0), ny(2026, 3, 10, 22, 10)),
        WorkSession("T1", "acme", ny(2026, 3, 10, 22, 20), ny(2026, 3, 10, 22, 30)),
    ]
    entries = bill(sessions, [STANDARD], NY)
    assert [(e.start.astimezone(NYZ).hour, e.start.astimezone(NYZ).minute) for e in entries] == [
        (22, 0), (22, 20), (22, 40)]
    # rounded 15, 15, 60: call-out total max(60, 90) = 90 = 60 + 0 + 30
    assert [e.billable_minutes for e in entries] == [60, 0, 30]
    assert entries[1].reasons == ["rounded 10 → 15", "same call-out as the session from 22:00",
                                  "15 min already covered by the call-out minimum 60"]
    assert entries[2].reasons == ["rounded 50 → 60", "same call-out as the session from 22:00",
                                  "30 min already covered by the call-out minimum 60"]


def test_separate_call_outs_each_pay_the_minimum() -> None:
    sessions = [
        WorkSession("T1", "acme", ny(2026, 3, 10, 20, 0), ny(2026, 3, 10, 20, 10)),
        WorkSession("T1", "acme", ny(2026, 3, 10, 23, 0), ny(2026, 3, 10, 23, 10)),  # 170 min later
        WorkSession("T2", "acme", ny(2026, 3, 10, 20, 5), ny(2026, 3, 10, 20, 15)),  # another ticket
    ]
    assert [e.billable_minutes for e in bill(sessions, [STANDARD], NY)] == [60, 60, 60]


def test_amounts_in_integer_cents() -> None:
    priced = Agreement("priced", date(2020, 1, 1), multiplier=1.5, normal_rate_cents=15000)
    normal, after = bill([WorkSession("T1", "acme", ny(2026, 3, 10, 16, 20), ny(2026, 3, 10, 18, 30))],
                         [priced], NY)
    assert (normal.billable_minutes, normal.amount_cents) == (45, 11250)        # 45/60 × 150.00
    assert (after.billable_minutes, after.amount_cents) == (90, 33750)          # 90/60 × 150.00 × 1.5
    odd = Agreement("odd", date(2020, 1, 1), normal_rate_cents=10001)
    assert odd.amount_cents(1, multiplier_applies=False) == 167                 # 166.683… → 167
    assert odd.amount_cents(3, multiplier_applies=True) == 1000                 # 3/60 × 10001 × 2 = 1000.1
    unpriced, = bill([WorkSession("T1", "acme", ny(2026, 3, 10, 19), ny(2026, 3, 10, 20))], [STANDARD], NY)
    assert unpriced.amount_cents is None


def test_flags_are_normalised_and_unknown_flags_refused() -> None:
    assert WorkSession("T", "c", ny(2026, 3, 10, 19), ny(2026, 3, 10, 20), "NO CHARGE").flag == "no-charge"
    assert WorkSession("T", "c", ny(2026, 3, 10, 19), ny(2026, 3, 10, 20), "regular_charge").flag == "regular-charge"
    with pytest.raises(BillingError, match="use 'no-charge' or 'regular-charge'"):
        WorkSession("T", "c", ny(2026, 3, 10, 19), ny(2026, 3, 10, 20), "free")


def test_bill_refuses_a_session_that_ends_before_it_starts() -> None:
    with pytest.raises(BillingError, match="ticket T9: the work ends"):
        bill([WorkSession("T9", "acme", ny(2026, 3, 10, 20), ny(2026, 3, 10, 19))], [STANDARD], NY)


def test_to_json_matches_the_cli_contract() -> None:
    entry, = bill([WorkSession("T1", "acme", ny(2026, 3, 10, 19, 0), ny(2026, 3, 10, 19, 38))], [STANDARD], NY)
    data = entry.to_json()
    assert tuple(data) == TIME_ENTRY_JSON_KEYS
    assert data == {"ticket": "T1", "client": "acme", "start": "2026-03-10T23:00:00Z", "end": "2026-03-10T23:38:00Z",
                    "worked_minutes": 38, "after_hours_minutes": 38, "billable_minutes": 60, "multiplier": 2.0,
                    "reasons": ["rounded 38 → 45", "minimum call-out 60"]}
    detailed = entry.to_json(detailed=True)
    assert (detailed["rate_class"], detailed["agreement"], detailed["in_hours_minutes"]) == ("after_hours", "standard", 0)


@pytest.mark.parametrize("value", [
    datetime(2026, 3, 10, 19, 0, 5, 999_999, tzinfo=NYZ), datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NYZ),
    datetime(2026, 3, 10, 23, 0, tzinfo=timezone.utc), datetime(2026, 3, 10, 23, 0, 1),
])
def test_entry_json_times_are_formatted_exactly_like_clock_iso(value: datetime) -> None:
    from oncall_desktop.core.time.clock import iso
    end = value.astimezone(timezone.utc) + timedelta(minutes=5)  # not value + 5 min: that drops fold=1
    entry = bill([WorkSession("T1", "acme", value, end)], [STANDARD], NY)[0]
    assert entry.to_json()["start"] == iso(value)


def test_session_over_a_whole_working_day_keeps_both_parts() -> None:
    normal, after = bill([WorkSession("T1", "acme", ny(2026, 3, 10, 8, 0), ny(2026, 3, 10, 18, 0))], [STANDARD], NY)
    assert (normal.start, normal.end, normal.billable_minutes, normal.multiplier) == (
        ny(2026, 3, 10, 9), ny(2026, 3, 10, 17), 480, 1.0)
    # 08:00–09:00 and 17:00–18:00: one call-out of 120 minutes, spanning the in-hours entry
    assert (after.start, after.end, after.worked_minutes, after.billable_minutes, after.multiplier) == (
        ny(2026, 3, 10, 8), ny(2026, 3, 10, 18), 120, 120, 2.0)

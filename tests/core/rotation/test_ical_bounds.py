"""Calendar imports are bounded: a rule that repeats every minute is refused quickly and stores nothing."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.rotation.ical import MAX_IMPORTED_SHIFTS, import_ics
from oncall_desktop.core.rotation.model import Override, RotationError, Schedule
from oncall_desktop.services.rotation.service import MAX_SCHEDULE_OVERRIDES

UTC = timezone.utc
A, B = datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 11, 1, tzinfo=UTC)   # the service's 397-day window


def repeating(rule: str, start: str = "20261120T080000Z", end: str = "20261120T083000Z") -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:r@test\r\n"
            f"DTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nRRULE:{rule}\r\n"
            "SUMMARY:On call: Ana\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def many_events(n: int) -> str:
    first = datetime(2026, 10, 2, tzinfo=UTC)
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:e{i}@test\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:On call: Ana\r\n"
        f"DTSTART:{(first + timedelta(hours=i)):%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{(first + timedelta(hours=i + 1)):%Y%m%dT%H%M%SZ}\r\nEND:VEVENT\r\n" for i in range(n))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


@pytest.mark.parametrize("rule, start", [
    ("FREQ=MINUTELY", "20261120T080000Z"),
    ("FREQ=SECONDLY", "20261120T080000Z"),
    ("FREQ=HOURLY", "20261120T080000Z"),                                       # 8,000+ hourly shifts
    ("FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,30", "20261120T080000Z"),
    ("FREQ=HOURLY;INTERVAL=3", "19700101T000000Z"),                           # a long walk from 1970
])
def test_runaway_rules_are_refused_quickly(rule: str, start: str) -> None:
    started = time.perf_counter()
    with pytest.raises(RotationError, match=f"expands to more than {MAX_IMPORTED_SHIFTS:,} shifts in the import "
                                            "window.*nothing was imported"):
        import_ics(repeating(rule, start, start[:-5] + "3000Z"), name="X", start=A, end=B)
    assert time.perf_counter() - started < 2


def test_too_many_single_events_are_refused() -> None:
    with pytest.raises(RotationError, match="more than 5,000 shifts"):
        import_ics(many_events(MAX_IMPORTED_SHIFTS + 1), name="X", start=A, end=B)


def test_real_rotas_stay_well_inside_the_bound() -> None:
    daily_since_2000 = import_ics(repeating("FREQ=DAILY", "20000103T080000Z", "20000104T080000Z"),
                                  name="X", start=A, end=B)
    assert len(daily_since_2000.schedule.overrides) == 397
    two_hourly = import_ics(repeating("FREQ=HOURLY;INTERVAL=2", "20261001T000000Z", "20261001T020000Z"),
                            name="X", start=A, end=B)
    assert len(two_hourly.schedule.overrides) == 396 * 12                    # 4,752 two-hour shifts fit
    assert len(import_ics(many_events(MAX_IMPORTED_SHIFTS), name="X", start=A, end=B).schedule.overrides) == 5_000


def state(ws) -> tuple:
    return ([s.to_dict() for s in ws.rotation.schedules()], ws.rotation.sources(), ws.store.events())


@pytest.mark.parametrize("rule", ["FREQ=MINUTELY", "FREQ=SECONDLY"])
def test_service_import_of_a_runaway_calendar_stores_nothing(workspace, tmp_path, rule: str) -> None:
    path = tmp_path / "flood.ics"
    path.write_text(repeating(rule), encoding="utf-8")
    before = state(workspace)
    started = time.perf_counter()
    with pytest.raises(RotationError, match="more than 5,000 shifts"):
        workspace.rotation.import_ics(str(path), "Primary")
    assert time.perf_counter() - started < 2
    assert state(workspace) == before


def test_a_schedule_holds_at_most_the_bound_of_overrides(workspace) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    overrides = tuple(Override("Ana", start + timedelta(hours=i), start + timedelta(hours=i, minutes=30), "swap")
                      for i in range(MAX_SCHEDULE_OVERRIDES + 1))
    before = state(workspace)
    with pytest.raises(RotationError, match="10,001 overrides, more than the 10,000 a schedule may have"):
        workspace.rotation.save(Schedule("Primary", "UTC", (), overrides))
    assert state(workspace) == before

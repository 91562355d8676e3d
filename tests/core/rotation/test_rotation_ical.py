"""iCalendar import/export of rotations (RFC 5545 shapes as PagerDuty/Opsgenie/Google publish them)."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest

from oncall_desktop.core.rotation.compute import shifts
from oncall_desktop.core.rotation.ical import export_ics, import_ics
from oncall_desktop.core.rotation.model import Layer, Override, Restriction, RotationError, Schedule

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
A, B = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)

# Recurrence, EXDATE and a moved occurrence (RECURRENCE-ID) as in RFC 5545 §3.8.5 and §3.8.4.4.
FEED = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:week@test
DTSTAMP:20251201T000000Z
DTSTART;TZID=Europe/Berlin:20260105T090000
DTEND;TZID=Europe/Berlin:20260112T090000
RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=5
EXDATE;TZID=Europe/Berlin:20260119T090000
SUMMARY:On call: Ana
END:VEVENT
BEGIN:VEVENT
UID:week@test
DTSTAMP:20251201T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260202T090000
DTSTART;TZID=Europe/Berlin:20260203T090000
DTEND;TZID=Europe/Berlin:20260209T090000
SUMMARY:On call: Ana
END:VEVENT
BEGIN:VEVENT
UID:att@test
DTSTAMP:20251201T000000Z
DTSTART:20260112T080000Z
DTEND:20260119T080000Z
SUMMARY:Primary rotation
ATTENDEE;CN=Ben Berg:mailto:ben@example.com
END:VEVENT
BEGIN:VEVENT
UID:allday@test
DTSTAMP:20251201T000000Z
DTSTART;VALUE=DATE:20260310
DTEND;VALUE=DATE:20260312
SUMMARY:On-call Cem
END:VEVENT
BEGIN:VEVENT
UID:nobody@test
DTSTAMP:20251201T000000Z
DTSTART:20260401T080000Z
DTEND:20260402T080000Z
SUMMARY:Team offsite
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def test_import_expands_rrule_exdate_and_moved_occurrence() -> None:
    got = import_ics(FEED, name="Feed", start=A, end=B, time_zone="Europe/Berlin",
                     person_pattern=r"On[- ]call:?\s*(?P<person>.+)")
    ana = [(o.start, o.end) for o in got.schedule.overrides if o.person == "Ana"]
    assert ana == [(berlin(2026, 1, 5, 9), berlin(2026, 1, 12, 9)),      # 19 Jan excluded by EXDATE
                   (berlin(2026, 2, 3, 9), berlin(2026, 2, 9, 9)),       # 2 Feb moved to 3 Feb
                   (berlin(2026, 2, 16, 9), berlin(2026, 2, 23, 9)),
                   (berlin(2026, 3, 2, 9), berlin(2026, 3, 9, 9))]
    people = {o.person for o in got.schedule.overrides}
    assert people == {"Ana", "Ben Berg", "Cem"}  # Ben from the attendee's CN, since the summary does not match
    cem = next(o for o in got.schedule.overrides if o.person == "Cem")
    assert (cem.start, cem.end) == (berlin(2026, 3, 10, 0), berlin(2026, 3, 12, 0))  # all-day = local days
    assert any("Team offsite" in p and "no person matches" in p for p in got.problems)
    assert got.schedule.layers == () and got.schedule.time_zone == "Europe/Berlin"


def test_import_person_from_attendee_first() -> None:
    got = import_ics(FEED, name="Feed", start=A, end=B, person_from="attendee")
    assert "Ben Berg" in {o.person for o in got.schedule.overrides}
    assert "Team offsite" in {o.person for o in got.schedule.overrides}  # the default pattern takes any summary


@pytest.mark.parametrize("text, message", [
    ("this is not a calendar", "not a readable iCalendar"),
    ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "not a readable iCalendar"),
    ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x1\r\nDTSTART:2026010T0900Z\r\n"
     "SUMMARY:Ana\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", r"VEVENT x1: DTSTART"),
    ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x2\r\nDTSTART:20260105T090000Z\r\n"
     "DTEND:20260106T090000Z\r\nRRULE:FREQ=SOMETIMES\r\nSUMMARY:Ana\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
     r"nothing was imported:\n  - VEVENT x2: RRULE"),
])
def test_broken_files_raise_a_readable_error(text: str, message: str) -> None:
    with pytest.raises(RotationError, match=message):
        import_ics(text, name="Feed", start=A, end=B)


def test_bad_person_pattern_is_reported() -> None:
    with pytest.raises(RotationError, match="not a valid regular expression"):
        import_ics(FEED, name="Feed", start=A, end=B, person_pattern="(unclosed")


def sample() -> Schedule:
    start = datetime(2026, 1, 5, 9, tzinfo=BERLIN)
    return Schedule("Primary", "Europe/Berlin", (
        Layer("Day", ["Ana", "Ben", "Cem"], start, "weekly", time(9, 0)),
        Layer("Nights", ["Nia", "Ned"], start, "daily", time(9, 0), Restriction.on_days("weekdays", "22:00", "06:00"))),
        (Override("Ovi", berlin(2026, 2, 10, 12), berlin(2026, 2, 11, 3)),))


def test_export_then_import_gives_the_same_shifts() -> None:
    schedule = sample()
    a, b = datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 4, 20, tzinfo=UTC)
    text = export_ics(schedule, now=a, end=b)
    back = import_ics(text, name="Primary", start=a, end=b, time_zone="Europe/Berlin")
    assert back.problems == ()
    original = [(x.person, x.start, x.end) for x in shifts(schedule, a, b)]
    again = [(x.person, x.start, x.end) for x in shifts(back.schedule, a, b)]
    assert again == original and len(original) > 100


def test_export_is_free_time_with_alarms_stable_uids_and_a_year_by_default() -> None:
    schedule = sample()
    now = datetime(2026, 1, 20, tzinfo=UTC)
    text = export_ics(schedule, now=now)
    cal = icalendar.Calendar.from_ical(text)
    events = list(cal.walk("VEVENT"))
    assert all(str(e["TRANSP"]) == "TRANSPARENT" for e in events)
    assert all(len(list(e.walk("VALARM"))) == 2 for e in events)
    assert events[0].walk("VALARM")[1]["TRIGGER"].dt == -timedelta(hours=1)
    last = max(e["DTEND"].dt for e in events)
    assert last == datetime(2027, 1, 20, tzinfo=UTC)  # covers twelve months, not thirty days
    later = export_ics(schedule, now=now + timedelta(hours=5), start=now)
    assert re.findall(r"UID:(\S+)", later) == re.findall(r"UID:(\S+)", text)
    assert len(set(re.findall(r"UID:(\S+)", text))) == len(events)


def test_export_one_persons_shifts() -> None:
    now = datetime(2026, 1, 20, tzinfo=UTC)
    text = export_ics(sample(), now=now, person="Nia", end=now + timedelta(days=30))
    cal = icalendar.Calendar.from_ical(text)
    summaries = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert summaries == {"On call: Nia"}
    assert "Nia" in str(cal["X-WR-CALNAME"])

"""iCalendar in and out for rotations, from and to text (no file or network I/O here).

Import reads what PagerDuty, Opsgenie, Grafana OnCall, GoAlert or a shared Google or
Exchange calendar publish: each event (recurrences, RDATE periods, EXDATEs and
moved occurrences expanded by ``recurring-ical-events``) becomes an
:class:`Override` for the person its summary or attendee names, read the way
that tool writes it (:mod:`feeds`), or for the one person a feed of
someone's own shifts belongs to.  Floating times and all-day dates are in the
calendar's X-WR-TIMEZONE unless the tech names a zone; Windows zone names
(Outlook, Exchange) are read as their IANA zones.  An event that ends before
it starts is listed and skipped, never turned round.  A schedule made only of
overrides keeps the calendar's exact times and lets local layers sit
underneath if a lead ever adds them.

Import is bounded: a calendar may expand to at most :data:`MAX_IMPORTED_SHIFTS`
events in the import window.  Repeat rules are counted lazily (dateutil's
rrule iterator, stopped at the first event past the bound or after
:data:`MAX_RULE_STEPS` steps from DTSTART) *before* the expansion library
builds its list, so a ``FREQ=MINUTELY`` rule is refused in milliseconds
rather than making half a million events.  Sub-hourly rules are refused
outright: no on-call rota repeats every minute, and dateutil can spend
minutes on such a rule whose BY-filters match nothing.

Export writes the final shifts as free-time events (TRANSP:TRANSPARENT, so an
on-call week does not block a calendar as busy) with reminders, and UIDs
derived from schedule, person and start so re-importing the file into
Google/Outlook updates events instead of duplicating them.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

from oncall_desktop.core.rotation.compute import shifts
from oncall_desktop.core.rotation.feeds import (
    Feed,
    ScheduleOnly,
    attendees,
    feed_of,
    person_by_pattern,
    person_in_summary,
)
from oncall_desktop.core.rotation.model import Override, RotationError, Schedule, Shift, zone_of
from oncall_desktop.core.time.clock import as_utc, iso

#: What imports before the feed shapes were known stored as the person pattern: reading it as "no
#: pattern" lets those calendars take the feed shapes of :mod:`feeds` on their next import.
OLD_DEFAULT_PATTERN = r"(?:On[- ]call:?\s*)?(?P<person>.+)"
DEFAULT_REMINDERS = (timedelta(hours=24), timedelta(hours=1))
PRODID = "-//oncall-desktop//rotation export//EN"
#: Events one import may expand to: the service's window (the first of last month to a year ahead,
#: up to 428 days) of three-hour shifts is 3,424; real rotas are daily or weekly (a few hundred).
#: It also keeps ``now`` and the timeline fast afterwards.
MAX_IMPORTED_SHIFTS = 5_000
#: Steps of one repeat rule from its DTSTART to the window's end (a daily rule since 1990 is 13,500).
MAX_RULE_STEPS = 100_000
_SUB_HOURLY = {"SECONDLY": "every second", "MINUTELY": "every minute"}
_BACKWARDS = "X-ONCALL-DESKTOP-BACKWARDS"  # set on an event that ends before it starts; never written out
_MARGIN = timedelta(days=2)  # time-zone slack: the count compares naive wall times with the UTC window


@dataclass(frozen=True)
class IcsImport:
    """The imported schedule (overrides only) and what was skipped, for the tech to read."""

    schedule: Schedule
    problems: tuple[str, ...]


def _person_regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as err:
        raise RotationError(f"the person pattern {pattern!r} is not a valid regular expression: {err}") from None


@dataclass(frozen=True)
class _Reader:
    """How one import finds the person of an event (the options of :func:`import_ics`)."""

    feed: Feed
    regex: re.Pattern[str] | None
    source: str
    aliases: Mapping[str, str]

    def person(self, event: Any) -> str | ScheduleOnly | None:
        """The pattern (or the feed shapes) read the summary; an attendee is a person as it stands."""
        summary = str(event.get("SUMMARY") or "")
        people = attendees(event)
        if self.source == "attendee" and people:
            return self.alias(people[0])
        found = person_by_pattern(summary, self.regex) if self.regex else person_in_summary(summary, self.feed)
        if isinstance(found, ScheduleOnly):
            return self.alias(people[0]) if people else found
        found = found or (people[0] if people else None)
        return self.alias(found) if found else None

    def alias(self, name: str) -> str:
        """An address the directory knows becomes that person's name."""
        return self.aliases.get(name.lower(), name)


def _when(value: Any, zone: Any) -> datetime:
    """A DTSTART/DTEND value as UTC; floating times and all-day dates are in the schedule's zone."""
    if isinstance(value, datetime):
        return as_utc(value if value.tzinfo else value.replace(tzinfo=zone))
    if isinstance(value, date):
        return as_utc(datetime.combine(value, time(0), tzinfo=zone))
    raise ValueError(f"not a date or date-time: {value!r}")


def _structural_errors(calendar: Any) -> list[str]:
    errors = []
    for component in calendar.walk():
        for prop, message in getattr(component, "errors", []) or []:
            uid = component.get("UID")
            where = f"{component.name} {uid}" if uid else component.name
            errors.append(f"{where}: {prop}: {message}")
    return errors


def _naive(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    raise ValueError(f"not a date or date-time: {value!r}")


def _too_many(a: datetime, b: datetime, detail: str) -> RotationError:
    return RotationError(f"the calendar expands to more than {MAX_IMPORTED_SHIFTS:,} shifts in the import window "
                         f"({iso(a)} – {iso(b)}): {detail}; nothing was imported. On-call calendars repeat daily "
                         "or weekly — check the event's repeat rule")


def _check_expansion(calendar: Any, a: datetime, b: datetime) -> None:
    """Raise unless the calendar's events, repeats expanded, stay within :data:`MAX_IMPORTED_SHIFTS` in [a, b).

    Counts lazily and stops at the first event past the bound, so the cost is at most
    ``MAX_IMPORTED_SHIFTS`` + :data:`MAX_RULE_STEPS` iterator steps, whatever the rules say.
    """
    lo, hi = a.replace(tzinfo=None) - _MARGIN, b.replace(tzinfo=None) + _MARGIN
    total = 0
    for event in calendar.walk("VEVENT"):
        label = f"event '{event.get('SUMMARY') or ''}' ({event.get('UID') or '?'})"
        try:
            start = _naive(event["DTSTART"].dt)
        except (KeyError, ValueError, AttributeError):
            continue  # reported as unreadable by the import itself
        rules = event.get("RRULE")
        if rules is None:
            total += lo <= start < hi
        for rule in rules if isinstance(rules, list) else ([rules] if rules is not None else []):
            freq = str((rule.get("FREQ") or [""])[0]).upper()
            if freq in _SUB_HOURLY:
                raise _too_many(a, b, f"{label} repeats {_SUB_HOURLY[freq]}")
            try:
                steps = iter(rrulestr("RRULE:" + rule.to_ical().decode(), dtstart=start, ignoretz=True))
            except (ValueError, TypeError, KeyError, OverflowError) as err:
                raise RotationError(f"the calendar's repeating events cannot be expanded ({label}: {err}); "
                                    "nothing was imported") from None
            for count, when in enumerate(steps, 1):
                if when >= hi:
                    break
                total += when >= lo
                if total > MAX_IMPORTED_SHIFTS:
                    raise _too_many(a, b, f"{label} has a {freq or ''} repeat rule that passes the limit")
                if count > MAX_RULE_STEPS:
                    raise _too_many(a, b, f"{label} repeats more than {MAX_RULE_STEPS:,} times from its start "
                                    f"({iso(as_utc(start))}) to the window's end")
        rdates = event.get("RDATE")
        for group in rdates if isinstance(rdates, list) else ([rdates] if rdates is not None else []):
            total += len(getattr(group, "dts", ()))
        if total > MAX_IMPORTED_SHIFTS:
            raise _too_many(a, b, f"counted up to {label}")


def _parse(data: str | bytes) -> Any:
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as err:
        detail = " ".join(str(err).split())[:160]
        raise RotationError(f"this is not a readable iCalendar (.ics) file ({detail}). Nothing was imported; "
                            "check the file or the calendar's export link") from None
    broken = _structural_errors(calendar)
    if broken:
        raise RotationError("the calendar has errors, nothing was imported:\n  - " + "\n  - ".join(broken))
    return calendar


def _span(event: Any, zone: Any) -> tuple[datetime, datetime]:
    """Start and end as UTC; no DTEND is a day for an all-day event and nothing for a timed one (RFC 5545 §3.6.1)."""
    s = _when(event["DTSTART"].dt, zone)
    if event.get("DTEND") is not None:
        return s, _when(event["DTEND"].dt, zone)
    if event.get("DURATION") is not None:
        return s, s + event["DURATION"].dt
    return s, (s + timedelta(days=1) if not isinstance(event["DTSTART"].dt, datetime) else s)


def _label(event: Any) -> str:
    return f"event '{' '.join(str(event.get('SUMMARY') or '').split())}' ({event.get('UID') or '?'})"


def _check_events(calendar: Any, zone: Any, zone_name: str) -> list[str]:
    """Mark events that end before they start (the expansion would turn them round) and name unknown zones.

    A marked event is skipped and listed: a calendar whose end is before its start is a mistake in
    the calendar, and swapping the two would put someone on call at a time nobody chose.
    """
    problems: list[str] = []
    unknown: set[str] = set()
    for event in calendar.walk("VEVENT"):
        for key in ("DTSTART", "DTEND"):
            prop = event.get(key)
            tzid = str(getattr(prop, "params", {}).get("TZID") or "")
            value = getattr(prop, "dt", None)
            if tzid and isinstance(value, datetime) and value.tzinfo is None and tzid not in unknown:
                unknown.add(tzid)
                problems.append(f"the time zone {tzid!r} is neither a known zone nor defined in the calendar "
                                f"(VTIMEZONE); times in it were read as {zone_name}")
        try:
            s, e = _span(event, zone)
        except (KeyError, ValueError, TypeError, AttributeError):
            continue  # listed as unreadable where its occurrences are read
        if e < s:
            event.add(_BACKWARDS, "1")
            every = " (every occurrence)" if event.get("RRULE") is not None or event.get("RDATE") is not None else ""
            problems.append(f"{_label(event)} ends ({iso(e)}) before it starts ({iso(s)}); skipped{every}. "
                            "Fix the event in the calendar")
    return problems


def import_ics(data: str | bytes, *, name: str, start: datetime, end: datetime, time_zone: str | None = None,
               fallback_zone: str = "UTC", person_pattern: str | None = None, person: str | None = None,
               person_from: str = "summary", aliases: Mapping[str, str] | None = None) -> IcsImport:
    """Read an .ics text into a schedule of overrides covering [start, end).

    The person of each event is read from the feed shapes of :mod:`feeds` (PagerDuty,
    Grafana OnCall, shared calendars), or with ``person_pattern`` (a house format: its ``person``
    group, or else the whole match); ``person_from="attendee"`` takes the first ATTENDEE first.
    ``person`` makes every event that person's (a feed of one person's own shifts, such as
    GoAlert's).  ``aliases`` maps addresses (lower case) to the directory's names.  Floating
    times and all-day dates are in ``time_zone``, else the feed's X-WR-TIMEZONE, else
    ``fallback_zone``; that zone is the schedule's.  Events with no recognisable person are skipped
    and listed in ``problems``; a file that cannot be read raises :class:`RotationError` listing
    everything wrong, and nothing is imported.
    """
    if person_from not in ("summary", "attendee"):
        raise RotationError(f"person_from must be 'summary' or 'attendee', not {person_from!r}")
    if person is not None and not person.strip():
        raise RotationError("say whose shifts these are: the person's name is empty")
    regex = _person_regex(person_pattern) if person_pattern else None
    a, b = as_utc(start), as_utc(end)
    if b <= a:
        raise RotationError(f"the import window ends ({iso(b)}) before it starts ({iso(a)})")
    zone_of(fallback_zone)
    if time_zone is not None:
        zone_of(time_zone)
    calendar = _parse(data)
    feed = feed_of(calendar)
    zone_name = time_zone or feed.zone or fallback_zone
    zone = zone_of(zone_name)
    problems = [feed.zone_problem] if feed.zone_problem and time_zone is None else []
    # the zone of floating times is settled above; the expansion library would apply X-WR-TIMEZONE
    # itself, and refuse the whole calendar when it names no known zone ("Eastern Time (US & Canada)")
    calendar.pop("X-WR-TIMEZONE", None)
    problems += _check_events(calendar, zone, zone_name)
    _check_expansion(calendar, a, b)
    try:
        occurrences = recurring_ical_events.of(calendar).between(a, b)
    except Exception as err:  # noqa: BLE001 — the library raises several unrelated types for bad rules
        raise RotationError(f"the calendar's repeating events cannot be expanded ({type(err).__name__}: {err}); "
                            "nothing was imported") from None
    reader = _Reader(feed, regex, person_from, {k.lower(): v for k, v in (aliases or {}).items()})
    found: list[tuple[datetime, datetime, str, str]] = []
    schedule_only: list[tuple[str, ScheduleOnly]] = []
    for event in occurrences:
        uid = str(event.get("UID") or "?")
        label = _label(event)
        if str(event.get("STATUS") or "").upper() == "CANCELLED" or event.get(_BACKWARDS) is not None:
            continue
        try:
            s, e = _span(event, zone)
        except (KeyError, ValueError, TypeError) as err:
            problems.append(f"{label}: unreadable start or end ({err}); skipped")
            continue
        shape = person_in_summary(str(event.get("SUMMARY") or ""), feed)
        who = person.strip() if person else reader.person(event)
        if isinstance(who, ScheduleOnly):
            schedule_only.append((f"{label} at {iso(s)}", who))
            continue
        if who is None:
            how = f"the pattern {person_pattern!r}" if person_pattern else "a person's name"
            problems.append(f"{label} at {iso(s)}: no person matches {how}; skipped")
            continue
        if e <= s:
            problems.append(f"{label} at {iso(s)} has no length; skipped")
            continue
        if isinstance(shape, ScheduleOnly) and shape.open_ended:
            problems.append(f"{label}: the feed does not say when this shift ends; it is imported up to {iso(e)}")
        found.append((s, e, who, uid))
    if schedule_only and not found:
        names = ", ".join(sorted({f"'{x.schedule}'" for _, x in schedule_only}))
        raise RotationError(f"the calendar names the schedule ({names}), not a person: it lists one person's own "
                            "shifts (as a GoAlert subscription does). Import it as one person's shifts (the "
                            "import's \"All are one person's shifts\", or --person NAME); nothing was imported")
    problems += [f"{where} names the schedule '{x.schedule}', not a person; skipped" for where, x in schedule_only]
    found.sort()
    for (s1, e1, p1, _), (s2, _e2, p2, _) in pairwise(found):
        if s2 < e1 and p1 != p2:
            problems.append(f"{p1} ({iso(s1)}–{iso(e1)}) and {p2} (from {iso(s2)}) overlap; {p2} is taken "
                            "where they overlap")
    if not found:
        problems.append(f"no on-call events between {iso(a)} and {iso(b)}")
    overrides = tuple(Override(p, s, e, f"ics:{uid}") for s, e, p, uid in found)
    return IcsImport(Schedule(name, zone_name, (), overrides), tuple(problems))


def _merged_by_person(items: Sequence[Shift]) -> list[Shift]:
    """Calendars show people, not layers: adjacent stretches of one person become one event."""
    out: list[Shift] = []
    for x in items:
        if out and out[-1].person == x.person and out[-1].end == x.start:
            last = out[-1]
            out[-1] = Shift(x.person, last.start, x.end, last.override and x.override,
                            last.layer if last.layer == x.layer else None)
        else:
            out.append(x)
    return out


def _plus_months(value: datetime, months: int) -> datetime:
    year, month = divmod(value.month - 1 + months, 12)
    day = value.day
    while True:
        try:
            return value.replace(year=value.year + year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def _uid(schedule: Schedule, shift: Shift) -> str:
    key = f"{schedule.name}|{shift.person}|{iso(shift.start)}"
    return f"{hashlib.sha1(key.encode()).hexdigest()[:24]}@oncall-desktop"


def _duration_text(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)} day(s)"
    if minutes % 60 == 0:
        return f"{minutes // 60} hour(s)"
    return f"{minutes} minutes"


def export_ics(schedule: Schedule, *, now: datetime, start: datetime | None = None, months: int = 12,
               end: datetime | None = None, person: str | None = None,
               reminders: Sequence[timedelta] = DEFAULT_REMINDERS) -> str:
    """The final shifts in [start, end) as .ics text (start defaults to ``now``, end to ``months`` later).

    With ``person`` only that person's shifts are written (their own calendar).
    """
    a = as_utc(start if start is not None else now)
    b = as_utc(end) if end is not None else _plus_months(a, months)
    if b <= a:
        raise RotationError(f"the export window ends ({iso(b)}) before it starts ({iso(a)})")
    items = _merged_by_person(shifts(schedule, a, b))
    if person is not None:
        items = [x for x in items if x.person == person]
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"On call — {schedule.name}" + (f" — {person}" if person else ""))
    cal.add("x-wr-timezone", schedule.time_zone)
    stamp = as_utc(now).replace(microsecond=0)
    for x in items:
        event = icalendar.Event()
        event.add("uid", _uid(schedule, x))
        event.add("dtstamp", stamp)
        event.add("dtstart", x.start)
        event.add("dtend", x.end)
        event.add("summary", f"On call: {x.person}")
        kind = "override" if x.override else (f"layer {x.layer}" if x.layer else "rotation")
        event.add("description", f"{x.person} is on call for {schedule.name} ({kind}).")
        event.add("categories", ["On call"])
        event.add("transp", "TRANSPARENT")
        for before in reminders:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{x.person} on call for {schedule.name} in {_duration_text(before)}")
            alarm.add("trigger", -before)
            event.add_component(alarm)
        cal.add_component(event)
    text: bytes = cal.to_ical()
    return text.decode("utf-8")

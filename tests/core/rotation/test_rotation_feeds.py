"""Calendar feeds as the on-call tools and shared calendars really write them.

The fixtures in ``data/`` are the project's own, written in the shape of
feeds others published (no third-party file is copied).  Where each shape
was learned:

- PagerDuty: the schedule feed as quoted in other projects' parsers and
  tests — ``PRODID;X-RICAL-TZSOURCE=TZINFO:-//com.denhaven2/NONSGML ri_cal gem//EN``,
  ``X-WR-CALNAME:On Call Schedule``, ``DTSTART;VALUE=DATE-TIME:…Z``, a bare
  ``ATTENDEE:user@…``, ``URL:https://<org>.pagerduty.com/schedules#…`` and
  ``SUMMARY:On Call - NAME - SCHEDULE`` (oyanglulu's icalparser example; a Go
  ParseICal test with "On Call - Hello Kitty - Alpha"; bizneo-oncall's tests,
  which fold the SUMMARY; a shell fixture with the per-user "On Call - My User").
- Grafana OnCall: ``engine/apps/schedules`` of grafana/oncall —
  ``create_base_icalendar`` (``PRODID://Grafana Labs//Grafana On-Call//``,
  ``X-WR-TIMEZONE:UTC``), ``refresh_ical_final_schedule`` (SUMMARY is the user's
  display name, PRIORITY, UIDs ``<shift>-<yyyymmddHHSS>-<user>``, ended events
  kept as STATUS:CANCELLED with DTEND = DTSTART), ``user_ical_export``
  (X-WR-CALNAME "On-Call Schedule for <user>", SUMMARY "<schedule>: <user>") and
  ``parse_username_from_string`` ("[L1] bob@company.com").
- GoAlert: ``calsub`` of target/goalert, its render test —
  ``PRODID:-//GoAlert//<version>//EN``, ``SUMMARY:On-Call (GoAlert: Sched)``,
  and ``… Begins*`` with "The end time of this shift is unknown …".
- Opsgenie: the screenshot of a real schedule feed in Aerion/opsgenie-filtered-schedule-ics
  (``assets/screenshot-results.png``; its README: a schedule's "Copy calendar link to clipboard"
  gives ``webcal://<org>.app.opsgenie.com/webapi/webcal/getRecentSchedule?webcalToken=…&scheduleId=…``)
  — ``VERSION``, ``CALSCALE:GREGORIAN``, ``PRODID:OPSGENIE-ICAL-2.0``, no calendar name or zone,
  events of ``DTSTAMP``, ``DTEND``, ``DTSTART``, a folded ``SUMMARY:<Full Name> (user) is on call
  for schedule: <schedule>`` and ``UID``, lines ended by LF alone (its filter splits on ``\n`` and
  compares ``END:VEVENT`` exactly); participant types from Opsgenie's schedule API (user, team,
  escalation, none) and its naming rule (letters, digits, underscores, dots).  A community
  Squadcast exporter (``PRODID:SQUADCAST-ICAL-1.0``) writes ``<name> is on call for schedule : <schedule>``.
- Google Calendar and Exchange: the test calendars of recurring-ical-events
  (``PRODID:-//Google Inc//Google Calendar 70.9054//EN`` with X-WR-TIMEZONE and a
  VTIMEZONE; ``PRODID:Microsoft Exchange Server 2010`` with
  ``TZID:W. Europe Standard Time`` and its 1601 rules), icalendar's Windows zone
  table (``icalendar.timezone.windows_to_olson``, from Unicode CLDR's
  windowsZones.xml), and Google's all-day ``DTSTART;VALUE=DATE`` events.
- Floating times with X-WR-TIMEZONE: recurring-ical-events'
  ``issue_86_x_wr_timezone_without_time_zone_in_dt.ics``.
- End before start: recurring-ical-events' ``end_before_start_event.ics`` and
  ``issue_132_swapped_start_and_end.ics`` (the library turns such an event round).
- RDATE periods: recurring-ical-events' ``issue_113_period_in_rdate.ics`` and
  ``issue_113_period_rdate_duration.ics`` (RFC 5545 §3.8.5.2).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oncall_desktop.core.rotation.feeds import Feed, ScheduleOnly, iana_zone, person_in_summary
from oncall_desktop.core.rotation.ical import OLD_DEFAULT_PATTERN, import_ics
from oncall_desktop.core.rotation.model import RotationError

UTC = timezone.utc
DATA = Path(__file__).with_name("data")
A, B = datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
PLAIN = Feed("", "", None)
GRAFANA_USER = Feed("//Grafana Labs//Grafana On-Call//", "On-Call Schedule for priya", "UTC")


def read(name: str, **kw):
    return import_ics((DATA / name).read_bytes(), name="Feed", start=A, end=B, **kw)


def spans(result) -> list[tuple[str, str, str]]:
    return [(o.person, o.start.strftime("%Y-%m-%d %H:%M"), o.end.strftime("%Y-%m-%d %H:%M"))
            for o in result.schedule.overrides]


def at(zone: str, *args: int) -> str:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize("summary, feed, person", [
    # PagerDuty schedule and per-user feeds
    ("On Call - Priya Raman - MSP Primary", PLAIN, "Priya Raman"),
    ("On Call - Hello Kitty - Alpha", PLAIN, "Hello Kitty"),
    ("On Call - Anne-Marie Dubois - MSP - Nights", PLAIN, "Anne-Marie Dubois"),
    ("On Call - My User", PLAIN, "My User"),
    ("On Call - Jane Doe - On-Call  Team", PLAIN, "Jane Doe"),           # what a folded summary unfolds to
    # Opsgenie schedule feed, and the Squadcast exporter's copy of it
    ("Guillaume TAQUET GASPERINI (user) is on call for schedule: MSP_Helpdesk_schedule", PLAIN,
     "Guillaume TAQUET GASPERINI"),
    ("Priya Raman (user) is on call for schedule: ", PLAIN, "Priya Raman"),
    ("Infra_Team (team) is on call for schedule: MSP_Helpdesk_schedule", PLAIN, None),
    ("Ops escalation (escalation) is on call for schedule: Nights", PLAIN, None),
    ("Ana Souza is on call for schedule : MSP Primary", PLAIN, "Ana Souza"),
    # Grafana OnCall
    ("priya", PLAIN, "priya"),
    ("[L1] bob@company.com", PLAIN, "bob@company.com"),
    ("MSP Primary: priya", GRAFANA_USER, "priya"),
    # shared calendars and house formats
    ("On call: Ana", PLAIN, "Ana"),
    ("On-call Ana", PLAIN, "Ana"),
    ("Oncall - Ben Okafor", PLAIN, "Ben Okafor"),
    ("Ana Souza on call", PLAIN, "Ana Souza"),
    ("Ana Souza (on call)", PLAIN, "Ana Souza"),
    ("Ben Okafor – On-Call", PLAIN, "Ben Okafor"),
    ("Chloé Martin", PLAIN, "Chloé Martin"),
    ("On-Call", PLAIN, None),
    ("", PLAIN, None),
])
def test_person_in_each_feeds_summary(summary: str, feed: Feed, person: str | None) -> None:
    assert person_in_summary(summary, feed) == person


@pytest.mark.parametrize("summary, schedule, open_ended", [
    ("On-Call (GoAlert: Sched)", "Sched", False),
    ("On-Call (GoAlert: MSP Primary) Begins*", "MSP Primary", True),
    ("On-Call (Acme Paging: Nights)", "Nights", False),   # GoAlert's application name is configurable
])
def test_goalert_names_a_schedule_not_a_person(summary: str, schedule: str, open_ended: bool) -> None:
    assert person_in_summary(summary, PLAIN) == ScheduleOnly(schedule, open_ended)


def test_pagerduty_feed_gives_plain_names_with_no_option() -> None:
    got = read("pagerduty_schedule.ics")
    assert [o.person for o in got.schedule.overrides] == [
        "Priya Raman", "Anne-Marie Dubois", "Tomás Herrera", "Jonathan Okonkwo-Williams", "Priya Raman",
        "Anne-Marie Dubois"]
    assert spans(got)[0] == ("Priya Raman", "2026-10-26 15:00", "2026-11-02 15:00")
    assert got.problems == () and got.schedule.time_zone == "UTC"


def test_pagerduty_attendee_address_becomes_the_directory_name() -> None:
    got = read("pagerduty_schedule.ics", person_from="attendee", aliases={"Priya.Raman@msp.example": "Priya Raman"})
    assert got.schedule.overrides[0].person == "Priya Raman"
    assert got.schedule.overrides[1].person == "anne-marie.dubois@msp.example"  # not in the directory: as written


def test_old_stored_default_pattern_still_breaks_pagerduty() -> None:
    """Why the service reads the old default as 'no pattern': applied, it gives the broken name."""
    got = read("pagerduty_schedule.ics", person_pattern=OLD_DEFAULT_PATTERN)
    assert got.schedule.overrides[0].person == "- Priya Raman - MSP Primary"


def test_opsgenie_schedule_feed_gives_plain_names_with_no_option() -> None:
    got = read("opsgenie_schedule.ics")
    assert spans(got) == [("Priya Raman", "2026-11-16 09:00", "2026-11-23 09:00"),
                          ("Anne-Marie Dubois", "2026-11-23 09:00", "2026-11-30 09:00"),  # its summary is folded
                          ("Guillaume TAQUET GASPERINI", "2026-11-30 09:00", "2026-12-07 09:00")]
    assert got.schedule.time_zone == "UTC"
    # a team on call is listed, not imported as a person called "Infra_Team (team) is on call …"
    assert got.problems == ("event 'Infra_Team (team) is on call for schedule: MSP_Helpdesk_schedule' "
                            "(8c1f0c1e-5d1a-4d8e-9a41-2f5b7c0d1e03) at 2026-11-27T17:00:00Z: no person matches "
                            "a person's name; skipped",)


def test_grafana_oncall_schedule_export() -> None:
    got = read("grafana_oncall_schedule.ics", aliases={"anne-marie.dubois@msp.example": "Anne-Marie Dubois"})
    assert spans(got) == [("priya", "2026-11-16 09:00", "2026-11-23 09:00"),
                          ("Anne-Marie Dubois", "2026-11-23 09:00", "2026-11-30 09:00"),
                          ("tomas", "2026-11-25 18:00", "2026-11-25 23:00")]  # the cancelled event is left out
    assert any("overlap" in p for p in got.problems)


def test_grafana_oncall_user_export() -> None:
    got = read("grafana_oncall_user.ics")
    assert [o.person for o in got.schedule.overrides] == ["priya", "priya"]


def test_goalert_subscription_needs_the_person_and_says_so() -> None:
    with pytest.raises(RotationError, match=r"names the schedule \('MSP Primary'\), not a person.*--person NAME.*"
                                            "nothing was imported"):
        read("goalert_subscription.ics")
    got = read("goalert_subscription.ics", person="Priya Raman")
    assert spans(got) == [("Priya Raman", "2026-11-16 15:00", "2026-11-23 15:00"),
                          ("Priya Raman", "2026-12-07 15:00", "2026-12-14 15:00")]
    assert got.problems == ("event 'On-Call (GoAlert: MSP Primary) Begins*' "
                            "(1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809): the feed does not "
                            "say when this shift ends; it is imported up to 2026-12-14T15:00:00Z",)


def test_google_shared_calendar_all_day_in_its_own_zone() -> None:
    got = read("google_shared.ics")
    assert got.schedule.time_zone == "Europe/Berlin"  # from X-WR-TIMEZONE: no --tz needed
    berlin = "Europe/Berlin"
    assert spans(got) == [
        ("Ben Okafor", at(berlin, 2026, 10, 19, 9), at(berlin, 2026, 10, 23, 17)),
        ("Ana Souza", at(berlin, 2026, 10, 31), at(berlin, 2026, 11, 2)),       # all-day: Berlin midnights
        ("Ben Okafor", at(berlin, 2026, 11, 2, 9), at(berlin, 2026, 11, 6, 17)),  # after the DST change
        ("Ana Souza", at(berlin, 2026, 11, 7), at(berlin, 2026, 11, 9)),
        ("Ben Okafor", at(berlin, 2026, 11, 16, 9), at(berlin, 2026, 11, 20, 17)),
        ("Dev Patel", at(berlin, 2026, 11, 24, 17), at(berlin, 2026, 11, 25, 9)),  # "On-Call" + the attendee's CN
        ("Ben Okafor", at(berlin, 2026, 11, 30, 9), at(berlin, 2026, 12, 4, 17)),
    ]
    assert got.problems == ()


def test_an_explicit_zone_wins_over_the_feeds() -> None:
    got = read("google_shared.ics", time_zone="America/New_York")
    ana = next(o for o in got.schedule.overrides if o.person == "Ana Souza")
    assert ana.start.strftime("%Y-%m-%d %H:%M") == at("America/New_York", 2026, 10, 31)


def test_exchange_calendar_with_windows_zone_names() -> None:
    got = read("exchange_published.ics", fallback_zone="Europe/Berlin")
    assert spans(got) == [
        ("Chen Wei", at("Europe/Berlin", 2026, 10, 23, 17), at("Europe/Berlin", 2026, 10, 26, 9)),
        ("Ben Okafor", at("Europe/Berlin", 2026, 11, 14), at("Europe/Berlin", 2026, 11, 16)),
        ("Sam Rivera", at("America/Los_Angeles", 2026, 11, 20, 8), at("America/Los_Angeles", 2026, 11, 20, 20)),
    ]
    assert got.problems == ()


@pytest.mark.parametrize("written, iana", [
    ("W. Europe Standard Time", "Europe/Berlin"), ("Pacific Standard Time", "America/Los_Angeles"),
    ("GMT Standard Time", "Europe/London"), ("Europe/Lisbon", "Europe/Lisbon"), ('"Etc/GMT"', "Etc/GMT"),
    ("Mars Standard Time", None), ("", None),
])
def test_calendar_zone_names(written: str, iana: str | None) -> None:
    assert iana_zone(written) == iana


def test_floating_times_are_read_in_x_wr_timezone() -> None:
    got = read("floating_x_wr_timezone.ics")
    ny = "America/New_York"
    assert spans(got) == [("Maya Chen", at(ny, 2026, 11, 21, 8), at(ny, 2026, 11, 21, 20)),
                          ("Maya Chen", at(ny, 2026, 11, 22), at(ny, 2026, 11, 23))]


def test_an_unknown_calendar_zone_is_listed_not_guessed_silently() -> None:
    text = (DATA / "floating_x_wr_timezone.ics").read_text(encoding="utf-8").replace(
        "X-WR-TIMEZONE:America/New_York", "X-WR-TIMEZONE:Eastern Time (US & Canada)").replace(
        "DTSTART:20261121T080000", "DTSTART;TZID=Atlantis Standard Time:20261121T080000")
    got = import_ics(text, name="Feed", start=A, end=B, fallback_zone="America/Chicago")
    assert got.schedule.time_zone == "America/Chicago"
    assert got.problems == (
        "the calendar's time zone 'Eastern Time (US & Canada)' (X-WR-TIMEZONE) is not a known zone; it was not used",
        "the time zone 'Atlantis Standard Time' is neither a known zone nor defined in the calendar (VTIMEZONE); "
        "times in it were read as America/Chicago")


def test_an_event_that_ends_before_it_starts_is_a_problem_not_turned_round() -> None:
    got = read("end_before_start.ics")
    assert [o.person for o in got.schedule.overrides] == ["Ben Okafor"]
    assert got.problems == ("event 'On call: Ana Souza' (QX7DSG9TH4DE0WM3QFL2J) ends (2026-11-10T07:00:00Z) before "
                            "it starts (2026-11-10T17:00:00Z); skipped. Fix the event in the calendar",)


def test_a_repeating_event_that_ends_before_it_starts_skips_every_occurrence() -> None:
    text = (DATA / "end_before_start.ics").read_text(encoding="utf-8").replace(
        "DTEND;TZID=Europe/Berlin:20261110T080000",
        "DTEND;TZID=Europe/Berlin:20261110T080000\r\nRRULE:FREQ=DAILY;COUNT=3")
    got = import_ics(text, name="Feed", start=A, end=B)
    assert [o.person for o in got.schedule.overrides] == ["Ben Okafor"]
    assert "skipped (every occurrence)" in got.problems[0]


def test_rdate_periods_are_expanded() -> None:
    got = read("rdate_periods.ics")
    van = "America/Vancouver"
    assert spans(got) == [("Maya Chen", at(van, 2026, 10, 21, 12), at(van, 2026, 10, 21, 14)),
                          ("Maya Chen", at(van, 2026, 11, 4, 12), at(van, 2026, 11, 4, 18)),  # period with an end
                          ("Sam Rivera", "2026-11-12 12:00", "2026-11-12 13:00"),
                          ("Sam Rivera", "2026-11-13 12:00", "2026-11-13 14:00"),             # period with a length
                          ("Sam Rivera", "2026-11-14 12:00", "2026-11-14 15:00")]
    assert got.problems == ()


def test_a_house_format_still_takes_a_pattern() -> None:
    text = (DATA / "pagerduty_schedule.ics").read_text(encoding="utf-8").replace("On Call - ", "Rufbereitschaft/")
    got = import_ics(text, name="Feed", start=A, end=B, person_pattern=r"^Rufbereitschaft/(?P<person>[^-]+?) -")
    assert got.schedule.overrides[0].person == "Priya Raman"


def test_an_empty_person_is_refused() -> None:
    with pytest.raises(RotationError, match="the person's name is empty"):
        read("goalert_subscription.ics", person="  ")

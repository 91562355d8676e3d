"""Importing real-shaped feeds through the service: names by default, one person's feed, history kept.

The fixtures are the project's own, in the shapes described (with their sources) in
tests/core/rotation/test_rotation_feeds.py: PagerDuty's ri_cal feed, GoAlert's
calendar subscription, Grafana OnCall's schedule export.  The clock is 25 Nov 2026.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from oncall_desktop.core.rotation.ical import OLD_DEFAULT_PATTERN
from oncall_desktop.core.rotation.model import RotationError

UTC = timezone.utc
DATA = Path(__file__).parents[2] / "core" / "rotation" / "data"


def pagerduty(*events: tuple[str, str, str]) -> str:
    """A PagerDuty schedule feed (ri_cal's shape): (person, DTSTART, DTEND) in UTC basic format."""
    body = "".join(f"BEGIN:VEVENT\r\nDTEND;VALUE=DATE-TIME:{b}\r\nDTSTART;VALUE=DATE-TIME:{a}\r\n"
                   f"ATTENDEE:{p.split()[0].lower()}@msp.example\r\nUID:Q{i:012d}\r\n"
                   f"URL:https://msp-example.pagerduty.com/schedules#P7Q2R9T\r\n"
                   f"SUMMARY:On Call - {p} - MSP Primary\r\nEND:VEVENT\r\n" for i, (p, a, b) in enumerate(events))
    return ("BEGIN:VCALENDAR\r\nPRODID;X-RICAL-TZSOURCE=TZINFO:-//com.denhaven2/NONSGML ri_cal gem//EN\r\n"
            f"CALSCALE:GREGORIAN\r\nVERSION:2.0\r\nX-WR-CALNAME:On Call Schedule\r\n{body}END:VCALENDAR\r\n")


def state(ws) -> tuple:
    return ([s.to_dict() for s in ws.rotation.schedules()], ws.rotation.sources(), ws.store.events())


def people(ws, name: str = "Primary") -> list[str]:
    return [o.person for o in ws.rotation.schedule(name).overrides]


def test_pagerduty_feed_imports_plain_names_by_default(workspace) -> None:
    result = workspace.rotation.import_ics(str(DATA / "pagerduty_schedule.ics"), "Primary")
    assert result.problems == ()
    assert workspace.rotation.show("Primary", datetime(2026, 11, 25, 22, 10, tzinfo=UTC))["on_call"] == "Priya Raman"
    assert "Jonathan Okonkwo-Williams" in people(workspace)  # the folded summary
    assert workspace.rotation.sources()[0]["person_pattern"] == ""


def test_a_source_stored_with_the_old_default_pattern_reads_names_next_time(workspace, tmp_path) -> None:
    rot = workspace.rotation
    path = tmp_path / "pd.ics"
    path.write_text(pagerduty(("Priya Raman", "20261123T150000Z", "20261130T150000Z")), encoding="utf-8")
    rot.import_ics(str(path), "Primary")
    workspace.store.db.conn.execute("UPDATE rotation_sources SET person_pattern = ?", (OLD_DEFAULT_PATTERN,))
    rot.import_ics(str(path), "Primary")
    assert people(workspace) == ["Priya Raman"]


def test_addresses_the_directory_knows_become_names(workspace) -> None:
    workspace.directory_service.add_person("Anne-Marie Dubois", "Anne-Marie.Dubois@msp.example")
    workspace.rotation.import_ics(str(DATA / "grafana_oncall_schedule.ics"), "Primary")
    assert people(workspace) == ["priya", "Anne-Marie Dubois", "tomas"]


def test_goalert_feed_needs_a_person_then_remembers_it(workspace) -> None:
    rot = workspace.rotation
    source = str(DATA / "goalert_subscription.ics")
    before = state(workspace)
    with pytest.raises(RotationError, match=r"names the schedule \('MSP Primary'\), not a person.*--person NAME"):
        rot.import_ics(source, "Primary")
    assert state(workspace) == before
    result = rot.import_ics(source, "Primary", person="Priya Raman")
    assert result.events == 2 and "does not say when this shift ends" in result.problems[0]
    assert workspace.store.db.conn.execute("SELECT person FROM rotation_sources").fetchone()[0] == "Priya Raman"
    again = rot.import_ics(source, "Primary")  # a refresh of the same calendar keeps whose shifts they are
    assert again.events == 2 and set(people(workspace)) == {"Priya Raman"}
    assert workspace.store.events(kind="rotation.imported")[-1]["data"]["person"] == "Priya Raman"


def test_the_whole_previous_month_is_kept(workspace, tmp_path) -> None:
    """On 25 November, October's first week is still needed for October's pay export."""
    path = tmp_path / "pd.ics"
    path.write_text(pagerduty(("Tomás Herrera", "20260928T150000Z", "20261005T150000Z"),
                              ("Priya Raman", "20261005T150000Z", "20261012T150000Z"),
                              ("Anne-Marie Dubois", "20261123T150000Z", "20261130T150000Z")), encoding="utf-8")
    workspace.rotation.import_ics(str(path), "Primary")
    assert people(workspace) == ["Tomás Herrera", "Priya Raman", "Anne-Marie Dubois"]  # 28 Sep runs into October
    oct_shifts = workspace.rotation.shifts("Primary", datetime(2026, 10, 1, tzinfo=UTC),
                                           datetime(2026, 11, 1, tzinfo=UTC))
    assert [x.person for x in oct_shifts] == ["Tomás Herrera", "Priya Raman"]


def test_from_reaches_further_back(workspace, tmp_path) -> None:
    path = tmp_path / "pd.ics"
    path.write_text(pagerduty(("Tomás Herrera", "20260803T150000Z", "20260810T150000Z"),
                              ("Priya Raman", "20261123T150000Z", "20261130T150000Z")), encoding="utf-8")
    workspace.rotation.import_ics(str(path), "Primary")
    assert people(workspace) == ["Priya Raman"]
    workspace.rotation.import_ics(str(path), "Primary", since=datetime(2026, 8, 1, tzinfo=UTC))
    assert people(workspace) == ["Tomás Herrera", "Priya Raman"]


def test_a_refresh_keeps_past_shifts_the_feed_no_longer_lists(workspace, tmp_path) -> None:
    path = tmp_path / "pd.ics"
    path.write_text(pagerduty(("Priya Raman", "20261102T150000Z", "20261109T150000Z"),
                              ("Tomás Herrera", "20261123T150000Z", "20261130T150000Z")), encoding="utf-8")
    workspace.rotation.import_ics(str(path), "Primary")
    # the feed now starts this week, and the coming week changed hands
    path.write_text(pagerduty(("Tomás Herrera", "20261123T150000Z", "20261126T150000Z"),
                              ("Anne-Marie Dubois", "20261126T150000Z", "20261130T150000Z")), encoding="utf-8")
    workspace.rotation.import_ics(str(path), "Primary")
    assert people(workspace) == ["Priya Raman", "Tomás Herrera", "Anne-Marie Dubois"]
    assert workspace.store.events(kind="rotation.imported")[-1]["data"]["kept_history"] == 1


def test_google_calendar_sets_the_new_schedules_zone(workspace) -> None:
    workspace.rotation.import_ics(str(DATA / "google_shared.ics"), "Bereitschaft")
    assert workspace.rotation.schedule("Bereitschaft").time_zone == "Europe/Berlin"
    assert workspace.rotation.sources()[0]["time_zone"] == "Europe/Berlin"


def test_link_sends_etag_and_last_modified_back(workspace, httpserver) -> None:
    feed = (DATA / "pagerduty_schedule.ics").read_bytes()
    stamp = "Tue, 24 Nov 2026 08:00:00 GMT"
    httpserver.expect_ordered_request("/feed").respond_with_data(
        feed, content_type="text/calendar; charset=utf-8", headers={"ETag": 'W/"abc"', "Last-Modified": stamp})
    httpserver.expect_ordered_request("/feed", headers={"If-None-Match": 'W/"abc"', "If-Modified-Since": stamp}
                                      ).respond_with_data("", status=304)
    rot = workspace.rotation
    assert rot.import_ics(httpserver.url_for("/feed"), "Primary").origin == "downloaded"
    second = rot.import_ics(httpserver.url_for("/feed"), "Primary")
    assert (second.origin, second.events) == ("not modified", 6)
    httpserver.check_assertions()


def test_a_webcal_link_is_read_over_https(workspace) -> None:
    """PagerDuty's and Google's subscribe buttons hand out webcal:// links (bizneo-oncall's tests)."""
    seen: list[str] = []

    class Answer:
        status_code = 200
        headers = {"Content-Type": "text/calendar; charset=utf-8", "ETag": '"w1"'}
        encoding = "utf-8"
        content = (DATA / "pagerduty_schedule.ics").read_bytes()

    def get(url, **kwargs):
        seen.append(url)
        return Answer()

    from oncall_desktop.services.rotation.service import RotationService

    rot = RotationService(workspace.store, workspace.directory_service, workspace.clock, http_get=get)
    rot.import_ics("webcal://msp-example.pagerduty.com/private/abc123/feed/P7Q2R9T", "Primary")
    assert seen == ["https://msp-example.pagerduty.com/private/abc123/feed/P7Q2R9T"]
    assert rot.sources()[0]["source"].startswith("https://")

"""RotationService against a real temporary workspace: storage, calendars, swaps, fairness, notices."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from oncall_desktop.core.rotation.compute import shifts
from oncall_desktop.core.rotation.ical import export_ics
from oncall_desktop.core.rotation.model import Layer, Override, RotationError, Schedule
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.app.view_model import MyShiftView
from oncall_desktop.services.rotation.service import RotationService, country_for_zone

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc


def weekly(name: str = "Primary", members=("Ana", "Ben", "Cem"), **kw) -> Schedule:
    layer = Layer("Weekly", list(members), datetime(2026, 11, 2, 9, tzinfo=BERLIN), "weekly", "09:00")
    return Schedule(name, "Europe/Berlin", (layer,), **kw)


def calendar(*events: tuple[str, str, str]) -> str:
    """A minimal PagerDuty-style feed: (summary, DTSTART, DTEND) in UTC basic format."""
    body = "".join(f"BEGIN:VEVENT\r\nUID:e{i}@pd.example\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:{s}\r\n"
                   f"DTSTART:{a}\r\nDTEND:{b}\r\nEND:VEVENT\r\n" for i, (s, a, b) in enumerate(events))
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


FEED = calendar(("On call: Ana", "20261125T080000Z", "20261202T080000Z"),
                ("On call: Ben", "20261202T080000Z", "20261209T080000Z"))


def state(ws) -> tuple:
    return ([s.to_dict() for s in ws.rotation.schedules()], ws.rotation.sources(), ws.store.events())


def test_workspace_exposes_one_service(workspace) -> None:
    assert isinstance(workspace.rotation, RotationService)
    assert workspace.rotation is workspace.rotation


def test_save_show_and_missing_backup(workspace) -> None:
    rot = workspace.rotation
    with pytest.raises(RotationError, match="backup schedule 'Leads', which does not exist"):
        rot.save(weekly(backup="Leads"))
    assert rot.schedules() == []
    rot.save(weekly("Leads", ("Lea", "Leo")))
    rot.save(weekly(backup="Leads"))
    shown = rot.show("Primary", datetime(2026, 11, 25, 22, 10, tzinfo=UTC))
    assert shown == {"schedule": "Primary", "at": "2026-11-25T22:10:00Z", "on_call": "Ana",
                     "shift_start": "2026-11-23T08:00:00Z", "shift_end": "2026-11-30T08:00:00Z", "backup": "Leo"}
    with pytest.raises(RotationError, match="no schedule called 'Nope'.*Leads, Primary"):
        rot.show("Nope")
    assert [e["kind"] for e in workspace.store.events()] == ["rotation.schedule_saved"] * 2


def test_rename_keeps_backup_links(workspace) -> None:
    rot = workspace.rotation
    rot.save(weekly("Leads", ("Lea", "Leo")))
    rot.save(weekly(backup="Leads"))
    rot.save(weekly("Team leads", ("Lea", "Leo")), replacing="Leads")
    assert {s.name: s.backup for s in rot.schedules()} == {"Primary": "Team leads", "Team leads": None}
    with pytest.raises(RotationError, match="backup of Primary"):
        rot.delete("Team leads")


def test_load_toml_all_or_nothing(workspace) -> None:
    rot = workspace.rotation
    good = Path(__file__).parents[3].joinpath("docs", "rotation.md").read_text(encoding="utf-8")
    example = good.split("```toml\n", 1)[1].split("```", 1)[0]
    assert [s.name for s in rot.load_toml(example)] == ["Primary", "Secondary"]
    before = state(workspace)
    broken = example.replace('turn_length = "2w"', 'turn_length = "0d"')
    with pytest.raises(RotationError, match=r"line \d+, schedule 'Secondary'.*'0d' is not a turn length"):
        rot.load_toml(broken)
    assert state(workspace) == before


def test_import_file_keeps_layers_and_swaps_and_replaces_old_calendar_events(workspace, tmp_path) -> None:
    rot = workspace.rotation
    swap = Override("Cem", datetime(2026, 11, 26, 8, tzinfo=UTC), datetime(2026, 11, 26, 12, tzinfo=UTC), "swap x")
    rot.save(weekly(overrides=(swap,)))
    path = tmp_path / "pd.ics"
    path.write_text(FEED, encoding="utf-8")
    result = rot.import_ics(str(path), "Primary")
    assert (result.events, result.origin, result.problems) == (2, "file", ())
    sched = rot.schedule("Primary")
    assert [layer.name for layer in sched.layers] == ["Weekly"]
    assert [o.person for o in sched.overrides] == ["Ana", "Ben", "Cem"]  # local swap stays on top
    assert rot.show("Primary", datetime(2026, 11, 26, 9, tzinfo=UTC))["on_call"] == "Cem"
    assert rot.show("Primary", datetime(2026, 12, 3, tzinfo=UTC))["on_call"] == "Ben"
    # a re-import replaces the calendar's events, it does not stack them
    path.write_text(calendar(("On call: Dan", "20261202T080000Z", "20261209T080000Z")), encoding="utf-8")
    rot.import_ics(str(path), "Primary")
    assert [o.person for o in rot.schedule("Primary").overrides] == ["Dan", "Cem"]
    imported = workspace.store.events(kind="rotation.imported")
    assert [e["data"]["events"] for e in imported] == [2, 1]


@pytest.mark.parametrize("text, expected", [
    ("this is not a calendar", "not a readable iCalendar"),
    (calendar(("On call: Ana", "20261125T080000Z", "not-a-date")), "nothing was imported"),
    (calendar(), "no on-call events to import, nothing was changed"),
])
def test_bad_calendar_changes_nothing(workspace, tmp_path, text, expected) -> None:
    rot = workspace.rotation
    good = tmp_path / "good.ics"
    good.write_text(FEED, encoding="utf-8")
    rot.import_ics(str(good), "Primary")
    before = state(workspace)
    bad = tmp_path / "bad.ics"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RotationError, match=expected):
        rot.import_ics(str(bad), "Primary")
    assert state(workspace) == before


def test_import_errors_in_words(workspace, tmp_path) -> None:
    with pytest.raises(RotationError, match="cannot read the calendar file .*missing.ics"):
        workspace.rotation.import_ics(str(tmp_path / "missing.ics"), "X")
    with pytest.raises(RotationError, match="must use https://"):
        workspace.rotation.import_ics("http://calendar.example.com/oncall.ics", "X")
    with pytest.raises(RotationError, match="unknown time zone 'Mars/Base'"):
        workspace.rotation.import_ics(str(tmp_path / "x.ics"), "X", time_zone="Mars/Base")


def test_import_url_with_etag_and_offline_cache(workspace, httpserver) -> None:
    rot = workspace.rotation
    httpserver.expect_ordered_request("/oncall.ics").respond_with_data(
        FEED, content_type="text/calendar", headers={"ETag": '"v1"'})
    httpserver.expect_ordered_request("/oncall.ics", headers={"If-None-Match": '"v1"'}).respond_with_data(
        "", status=304)
    url = httpserver.url_for("/oncall.ics")
    first = rot.import_ics(url, "Primary", time_zone="Europe/Berlin")
    assert (first.origin, first.events) == ("downloaded", 2)
    assert rot.sources()[0]["etag"] == '"v1"'
    second = rot.import_ics(url, "Primary")
    assert (second.origin, second.events) == ("not modified", 2)
    httpserver.check_assertions()
    assert len(httpserver.log) == 2

    # the laptop wakes up offline: the cached copy still answers
    def offline(*args, **kwargs):
        raise requests.ConnectionError("network is unreachable")

    cut_off = RotationService(workspace.store, workspace.directory_service, workspace.clock, http_get=offline)
    third = cut_off.import_ics(url, "Primary")
    assert third.origin == "offline cache" and "could not reach the calendar" in third.note
    assert cut_off.show("Primary", datetime(2026, 11, 26, tzinfo=UTC))["on_call"] == "Ana"
    with pytest.raises(RotationError, match="could not reach the calendar.*nothing was imported"):
        cut_off.import_ics(url.replace("oncall", "other"), "Other")


def test_import_url_reads_utf8_without_a_charset(workspace, httpserver) -> None:
    feed = calendar(("On call: Chloé", "20261125T080000Z", "20261202T080000Z"))
    httpserver.expect_request("/c.ics").respond_with_data(feed.encode("utf-8"), content_type="text/calendar")
    workspace.rotation.import_ics(httpserver.url_for("/c.ics"), "Primary")
    assert workspace.rotation.show("Primary", datetime(2026, 11, 26, tzinfo=UTC))["on_call"] == "Chloé"


def test_import_url_server_errors(workspace, httpserver) -> None:
    httpserver.expect_request("/gone.ics").respond_with_data("no", status=404)
    before = state(workspace)
    with pytest.raises(RotationError, match="HTTP 404 .*link may have expired"):
        workspace.rotation.import_ics(httpserver.url_for("/gone.ics"), "Primary")
    assert state(workspace) == before


def test_export_round_trip(workspace) -> None:
    rot = workspace.rotation
    rot.save(weekly())
    text = rot.export("Primary", person="Ben", months=2)
    assert "TRANSP:TRANSPARENT" in text and "BEGIN:VALARM" in text
    assert set(line for line in text.splitlines() if line.startswith("SUMMARY")) == {"SUMMARY:On call: Ben"}
    with pytest.raises(RotationError, match="Zed is not in schedule 'Primary'"):
        rot.export("Primary", person="Zed")


def test_swap_propose_accept_becomes_override_and_is_logged(workspace) -> None:
    rot = workspace.rotation
    rot.save(weekly())
    start, end = datetime(2026, 11, 28, 8, tzinfo=UTC), datetime(2026, 11, 29, 8, tzinfo=UTC)
    proposal = rot.propose_swap("Primary", "Ana", "Ben", start, end)
    assert [s["state"] for s in rot.swaps()] == ["proposed"]
    with pytest.raises(RotationError, match="only Ben can accept"):
        rot.accept_swap(proposal.id, "Cem")
    rot.accept_swap(proposal.id, "Ben")
    assert rot.show("Primary", start + timedelta(hours=3))["on_call"] == "Ben"
    final = rot.shifts("Primary", start - timedelta(hours=1), end + timedelta(hours=1))
    assert [(x.person, x.override) for x in final] == [("Ana", False), ("Ben", True), ("Ana", False)]
    kinds = [e["kind"] for e in workspace.store.events() if e["kind"].startswith("rotation.swap")]
    assert kinds == ["rotation.swap_proposed", "rotation.swap_accepted"]
    accepted = workspace.store.events(kind="rotation.swap_accepted")[0]["data"]
    assert accepted["accepted_by"] == "Ben" and accepted["id"] == proposal.id
    with pytest.raises(RotationError, match="already accepted"):
        rot.accept_swap(proposal.id, "Ben")
    with pytest.raises(RotationError, match="no swap with id 'nope'"):
        rot.accept_swap("nope", "Ben")


def test_stale_swap_is_refused_and_declines_are_logged(workspace) -> None:
    rot = workspace.rotation
    rot.save(weekly())
    start, end = datetime(2026, 11, 28, 8, tzinfo=UTC), datetime(2026, 11, 28, 20, tzinfo=UTC)
    stale = rot.propose_swap("Primary", "Ana", "Ben", start, end)
    other = rot.propose_swap("Primary", "Ana", "Cem", start, end)
    rot.accept_swap(other.id, "Cem")
    before = state(workspace)
    with pytest.raises(RotationError, match="the swap is stale"):
        rot.accept_swap(stale.id, "Ben")
    assert state(workspace) == before
    rot.decline_swap(stale.id, "Ben")
    assert {s["id"]: s["state"] for s in rot.swaps()} == {stale.id: "declined", other.id: "accepted"}
    assert workspace.store.events(kind="rotation.swap_declined")[0]["data"]["declined_by"] == "Ben"


def test_fairness_counts_german_holidays_from_the_zone(workspace) -> None:
    rot = workspace.rotation
    rot.save(weekly())
    assert country_for_zone("Europe/Berlin") == "DE" and country_for_zone("America/New_York") == "US"
    report = rot.fairness("Primary", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    by = {r.person: r.to_dict() for r in report.rows}
    # Ben covers 21–28 Dec: Christmas Day and Boxing Day (48 h) are German public holidays
    assert by["Ben"]["holiday_hours"] == 48.0
    assert by["Ana"]["holiday_hours"] == 0.0
    none = rot.fairness("Primary", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), "JP")
    assert none.row("Ben").holiday == timedelta(0)
    with pytest.raises(RotationError, match="no holiday calendar is known for 'XX'"):
        rot.fairness("Primary", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC), "XX")


def _notices(workspace, recorder) -> list[str]:
    before = len(recorder.sent)
    workspace.poll()
    return [n.title for n in recorder.sent[before:]]


def test_notices_fire_once_each_from_the_poll_cycle(workspace, recorder, fake_clock) -> None:
    workspace.rotation.save(weekly())
    workspace.store.set_setting("me", "Ben")  # Ben's next shift: Mon 30 Nov 09:00 Berlin (08:00Z)
    fake_clock.set(datetime(2026, 11, 15, 12, tzinfo=UTC))  # inside Ben's 9–16 Nov week
    assert _notices(workspace, recorder) == ["You are on call now — Primary"]
    fake_clock.set(datetime(2026, 11, 16, 8, 30, tzinfo=UTC))
    assert _notices(workspace, recorder) == ["Your Primary shift has ended", "On call in 14 days — Primary"]
    assert _notices(workspace, recorder) == []
    fake_clock.set(datetime(2026, 11, 29, 9, tzinfo=UTC))
    assert _notices(workspace, recorder) == ["On call in 23 hours — Primary"]
    assert _notices(workspace, recorder) == []
    fake_clock.set(datetime(2026, 11, 30, 8, 1, tzinfo=UTC))
    assert _notices(workspace, recorder) == ["You are on call now — Primary"]
    fake_clock.set(datetime(2026, 12, 7, 8, 5, tzinfo=UTC))
    assert _notices(workspace, recorder) == ["Your Primary shift has ended", "On call in 14 days — Primary"]
    assert _notices(workspace, recorder) == []
    logged = workspace.store.events(kind="rotation.notice")
    assert [e["data"]["kind"] for e in logged] == ["start", "end", "before", "before", "start", "end", "before"]
    assert all(not n.urgent for n in recorder.sent)


def test_after_sleep_only_the_nearest_notice_fires(workspace, recorder, fake_clock) -> None:
    workspace.rotation.save(weekly())
    workspace.store.set_setting("me", "Ben")
    workspace.store.set_setting("rotation_notice_days", [14, 3, 1])
    fake_clock.set(datetime(2026, 11, 29, 20, tzinfo=UTC))  # slept through the 14- and 3-day marks
    assert _notices(workspace, recorder) == ["On call in 12 hours — Primary"]
    fake_clock.set(datetime(2026, 11, 30, 2, tzinfo=UTC))
    assert _notices(workspace, recorder) == []


def test_no_me_no_notices_and_snapshot_shape(workspace, recorder, fake_clock) -> None:
    workspace.rotation.save(weekly())
    assert _notices(workspace, recorder) == []
    workspace.store.set_setting("me", "Ana")
    snap = workspace.rotation.snapshot("Ana")
    rows = snap["timeline"]["rows"]
    assert [r["name"] for r in rows] == ["Primary"]
    assert any(s["mine"] for s in rows[0]["shifts"]) and not all(s["mine"] for s in rows[0]["shifts"])
    assert snap["my_next"] == {"schedule": "Primary", "start": "2026-11-23T08:00:00Z",
                               "end": "2026-11-30T08:00:00Z", "now": True}
    assert snap["notice_days"] == [14, 1] and snap["swaps"] == []
    assert json.loads(json.dumps(snap)) == snap
    # the views get it typed, with instants
    assert workspace.snapshot().rotation.my_next == MyShiftView(
        "Primary", datetime(2026, 11, 23, 8, tzinfo=timezone.utc), datetime(2026, 11, 30, 8, tzinfo=timezone.utc), True)


def test_export_then_import_gives_the_same_shifts(workspace, tmp_path, fake_clock) -> None:
    sched = weekly()
    now = fake_clock.now()
    text = export_ics(sched, now=now, end=now + timedelta(days=60))
    path = tmp_path / "out.ics"
    path.write_text(text, encoding="utf-8")
    workspace.rotation.import_ics(str(path), "Copy", time_zone="Europe/Berlin")
    a, b = now, now + timedelta(days=60)
    assert [(x.person, iso(x.start), iso(x.end)) for x in workspace.rotation.shifts("Copy", a, b)] == \
        [(x.person, iso(x.start), iso(x.end)) for x in shifts(sched, a, b)]


def test_a_week_of_nights_gets_one_advance_notice(workspace, fake_clock, recorder) -> None:
    """Backup nights 17:00–09:00 for a week are one stint: one notice, not one per night."""
    from datetime import datetime, timezone

    from oncall_desktop.core.rotation.model import Layer, Restriction, Schedule

    start = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)  # two weeks out
    nights = Schedule("Nights", "UTC", (Layer("n", ["Ana Souza"], start, "weekly", "09:00",
                                                (Restriction.daily("17:00", "09:00"),)),))
    workspace.store.set_setting("me", "Ana Souza")
    workspace.rotation.save(nights)
    fake_clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc))
    due = workspace.rotation.due_notices()
    assert [n.kind for n in due] == ["before"]
    assert "Mon 07 Dec" in due[0].body or "07 Dec" in due[0].body


def test_notice_wording_counts_hours_right() -> None:
    from datetime import timedelta

    from oncall_desktop.services.rotation.service import in_words

    assert in_words(timedelta(minutes=20)) == "in 1 hour"
    assert in_words(timedelta(hours=5)) == "in 5 hours"
    assert in_words(timedelta(days=3)) == "in 3 days"


def test_advance_notice_names_the_true_end_of_the_stint(workspace, fake_clock) -> None:
    """A week on call starting in 11 days ends after the 14-day horizon: the notice says when it really ends."""
    from datetime import datetime, timezone

    from oncall_desktop.core.rotation.model import Layer, Schedule

    start = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)
    week = Schedule("Week", "UTC", (Layer("w", ["Ana Souza", "Ben Okafor"], start, "weekly", "09:00"),))
    workspace.store.set_setting("me", "Ana Souza")
    workspace.rotation.save(week)
    fake_clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc))
    (notice,) = workspace.rotation.due_notices()
    assert "Mon 14 Dec 09:00" in notice.body or "14 Dec" in notice.body

"""The ``rotation`` CLI contract: exact JSON shapes, files written, one-line errors."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from oncall_desktop.core.rotation.compute import on_call
from oncall_desktop.core.rotation.toml import load_rotation_toml
from oncall_desktop.core.time.clock import iso
from tests.cli_run import run

ROTATION = """
[[schedule]]
name = "Primary"
time_zone = "Europe/Berlin"
backup = "Secondary"

  [[schedule.layers]]
  name = "Weekly"
  members = ["Ana", "Ben", "Cem"]
  start = 2026-01-05T09:00:00
  turn_length = "weekly"

  [[schedule.overrides]]
  person = "Ovi"
  start = 2026-01-07T12:00:00
  end = 2026-01-07T14:00:00

[[schedule]]
name = "Secondary"
time_zone = "Europe/Berlin"

  [[schedule.layers]]
  name = "Leads"
  members = ["Lea", "Leo"]
  start = 2026-01-05T09:00:00
  turn_length = "2w"
"""


@pytest.fixture
def ws(tmp_path: Path, capsys) -> str:
    path = tmp_path / "rot.toml"
    path.write_text(ROTATION, encoding="utf-8")
    workspace = str(tmp_path / "ws")
    code, out, err = run(capsys, "--workspace", workspace, "rotation", "load", str(path))
    assert (code, err) == (0, "") and "Loaded 2 schedule(s)" in out
    return workspace


def test_show_json_shape(capsys, ws) -> None:
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "Primary",
                       "--at", "2026-01-07T12:30:00Z", "--json")
    assert code == 0
    assert json.loads(out) == {"schedule": "Primary", "at": "2026-01-07T12:30:00Z", "on_call": "Ovi",
                               "shift_start": "2026-01-07T11:00:00Z", "shift_end": "2026-01-07T13:00:00Z",
                               "backup": "Lea"}
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "Secondary",
                       "--at", "2025-01-01T00:00:00Z", "--json")
    assert json.loads(out) == {"schedule": "Secondary", "at": "2025-01-01T00:00:00Z", "on_call": None,
                               "shift_start": None, "shift_end": None, "backup": None}


def test_shifts_json_shape(capsys, ws) -> None:
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "shifts", "--schedule", "Primary",
                       "--from", "2026-01-07T00:00:00Z", "--to", "2026-01-13T00:00:00Z", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"person": "Ana", "start": "2026-01-07T00:00:00Z", "end": "2026-01-07T11:00:00Z", "override": False},
        {"person": "Ovi", "start": "2026-01-07T11:00:00Z", "end": "2026-01-07T13:00:00Z", "override": True},
        {"person": "Ana", "start": "2026-01-07T13:00:00Z", "end": "2026-01-12T08:00:00Z", "override": False},
        {"person": "Ben", "start": "2026-01-12T08:00:00Z", "end": "2026-01-13T00:00:00Z", "override": False},
    ]


def test_fairness_json_and_csv(capsys, ws, tmp_path) -> None:
    args = ("--workspace", ws, "rotation", "fairness", "--schedule", "Primary", "--from", "2026-01-05T08:00:00Z",
            "--to", "2026-01-26T08:00:00Z")
    code, out, _ = run(capsys, *args, "--json")
    report = json.loads(out)
    assert code == 0 and set(report) == {"schedule", "time_zone", "from", "to", "people"}
    people = {p["person"]: p for p in report["people"]}
    assert set(people["Ben"]) == {"person", "shifts", "hours", "night_hours", "weekend_hours", "holiday_hours"}
    assert people["Ben"]["hours"] == 168.0 and people["Ovi"]["hours"] == 2.0
    assert people["Ana"]["hours"] == 166.0 and people["Ana"]["shifts"] == 2
    target = tmp_path / "pay.csv"
    code, out, _ = run(capsys, *args, "--csv", str(target))
    assert code == 0 and "Wrote 4 row(s)" in out
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [r["person"] for r in rows] == ["Ana", "Ben", "Cem", "Ovi"]
    assert rows[1]["hours"] == "168.00" and rows[1]["time_zone"] == "Europe/Berlin"


def test_export_and_import_round_trip(capsys, ws, tmp_path) -> None:
    out_file = tmp_path / "ben.ics"
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "export", "--schedule", "Primary", "--person", "Ben",
                       "-o", str(out_file))
    assert code == 0 and out.startswith("Wrote ")
    text = out_file.read_text(encoding="utf-8")
    assert "TRANSP:TRANSPARENT" in text and "SUMMARY:On call: Ana" not in text
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "import", str(out_file), "--schedule", "Ben only",
                       "--tz", "Europe/Berlin", "--json")
    result = json.loads(out)
    assert code == 0 and result["origin"] == "file" and result["events"] >= 1 and result["problems"] == []
    # every imported event is one of Ben's exported shifts
    primary = load_rotation_toml(ROTATION)[0]
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "shifts", "--schedule", "Ben only",
                       "--from", "2026-01-01T00:00:00Z", "--to", "2030-01-01T00:00:00Z", "--json")
    for shift in json.loads(out):
        assert shift["person"] == "Ben" and shift["override"] is True
        assert on_call(primary, datetime.fromisoformat(shift["start"])).person == "Ben"


def test_import_with_person_pattern(capsys, ws, tmp_path) -> None:
    def event(uid: str, summary: str, start: datetime) -> str:
        fmt = "%Y%m%dT%H%M%SZ"
        return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\n"
                f"DTSTART:{start:{fmt}}\r\nDTEND:{start + timedelta(days=7):{fmt}}\r\nEND:VEVENT\r\n")

    soon = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=1)
    ics = tmp_path / "og.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n" + event("1", "[Ops] Kim (primary)", soon)
                   + event("2", "Team lunch", soon + timedelta(days=7)) + "END:VCALENDAR\r\n", encoding="utf-8")
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "import", str(ics), "--schedule", "Ops",
                       "--person-pattern", r"\] (?P<person>\w+) \(", "--json")
    result = json.loads(out)
    assert code == 0 and result["events"] == 1
    assert len(result["problems"]) == 1 and "Team lunch" in result["problems"][0] and "skipped" in result["problems"][0]
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "Ops",
                       "--at", iso(soon + timedelta(hours=1)), "--json")
    assert json.loads(out)["on_call"] == "Kim"


def test_bad_ics_is_one_readable_line_and_changes_nothing(capsys, ws, tmp_path) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_text("BEGIN:VCALENDAR\r\nthis is not ical\r\n", encoding="utf-8")
    before = run(capsys, "--workspace", ws, "rotation", "list", "--json")[1]
    code, out, err = run(capsys, "--workspace", ws, "rotation", "import", str(bad), "--schedule", "Primary")
    assert code == 1 and out == "" and err.startswith("oncall-desktop: ") and "Nothing was imported" in err
    assert "Traceback" not in err
    assert run(capsys, "--workspace", ws, "rotation", "list", "--json")[1] == before


def test_usage_errors(capsys, ws) -> None:
    code, _, err = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "Primary", "--at", "tomorrow")
    assert code == 2 and "--at: 'tomorrow' is not a date-time" in err
    code, _, err = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "Nope", "--json")
    assert code == 1 and "no schedule called 'Nope'" in err
    code, _, err = run(capsys, "--workspace", ws, "rotation")
    assert code == 2 and "'rotation' needs an action" in err


def test_swap_propose_accept_list(capsys, ws) -> None:
    primary = load_rotation_toml(ROTATION)[0]
    start = (datetime.now(timezone.utc) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    giver = on_call(primary, start)
    end = min(giver.end, start + timedelta(hours=4))
    taker = next(p for p in ("Ana", "Ben", "Cem") if p != giver.person)
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "swap", "propose", "--schedule", "Primary",
                       "--from-person", giver.person, "--to", taker, "--start", iso(start), "--end", iso(end), "--json")
    proposal = json.loads(out)
    assert code == 0 and proposal["to_person"] == taker
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "swap", "list", "--state", "proposed", "--json")
    assert [s["id"] for s in json.loads(out)] == [proposal["id"]]
    code, _, err = run(capsys, "--workspace", ws, "rotation", "swap", "accept", proposal["id"], "--by", "Zed")
    assert code == 1 and f"only {taker} can accept" in err
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "swap", "accept", proposal["id"], "--by", taker)
    assert code == 0 and "now an override" in out
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "Primary", "--at", iso(start),
                       "--json")
    assert json.loads(out)["on_call"] == taker
    code, out, _ = run(capsys, "--workspace", ws, "events", "--json")
    kinds = [e["kind"] for e in json.loads(out)]
    assert kinds[-2:] == ["rotation.swap_proposed", "rotation.swap_accepted"]


def _feed(*events: tuple[str, datetime, datetime], goalert: bool = False) -> str:
    """PagerDuty's schedule feed (ri_cal's shape, SUMMARY folded past 75 octets), or GoAlert's subscription.

    Shapes as described in tests/core/rotation/test_rotation_feeds.py; dates relative to today,
    because the command reads the real clock.
    """
    fmt = "%Y%m%dT%H%M%SZ"
    body = ""
    for i, (person, start, end) in enumerate(events):
        summary = ("SUMMARY:On-Call (GoAlert: MSP Primary)" if goalert else
                   f"SUMMARY:On Call - {person} - MSP Primary (Managed Network Services\r\n  EMEA)")
        body += (f"BEGIN:VEVENT\r\nDTEND;VALUE=DATE-TIME:{end:{fmt}}\r\nDTSTART;VALUE=DATE-TIME:{start:{fmt}}\r\n"
                 f"UID:Q{i:012d}\r\nDTSTAMP:20260101T000000Z\r\n{summary}\r\nEND:VEVENT\r\n")
    prodid = "-//GoAlert//v0.33.0//EN" if goalert else "-//com.denhaven2/NONSGML ri_cal gem//EN"
    return f"BEGIN:VCALENDAR\r\nPRODID:{prodid}\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n"


def test_import_pagerduty_feed_gives_plain_names_and_keeps_last_month(capsys, ws, tmp_path) -> None:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    month = now.replace(day=1, hour=15)
    last_month = (month - timedelta(days=1)).replace(day=1)
    ics = tmp_path / "pd.ics"
    ics.write_text(_feed(("Tomás Herrera", last_month + timedelta(days=1), last_month + timedelta(days=2)),
                         ("Priya Raman", now - timedelta(days=1), now + timedelta(days=6))), encoding="utf-8")
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "import", str(ics), "--schedule", "MSP")
    assert code == 0 and out.startswith("Imported 2 on-call event(s) into 'MSP'")
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "MSP", "--json")
    assert json.loads(out)["on_call"] == "Priya Raman"
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "shifts", "--schedule", "MSP", "--from",
                       iso(last_month), "--to", iso(month), "--json")
    assert [s["person"] for s in json.loads(out)] == ["Tomás Herrera"]


def test_import_from_reaches_further_back(capsys, ws, tmp_path) -> None:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    old = now - timedelta(days=120)
    ics = tmp_path / "pd.ics"
    ics.write_text(_feed(("Tomás Herrera", old, old + timedelta(days=7)),
                         ("Priya Raman", now, now + timedelta(days=7))), encoding="utf-8")
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "import", str(ics), "--schedule", "MSP",
                       "--from", iso(old - timedelta(days=1)), "--json")
    assert code == 0 and json.loads(out)["events"] == 2


def test_import_one_persons_feed_with_person(capsys, ws, tmp_path) -> None:
    now = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    ics = tmp_path / "goalert.ics"
    ics.write_text(_feed(("", now - timedelta(hours=1), now + timedelta(days=7)), goalert=True), encoding="utf-8")
    before = run(capsys, "--workspace", ws, "rotation", "list", "--json")[1]
    code, out, err = run(capsys, "--workspace", ws, "rotation", "import", str(ics), "--schedule", "Mine")
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "names the schedule ('MSP Primary'), not a person" in err and "--person NAME" in err
    assert run(capsys, "--workspace", ws, "rotation", "list", "--json")[1] == before
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "import", str(ics), "--schedule", "Mine",
                       "--person", "Priya Raman")
    assert code == 0 and out.startswith("Imported 1 on-call event(s)")
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "show", "--schedule", "Mine", "--json")
    assert json.loads(out)["on_call"] == "Priya Raman"
    code, out, err = run(capsys, "--workspace", ws, "rotation", "import", str(ics), "--schedule", "Mine",
                         "--person", "")   # back to the names in the events, which this feed has none of
    assert code == 1 and "--person NAME" in err


def test_import_from_must_be_a_date(capsys, ws, tmp_path) -> None:
    code, out, err = run(capsys, "--workspace", ws, "rotation", "import", str(tmp_path / "x.ics"), "--schedule",
                         "X", "--from", "last spring")
    assert code == 2 and "--from: " in err and "Traceback" not in err


def test_refresh_interval_and_refresh_now(capsys, ws, tmp_path) -> None:
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "refresh", "--every", "30")
    assert code == 0 and out == "Calendar links refresh every 30 minutes.\n"
    code, out, err = run(capsys, "--workspace", ws, "rotation", "refresh", "--every", "2")
    assert code == 1 and "0 (never) or 5 to 1440" in err and "Traceback" not in err
    code, out, _ = run(capsys, "--workspace", ws, "rotation", "refresh", "--json")
    assert code == 0 and json.loads(out) == []  # the test workspace has no calendar link
    code, out, err = run(capsys, "--workspace", ws, "rotation", "refresh", "--schedule", "Nope")
    assert code == 1 and "no schedule called 'Nope'" in err

"""Rotation files in TOML: the documented example loads, errors name the line and key."""
from __future__ import annotations

from datetime import datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from oncall_desktop.core.rotation.compute import backup_for, on_call
from oncall_desktop.core.rotation.model import Restriction, RotationError, TurnLength
from oncall_desktop.core.rotation.toml import load_rotation_toml

BERLIN = ZoneInfo("Europe/Berlin")

EXAMPLE = """\
# Two schedules; the second is the first one's backup.
[[schedule]]
name = "Primary"
time_zone = "Europe/Berlin"
backup = "Secondary"
lead = "Dana"

  [[schedule.layers]]
  name = "Business hours"
  members = ["Ana", "Ben", "Cem"]
  start = 2026-01-05T09:00:00        # local time in Europe/Berlin
  turn_length = "weekly"
  handoff_time = 09:00:00

  [[schedule.layers]]
  name = "Nights"
  members = ["Nia", "Ned"]
  start = 2026-01-05
  turn_length = "daily"
  handoff_time = "09:00"
  restrictions = [
    { days = "weekdays", from = "17:30", to = "08:30" },
    { days = ["sat", "sun"], from = "00:00", to = "00:00" },
  ]

  [[schedule.overrides]]
  person = "Ovi"
  start = 2026-01-07T12:00:00
  end = 2026-01-07T14:00:00
  note = "Ana at the dentist"

[[schedule]]
name = "Secondary"
time_zone = "America/New_York"

  [[schedule.layers]]
  name = "Week"
  members = ["Sam"]
  start = 2026-01-05T09:00:00-05:00
  turn_length = "12h"
"""


def test_example_loads_into_schedules() -> None:
    primary, secondary = load_rotation_toml(EXAMPLE)
    assert (primary.name, primary.time_zone, primary.backup, primary.lead) == (
        "Primary", "Europe/Berlin", "Secondary", "Dana")
    day, nights = primary.layers
    assert day.start == datetime(2026, 1, 5, 9, tzinfo=BERLIN)
    assert day.turn_length == TurnLength(days=7) and day.handoff_time == time(9, 0)
    assert nights.start == datetime(2026, 1, 5, tzinfo=BERLIN)
    assert len(nights.restrictions) == 7
    assert nights.restrictions[0] == Restriction(time(17, 30), 15 * 60, 1)
    assert secondary.layers[0].turn_length == TurnLength(hours=12)
    at = datetime(2026, 1, 7, 13, tzinfo=BERLIN)
    shift = on_call(primary, at)
    assert shift is not None and shift.person == "Ovi" and shift.override
    assert on_call(primary, datetime(2026, 1, 7, 20, tzinfo=BERLIN)).person == "Nia"  # type: ignore[union-attr]
    assert backup_for({"Secondary": secondary}, primary, at) == "Sam"


def test_docs_example_loads() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "rotation.md").read_text(encoding="utf-8")
    block = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    assert [s.name for s in load_rotation_toml(block)]


def broken(old: str, new: str) -> str:
    assert old in EXAMPLE
    return EXAMPLE.replace(old, new, 1)


@pytest.mark.parametrize("text, message", [
    (broken('turn_length = "daily"', 'turn_length = "0d"'),
     r"^line 19, schedule 'Primary': layer 2, 'turn_length': layer 'Nights': '0d' is not a turn length"),
    (broken('members = ["Nia", "Ned"]', "members = []"), r"^line 17, schedule 'Primary': layer 2, 'members'.*no members"),
    (broken('time_zone = "America/New_York"', 'time_zone = "America/Gotham"'),
     r"^line 34, schedule 'Secondary': 'time_zone': unknown time zone 'America/Gotham'"),
    (broken('{ days = "weekdays"', '{ days = "workdays"'), r"^line 21, .*restriction 1.*'workdays' is not a weekday"),
    (broken('end = 2026-01-07T14:00:00', 'end = 2026-01-07T11:00:00'), r"^line 29, .*override 1, 'end'"),
    (broken('members = ["Ana", "Ben", "Cem"]', 'memebrs = ["Ana"]'), r"^line 10, .*unknown key 'memebrs'"),
    (broken('name = "Secondary"', 'name = "Primary"'), r"^line 33: two schedules are called 'Primary'"),
    (broken("lead = \"Dana\"", "lead = \"Dana"), r"not valid TOML.*line 6"),
    ("owner = 'me'\n", r"^line 1: unknown top-level key 'owner'"),
    ("", "no \\[\\[schedule\\]\\] table"),
])
def test_errors_name_the_line_and_key(text: str, message: str) -> None:
    with pytest.raises(RotationError, match=message):
        load_rotation_toml(text)


def test_offset_date_times_are_kept() -> None:
    (_, secondary) = load_rotation_toml(EXAMPLE)
    assert secondary.layers[0].start == datetime(2026, 1, 5, 14, tzinfo=timezone.utc)

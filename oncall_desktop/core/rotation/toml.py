"""Rotations written by hand in TOML, so tech leads can keep them in version control.

The TOML uses the same keys as the stored JSON form (see docs/rotation.md),
with two comforts: dates and times may be written as TOML date-times, and a
date-time without an offset is local time in the schedule's own zone.  Every
error names the line and the key to fix.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from oncall_desktop.core.rotation.model import RotationError, Schedule, zone_of

_HEADER = re.compile(r"^\s*\[\[\s*schedule(?:\.(layers|overrides))?\s*\]\]")
_ANY_HEADER = re.compile(r"^\s*\[")


def load_rotation_toml(text: str) -> list[Schedule]:
    """Parse a rotation file into schedules (several per file, as ``[[schedule]]`` tables)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise RotationError(f"the rotation file is not valid TOML: {err}") from None
    unknown = sorted(set(data) - {"schedule"})
    if unknown:
        raise RotationError(f"line {_key_line(text.splitlines(), 0, len(text.splitlines()), unknown[0])}: unknown "
                            f"top-level key '{unknown[0]}'; a rotation file holds [[schedule]] tables only")
    tables = data.get("schedule")
    if not isinstance(tables, list) or not tables:
        raise RotationError("the rotation file has no [[schedule]] table; see docs/rotation.md for an example")
    schedules: list[Schedule] = []
    for i, table in enumerate(tables):
        try:
            schedules.append(Schedule.from_dict(_localised(table)))
        except RotationError as err:
            located = err.within("schedule", i)
            name = table.get("name")
            label = f"schedule '{name}'" if isinstance(name, str) else f"schedule {i + 1}"
            raise RotationError(f"line {_line_of(text, located.path)}, {label}: {err}", located.path,
                                show_path=False) from None
    names = [s.name for s in schedules]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise RotationError(f"line {_line_of(text, ('schedule', i, 'name'))}: two schedules are called "
                                f"'{name}'; give each its own name", ("schedule", i, "name"), show_path=False)
    return schedules


def _localised(table: Mapping[str, Any]) -> dict[str, Any]:
    """TOML local date-times → aware in the schedule's zone; times → 'HH:MM'."""
    zone_name = table.get("time_zone")
    zone = None
    if isinstance(zone_name, str):
        try:
            zone = zone_of(zone_name)
        except RotationError as err:
            raise err.within("time_zone") from None

    def convert(value: Any, key: str, path: tuple[str | int, ...]) -> Any:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                if zone is None:
                    raise RotationError("set time_zone before using local date-times", path)
                return value.replace(tzinfo=zone)
            return value
        if isinstance(value, date):
            if zone is None:
                raise RotationError("set time_zone before using dates", path)
            return datetime(value.year, value.month, value.day, tzinfo=zone)
        if isinstance(value, time):
            return value.strftime("%H:%M") if not (value.second or value.microsecond) else value
        if isinstance(value, Mapping):
            return {k: convert(v, k, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v, key, path + (n,)) for n, v in enumerate(value)]
        return value

    return {k: convert(v, k, (k,)) for k, v in table.items()}


def _line_of(text: str, path: tuple[str | int, ...]) -> int:
    """Best-effort 1-based line for a path like ('schedule', 0, 'layers', 1, 'turn_length')."""
    lines = text.splitlines()
    index = path[1] if len(path) > 1 and isinstance(path[1], int) else 0
    rest = path[2:]
    starts = [n for n, line in enumerate(lines) if (m := _HEADER.match(line)) and m.group(1) is None]
    if index >= len(starts):
        return 1
    begin = starts[index]
    end = starts[index + 1] if index + 1 < len(starts) else len(lines)
    if len(rest) >= 2 and rest[0] in ("layers", "overrides") and isinstance(rest[1], int):
        subs = [n for n in range(begin, end) if (m := _HEADER.match(lines[n])) and m.group(1) == rest[0]]
        if rest[1] < len(subs):
            sub = subs[rest[1]]
            stop = next((n for n in range(sub + 1, end) if _ANY_HEADER.match(lines[n])), end)
            key = next((k for k in rest[2:] if isinstance(k, str)), None)
            return _key_line(lines, sub, stop, key) if key else sub + 1
        key = rest[0]
    else:
        key = next((k for k in rest if isinstance(k, str)), None)
    stop = next((n for n in range(begin + 1, end) if _ANY_HEADER.match(lines[n])), end)
    return _key_line(lines, begin, stop, key) if key else begin + 1


def _key_line(lines: list[str], begin: int, stop: int, key: str | None) -> int:
    if key:
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for n in range(begin, stop):
            if pattern.match(lines[n]):
                return n + 1
    return begin + 1

"""What a rotation schedule *is*: the model, and how it is read and validated.

Schedule, Layer (with its TurnLength and Restriction windows), Override and
Shift are frozen values that check themselves when built and convert to and
from the dict form kept in SQLite and written in TOML; every mistake is a
RotationError that says where to fix it ("layer 2, 'turn_length': ...").

It stands apart from :mod:`oncall_desktop.core.rotation.compute`, which *computes* from a
schedule (turns, the stacked timeline, who is on call, who is next): reading
and validating a schedule change for other reasons than that arithmetic does.
rotation imports this module, never the reverse; callers import the model
from here and the arithmetic from there.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oncall_desktop.core.time.clock import as_utc, iso, parse_instant

_SINGULAR = {"layers": "layer", "overrides": "override", "restrictions": "restriction",
             "members": "member", "schedule": "schedule"}


class RotationError(ValueError):
    """A schedule that cannot be used; the message says what and where to fix.

    ``path`` is the location inside the dict/TOML form (keys and 0-based
    indexes) so a file loader can point at the line.
    """

    def __init__(self, message: str, path: Sequence[str | int] = (), *, show_path: bool = True) -> None:
        self.message = message
        self.path = tuple(path)
        self.show_path = show_path
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.path or not self.show_path:
            return self.message
        parts: list[str] = []
        items = list(self.path)
        i = 0
        while i < len(items):
            key = items[i]
            if isinstance(key, str) and i + 1 < len(items) and isinstance(items[i + 1], int):
                parts.append(f"{_SINGULAR.get(key, key)} {int(items[i + 1]) + 1}")
                i += 2
            else:
                parts.append(f"'{key}'" if isinstance(key, str) else f"item {key + 1}")
                i += 1
        return f"{', '.join(parts)}: {self.message}"

    def within(self, *outer: str | int) -> RotationError:
        """The same error, located inside an enclosing key."""
        return RotationError(self.message, tuple(outer) + self.path)


@cache
def zone_of(name: str) -> ZoneInfo:
    """The IANA zone, or a RotationError a person can act on."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise RotationError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin or America/New_York"
        ) from None

def read_instant(value: Any, what: str) -> datetime:
    """A datetime or ISO text as UTC, or a RotationError naming ``what``."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str):
        try:
            return parse_instant(value)
        except ValueError as err:
            raise RotationError(str(err), (what,)) from None
    raise RotationError(f"expected a date-time such as 2026-01-05T09:00:00Z, got {value!r}", (what,))


def _clock_time(value: Any, what: str) -> time:
    """A whole-minute time of day from ``time`` or 'HH:MM'."""
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value.strip())
        except ValueError:
            raise RotationError(f"{value!r} is not a time of day; write it as HH:MM, e.g. 09:00", (what,)) from None
    if not isinstance(value, time):
        raise RotationError(f"expected a time of day such as 09:00, got {value!r}", (what,))
    if value.second or value.microsecond or value.tzinfo is not None:
        raise RotationError(f"{value} must be a plain whole minute such as 17:30 (no seconds, no zone)", (what,))
    return value


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def read_name(value: Any, what: str) -> str:
    """A person's or schedule's name, stripped; empty is a RotationError naming ``what``."""
    if not isinstance(value, str) or not value.strip():
        raise RotationError(f"needs a non-empty name, got {value!r}", (what,))
    return value.strip()


def check_table(data: Any, allowed: Collection[str], required: Collection[str], what: str) -> Mapping[str, Any]:
    """``data`` as a mapping with only ``allowed`` keys and every ``required`` one, else a RotationError."""
    if not isinstance(data, Mapping):
        raise RotationError(f"a {what} must be a table/object, got {type(data).__name__}")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise RotationError(f"unknown key {unknown[0]!r} in a {what}; expected some of: {', '.join(sorted(allowed))}",
                            (unknown[0],))
    for key in required:
        if key not in data or data[key] is None:
            raise RotationError(f"a {what} needs '{key}'", (key,))
    return data


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class TurnLength:
    """How long one member's turn lasts.

    ``days`` turns count local calendar days, so a 09:00 handoff stays at
    09:00 across DST and a turn spanning the change lasts 23 or 25 hours.
    ``hours`` turns are real elapsed hours (a 12 h turn is always 12 h).
    """

    days: int = 0
    hours: int = 0

    def __post_init__(self) -> None:
        for value in (self.days, self.hours):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise RotationError(f"turn length must be whole days or hours, got {value!r}")
        if (self.days > 0) == (self.hours > 0):
            raise RotationError("turn length must be more than zero, in days or in hours (not both), e.g. 7d or 12h")
        if self.days > 366 or self.hours > 366 * 24:
            raise RotationError("a turn may last at most one year")

    @classmethod
    def parse(cls, value: Any) -> TurnLength:
        """Accept 'daily', 'weekly', '3d', '2w', '12h' or a TurnLength."""
        if isinstance(value, TurnLength):
            return value
        if isinstance(value, Mapping):
            return cls(days=value.get("days", 0), hours=value.get("hours", 0))
        text = str(value).strip().lower()
        named = {"daily": cls(days=1), "weekly": cls(days=7), "fortnightly": cls(days=14)}
        if text in named:
            return named[text]
        unit, number = text[-1:], text[:-1].strip()
        if number.isdigit() and unit in "dwh":
            count = int(number)
            if count > 0:
                if unit == "h":
                    return cls(hours=count)
                return cls(days=count * (7 if unit == "w" else 1))
        raise RotationError(f"{value!r} is not a turn length; use daily, weekly, a number of days (3d), weeks (2w) "
                            "or hours (12h), more than zero")

    def __str__(self) -> str:
        return f"{self.days}d" if self.days else f"{self.hours}h"

    @property
    def approx(self) -> timedelta:
        """Nominal length (ignores DST): for sizing search windows only."""
        return timedelta(days=self.days, hours=self.hours)


_WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


@dataclass(frozen=True)
class Restriction:
    """A window in which a layer is active, in the schedule's local wall-clock time.

    ``day`` None means every day (a daily window); 1–7 (ISO, Monday = 1)
    means once a week starting that day.  Any minute is allowed, and windows
    may run past midnight (17:00 + 16 h ends 09:00 next morning).
    """

    start: time
    minutes: int
    day: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _clock_time(self.start, "start"))
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int) or self.minutes <= 0:
            raise RotationError(f"a restriction must last a positive number of minutes, got {self.minutes!r}")
        if self.day is None:
            if self.minutes > 24 * 60:
                raise RotationError("a daily restriction lasts at most 24 hours; use weekly windows for longer ones")
        else:
            if isinstance(self.day, bool) or self.day not in range(1, 8):
                raise RotationError(f"day must be 1 (Monday) … 7 (Sunday), got {self.day!r}")
            if self.minutes > 7 * 24 * 60:
                raise RotationError("a weekly restriction lasts at most 7 days")

    @property
    def kind(self) -> str:
        return "daily" if self.day is None else "weekly"

    @classmethod
    def daily(cls, start: str | time, end: str | time) -> Restriction:
        """Every day from ``start`` to ``end`` (end ≤ start means next day; equal means 24 h)."""
        return cls(_clock_time(start, "from"), _span_minutes(start, end))

    @classmethod
    def on_days(cls, days: Sequence[int | str], start: str | time, end: str | time) -> tuple[Restriction, ...]:
        """One weekly window per listed day, e.g. weekdays 17:00–09:00."""
        minutes = _span_minutes(start, end)
        return tuple(cls(_clock_time(start, "from"), minutes, _weekday(d)) for d in _expand_days(days))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": _hhmm(self.start), "minutes": self.minutes, "day": self.day}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Restriction:
        data = check_table(data, ("kind", "start", "minutes", "day"), ("start", "minutes"), "restriction")
        kind = data.get("kind")
        day = data.get("day")
        if kind not in (None, "daily", "weekly"):
            raise RotationError(f"kind must be 'daily' or 'weekly', got {kind!r}", ("kind",))
        if kind == "weekly" and day is None:
            raise RotationError("a weekly restriction needs 'day' (1 = Monday … 7 = Sunday)", ("day",))
        return cls(_clock_time(data["start"], "start"), data["minutes"],
                   None if kind == "daily" else (None if day is None else _weekday(day)))


def _span_minutes(start: str | time, end: str | time) -> int:
    a, b = _clock_time(start, "from"), _clock_time(end, "to")
    minutes = (b.hour * 60 + b.minute - a.hour * 60 - a.minute) % (24 * 60)
    return minutes or 24 * 60


def _weekday(value: int | str) -> int:
    if isinstance(value, str) and value.strip().lower()[:3] in _WEEKDAYS:
        return _WEEKDAYS[value.strip().lower()[:3]]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return value
    raise RotationError(f"{value!r} is not a weekday; use mon … sun or 1 (Monday) … 7 (Sunday)")


def _expand_days(days: Sequence[int | str] | str) -> list[int | str]:
    groups = {"weekdays": [1, 2, 3, 4, 5], "weekends": [6, 7], "daily": list(range(1, 8))}
    items = [days] if isinstance(days, (str, int)) else list(days)
    out: list[int | str] = []
    for item in items:
        out.extend(groups.get(item.strip().lower(), [item]) if isinstance(item, str) else [item])
    if not out:
        raise RotationError("'days' is empty; list weekdays such as [\"mon\", \"fri\"] or \"weekdays\"")
    return out


def _restrictions_from(items: Any) -> tuple[Restriction, ...]:
    """Canonical restriction dicts, or the friendly form {days, from, to}."""
    if not isinstance(items, (list, tuple)):
        raise RotationError("'restrictions' must be a list of windows", ())
    out: list[Restriction] = []
    for i, item in enumerate(items):
        try:
            if isinstance(item, Restriction):
                out.append(item)
            elif isinstance(item, Mapping) and ("from" in item or "to" in item):
                check_table(item, ("days", "from", "to"), ("from", "to"), "restriction")
                if item.get("days") in (None, "daily"):
                    out.append(Restriction.daily(item["from"], item["to"]))
                else:
                    out.extend(Restriction.on_days(item["days"], item["from"], item["to"]))
            else:
                out.append(Restriction.from_dict(item))
        except RotationError as err:
            raise err.within("restrictions", i) from None
    return tuple(out)


@dataclass(frozen=True)
class Layer:
    """Members taking turns in order.

    ``members[0]`` is on call from ``start``; handoffs happen at
    ``handoff_time`` local (default: the local time of ``start``) every
    ``turn_length``, counted from the local date of ``start``.  If ``start``
    lies before that day's handoff, the first turn simply runs a little longer.
    """

    name: str
    members: tuple[str, ...]
    start: datetime
    turn_length: TurnLength
    handoff_time: time | None = None
    restrictions: tuple[Restriction, ...] = ()
    end: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", read_name(self.name, "name"))
        members = self.members
        if isinstance(members, str) or not isinstance(members, (list, tuple)):
            raise RotationError(f"layer '{self.name}': members must be a list of names", ("members",))
        if not members:
            raise RotationError(f"layer '{self.name}' has no members; add at least one person", ("members",))
        object.__setattr__(self, "members", tuple(read_name(m, "members") for m in members))
        object.__setattr__(self, "start", read_instant(self.start, "start"))
        try:
            object.__setattr__(self, "turn_length", TurnLength.parse(self.turn_length))
        except RotationError as err:
            raise RotationError(f"layer '{self.name}': {err.message}", ("turn_length",)) from None
        if self.handoff_time is not None:
            object.__setattr__(self, "handoff_time", _clock_time(self.handoff_time, "handoff_time"))
        object.__setattr__(self, "restrictions", _restrictions_from(self.restrictions))
        if self.end is not None:
            end = read_instant(self.end, "end")
            object.__setattr__(self, "end", end)
            if end <= self.start:
                raise RotationError(f"layer '{self.name}' ends ({iso(end)}) before it starts ({iso(self.start)})",
                                    ("end",))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "members": list(self.members), "start": iso(self.start),
            "turn_length": str(self.turn_length),
            "handoff_time": None if self.handoff_time is None else _hhmm(self.handoff_time),
            "restrictions": [r.to_dict() for r in self.restrictions],
            "end": None if self.end is None else iso(self.end),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Layer:
        data = check_table(data, ("name", "members", "start", "turn_length", "handoff_time", "restrictions", "end"),
                           ("name", "members", "start", "turn_length"), "layer")
        return cls(data["name"], data["members"], data["start"], data["turn_length"],
                   data.get("handoff_time"), data.get("restrictions") or (), data.get("end"))


@dataclass(frozen=True)
class Override:
    """``person`` covers from ``start`` to ``end``, whatever the layers say."""

    person: str
    start: datetime
    end: datetime
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "person", read_name(self.person, "person"))
        object.__setattr__(self, "start", read_instant(self.start, "start"))
        object.__setattr__(self, "end", read_instant(self.end, "end"))
        if self.end <= self.start:
            raise RotationError(f"override for {self.person} ends ({iso(self.end)}) before it starts "
                                f"({iso(self.start)})", ("end",))

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.person, "start": iso(self.start), "end": iso(self.end), "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Override:
        data = check_table(data, ("person", "start", "end", "note"), ("person", "start", "end"), "override")
        return cls(data["person"], data["start"], data["end"], str(data.get("note") or ""))


@dataclass(frozen=True)
class Shift:
    """One final stretch of one person on call.

    ``layer`` is the layer that produced it; None for overrides and for a
    shift merged from pieces of different layers.
    """

    person: str
    start: datetime
    end: datetime
    override: bool = False
    layer: str | None = None

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.person, "start": iso(self.start), "end": iso(self.end),
                "override": self.override, "layer": self.layer}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Shift:
        data = check_table(data, ("person", "start", "end", "override", "layer"), ("person", "start", "end"), "shift")
        return cls(read_name(data["person"], "person"), read_instant(data["start"], "start"),
                   read_instant(data["end"], "end"), bool(data.get("override", False)), data.get("layer"))


@dataclass(frozen=True)
class Schedule:
    """A rotation: layers bottom → top (later ones win), overrides above all.

    ``backup`` names another schedule (escalation level 2); ``lead`` is a
    person (level 3).  Both are used by the ack clock.
    """

    name: str
    time_zone: str
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Override, ...] = ()
    backup: str | None = None
    lead: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", read_name(self.name, "name"))
        _zone_name(self.time_zone)
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "overrides", tuple(self.overrides))
        seen: set[str] = set()
        for i, layer in enumerate(self.layers):
            if layer.name in seen:
                raise RotationError(f"two layers are called '{layer.name}'; give each layer its own name",
                                    ("layers", i, "name"))
            seen.add(layer.name)
        if self.backup is not None:
            object.__setattr__(self, "backup", read_name(self.backup, "backup"))
            if self.backup == self.name:
                raise RotationError(f"schedule '{self.name}' cannot be its own backup", ("backup",))
        if self.lead is not None:
            object.__setattr__(self, "lead", read_name(self.lead, "lead"))

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.time_zone)

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone named by a layer or an override, first appearance first."""
        names = [m for layer in self.layers for m in layer.members] + [o.person for o in self.overrides]
        return tuple(dict.fromkeys(names))

    def with_override(self, override: Override) -> Schedule:
        return replace(self, overrides=self.overrides + (override,))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "time_zone": self.time_zone,
                "layers": [layer.to_dict() for layer in self.layers],
                "overrides": [o.to_dict() for o in self.overrides],
                "backup": self.backup, "lead": self.lead}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schedule:
        """Build and validate a schedule from its JSON form (as stored in SQLite)."""
        data = check_table(data, ("name", "time_zone", "layers", "overrides", "backup", "lead"),
                           ("name", "time_zone"), "schedule")
        for key in ("layers", "overrides"):
            if not isinstance(data.get(key) or [], (list, tuple)):
                raise RotationError(f"'{key}' must be a list", (key,))
        try:
            _zone_name(data["time_zone"])
        except RotationError as err:
            raise err.within("time_zone") from None
        layers = tuple(_each(data.get("layers"), "layers", Layer.from_dict))
        overrides = tuple(_each(data.get("overrides"), "overrides", Override.from_dict))
        return cls(data["name"], data["time_zone"], layers, overrides, data.get("backup"), data.get("lead"))


def _each(items: Any, key: str, build: Callable[[Any], Any]) -> Iterator[Any]:
    """Build every item of a list, locating any error at ``key[i]``."""
    for i, item in enumerate(items or []):
        try:
            yield build(item)
        except RotationError as err:
            raise err.within(key, i) from None


def _zone_name(value: Any) -> ZoneInfo:
    if not isinstance(value, str):
        raise RotationError(f"time_zone must be an IANA name such as Europe/Berlin, got {value!r}")
    return zone_of(value)

"""Maintenance windows: planned work that must not wake anybody.

A technician patching Acme's SQL server at 22:00 knows the server will be
"down"; the tickets that monitoring opens meanwhile should not page the person
on call.  A window names the client(s) and/or the systems it covers, so work on
one client's server never hides an outage at another client.  Suppression is
always *reported* by the escalation rules — a window only ever turns a page
into a visible "suppressed: …" reason, never into silence.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import UTC, as_utc, iso, parse_instant


class MaintenanceError(ValueError):
    """A window that cannot be used; the message says which field to fix."""


class Terms:
    """A word list compiled once for whole-word, case-insensitive search.

    Shared by maintenance windows (system names) and the escalation rules
    (keywords, production systems) so that "download" never matches "down"
    anywhere in the app.  Texts are searched lower-cased: a plain substring
    test (C speed) rules most tickets out, and only a hit is confirmed with
    the whole-word pattern — this keeps a 10,000-ticket poll in milliseconds.
    Boundaries are look-arounds rather than ``\\b`` so names like ``SQL-01``
    or ``C++`` still match only as whole tokens.
    """

    __slots__ = ("words", "lowered", "_spelling", "_regex")

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(dict.fromkeys(w.strip() for w in words if w and w.strip()))
        self.lowered = tuple(dict.fromkeys(w.lower() for w in self.words))
        self._spelling = {w.lower(): w for w in reversed(self.words)}
        pattern = "|".join(re.escape(w) for w in sorted(self.lowered, key=len, reverse=True))
        self._regex = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)") if pattern else None

    def __bool__(self) -> bool:
        return bool(self.words)

    def find(self, lowered_text: str) -> str | None:
        """The configured spelling of the first whole-word hit, or ``None``.

        ``lowered_text`` must already be ``str.lower()``-ed (done once per
        ticket by the caller, not once per rule).
        """
        for word in self.lowered:
            if word in lowered_text:
                return self.confirm(lowered_text)
        return None

    def confirm(self, lowered_text: str) -> str | None:
        """:meth:`find` without the substring pre-check, for a caller that has made it already."""
        match = self._regex.search(lowered_text) if self._regex is not None else None
        return self._spelling.get(match.group(0), match.group(0)) if match else None


@dataclass(frozen=True)
class MaintenanceWindow:
    """Planned work from ``start`` (inclusive) to ``end`` (exclusive).

    ``clients`` empty means "any client"; ``systems`` empty means "any system
    of those clients".  At least one of them must be given: a window covering
    everything would switch paging off for the whole MSP.
    """

    start: datetime
    end: datetime
    clients: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    note: str = ""
    _clients_key: frozenset[str] = field(init=False, repr=False, compare=False)
    _systems: Terms = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start))
        object.__setattr__(self, "end", as_utc(self.end))
        object.__setattr__(self, "clients", tuple(c.strip() for c in self.clients if c.strip()))
        object.__setattr__(self, "systems", tuple(s.strip() for s in self.systems if s.strip()))
        if self.end <= self.start:
            raise MaintenanceError(
                f"maintenance window ends ({iso(self.end)}) before it starts ({iso(self.start)}); "
                "swap the times or fix the end"
            )
        if not self.clients and not self.systems:
            raise MaintenanceError(
                "a maintenance window needs at least one client or system; "
                "one covering everything would silence every page"
            )
        object.__setattr__(self, "_clients_key", frozenset(c.casefold() for c in self.clients))
        object.__setattr__(self, "_systems", Terms(self.systems))

    def active(self, now: datetime) -> bool:
        return self.start <= now < self.end

    def matches(self, ticket: Ticket) -> bool:
        """Whether the ticket is about the work this window covers."""
        if self._clients_key and ticket.client.casefold() not in self._clients_key:
            return False
        if self._systems:
            return bool(self._systems.find(ticket.title.lower()) or self._systems.find(ticket.body.lower()))
        return True

    def label(self, tz: tzinfo = UTC) -> str:
        """Short human form: ``maintenance window 22:00–02:00 for Acme``.

        Times are shown in the technician's zone; a window longer than a day
        shows dates too, because "22:00–02:00" would then be ambiguous.
        """
        start, end = self.start.astimezone(tz), self.end.astimezone(tz)
        if end - start <= timedelta(days=1):
            span = f"{start:%H:%M}–{end:%H:%M}"
        else:
            span = f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"
        scope = ", ".join(self.clients) if self.clients else "any client"
        if self.systems:
            scope += f" ({', '.join(self.systems)})"
        text = f"maintenance window {span} for {scope}"
        return f"{text} — {self.note}" if self.note else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": iso(self.start),
            "end": iso(self.end),
            "clients": list(self.clients),
            "systems": list(self.systems),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MaintenanceWindow:
        if not isinstance(data, Mapping):
            raise MaintenanceError("a maintenance window must be an object with start, end and clients/systems")
        unknown = sorted(set(data) - {"start", "end", "clients", "systems", "note"})
        if unknown:
            raise MaintenanceError(f"unknown maintenance window field(s): {', '.join(unknown)}")
        times: dict[str, datetime] = {}
        for key in ("start", "end"):
            if key not in data:
                raise MaintenanceError(f"maintenance window is missing '{key}'")
            value = data[key]
            if isinstance(value, datetime):
                times[key] = as_utc(value)
                continue
            try:
                times[key] = parse_instant(str(value))
            except ValueError as exc:
                raise MaintenanceError(f"maintenance window '{key}': {exc}") from None
        return cls(
            start=times["start"],
            end=times["end"],
            clients=_names(data.get("clients", ()), "clients"),
            systems=_names(data.get("systems", ()), "systems"),
            note=str(data.get("note", "") or ""),
        )


def _names(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise MaintenanceError(f"maintenance window '{key}' must be a list of names such as [\"Acme\"]")
    return tuple(value)


def active_windows(windows: Iterable[MaintenanceWindow], now: datetime) -> list[MaintenanceWindow]:
    """The windows in force at ``now``, earliest start first."""
    now = as_utc(now)
    return sorted((w for w in windows if w.active(now)), key=lambda w: (w.start, w.end))


def suppressing_window(
    windows: Iterable[MaintenanceWindow], ticket: Ticket, now: datetime
) -> MaintenanceWindow | None:
    """The first active window covering ``ticket``, or ``None``."""
    for window in active_windows(windows, now):
        if window.matches(ticket):
            return window
    return None

"""Shift handoff notes: what the outgoing tech tells the incoming one.

Why drafted from the event log: at 08:55 after a bad night nobody writes a
good handoff from memory.  The log already knows which pages are still open,
what was resolved and worked on, and which deadlines and maintenance windows
fall in the next shift; the tech only edits.  Instants are stored in UTC and
rendered in the *reader's* zone, so follow-the-sun teams read their own clock.
A handoff travels as one JSON file (team folder) or as plain text (an internal
ticket note); ``from_dict`` validates files written by other machines.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from oncall_desktop.core.paging.maintenance import MaintenanceWindow
from oncall_desktop.core.time.clock import STAMP, UTC, as_utc, iso, local_time, parse_instant

#: Deadlines and windows this far into the next shift count as time-sensitive.
LOOKAHEAD = timedelta(hours=12)
FORMAT_VERSION = 1
_LIST_FIELDS = ("open_pages", "done", "time_sensitive")


class HandoffError(ValueError):
    """A handoff that cannot be used; the message names the field or file to fix."""


@dataclass(frozen=True)
class Handoff:
    """One handoff note.  ``for_person`` empty means "whoever is on next"."""

    author: str
    written_at: datetime
    open_pages: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    time_sensitive: tuple[str, ...] = ()
    notes: str = ""
    for_person: str = ""
    shift_start: datetime | None = None
    shift_end: datetime | None = None
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not isinstance(self.author, str) or not self.author.strip():
            raise HandoffError("a handoff needs its author's name (set 'me' in Settings)")
        object.__setattr__(self, "author", self.author.strip())
        object.__setattr__(self, "written_at", as_utc(self.written_at).replace(microsecond=0))
        for name in _LIST_FIELDS:
            object.__setattr__(self, name, tuple(str(x).strip() for x in getattr(self, name) if str(x).strip()))
        for name in ("shift_start", "shift_end"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value))
        if not self.id:
            object.__setattr__(self, "id", handoff_id(self.author, self.written_at))

    @property
    def empty(self) -> bool:
        return not (self.open_pages or self.done or self.time_sensitive or self.notes.strip())

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, "id": self.id, "author": self.author, "written_at": iso(self.written_at),
                "for_person": self.for_person,
                "shift_start": iso(self.shift_start) if self.shift_start else None,
                "shift_end": iso(self.shift_end) if self.shift_end else None,
                "open_pages": list(self.open_pages), "done": list(self.done),
                "time_sensitive": list(self.time_sensitive), "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Any, where: str = "handoff") -> Handoff:
        if not isinstance(data, Mapping):
            raise HandoffError(f"{where}: expected a JSON object with author, written_at and the lists")
        version = data.get("format", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise HandoffError(f"{where}: written by a newer oncall-desktop (format {version!r}); update the app")
        times: dict[str, datetime | None] = {}
        for key in ("written_at", "shift_start", "shift_end"):
            value = data.get(key)
            if value in (None, "") and key != "written_at":
                times[key] = None
                continue
            try:
                times[key] = parse_instant(str(value))
            except ValueError as exc:
                raise HandoffError(f"{where}: '{key}': {exc}") from None
        lists: dict[str, tuple[str, ...]] = {}
        for key in _LIST_FIELDS:
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                raise HandoffError(f"{where}: '{key}' must be a list of lines of text")
            lists[key] = tuple(value)
        for key in ("author", "notes", "for_person", "id"):
            if not isinstance(data.get(key, ""), str):
                raise HandoffError(f"{where}: '{key}' must be text")
        written = times["written_at"]
        assert written is not None
        return cls(author=str(data.get("author", "")), written_at=written, notes=str(data.get("notes", "")),
                   for_person=str(data.get("for_person", "")), shift_start=times["shift_start"],
                   shift_end=times["shift_end"], id=str(data.get("id", "")), **lists)


def handoff_id(author: str, written_at: datetime) -> str:
    """Sortable, file-name safe and unique per author and second: ``20261126T0855Z-ana-souza``."""
    slug = re.sub(r"[^a-z0-9]+", "-", author.lower()).strip("-") or "someone"
    return f"{as_utc(written_at):%Y%m%dT%H%M%SZ}-{slug}"


# ------------------------------------------------------------------- draft --

def _local(value: datetime, tz: tzinfo) -> str:
    return local_time(value, "%a %H:%M", tz)


def _page_line(page: Mapping[str, Any], tz: tzinfo) -> str:
    state = str(page.get("state", ""))
    who = page.get("acknowledged_by") or page.get("person") or ""
    line = f"{page.get('client', 'unknown')} — {page.get('title', page.get('ticket', ''))} ({state}"
    if who and state != "pending":
        line += f" by {who}"
    return line + f"; ticket {page.get('ticket', '')})"


def draft(*, author: str, now: datetime, since: datetime, events: Iterable[Mapping[str, Any]],
          open_pages: Sequence[Mapping[str, Any]], titles: Mapping[str, tuple[str, str]] | None = None,
          windows: Sequence[MaintenanceWindow] = (), tz: tzinfo = UTC, for_person: str = "",
          shift_end: datetime | None = None) -> Handoff:
    """A first version of the handoff from what the log says happened since ``since``.

    ``open_pages`` are Now's page rows; ``titles`` maps ticket id → (client,
    title) for lines about tickets no longer open.
    """
    now, since = as_utc(now), as_utc(since)
    titles = titles or {}

    def about(ticket: str) -> str:
        client, title = titles.get(ticket, ("", ticket))
        return f"{client} — {title}" if client else title

    done: list[str] = []
    worked: dict[str, int] = {}
    suppressed = 0
    for event in events:
        try:
            at = parse_instant(str(event.get("at")))
        except ValueError:
            continue
        if not since <= at <= now:
            continue
        kind, subject = event.get("kind"), str(event.get("subject") or "")
        raw = event.get("data")
        data = raw if isinstance(raw, Mapping) else {}
        if kind == "page.resolved":
            outcome = f" ({data['outcome']})" if isinstance(data.get("outcome"), str) and data["outcome"] else ""
            done.append(f"Resolved {_local(at, tz)}: {about(subject)}{outcome}")
        elif kind == "page.escalated":
            done.append(f"Escalated {_local(at, tz)} to level {data.get('level', '?')}: {about(subject)}")
        elif kind == "timer.stopped":
            worked[subject] = worked.get(subject, 0) + int(data.get("minutes") or 0)
        elif kind == "page.suppressed":
            suppressed += 1
    done.extend(f"Worked {minutes} min on {about(ticket)}" for ticket, minutes in worked.items() if minutes)
    if suppressed:
        done.append(f"{suppressed} ticket(s) did not page (maintenance windows or rules); see Now")

    horizon = now + LOOKAHEAD
    urgent: list[str] = []
    for page in open_pages:
        for key, what in (("ack_deadline", "acknowledge by"), ("sla_deadline", "SLA due")):
            if key == "ack_deadline" and page.get("state") not in ("pending", "escalated"):
                continue
            value = page.get(key)
            if value:
                due = parse_instant(str(value))
                if due <= horizon:
                    urgent.append(f"{what} {_local(due, tz)}: {page.get('client', '')} — {page.get('title', '')}")
    for window in windows:
        if now <= window.start < horizon:
            urgent.append(f"Maintenance starts {_local(window.start, tz)}: {window.label(tz)}")
        elif window.start <= now < window.end and window.end < horizon:
            urgent.append(f"Maintenance ends {_local(window.end, tz)} — check the systems came back: "
                          f"{window.label(tz)}")
    return Handoff(author=author, written_at=now, open_pages=tuple(_page_line(p, tz) for p in open_pages),
                   done=tuple(done), time_sensitive=tuple(urgent), for_person=for_person,
                   shift_start=since, shift_end=shift_end)


def render_text(handoff: Handoff, tz: tzinfo = UTC) -> str:
    """Plain text for the dialog, ``handoff show`` and an internal ticket note."""
    head = f"Handoff from {handoff.author}, written {local_time(handoff.written_at, STAMP, tz)}"
    if handoff.for_person:
        head += f" for {handoff.for_person}"
    lines = [head]
    if handoff.shift_start and handoff.shift_end:
        lines.append(f"Shift {local_time(handoff.shift_start, STAMP, tz)}–{local_time(handoff.shift_end, STAMP, tz)}")
    for title, items in (("Open pages", handoff.open_pages), ("Time-sensitive", handoff.time_sensitive),
                         ("Done this shift", handoff.done)):
        lines.append("")
        lines.append(f"{title}:")
        lines.extend(f"- {item}" for item in items) if items else lines.append("- none")
    if handoff.notes.strip():
        lines += ["", "Notes:", handoff.notes.strip()]
    return "\n".join(lines)

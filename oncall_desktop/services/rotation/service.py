"""Rotations of one workspace: storage, calendars in and out, swaps, fairness, shift notices.

Why one service: the CLI, the Rotation tab and the poll cycle must agree on
the same rules — a schedule is validated by the core before it is stored, a
swap is two rows in the event log and then an override, an imported calendar
replaces only what the calendar owns.  Every failure is a
:class:`~oncall_desktop.core.rotation.compute.RotationError` whose message a tech can act
on, raised before anything is written, so a bad file or a dead link changes
nothing.

Calendars are read by :mod:`calendar_source` (files, and links with their
ETag and offline copy); the last good copy is kept in the workspace, so a
laptop that wakes up offline still knows who is on call.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.rotation.compute import backup_for, next_shift_for, on_call, shifts
from oncall_desktop.core.rotation.fairness import FairnessReport, fairness
from oncall_desktop.core.rotation.model import RotationError, Schedule, Shift, zone_of
from oncall_desktop.core.rotation.swaps import SwapProposal, accept_swap, propose_swap, swap_accepted_event
from oncall_desktop.core.time.clock import Clock, as_utc, iso, parse_instant
from oncall_desktop.services.app.now import local_stamp
from oncall_desktop.services.rotation.calendar_source import HttpGet, import_window, normalized, read_calendar
from oncall_desktop.services.storage.store_thread import OnStore, run_here

if TYPE_CHECKING:
    from oncall_desktop.services.paging.notifier import Notifier
    from oncall_desktop.services.storage.directory import Directory
    from oncall_desktop.services.storage.store import Store

#: Days before a shift at which the tech hears about it (setting ``rotation_notice_days``).
DEFAULT_NOTICE_DAYS = (14, 1)
#: A shift that ended longer ago than this gets no "shift ended" notice (the app was off).
END_NOTICE_GRACE = timedelta(hours=12)
#: Overrides one stored schedule may hold: a bounded calendar import (5,000) plus years of local
#: swaps.  Every ``now``, timeline and notice walks them, so the bound keeps those fast.
MAX_SCHEDULE_OVERRIDES = 10_000


@dataclass(frozen=True)
class ImportResult:
    """What an import did, in words for the tech (``origin`` says where the calendar came from)."""

    schedule: Schedule
    events: int
    problems: tuple[str, ...]
    origin: str  # "file" | "downloaded" | "not modified" | "offline cache"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"schedule": self.schedule.name, "events": self.events, "problems": list(self.problems),
                "origin": self.origin, "note": self.note}


@dataclass(frozen=True)
class ShiftNotice:
    """One heads-up about the tech's own shift; ``key`` makes it fire once."""

    key: str
    schedule: str
    kind: str  # "before" | "start" | "end"
    title: str
    body: str
    also_done: tuple[str, ...] = field(default=())  # keys that this notice makes pointless


def country_for_zone(zone_name: str) -> str | None:
    """The ISO country of an IANA zone (Europe/Berlin → DE) from tzdata's zone table, if known."""
    return _zone_countries().get(zone_name)


_ZONE_COUNTRIES: dict[str, str] | None = None


def _zone_countries() -> dict[str, str]:
    global _ZONE_COUNTRIES
    if _ZONE_COUNTRIES is None:
        text = ""
        try:
            from importlib.resources import files

            text = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
        except (ImportError, OSError, FileNotFoundError):
            try:
                text = Path("/usr/share/zoneinfo/zone.tab").read_text(encoding="utf-8")
            except OSError:
                text = ""
        table: dict[str, str] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                parts = line.split("\t")
                if len(parts) >= 3:
                    table[parts[2]] = parts[0]
        _ZONE_COUNTRIES = table
    return _ZONE_COUNTRIES


def holiday_dates(country: str, start: datetime, end: datetime) -> set[date]:
    """Public holidays of ``country`` ("DE", or "US-CA" for a subdivision) between two instants."""
    import holidays

    code, _, subdiv = country.strip().upper().partition("-")
    years = range(as_utc(start).year - 1, as_utc(end).year + 2)
    try:
        found = holidays.country_holidays(code, subdiv=subdiv or None, years=years)
    except NotImplementedError:
        raise RotationError(f"no holiday calendar is known for {country!r}; use an ISO country code such as DE, "
                            "GB or US (with a region as US-CA)") from None
    return set(found.keys())


class RotationService:
    """Schedules stored through the directory, plus the rotation's own tables (004_rotation.sql)."""

    def __init__(self, store: Store, directory: Directory, clock: Clock, http_get: HttpGet | None = None) -> None:
        self.store = store
        self.directory = directory
        self.clock = clock
        self._http_get = http_get

    # ------------------------------------------------------------ schedules
    def schedules(self) -> list[Schedule]:
        return self.directory.schedules()

    def schedule(self, name: str) -> Schedule:
        """The named schedule, or an error listing the ones that exist."""
        found = {s.name: s for s in self.schedules()}
        if name in found:
            return found[name]
        known = ", ".join(sorted(found)) or "none yet — load a TOML file or import a calendar"
        raise RotationError(f"there is no schedule called '{name}' in this workspace (schedules: {known})")

    def save(self, schedule: Schedule, *, by: str = "", replacing: str | None = None) -> Schedule:
        """Validate and store one schedule (``replacing`` renames an existing one)."""
        checked = Schedule.from_dict(schedule.to_dict())
        _check_size(checked)
        stored = self.schedules()
        others = {s.name: s for s in stored if s.name not in (checked.name, replacing)}
        if replacing and replacing != checked.name and checked.name in {s.name for s in stored}:
            raise RotationError(f"a schedule called '{checked.name}' already exists; pick another name")
        if checked.backup and checked.backup not in others:
            raise RotationError(f"'{checked.name}' names backup schedule '{checked.backup}', which does not exist; "
                                "create it first or clear the backup")
        with self.store.transaction():
            if replacing and replacing != checked.name:
                self.store.db.conn.execute("DELETE FROM schedules WHERE name = ?", (replacing,))
                self.store.db.conn.execute("UPDATE schedules SET data = json_set(data, '$.backup', ?) "
                                           "WHERE json_extract(data, '$.backup') = ?", (checked.name, replacing))
            self.directory.save_schedule(checked)
            self.store.log("rotation.schedule_saved", f"schedule:{checked.name}",
                           {"by": by, "layers": len(checked.layers), "overrides": len(checked.overrides),
                            **({"renamed_from": replacing} if replacing and replacing != checked.name else {})})
        return checked

    def delete(self, name: str, *, by: str = "") -> None:
        self.schedule(name)
        users = [s.name for s in self.schedules() if s.backup == name]
        if users:
            raise RotationError(f"'{name}' is the backup of {', '.join(users)}; change their backup first")
        with self.store.transaction():
            self.store.db.conn.execute("DELETE FROM schedules WHERE name = ?", (name,))
            self.store.db.conn.execute("DELETE FROM rotation_sources WHERE schedule = ?", (name,))
            self.store.log("rotation.schedule_deleted", f"schedule:{name}", {"by": by})

    def load_toml(self, text: str, *, by: str = "") -> list[Schedule]:
        """Store every schedule of a rotation file, all or none."""
        from oncall_desktop.core.rotation.toml import load_rotation_toml

        loaded = load_rotation_toml(text)
        names = {s.name for s in loaded} | {s.name for s in self.schedules()}
        for s in loaded:
            _check_size(s)
            if s.backup and s.backup not in names:
                raise RotationError(f"schedule '{s.name}' names backup schedule '{s.backup}', which is neither in "
                                    "the file nor in the workspace; nothing was loaded")
        with self.store.transaction():
            for s in loaded:
                self.directory.save_schedule(s)
            self.store.log("rotation.loaded", "", {"by": by, "schedules": [s.name for s in loaded]})
        return loaded

    # -------------------------------------------------------------- questions
    def show(self, name: str, at: datetime | None = None) -> dict[str, Any]:
        """The ``rotation show --json`` contract: who is on call at ``at``, their shift, the backup."""
        at = as_utc(at or self.clock.now())
        schedule = self.schedule(name)
        shift = on_call(schedule, at)
        backup = backup_for({s.name: s for s in self.schedules()}, schedule, at)
        return {"schedule": schedule.name, "at": iso(at), "on_call": shift.person if shift else None,
                "shift_start": iso(shift.start) if shift else None, "shift_end": iso(shift.end) if shift else None,
                "backup": backup}

    def shifts(self, name: str, start: datetime, end: datetime) -> list[Shift]:
        return shifts(self.schedule(name), start, end)

    def export(self, name: str, *, person: str | None = None, months: int = 12) -> str:
        from oncall_desktop.core.rotation.ical import export_ics

        schedule = self.schedule(name)
        if person is not None and person not in schedule.people:
            raise RotationError(f"{person} is not in schedule '{name}' (people: {', '.join(schedule.people)})")
        return export_ics(schedule, now=self.clock.now(), months=months, person=person)

    def holiday_country(self, schedule: Schedule) -> str | None:
        """The setting ``holiday_country`` wins; otherwise the country of the schedule's zone."""
        chosen = self.store.get_setting("holiday_country")
        if isinstance(chosen, dict):  # per schedule (Settings → Rotation)
            chosen = chosen.get(schedule.name)
        return str(chosen) if chosen else country_for_zone(schedule.time_zone)

    def fairness(self, name: str, start: datetime, end: datetime, country: str | None = None) -> FairnessReport:
        schedule = self.schedule(name)
        country = country or self.holiday_country(schedule)
        days = holiday_dates(country, start, end) if country else set()
        return fairness(schedule, start, end, days)

    # ------------------------------------------------------------- calendars
    def import_ics(self, source: str, schedule: str, *, time_zone: str | None = None,
                   person_pattern: str | None = None, person: str | None = None, since: datetime | None = None,
                   by: str = "", on_store: OnStore = run_here) -> ImportResult:
        """Read a calendar (file path or URL) into ``schedule``'s calendar overrides.

        Layers, backup, lead and local overrides (swaps) of an existing
        schedule are kept; the overrides a previous import of a calendar made
        are replaced, except past ones from before this import's first event
        (a feed that no longer lists last month has not cancelled it).  The
        import reads from the first of last month (``since`` reaches further
        back) to a year ahead.  ``person`` makes every event that person's (a
        feed of one person's own shifts; "" goes back to the names in the
        events, None keeps what the last import of this calendar chose); it
        and the pattern are remembered for the next import of the calendar.
        Any error leaves the workspace as it was.  The download and the parse
        run on the caller's thread; the store is read and written through
        ``on_store`` (services/storage/store_thread.py).
        """
        from oncall_desktop.core.rotation.ical import OLD_DEFAULT_PATTERN, import_ics

        source = normalized(source)

        def prepare() -> tuple[dict[str, Any] | None, str, dict[str, str]]:
            existing = next((s for s in self.schedules() if s.name == schedule), None)
            stored = self._source(schedule)
            fallback = (existing.time_zone if existing else None) or (stored or {}).get("time_zone") or "UTC"
            aliases = {p["email"].lower(): p["name"] for p in self.directory.people() if p.get("email")}
            return stored, fallback, aliases

        stored, fallback, aliases = on_store(prepare)
        if time_zone is not None:
            zone_of(time_zone)
        same = stored if stored and stored["source"] == source else None
        pattern = person_pattern or (stored or {}).get("person_pattern") or None
        pattern = None if pattern == OLD_DEFAULT_PATTERN else pattern
        who = (person.strip() or None) if person is not None else ((same or {}).get("person") or None)
        fetched = read_calendar(source, same, self._http_get)
        now = self.clock.now()
        window = import_window(now, zone_of(time_zone or fallback), since)
        result = import_ics(fetched.body, name=schedule, start=window[0], end=window[1], time_zone=time_zone,
                            fallback_zone=fallback, person_pattern=pattern, person=who, aliases=aliases)
        events = result.schedule.overrides
        if not events:
            raise RotationError("the calendar has no on-call events to import, nothing was changed:\n  - "
                                + "\n  - ".join(result.problems))
        # the offline copy is as old as it was; the attempt that fell back to it is what failed
        offline = fetched.origin == "offline cache"
        fetched_at = str(same["fetched_at"]) if offline and same else iso(now)
        problem = fetched.note if offline else ""
        # past shifts the feed no longer lists (before its first event) are history, not cancellations
        cut = min(now, max(window[0], min(o.start for o in events)))

        def save() -> Schedule:
            # the schedule as it is now: an edit made while the calendar downloaded is kept
            existing = next((s for s in self.schedules() if s.name == schedule), None)
            before = existing.overrides if existing else ()
            history = [o for o in before if o.note.startswith("ics:") and o.end <= cut]
            kept = [o for o in before if not o.note.startswith("ics:")]
            zone = existing.time_zone if existing and time_zone is None else result.schedule.time_zone
            merged = Schedule(schedule, zone, existing.layers if existing else (),
                              tuple(history) + tuple(events) + tuple(kept),
                              existing.backup if existing else None, existing.lead if existing else None)
            _check_size(merged)
            with self.store.transaction():
                self.directory.save_schedule(merged)
                self.store.db.conn.execute(
                    "INSERT INTO rotation_sources (schedule, source, time_zone, person_pattern, person, etag, "
                    "last_modified, body, fetched_at, checked_at, refresh_problem) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(schedule) DO "
                    "UPDATE SET source=excluded.source, time_zone=excluded.time_zone, "
                    "person_pattern=excluded.person_pattern, person=excluded.person, etag=excluded.etag, "
                    "last_modified=excluded.last_modified, body=excluded.body, fetched_at=excluded.fetched_at, "
                    "checked_at=excluded.checked_at, refresh_problem=excluded.refresh_problem",
                    (schedule, source, result.schedule.time_zone, pattern or "", who or "", fetched.etag,
                     fetched.last_modified, fetched.body, fetched_at, iso(now), problem))
                self.store.log("rotation.imported", f"schedule:{schedule}",
                               {"source": source, "origin": fetched.origin, "events": len(events),
                                "kept_history": len(history), "person": who or "",
                                "problems": list(result.problems), "by": by})
            return merged

        merged = on_store(save)
        return ImportResult(merged, len(events), result.problems, fetched.origin, fetched.note)

    def refresh_feeds(self, *, on_store: OnStore = run_here, force: bool = False,
                      only: str | None = None) -> list[Any]:
        """Import again the subscribed links that are due (services/rotation/feed_refresh.py)."""
        from oncall_desktop.services.rotation.feed_refresh import refresh_feeds

        return refresh_feeds(self, on_store=on_store, force=force, only=only)

    def feed_statuses(self) -> list[Any]:
        """Each subscribed link: last good copy, last attempt, why it failed, next refresh."""
        from oncall_desktop.services.rotation.feed_refresh import feed_statuses

        return feed_statuses(self.store)

    def sources(self) -> list[dict[str, Any]]:
        rows = self.store.db.conn.execute(
            "SELECT schedule, source, time_zone, person_pattern, etag, fetched_at FROM rotation_sources ORDER BY schedule")
        return [{"schedule": r[0], "source": r[1], "time_zone": r[2], "person_pattern": r[3], "etag": r[4],
                 "fetched_at": r[5]} for r in rows]

    def _source(self, schedule: str) -> dict[str, Any] | None:
        r = self.store.db.conn.execute(
            "SELECT source, time_zone, person_pattern, etag, body, fetched_at, person, last_modified "
            "FROM rotation_sources WHERE schedule = ?", (schedule,)).fetchone()
        if r is None:
            return None
        return {"source": r[0], "time_zone": r[1], "person_pattern": r[2], "etag": r[3], "body": r[4],
                "fetched_at": r[5], "person": r[6], "last_modified": r[7]}

    # ------------------------------------------------------------------ swaps
    def propose_swap(self, schedule: str, from_person: str, to_person: str, start: datetime,
                     end: datetime) -> SwapProposal:
        proposal = propose_swap(self.schedule(schedule), from_person, to_person, start, end, self.clock.now())
        event = proposal.event()
        with self.store.transaction():
            self.store.db.conn.execute(
                "INSERT INTO rotation_swaps (id, schedule, from_person, to_person, state, data) "
                "VALUES (?, ?, ?, ?, 'proposed', ?)",
                (proposal.id, proposal.schedule, proposal.from_person, proposal.to_person,
                 json.dumps(proposal.to_dict(), sort_keys=True)))
            self.store.log(event["kind"], event["subject"], event["data"])
        return proposal

    def accept_swap(self, swap_id: str, by: str) -> Schedule:
        """The named colleague takes the slice: it becomes an override, logged; stale offers are refused."""
        proposal, state = self._swap(swap_id)
        if state != "proposed":
            raise RotationError(f"swap {swap_id} was already {state}; nothing was changed")
        now = self.clock.now()
        updated = accept_swap(self.schedule(proposal.schedule), proposal, by, now)
        event = swap_accepted_event(proposal, by, now)
        with self.store.transaction():
            self.directory.save_schedule(updated)
            self.store.db.conn.execute("UPDATE rotation_swaps SET state='accepted', decided_at=?, decided_by=? "
                                       "WHERE id=?", (iso(now), by, swap_id))
            self.store.log(event["kind"], event["subject"], event["data"])
        return updated

    def decline_swap(self, swap_id: str, by: str) -> None:
        """The colleague says no, or the proposer withdraws."""
        proposal, state = self._swap(swap_id)
        if state != "proposed":
            raise RotationError(f"swap {swap_id} was already {state}; nothing was changed")
        if by not in (proposal.to_person, proposal.from_person):
            raise RotationError(f"only {proposal.to_person} or {proposal.from_person} can decline this swap")
        now = self.clock.now()
        with self.store.transaction():
            self.store.db.conn.execute("UPDATE rotation_swaps SET state='declined', decided_at=?, decided_by=? "
                                       "WHERE id=?", (iso(now), by, swap_id))
            self.store.log("rotation.swap_declined", f"schedule:{proposal.schedule}",
                           {**proposal.to_dict(), "declined_by": by, "declined_at": iso(now)})

    def swaps(self, schedule: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        sql, args = "SELECT data, state, decided_at, decided_by FROM rotation_swaps", []
        where = []
        if schedule:
            where.append("schedule = ?")
            args.append(schedule)
        if state:
            where.append("state = ?")
            args.append(state)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = [{**json.loads(r[0]), "state": r[1], "decided_at": r[2], "decided_by": r[3]}
                for r in self.store.db.conn.execute(sql, args)]
        return sorted(rows, key=lambda r: (r["start"], r["id"]))

    def _swap(self, swap_id: str) -> tuple[SwapProposal, str]:
        row = self.store.db.conn.execute("SELECT data, state FROM rotation_swaps WHERE id = ?",
                                         (swap_id.strip(),)).fetchone()
        if row is None:
            raise RotationError(f"there is no swap with id {swap_id!r}; list them with 'rotation swap list'")
        return SwapProposal.from_dict(json.loads(row[0])), row[1]

    # ---------------------------------------------------------------- notices
    def notice_days(self) -> tuple[int, ...]:
        raw = self.store.get_setting("rotation_notice_days", list(DEFAULT_NOTICE_DAYS))
        try:
            days = sorted({int(d) for d in raw if int(d) > 0}, reverse=True)
        except (TypeError, ValueError):
            days = list(DEFAULT_NOTICE_DAYS)
        return tuple(days)

    def due_notices(self, now: datetime | None = None) -> list[ShiftNotice]:
        """Notices about the tech's own shifts that are due and not yet sent (nothing is recorded here)."""
        me = str(self.store.get_setting("me", "") or "")
        if not me:
            return []
        now = as_utc(now or self.clock.now())
        days = self.notice_days()
        # look far enough past the notice horizon that a stint starting inside it has its true end
        lo, hi = now - timedelta(days=8), now + timedelta(days=(max(days) if days else 0) + 1 + STINT_HORIZON_DAYS)
        sent = self._sent()
        out: list[ShiftNotice] = []
        for schedule in self.schedules():
            if me not in schedule.people:
                continue
            for s, e in _stretches(shifts(schedule, lo, hi), me):
                out.extend(_notices_for(schedule.name, s, e, now, days, lo, hi, sent))
        return out

    def send_notices(self, notifier: Notifier, now: datetime | None = None) -> list[ShiftNotice]:
        """Publish due notices once each and remember them (called from ``Workspace.poll``)."""
        from oncall_desktop.services.paging.notifier import Notification

        due = self.due_notices(now)
        for notice in due:
            delivery = notifier.publish(Notification(notice.title, notice.body, urgent=False))
            stamp = iso(self.clock.now())
            with self.store.transaction():
                for key in (notice.key,) + notice.also_done:
                    self.store.db.conn.execute("INSERT OR IGNORE INTO rotation_notices (key, sent_at) VALUES (?, ?)",
                                               (key, stamp))
                self.store.log("rotation.notice", f"schedule:{notice.schedule}",
                               {"kind": notice.kind, "title": notice.title, "body": notice.body,
                                "delivered": delivery.delivered, "problem": delivery.problem})
        return due

    def _sent(self) -> set[str]:
        return {r[0] for r in self.store.db.conn.execute("SELECT key FROM rotation_notices")}

    # --------------------------------------------------------------- snapshot
    def snapshot(self, me: str, days: int = 14) -> dict[str, Any]:
        """What the Rotation tab and the tray draw: a timeline from local midnight, my next shift, swaps."""
        now = self.clock.now()
        local = now.astimezone()
        first = as_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))
        last = as_utc((local + timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0))
        schedules = self.schedules()
        rows, my_next = [], None
        for schedule in schedules:
            try:
                items = shifts(schedule, first, last)
            except RotationError:
                items = []
            rows.append({"name": schedule.name, "time_zone": schedule.time_zone,
                         "shifts": [{"person": x.person, "start": iso(x.start), "end": iso(x.end),
                                     "override": x.override, "layer": x.layer, "mine": bool(me) and x.person == me}
                                    for x in items]})
            if me and me in schedule.people:
                mine = next_shift_for(schedule, me, now, include_current=True, horizon=timedelta(days=400))
                if mine is not None and (my_next is None or mine.start < parse_instant(str(my_next["start"]))):
                    my_next = {"schedule": schedule.name, "start": iso(mine.start), "end": iso(mine.end),
                               "now": mine.start <= now}
        people = sorted({p["name"] for p in self.directory.people()} | {p for s in schedules for p in s.people})
        return {
            "timeline": {"start": iso(first), "end": iso(last), "now": iso(now), "days": days, "rows": rows},
            "definitions": [s.to_dict() for s in schedules],
            "my_next": my_next,
            "swaps": [w for w in self.swaps() if w["state"] == "proposed"],
            "people": people,
            "notice_days": list(self.notice_days()),
        }


#: How far past the notice horizon a stint is followed to find where it really ends.
STINT_HORIZON_DAYS = 35

#: Shifts of one person closer together than this are one stint for notices: a
#: week of backup nights (17:00–09:00) is one "you are on call in 12 days", not five.
STINT_GAP = timedelta(hours=24)


def _check_size(schedule: Schedule) -> None:
    if len(schedule.overrides) > MAX_SCHEDULE_OVERRIDES:
        raise RotationError(f"schedule '{schedule.name}' would hold {len(schedule.overrides):,} overrides, more than "
                            f"the {MAX_SCHEDULE_OVERRIDES:,} a schedule may have; nothing was changed. Remove old "
                            "overrides or import a shorter calendar")


def _stretches(items: Iterable[Shift], person: str) -> list[tuple[datetime, datetime]]:
    """The person's stints on call: adjacent pieces, and pieces less than a day apart, count as one."""
    out: list[tuple[datetime, datetime]] = []
    for x in items:
        if x.person != person:
            continue
        if out and x.start - out[-1][1] < STINT_GAP:
            out[-1] = (out[-1][0], x.end)
        else:
            out.append((x.start, x.end))
    return out


def in_words(delta: timedelta) -> str:
    """When, as a shift notice says it: "in 5 hours", "in 3 days"."""
    hours = delta.total_seconds() / 3600
    if hours < 36:
        count = max(1, round(hours))
        return f"in {count} hour{'s' if count != 1 else ''}"
    return f"in {round(hours / 24)} days"


def _notices_for(schedule: str, s: datetime, e: datetime, now: datetime, days: Sequence[int], lo: datetime,
                 hi: datetime, sent: set[str]) -> list[ShiftNotice]:
    """The notices one stretch deserves now.  A stretch cut by the window edge has no true start/end."""
    out: list[ShiftNotice] = []
    start_key, end_key = f"{schedule}|{iso(s)}|start", f"{schedule}|{iso(e)}|end"
    before_keys = {n: f"{schedule}|{iso(s)}|before-{n}d" for n in days}
    if s > lo and now < s:
        passed = [n for n in days if now >= s - timedelta(days=n)]
        unsent = [n for n in passed if before_keys[n] not in sent]
        if unsent:
            nearest = min(passed)
            out.append(ShiftNotice(
                before_keys[nearest], schedule, "before",
                f"On call {in_words(s - now)} — {schedule}",
                f"Your {schedule} shift starts {local_stamp(s)} and runs until {local_stamp(e)}.",
                tuple(before_keys[n] for n in passed if n != nearest)))
    elif s > lo and s <= now < e and start_key not in sent:
        out.append(ShiftNotice(start_key, schedule, "start", f"You are on call now — {schedule}",
                               f"Your {schedule} shift runs until {local_stamp(e)}.", tuple(before_keys.values())))
    if e < hi and e <= now < e + END_NOTICE_GRACE and end_key not in sent:
        out.append(ShiftNotice(end_key, schedule, "end", f"Your {schedule} shift has ended",
                               f"You were on call from {local_stamp(s)} to {local_stamp(e)}. "
                               "Hand over anything still open.",
                               (start_key,)))
    return out

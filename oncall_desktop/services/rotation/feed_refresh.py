"""Subscribed calendar links refresh on their own, and say when they last did and whether it failed.

Why: a PagerDuty or Google link imported once goes stale the day someone swaps
a week there.  Every :data:`REFRESH_SETTING` minutes (Settings → Rotation;
0 turns it off) each schedule imported from an https link is imported again
from the same link with the same choices (pattern, person, zone).  The
download is conditional (ETag, Last-Modified) and bounded by the deadline of
:mod:`oncall_desktop.services.psa.deadline`; when the server cannot be reached,
the last good copy keeps answering and the failure is recorded, so the
Rotation tab can say "refresh failed at 10:42: …; showing the copy from …".

Threads: :func:`refresh_feeds` waits on the network on the calling thread (the
poll's network worker) and reaches the store only through ``on_store``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from oncall_desktop.core.rotation.model import RotationError
from oncall_desktop.core.time.clock import iso, parse_instant
from oncall_desktop.services.rotation.calendar_source import is_remote
from oncall_desktop.services.storage.store_thread import OnStore, run_here

if TYPE_CHECKING:
    from oncall_desktop.services.rotation.service import RotationService
    from oncall_desktop.services.storage.store import Store

REFRESH_SETTING = "rotation_refresh_minutes"
DEFAULT_REFRESH_MINUTES = 60
#: The interval a tech may choose (0: never); a feed server is not polled more often than every 5 minutes.
REFRESH_BOUNDS = (5, 1440)
#: After a failed refresh the next try comes sooner than the interval: the network is often back soon.
RETRY_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class FeedStatus:
    """One subscribed link: the last good copy, the last attempt and why it failed ("" if it did not)."""

    schedule: str
    host: str
    fetched_at: str
    checked_at: str
    problem: str
    next_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"schedule": self.schedule, "host": self.host, "fetched_at": self.fetched_at,
                "checked_at": self.checked_at, "problem": self.problem, "next_at": self.next_at}


def refresh_minutes(store: Store) -> int:
    """The refresh interval in minutes (0: never); a damaged setting reads as the default."""
    raw = store.get_setting(REFRESH_SETTING, DEFAULT_REFRESH_MINUTES)
    try:
        minutes = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_REFRESH_MINUTES
    return minutes if minutes == 0 or REFRESH_BOUNDS[0] <= minutes <= REFRESH_BOUNDS[1] else DEFAULT_REFRESH_MINUTES


def check_refresh_minutes(value: Any) -> int:
    """A chosen interval, or a RotationError in words."""
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        raise RotationError(f"the calendar refresh interval must be a whole number of minutes (got {value!r})") \
            from None
    if minutes != 0 and not REFRESH_BOUNDS[0] <= minutes <= REFRESH_BOUNDS[1]:
        raise RotationError(f"the calendar refresh interval must be 0 (never) or {REFRESH_BOUNDS[0]} to "
                            f"{REFRESH_BOUNDS[1]} minutes (got {minutes})")
    return minutes


def feed_statuses(store: Store) -> list[FeedStatus]:
    """Every schedule kept from an https link, with when it refreshes next (store thread)."""
    minutes = refresh_minutes(store)
    rows = store.db.conn.execute("SELECT schedule, source, fetched_at, checked_at, refresh_problem "
                                 "FROM rotation_sources ORDER BY schedule").fetchall()
    out = []
    for schedule, source, fetched_at, checked_at, problem in rows:
        if not is_remote(source):
            continue
        upcoming = _next(fetched_at, checked_at, problem, minutes)
        out.append(FeedStatus(schedule, urlsplit(source).hostname or "", fetched_at, checked_at or fetched_at,
                              problem, iso(upcoming) if upcoming else ""))
    return out


def _next(fetched_at: str, checked_at: str, problem: str, minutes: int) -> datetime | None:
    if minutes == 0:
        return None
    last = parse_instant(checked_at or fetched_at)
    return last + (min(RETRY_AFTER, timedelta(minutes=minutes)) if problem else timedelta(minutes=minutes))


def refresh_feeds(rotation: RotationService, *, on_store: OnStore = run_here, force: bool = False,
                  only: str | None = None) -> list[FeedStatus]:
    """Import again every subscribed link that is due (``force``: all of them; ``only``: one schedule).

    A failure changes no schedule: it is recorded on the source and logged, and the statuses
    returned say so.  Returns the statuses of the links that were tried.
    """
    store = rotation.store

    def due() -> list[tuple[str, str]]:
        now = rotation.clock.now()
        known = {s.schedule: s for s in feed_statuses(store)}
        rows = store.db.conn.execute("SELECT schedule, source FROM rotation_sources ORDER BY schedule").fetchall()
        picked = []
        for schedule, source in rows:
            status = known.get(schedule)
            if status is None or (only is not None and schedule != only):
                continue
            if force or (status.next_at and parse_instant(status.next_at) <= now):
                picked.append((schedule, source))
        return picked

    tried = []
    for schedule, source in on_store(due):
        try:
            rotation.import_ics(source, schedule, by="refresh", on_store=on_store)
        except RotationError as exc:
            _record_failure(rotation, schedule, str(exc), on_store)
        tried.append(schedule)
    return [s for s in on_store(lambda: feed_statuses(store)) if s.schedule in tried]


def _record_failure(rotation: RotationService, schedule: str, problem: str, on_store: OnStore) -> None:
    def record() -> None:
        with rotation.store.transaction():
            rotation.store.db.conn.execute("UPDATE rotation_sources SET checked_at = ?, refresh_problem = ? "
                                           "WHERE schedule = ?", (iso(rotation.clock.now()), problem, schedule))
            rotation.store.log("rotation.refresh_failed", f"schedule:{schedule}", {"problem": problem})

    on_store(record)

"""Did the last run end cleanly?  A run marker in settings, a beat each minute, and the report after a crash.

Why: an on-call app that died at 02:14 (kill, OOM, power cut, a Qt abort)
must say so when it is back — when it stopped, and what arrived while
nobody was listening — instead of carrying on as if the night was quiet.
The marker is one settings row: ``{run, pid, started, alive, clean}``.
``run`` is this process's random id (pids repeat after a reboot).
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.time.clock import iso, parse_instant

if TYPE_CHECKING:
    from oncall_desktop.services.storage.store import Store

SETTING = "last_run"
#: The previous run's marker when it did not end cleanly (kept by :func:`mark_started`).
PREVIOUS = "last_run_previous"
#: This process's run id.
RUN_ID = uuid.uuid4().hex
#: A marker beaten this recently by a live pid is another instance still running, not a crash.
STILL_RUNNING = timedelta(minutes=3)


def mark_started(store: Store, now: datetime | None = None, run_id: str = RUN_ID) -> None:
    """Record that this run started; an unclean previous run is kept for the report and logged."""
    now = now or store.clock.now()
    previous = store.get_setting(SETTING)
    unclean = _is_unclean(previous, run_id, now)
    with store.transaction():
        store.set_setting(PREVIOUS, previous if unclean else None)
        if unclean:
            store.log("app.stopped_unexpectedly", "", {"alive": previous.get("alive"),
                                                       "started": previous.get("started")}, at=now)
        store.set_setting(SETTING, {"run": run_id, "pid": os.getpid(), "started": iso(now), "alive": iso(now),
                                    "clean": False})


def beat(store: Store, now: datetime | None = None, run_id: str = RUN_ID) -> None:
    """This run is alive (call it about once a minute)."""
    now = now or store.clock.now()
    marker = store.get_setting(SETTING)
    if not isinstance(marker, dict) or marker.get("run") != run_id:
        marker = {"run": run_id, "pid": os.getpid(), "started": iso(now), "clean": False}
    store.set_setting(SETTING, {**marker, "alive": iso(now), "clean": False})


def mark_clean_exit(store: Store, now: datetime | None = None, run_id: str = RUN_ID) -> None:
    """This run is ending on purpose (Quit, logout); the next start reports nothing."""
    now = now or store.clock.now()
    marker = store.get_setting(SETTING)
    if not isinstance(marker, dict) or marker.get("run") != run_id:
        marker = {"run": run_id, "pid": os.getpid(), "started": iso(now)}
    store.set_setting(SETTING, {**marker, "alive": iso(now), "stopped": iso(now), "clean": True})


def unclean_report(store: Store, now: datetime, tz: tzinfo | None = None, run_id: str = RUN_ID) -> str | None:
    """One sentence when the previous run did not exit cleanly, else None.

    Works before or after :func:`mark_started`. Counts come from the
    tickets and pages tables: tickets first seen after the last sign of life
    (so call it after the first poll for the night's tickets), pages opened
    since and pages still waiting for an acknowledgement now.
    """
    marker = store.get_setting(SETTING)
    if isinstance(marker, dict) and marker.get("run") == run_id:
        marker = store.get_setting(PREVIOUS)
    if not _is_unclean(marker, run_id, now):
        return None
    try:
        alive = parse_instant(str(marker.get("alive") or marker.get("started")))
    except ValueError:
        return None
    conn = store.db.conn
    since = iso(alive)
    arrived = conn.execute("SELECT COUNT(*) FROM tickets WHERE first_seen > ?", (since,)).fetchone()[0]
    opened = conn.execute("SELECT COUNT(*) FROM pages WHERE created > ?", (since,)).fetchone()[0]
    waiting = conn.execute("SELECT COUNT(*) FROM pages WHERE state IN ('pending', 'escalated')").fetchone()[0]
    news = [n for n in (_count(arrived, "ticket", "arrived"), _count(opened, "page", "opened"),
                        _count(waiting, "page", "waiting")) if n]
    return (f"oncall-desktop stopped unexpectedly at {_when(alive, now, tz)} (last sign of life); "
            f"since then: {', '.join(news) or 'nothing arrived'}")


def _is_unclean(marker: Any, run_id: str, now: datetime) -> bool:
    if not isinstance(marker, dict) or marker.get("clean", True) or marker.get("run") == run_id:
        return False
    return not _still_running(marker, now)


def _still_running(marker: dict[str, Any], now: datetime) -> bool:
    """Another instance beat a moment ago and its process exists."""
    try:
        alive = parse_instant(str(marker.get("alive")))
        pid = int(marker.get("pid") or 0)
    except (TypeError, ValueError):
        return False
    if pid <= 0 or now - alive > STILL_RUNNING:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _count(n: int, noun: str, verb: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''} {verb}" if n else ""


def _when(alive: datetime, now: datetime, tz: tzinfo | None) -> str:
    """02:14 today; Tue 24 Nov 02:14 on another day (in ``tz``, default the machine's zone)."""
    local, today = (alive.astimezone(tz), now.astimezone(tz)) if tz else (alive.astimezone(), now.astimezone())
    return local.strftime("%H:%M") if local.date() == today.date() else local.strftime("%a %d %b %H:%M")

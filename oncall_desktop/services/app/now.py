"""The picture every view draws from: who is on call, what pages wait, what runs.

Why one snapshot function: the tray, the window, ``oncall-desktop now`` and
the tests must agree on the same facts; computing them in one place (on the
store thread) keeps the widgets free of logic.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.time.clock import STAMP, iso, local_time, local_tzinfo, parse_instant
from oncall_desktop.services.app.preferences import CHIME_DEFAULT

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

TIMELINE_DAYS = 14


def local_stamp(value: datetime) -> str:
    return local_time(value, STAMP)


def on_call_now(ws: Workspace) -> list[dict[str, Any]]:
    from oncall_desktop.core.rotation.rotation import backup_for, on_call

    now = ws.clock.now()
    schedules = ws.directory_service.schedules()
    by_name = {s.name: s for s in schedules}
    first = ws.paging_schedule()
    out = []
    for schedule in sorted(schedules, key=lambda s: (s.name != first, s.name)):
        shift = on_call(schedule, now)
        if shift is None:
            continue
        following = on_call(schedule, shift.end)
        out.append({
            "schedule": schedule.name,
            "person": shift.person,
            "shift_start": iso(shift.start),
            "shift_end": iso(shift.end),
            "shift_end_local": local_stamp(shift.end),
            "next": following.person if following else None,
            "backup": backup_for(by_name, schedule, now),
            "lead": schedule.lead,
        })
    return out


def page_rows(ws: Workspace, include_resolved: bool = False) -> list[dict[str, Any]]:
    conn = ws.store.db.conn
    sql = ("SELECT p.id, p.ticket_id, p.state, p.level, p.person, p.severity, p.reason, p.created, "
           "p.ack_deadline, p.sla_deadline, p.acknowledged_by, t.client, t.title, p.data "
           "FROM pages p LEFT JOIN tickets t ON t.id = p.ticket_id")
    if not include_resolved:
        sql += " WHERE p.state != 'resolved'"
    sql += " ORDER BY COALESCE(p.ack_deadline, p.created), p.id"
    rows = []
    for r in conn.execute(sql):
        rows.append({
            "id": r[0], "ticket": r[1], "state": r[2], "level": r[3], "person": r[4], "severity": r[5],
            "reason": r[6], "created": r[7], "ack_deadline": r[8], "sla_deadline": r[9],
            "acknowledged_by": r[10], "client": r[11] or "unknown", "title": r[12] or r[1],
            "ack_deadline_local": local_time(parse_instant(r[8])) if r[8] else "",
            "sla": json.loads(r[13] or "{}").get("sla"),  # services/paging/pages.py: kind, target, paused…
        })
    return rows


def now_report(ws: Workspace) -> dict[str, Any]:
    """The ``oncall-desktop now --json`` contract."""
    return {
        "on_call": [{k: e[k] for k in ("schedule", "person", "shift_start", "shift_end", "backup")}
                    for e in on_call_now(ws)],
        "pages": [{k: p[k] for k in ("id", "ticket", "client", "title", "state", "level", "severity", "reason",
                                     "ack_deadline", "sla_deadline")} for p in page_rows(ws)],
        "suppressed": ws.maintenance.suppressed_recently(),
    }


def timeline(ws: Workspace, days: int = TIMELINE_DAYS) -> list[dict[str, Any]]:
    from oncall_desktop.core.rotation.rotation import shifts

    now = ws.clock.now()
    out = []
    for schedule in ws.directory_service.schedules():
        for s in shifts(schedule, now, now + timedelta(days=days)):
            out.append({"schedule": schedule.name, "person": s.person, "start": iso(s.start), "end": iso(s.end),
                        "start_local": local_stamp(s.start), "end_local": local_stamp(s.end),
                        "override": bool(s.override)})
    out.sort(key=lambda s: (s["start"], s["schedule"]))
    return out


def snapshot(ws: Workspace) -> dict[str, Any]:
    on_call = on_call_now(ws)
    me = ws.me
    timer = ws.timers.running()
    settings = {key: ws.store.get_setting(key, default) for key, default in
                (("poll_seconds", 60), ("demo_feed", False), ("first_poll_seconds", 2),
                 ("poll_failures", 0), ("sound", CHIME_DEFAULT), ("quiet_hours", ""))}
    last_poll = ws.store.get_setting("last_poll")
    offline = ws.store.get_setting("offline_since")
    notifications_ok, notifications = ws.notifier.status()
    return {
        "me": me,
        "me_on_call": any(e["person"] == me for e in on_call),
        "on_call": on_call,
        "pages": page_rows(ws),
        "schedules": [{"name": s.name} for s in ws.directory_service.schedules()],
        "shifts": timeline(ws),
        "rotation": ws.rotation.snapshot(me),
        "timer": timer.to_json() if timer else None,
        "time": ws.billing.snapshot(ws.clock.now()),
        "work": [{"ticket_id": t.ticket_id, "client": t.client, "start_local": local_stamp(t.started),
                  "minutes": t.minutes(ws.clock.now())} for t in ws.timers.recent(20) if t.stopped],
        **runbook_snapshot(ws),
        "settings": settings,
        "last_poll_local": local_time(parse_instant(last_poll), "%H:%M:%S") if last_poll else "",
        "offline_since": local_time(parse_instant(offline)) if offline else "",
        "offline_reason": ws.store.get_setting("offline_reason") or "",
        **shift_life(ws),
        "status": {
            "ticket_system": ws.connection().describe(),
            "notifications": notifications,
            "notifications_ok": notifications_ok,
            "keyring": _keyring_status(),
        },
    }


def runbook_snapshot(ws: Workspace) -> dict[str, Any]:
    """The runbook library (bundled + team pack + workspace) and the team pack's status.

    Summaries only: a body is fetched when a runbook is opened
    (``ws.runbooks.runbook(id)``), not carried on every refresh; ``body_crc``
    lets a view notice that the body it shows has changed.
    """
    from zlib import crc32

    summary = ws.runbooks.summaries()
    runbooks = [{**{k: v for k, v in r.items() if k != "body"}, "body_crc": crc32(r["body"].encode())}
                for r in summary["runbooks"]]
    return {"runbooks": runbooks, "trees": summary["trees"], "runbooks_refused": summary["refused"],
            "team_pack": ws.team_pack.status().to_dict()}


def _keyring_status() -> str:
    from oncall_desktop.services.platform.credentials import keyring_available

    ok, name = keyring_available()
    return f"{name}" if ok else f"not available ({name}) — connect a ticket system only after installing one"


def shift_life(ws: Workspace) -> dict[str, Any]:
    """Issue 8's part of the picture: tickets kept quiet and why, maintenance, the handoff to read."""
    now = ws.clock.now()
    pending = ws.handoffs.pending()
    return {
        "suppressed": [{**s, "at_local": local_time(parse_instant(s["at"]))} for s in ws.maintenance.suppressed_recently()],
        "maintenance": [{**w.to_json(now), "label": w.window.label(local_tzinfo(now))}
                        for w in ws.maintenance.windows()],
        "handoff_pending": pending.to_json() if pending is not None else None,
        "readiness": ws.readiness.summary(),  # the last pre-shift check (it runs by itself at shift start)
    }

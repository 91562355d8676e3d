"""The picture every view draws from: who is on call, what pages wait, what runs.

Why one snapshot function: the tray, the window, ``oncall-desktop now`` and
the tests must agree on the same facts; computing them in one place (on the
store thread) keeps the widgets free of logic.  The views get a typed
``Snapshot`` (services/app/view_model.py); ``now --json`` keeps its own
plain form (``now_report``), which scripts read.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.time.clock import STAMP, iso, local_time, local_tzinfo, parse_instant
from oncall_desktop.services.app.preferences import CHIME_DEFAULT
from oncall_desktop.services.app.view_model import (
    EntryView,
    HandoffView,
    MyShiftView,
    OnCallView,
    OutboxView,
    PageView,
    ReadinessItem,
    ReadinessView,
    RotationView,
    RunbookSummary,
    RunbooksView,
    SettingsView,
    ShiftView,
    SlaView,
    Snapshot,
    StatusView,
    SuppressedView,
    TeamPackView,
    TimelineRow,
    TimelineShift,
    TimelineView,
    TimerQuestion,
    TimerView,
    TimeView,
    TotalsRow,
    TreeSummary,
    WorkView,
)

if TYPE_CHECKING:
    from oncall_desktop.core.rotation.swaps import SwapProposal
    from oncall_desktop.services.app.workspace import Workspace

TIMELINE_DAYS = 14


def local_stamp(value: datetime) -> str:
    return local_time(value, STAMP)


def on_call_now(ws: Workspace) -> list[dict[str, Any]]:
    from oncall_desktop.core.rotation.compute import backup_for, on_call

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


def timeline(ws: Workspace, days: int = TIMELINE_DAYS) -> tuple[ShiftView, ...]:
    """The next ``days`` days' shifts, every schedule, in time order.

    A shift running now shows its true start, and the horizon ends at a local
    midnight: the rows change when a shift ends or a day turns, not every
    time the picture is rebuilt (which would redraw the Rotation tab on every poll).
    """
    from oncall_desktop.core.rotation.compute import on_call, shifts

    now = ws.clock.now()
    local = now.astimezone(local_tzinfo(now))
    horizon = (local + timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows: list[tuple[datetime, str, ShiftView]] = []
    for schedule in ws.directory_service.schedules():
        current = on_call(schedule, now)
        for s in shifts(schedule, now, horizon):
            start = current.start if current is not None and s.start == now and s.person == current.person else s.start
            rows.append((s.start, schedule.name, ShiftView(schedule=schedule.name, person=s.person,
                                                          start_local=local_stamp(start), end_local=local_stamp(s.end),
                                                          override=bool(s.override))))
    rows.sort(key=lambda r: (r[0], r[1]))
    return tuple(r[2] for r in rows)


def snapshot(ws: Workspace) -> Snapshot:
    """The whole picture, built on the store thread; the controller diffs it against the last one."""
    on_call = on_call_now(ws)
    me = ws.me
    now = ws.clock.now()
    last_poll = ws.store.get_setting("last_poll")
    offline = ws.store.get_setting("offline_since")
    life = shift_life(ws)
    return Snapshot(
        me=me,
        me_on_call=any(e["person"] == me for e in on_call),
        on_call=tuple(_on_call_view(e) for e in on_call),
        pages=tuple(_page_view(p) for p in page_rows(ws)),
        rotation=_rotation_view(ws, me),
        timer=_timer_view(ws),
        time=_time_view(ws, now),
        runbooks=runbook_snapshot(ws),
        settings=_settings_view(ws),
        status=_status_view(ws),
        last_poll_local=local_time(parse_instant(last_poll), "%H:%M:%S") if last_poll else "",
        offline_since=local_time(parse_instant(offline)) if offline else "",
        offline_reason=str(ws.store.get_setting("offline_reason") or ""),
        **life,
    )


def _on_call_view(e: dict[str, Any]) -> OnCallView:
    return OnCallView(schedule=e["schedule"], person=e["person"], shift_start=parse_instant(e["shift_start"]),
                      shift_end=parse_instant(e["shift_end"]), shift_end_local=e["shift_end_local"],
                      next=e["next"], backup=e["backup"], lead=e["lead"])


def _page_view(p: dict[str, Any]) -> PageView:
    clock = p.get("sla")
    sla = None
    if clock:
        deadline = p.get("sla_deadline") or clock.get("deadline")
        sla = SlaView(kind=str(clock.get("kind", "")), deadline=parse_instant(deadline) if deadline else None,
                      paused=bool(clock.get("paused")), remaining_minutes=int(clock.get("remaining_minutes") or 0),
                      business_hours=bool(clock.get("business_hours")))
    return PageView(id=int(p["id"]), ticket=p["ticket"], state=p["state"], level=int(p["level"] or 1),
                    person=p["person"] or "", severity=p["severity"], reason=p["reason"] or "",
                    created=p["created"], client=p["client"], title=p["title"],
                    ack_deadline=parse_instant(p["ack_deadline"]) if p["ack_deadline"] else None,
                    ack_deadline_local=p["ack_deadline_local"], sla=sla, acknowledged_by=p["acknowledged_by"])


def _timer_view(ws: Workspace) -> TimerView | None:
    timer = ws.timers.running()
    if timer is None:
        return None
    data = timer.to_json()  # the heartbeat is left out: it moves every second and no view shows it
    asked = data.get("question")
    question = TimerQuestion(start=parse_instant(asked["from"]), end=parse_instant(asked["to"]),
                             minutes=int(asked["minutes"]), why=str(asked["why"])) if asked else None
    return TimerView(id=int(data["id"]), ticket_id=data["ticket_id"], client=data["client"], state=data["state"],
                     closed_seconds=int(data["closed_seconds"]),
                     open_since=parse_instant(data["open_since"]) if data["open_since"] else None,
                     flag=data.get("flag") or "", question=question)


def _time_view(ws: Workspace, now: datetime) -> TimeView:
    time = ws.billing.snapshot(now)

    def totals(rows: list[dict[str, Any]]) -> tuple[TotalsRow, ...]:
        return tuple(TotalsRow(client=r["client"], worked_minutes=int(r["worked_minutes"] or 0),
                               after_hours_minutes=int(r["after_hours_minutes"] or 0),
                               billable_minutes=int(r["billable_minutes"] or 0)) for r in rows)

    sync = time["sync"]
    return TimeView(
        today=totals(time["today"]), week=totals(time["week"]),
        entries=tuple(EntryView(key=e["key"], timer=int(e["timer"]), ticket=e["ticket"], client=e["client"],
                                start=parse_instant(e["start"]), worked_minutes=int(e["worked_minutes"]),
                                after_hours_minutes=int(e["after_hours_minutes"]),
                                billable_minutes=int(e["billable_minutes"]), multiplier=float(e["multiplier"]),
                                reasons=tuple(e["reasons"]), sync=e["sync"], state=e["state"])
                      for e in time["entries"]),
        clients=tuple(time["clients"]),
        outbox=OutboxView(sent=int(sync.get("sent", 0)), pending=int(sync.get("pending", 0)),
                          failed=int(sync.get("failed", 0)), last_error=str(sync.get("last_error") or "")),
        work=tuple(WorkView(ticket_id=t.ticket_id, client=t.client, start_local=local_stamp(t.started),
                            minutes=t.minutes(now)) for t in ws.timers.recent(20) if t.stopped))


def _rotation_view(ws: Workspace, me: str) -> RotationView:
    rotation = ws.rotation.snapshot(me)
    mine = rotation["my_next"]
    return RotationView(
        definitions=tuple(rotation["definitions"]), timeline=_timeline_view(rotation["timeline"]),
        my_next=MyShiftView(schedule=mine["schedule"], start=parse_instant(mine["start"]),
                            end=parse_instant(mine["end"]), now=bool(mine["now"])) if mine else None,
        swaps=tuple(_swap(w) for w in rotation["swaps"]),
        people=tuple(rotation["people"]), notice_days=tuple(rotation["notice_days"]), shifts=timeline(ws))


def _swap(row: dict[str, Any]) -> SwapProposal:
    from oncall_desktop.core.rotation.swaps import SwapProposal

    return SwapProposal(schedule=row["schedule"], from_person=row["from_person"], to_person=row["to_person"],
                        start=row["start"], end=row["end"], proposed_at=row["proposed_at"], id=row["id"])


def _timeline_view(data: dict[str, Any]) -> TimelineView:
    """The timeline without its "now" (the view draws the red line from its own clock)."""
    rows = tuple(TimelineRow(name=r["name"], shifts=tuple(
        TimelineShift(person=x["person"], start=parse_instant(x["start"]), end=parse_instant(x["end"]),
                      override=bool(x["override"]), mine=bool(x["mine"])) for x in r["shifts"]))
        for r in data["rows"])
    return TimelineView(start=parse_instant(data["start"]), end=parse_instant(data["end"]), rows=rows)


def _settings_view(ws: Workspace) -> SettingsView:
    get = ws.store.get_setting
    return SettingsView(poll_seconds=int(get("poll_seconds", 60)), demo_feed=bool(get("demo_feed", False)),
                        first_poll_seconds=int(get("first_poll_seconds", 2)),
                        poll_failures=int(get("poll_failures", 0) or 0), sound=bool(get("sound", CHIME_DEFAULT)),
                        quiet_hours=str(get("quiet_hours", "") or ""))


def _status_view(ws: Workspace) -> StatusView:
    notifications_ok, notifications = ws.notifier.status()
    return StatusView(ticket_system=ws.connection().describe(), notifications=notifications,
                      notifications_ok=notifications_ok, keyring=_keyring_status())


def runbook_snapshot(ws: Workspace) -> RunbooksView:
    """The runbook library (bundled + team pack + workspace) and the team pack's status.

    Summaries only: a body is fetched when a runbook is opened
    (``ws.runbooks.runbook(id)``), not carried on every refresh; ``body_crc``
    lets a view notice that the body it shows has changed.
    """
    from zlib import crc32

    summary = ws.runbooks.summaries()
    runbooks = tuple(RunbookSummary(id=r["id"], title=r["title"], tags=tuple(r["tags"]), origin=r["origin"],
                                    body_crc=crc32(r["body"].encode())) for r in summary["runbooks"])
    trees = tuple(TreeSummary(id=t["id"], title=t["title"], description=t["description"] or "", origin=t["origin"])
                  for t in summary["trees"])
    pack = ws.team_pack.status()
    return RunbooksView(runbooks=runbooks, trees=trees, refused=tuple(tuple(r["problems"]) for r in summary["refused"]),
                        team_pack=TeamPackView(source=pack.source, name=pack.name, version=pack.version,
                                               synced_at=parse_instant(pack.synced_at) if pack.synced_at else None))


def _keyring_status() -> str:
    from oncall_desktop.services.platform.credentials import keyring_available

    ok, name = keyring_available()
    return f"{name}" if ok else f"not available ({name}) — connect a ticket system only after installing one"


def shift_life(ws: Workspace) -> dict[str, Any]:
    """The shift's part of the picture: tickets kept quiet and why, the handoff to read, the last pre-shift check."""
    pending = ws.handoffs.pending()
    return {
        "suppressed": tuple(SuppressedView(at_local=local_time(parse_instant(s["at"])), ticket=s["ticket"],
                                           client=s["client"], title=s["title"], reason=s["reason"])
                            for s in ws.maintenance.suppressed_recently()),
        "handoff_pending": HandoffView(id=pending.handoff.id, author=pending.handoff.author,
                                       text=str(pending.to_json()["text"])) if pending is not None else None,
        "readiness": _readiness_view(ws.readiness.summary()),  # the last check (it runs by itself at shift start)
    }


def readiness_items(report: dict[str, Any]) -> tuple[ReadinessItem, ...]:
    """A recorded (or just run) check's items, from its JSON form (``ReadinessReport.to_json``)."""
    return tuple(ReadinessItem(title=str(i["title"]), ok=bool(i["ok"]), detail=str(i["detail"]),
                               fix=str(i.get("fix") or "")) for i in report.get("items", []))


def _readiness_view(summary: dict[str, Any] | None) -> ReadinessView | None:
    if summary is None or not summary.get("checked_at"):
        return None
    return ReadinessView(checked_at=parse_instant(summary["checked_at"]), trigger=str(summary["trigger"] or ""),
                         headline=summary["headline"], dismissed=bool(summary["dismissed"]),
                         items=readiness_items(summary["report"]))

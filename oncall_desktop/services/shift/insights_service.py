"""Feeds the pure analytics from one workspace: events, ticket names, shifts, client terms.

Why a separate glue module: ``analytics.compute`` must stay pure (testable
with a hand-built log), while the Insights tab and ``oncall-desktop insights``
must show the *same* figures; both call :func:`insights_report`.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from oncall_desktop.core.billing.billing import Agreement
from oncall_desktop.core.billing.calendar_hours import BillingError, Calendar
from oncall_desktop.core.shift.analytics import Insights, ShiftSpan, TicketInfo, compute
from oncall_desktop.core.time.clock import as_utc, local_tzinfo

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

_AGREEMENT_FIELDS = ("multiplier", "rounding_increment", "rounding", "minimum_minutes",
                     "bill_in_hours_at_normal_rate", "normal_rate_cents", "callout_merge_minutes")


def local_zone(ws: Workspace) -> tuple[tzinfo, str]:
    """The reviewer's zone: the workspace owner's (directory), else the machine's."""
    me = ws.me
    for person in ws.directory_service.people():
        if person["name"] == me and person.get("time_zone"):
            try:
                return ZoneInfo(person["time_zone"]), person["time_zone"]
            except (KeyError, ValueError):
                break
    tz = local_tzinfo(ws.clock.now())
    return tz, str(tz)


def insights_report(ws: Workspace, start: datetime, end: datetime, tz_name: str | None = None) -> Insights:
    if tz_name:
        try:
            tz: tzinfo = ZoneInfo(tz_name)
        except (KeyError, ValueError):
            raise ValueError(f"unknown time zone '{tz_name}'; use an IANA name such as Europe/London") from None
        zone_name = tz_name
    else:
        tz, zone_name = local_zone(ws)
    start, end = as_utc(start), as_utc(end)
    tickets = {r[0]: TicketInfo(r[1], r[2])
               for r in ws.store.db.conn.execute("SELECT id, client, title FROM tickets")}
    calendars, agreements = client_terms(ws.directory_service.clients())
    return compute(ws.store.events(since=start - timedelta(days=1)), start, end, tz=tz, zone_name=zone_name,
                   tickets=tickets, shifts=_shifts(ws, start, end), calendars=calendars, agreements=agreements,
                   billed=_stored_entries(ws, start, end))


def _stored_entries(ws: Workspace, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The billing service's time entries (its own clients file and agreements), when this build has them."""
    conn = ws.store.db.conn
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'time_entries'").fetchone():
        return []
    from oncall_desktop.core.time.clock import iso

    cols = ("ticket", "client", "start", "end", "worked_minutes", "after_hours_minutes", "billable_minutes",
            "amount_cents")
    rows = conn.execute(f"SELECT {', '.join(cols)} FROM time_entries WHERE start >= ? AND start < ?",
                        (iso(start), iso(end))).fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]


def month_bounds(now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """The last 30 days up to the end of today (the tab's default period)."""
    local = now.astimezone(tz)
    end = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return as_utc(end - timedelta(days=30)), as_utc(end)


def client_terms(clients: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Calendar], dict[str, list[Agreement]]]:
    """Calendars and agreements from the directory's client records (what the demo and team pack store)."""
    calendars: dict[str, Calendar] = {}
    agreements: dict[str, list[Agreement]] = {}
    for name, data in clients.items():
        calendar = data.get("calendar")
        if isinstance(calendar, Mapping) and calendar.get("time_zone"):
            try:
                calendars[name] = Calendar(time_zone=str(calendar["time_zone"]))
            except BillingError:
                pass
        terms = data.get("agreement")
        if isinstance(terms, Mapping):
            try:
                agreements[name] = [Agreement(str(terms.get("name") or f"{name} after hours"), date.min,
                                              **{k: terms[k] for k in _AGREEMENT_FIELDS if k in terms})]
            except (BillingError, TypeError):
                pass
    return calendars, agreements


def _shifts(ws: Workspace, start: datetime, end: datetime) -> list[ShiftSpan]:
    from oncall_desktop.core.rotation.compute import shifts
    from oncall_desktop.core.rotation.model import RotationError

    schedule = ws.paging()[0]
    if schedule is None:
        return []
    try:
        return [ShiftSpan(s.person, s.start, s.end) for s in shifts(schedule, start, end)]
    except RotationError:
        return []

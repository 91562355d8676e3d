"""Insights from the event log: how the nights actually went.

Why a pure function over plain event records: the log is the audit trail
(append-only), so every figure a lead pastes into a monthly review can be
re-derived from it by hand, and the same figures feed the Insights charts,
``oncall-desktop insights --json`` and the CSV export.  The log is written by
many features over many versions, so unknown kinds and missing fields are
skipped (and listed), never fatal.

Definitions (the ones a reviewer will ask about):
- *time to acknowledge* — ``page.opened`` to its first ``page.acknowledged``,
  in minutes with one decimal; the median is the middle value (mean of the
  two middle ones), p90 the nearest-rank 90th percentile (the smallest value
  that at least 90 % of pages did not exceed).
- *after hours* — outside the client's business-hours calendar (billing's
  calendars; Mon–Fri 09:00–17:00 when the client has none).
- *false alarm* — a page resolved with the outcome "no action needed".
- weeks are ISO weeks and hours/weekdays are counted in the reviewer's zone.
"""
from __future__ import annotations

import io
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from oncall_desktop.core.billing.billing import DEFAULT_AGREEMENT, Agreement, WorkSession, bill
from oncall_desktop.core.billing.calendar_hours import DAY_NAMES, BillingError, Calendar, split
from oncall_desktop.core.csv_safe import csv_writer
from oncall_desktop.core.time.clock import STAMP, UTC, as_utc, iso, local_time, parse_instant

WEEKDAYS = DAY_NAMES

#: Resolution outcomes that mean "the page needed nobody" (compared case-insensitively).
FALSE_ALARM_OUTCOMES = frozenset({
    "no action needed", "no action", "no-action", "no_action", "no_action_needed", "false alarm",
    "false-alarm", "false_alarm", "noise",
})

#: Event kinds this module understands; anything else is counted under ``ignored_kinds``.
KNOWN_KINDS = frozenset({
    "page.opened", "page.acknowledged", "page.resolved", "page.suppressed", "page.escalated",
    "timer.started", "timer.stopped",
    # the ack clock's other transitions: understood, they just do not change these figures
    "page.unacknowledged", "page.reassigned", "page.snoozed", "page.renotified", "page.unanswered",
    "page.stale", "page.stale_check_passed", "page.sla_paused", "page.sla_resumed",
    "timer.paused", "timer.resumed", "timer.flagged", "timer.recovered", "timer.gap_answered", "timer.gap",
    "page.severity_set", "page.assign_not_supported",
    # a team shares pages through the ticket system: another laptop acted (no figure of ours changes)
    "page.acknowledged_elsewhere", "page.handed_over", "page.resolved_elsewhere",
})

#: A recurring issue is one seen at least this often after hours in the period.
RECURRING_MIN = 2
TOP_ISSUES = 5


class AnalyticsError(ValueError):
    """A period or input insights cannot use; the message says what to change."""


@dataclass(frozen=True)
class TicketInfo:
    """What the log's ticket ids stand for (the event log stores ids only)."""

    client: str
    title: str


@dataclass(frozen=True)
class ShiftSpan:
    """One person's turn on call (from the rotation), for pages-per-shift."""

    person: str
    start: datetime
    end: datetime


@dataclass
class PageFacts:
    """One page's life, assembled from its events."""

    page_id: str
    ticket: str
    opened_at: datetime
    client: str = "unknown"
    title: str = ""
    person: str = ""
    severity: str = ""
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    resolved_at: datetime | None = None
    outcome: str = ""
    escalations: int = 0
    after_hours: bool = False

    @property
    def ack_minutes(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return round(max(0.0, (self.acknowledged_at - self.opened_at).total_seconds()) / 60, 1)

    @property
    def false_alarm(self) -> bool:
        return self.resolved_at is not None and is_false_alarm(self.outcome)


@dataclass
class Insights:
    """Every figure the Insights tab charts, for one period."""

    start: datetime
    end: datetime
    zone: str
    totals: dict[str, Any]
    ack_by_week: list[dict[str, Any]]
    heatmap: list[list[int]]
    clients: list[dict[str, Any]]
    people: list[dict[str, Any]]
    top_issues: list[dict[str, Any]]
    ignored_kinds: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``insights --json`` contract."""
        return {
            "from": iso(self.start), "to": iso(self.end), "time_zone": self.zone,
            "totals": dict(self.totals), "ack_by_week": [dict(r) for r in self.ack_by_week],
            "heatmap": {"rows": list(WEEKDAYS), "columns": list(range(24)),
                        "counts": [list(r) for r in self.heatmap]},
            "clients": [dict(r) for r in self.clients], "people": [dict(r) for r in self.people],
            "top_issues": [dict(r) for r in self.top_issues], "ignored_kinds": list(self.ignored_kinds),
            "summary": review_summary(self),
        }


# ----------------------------------------------------------------- helpers --

def is_false_alarm(outcome: str) -> bool:
    return " ".join(outcome.strip().lower().split()) in FALSE_ALARM_OUTCOMES


def median(values: Sequence[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def p90(values: Sequence[float]) -> float | None:
    """Nearest-rank 90th percentile: a value that really occurred, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    return round(float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]), 1)


def issue_key(title: str) -> str:
    """Titles that differ only by numbers, ids or punctuation are the same issue.

    "Backup failed on ACME-SRV01 (job 4411)" and "Backup failed on ACME-SRV02
    (job 4502)" both become "backup failed on acme-srv# (job #)".
    """
    text = title.lower()
    text = re.sub(r"\d+", "#", text)
    text = re.sub(r"[\s—–:;,.!?'\"]+", " ", text)
    return text.strip()


def _instant(event: Mapping[str, Any]) -> datetime | None:
    value = event.get("at")
    if isinstance(value, datetime):
        return as_utc(value)
    try:
        return parse_instant(str(value))
    except ValueError:
        return None


def _data(event: Mapping[str, Any]) -> Mapping[str, Any]:
    data = event.get("data")
    return data if isinstance(data, Mapping) else {}


def _outcome(data: Mapping[str, Any]) -> str:
    for key in ("outcome", "resolution", "result"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _in_hours(at: datetime, calendar: Calendar) -> bool:
    return split(at, at + timedelta(minutes=1), calendar).in_hours_minutes > 0


# ---------------------------------------------------------------- assembly --

def page_facts(events: Iterable[Mapping[str, Any]], tickets: Mapping[str, TicketInfo] | None = None,
               calendars: Mapping[str, Calendar] | None = None,
               default_calendar: Calendar | None = None) -> list[PageFacts]:
    """Pages rebuilt from ``page.*`` events, in opening order.

    Acknowledgements and resolutions name their page (``data.page``); older
    or foreign records that do not are matched to the newest page of the same
    ticket.
    """
    tickets = tickets or {}
    calendars = calendars or {}
    default_calendar = default_calendar or Calendar()
    pages: dict[str, PageFacts] = {}
    latest_by_ticket: dict[str, str] = {}
    for event in events:
        kind = event.get("kind")
        if not isinstance(kind, str) or not kind.startswith("page.") or kind == "page.suppressed":
            continue
        at = _instant(event)
        if at is None:
            continue
        data = _data(event)
        ticket = str(event.get("subject") or "")
        page_id = str(data["page"]) if data.get("page") is not None else latest_by_ticket.get(ticket, "")
        if kind == "page.opened":
            if not page_id:
                page_id = f"{ticket}@{iso(at)}"
            info = tickets.get(ticket)
            client = info.client if info else str(data.get("client") or "unknown")
            facts = PageFacts(page_id=page_id, ticket=ticket, opened_at=at, client=client,
                              title=info.title if info else str(data.get("title") or ticket),
                              person=str(data.get("person") or ""), severity=str(data.get("severity") or ""))
            facts.after_hours = not _in_hours(at, calendars.get(client, default_calendar))
            pages[page_id] = facts
            latest_by_ticket[ticket] = page_id
            continue
        opened = pages.get(page_id)
        if opened is None:
            continue  # its opening is outside what we were given
        facts = opened
        if kind == "page.acknowledged" and facts.acknowledged_at is None:
            facts.acknowledged_at = at
            facts.acknowledged_by = str(data.get("by") or "")
        elif kind == "page.resolved" and facts.resolved_at is None:
            facts.resolved_at = at
            facts.outcome = _outcome(data)
        elif kind == "page.escalated":
            facts.escalations += 1
    return sorted(pages.values(), key=lambda p: (p.opened_at, p.page_id))


def work_sessions(events: Iterable[Mapping[str, Any]], tickets: Mapping[str, TicketInfo] | None = None
                  ) -> list[WorkSession]:
    """Timed work (``timer.stopped`` with its start and end)."""
    tickets = tickets or {}
    out = []
    for event in events:
        if event.get("kind") != "timer.stopped":
            continue
        data = _data(event)
        try:
            start = parse_instant(str(data["start"]))
            end = parse_instant(str(data["end"]))
        except (KeyError, ValueError):
            continue
        if end <= start:
            continue
        ticket = str(event.get("subject") or "")
        info = tickets.get(ticket)
        client = str(data.get("client") or (info.client if info else "unknown"))
        out.append(WorkSession(ticket=ticket, client=client, start=start, end=end))
    return out


def _billed_entries(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Time entries the billing feature already billed (``TimeEntry.to_json(detailed=True)`` shape).

    Event data carrying the same fields counts too, so an older or newer log
    that records entries as events is read the same way.
    """
    out = []
    for record in records:
        if {"client", "after_hours_minutes", "billable_minutes"} <= set(record) and record.get("start"):
            try:
                at = parse_instant(str(record["start"]))
                amount = record.get("amount_cents")
                out.append({"ticket": str(record.get("ticket") or ""), "client": str(record["client"]), "at": at,
                            "worked": int(record.get("worked_minutes") or 0),
                            "after": int(record["after_hours_minutes"]), "billable": int(record["billable_minutes"]),
                            "amount": amount if isinstance(amount, int) and not isinstance(amount, bool) else None})
            except (TypeError, ValueError):
                continue
    return out


# ------------------------------------------------------------------ figures --

def compute(events: Iterable[Mapping[str, Any]], start: datetime, end: datetime, *,
            tz: tzinfo = UTC, zone_name: str = "UTC",
            tickets: Mapping[str, TicketInfo] | None = None,
            shifts: Sequence[ShiftSpan] = (),
            calendars: Mapping[str, Calendar] | None = None,
            agreements: Mapping[str, Sequence[Agreement]] | None = None,
            default_calendar: Calendar | None = None,
            default_agreement: Agreement = DEFAULT_AGREEMENT,
            billed: Iterable[Mapping[str, Any]] = ()) -> Insights:
    """All figures for pages opened and work done in ``[start, end)``.

    ``billed`` are the billing feature's stored time entries; work on tickets
    that have none is billed here from the timers with the clients' terms.
    """
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise AnalyticsError(f"the period ends ({iso(end)}) before it starts ({iso(start)}); "
                             "swap --from and --to")
    events = list(events)
    tickets = tickets or {}
    calendars = calendars or {}
    agreements = agreements or {}
    default_calendar = default_calendar or Calendar()
    # page/timer kinds added by later versions are listed, so a figure that
    # looks low can be explained; other features' kinds are simply not ours
    ignored = sorted({k for k in (str(e.get("kind")) for e in events)
                      if k.startswith(("page.", "timer.")) and k not in KNOWN_KINDS})
    # everything before ``end`` so a page opened in the period but acked after
    # it still counts; pages are then filtered by their opening
    pages = [p for p in page_facts(events, tickets, calendars, default_calendar) if start <= p.opened_at < end]
    suppressed = sum(1 for e in events if e.get("kind") == "page.suppressed"
                     and (at := _instant(e)) is not None and start <= at < end)

    acked = [p.ack_minutes for p in pages if p.ack_minutes is not None]
    resolved = [p for p in pages if p.resolved_at is not None]
    false_alarms = sum(1 for p in resolved if p.false_alarm)
    escalated = sum(1 for p in pages if p.escalations)
    totals: dict[str, Any] = {
        "pages": len(pages), "after_hours_pages": sum(1 for p in pages if p.after_hours),
        "acknowledged": len(acked), "resolved": len(resolved), "suppressed": suppressed,
        "escalated": escalated, "escalation_rate": _rate(escalated, len(pages)),
        "false_alarms": false_alarms, "false_alarm_rate": _rate(false_alarms, len(resolved)),
        "median_ack_minutes": median(acked), "p90_ack_minutes": p90(acked),
    }

    weeks: dict[tuple[int, int], list[float]] = defaultdict(list)
    heat = [[0] * 24 for _ in WEEKDAYS]
    for page in pages:
        local = page.opened_at.astimezone(tz)
        heat[local.weekday()][local.hour] += 1
        if page.ack_minutes is not None:
            year, week, _ = local.isocalendar()
            weeks[(year, week)].append(page.ack_minutes)
    ack_by_week = [{"week": f"{y}-W{w:02d}", "week_start": date.fromisocalendar(y, w, 1).isoformat(),
                    "count": len(v), "median_minutes": median(v), "p90_minutes": p90(v)}
                   for (y, w), v in sorted(weeks.items())]

    clients = _client_rows(events, list(billed), pages, start, end, tickets, calendars, agreements,
                           default_calendar, default_agreement)
    totals["after_hours_minutes"] = sum(r["after_hours_minutes"] for r in clients)
    totals["billable_minutes"] = sum(r["billable_minutes"] for r in clients)
    amounts = [r["amount_cents"] for r in clients if r["amount_cents"] is not None]
    totals["amount_cents"] = sum(amounts) if amounts else None

    return Insights(start=start, end=end, zone=zone_name, totals=totals, ack_by_week=ack_by_week, heatmap=heat,
                    clients=clients, people=_people_rows(pages, shifts, start, end),
                    top_issues=_top_issues(pages, tz), ignored_kinds=ignored)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _client_rows(events: Sequence[Mapping[str, Any]], billed_records: Sequence[Mapping[str, Any]],
                 pages: Sequence[PageFacts], start: datetime, end: datetime,
                 tickets: Mapping[str, TicketInfo], calendars: Mapping[str, Calendar],
                 agreements: Mapping[str, Sequence[Agreement]], default_calendar: Calendar,
                 default_agreement: Agreement) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}

    def row(client: str) -> dict[str, Any]:
        return rows.setdefault(client, {"client": client, "pages": 0, "after_hours_pages": 0, "worked_minutes": 0,
                                        "after_hours_minutes": 0, "billable_minutes": 0, "amount_cents": None})

    def add_amount(r: dict[str, Any], cents: int | None) -> None:
        if cents is not None:
            r["amount_cents"] = (r["amount_cents"] or 0) + cents

    for page in pages:
        r = row(page.client)
        r["pages"] += 1
        r["after_hours_pages"] += int(page.after_hours)
    from_events = [{"ticket": e.get("subject"), **_data(e)} for e in events]
    billed = [b for b in _billed_entries([*billed_records, *from_events]) if start <= b["at"] < end]
    billed_tickets = {b["ticket"] for b in billed}
    for b in billed:
        r = row(b["client"])
        r["worked_minutes"] += b["worked"]
        r["after_hours_minutes"] += b["after"]
        if b["after"]:
            r["billable_minutes"] += b["billable"]
            add_amount(r, b["amount"])
    # timed work nobody billed yet is billed here with the client's own terms
    by_client: dict[str, list[WorkSession]] = defaultdict(list)
    for session in work_sessions(events, tickets):
        if start <= session.start < end and session.ticket not in billed_tickets:
            by_client[session.client].append(session)
    for client, sessions in by_client.items():
        try:
            entries = bill(sessions, list(agreements.get(client, ())), calendars.get(client, default_calendar),
                           default_agreement)
        except BillingError:
            continue  # a broken agreement is reported by the billing screens, not here
        r = row(client)
        for entry in entries:
            r["worked_minutes"] += entry.worked_minutes
            r["after_hours_minutes"] += entry.after_hours_minutes
            if entry.after_hours_minutes:
                r["billable_minutes"] += entry.billable_minutes
                add_amount(r, entry.amount_cents)
    return sorted(rows.values(), key=lambda r: (-r["after_hours_minutes"], -r["pages"], r["client"]))


def _people_rows(pages: Sequence[PageFacts], shifts: Sequence[ShiftSpan], start: datetime,
                 end: datetime) -> list[dict[str, Any]]:
    """Pages per shift per person: a page belongs to the shift it was opened in."""
    rows: dict[str, dict[str, Any]] = {}
    spans = sorted((s for s in shifts if s.start < end and s.end > start), key=lambda s: s.start)
    for span in spans:
        r = rows.setdefault(span.person, {"person": span.person, "shifts": 0, "pages": 0, "after_hours_pages": 0})
        r["shifts"] += 1
    for page in pages:
        covering = next((s for s in spans if s.start <= page.opened_at < s.end), None)
        person = covering.person if covering else (page.person or "nobody on call")
        r = rows.setdefault(person, {"person": person, "shifts": 0, "pages": 0, "after_hours_pages": 0})
        r["pages"] += 1
        r["after_hours_pages"] += int(page.after_hours)
    for r in rows.values():
        r["pages_per_shift"] = round(r["pages"] / r["shifts"], 2) if r["shifts"] else None
    return sorted(rows.values(), key=lambda r: (-r["pages"], r["person"]))


def _top_issues(pages: Sequence[PageFacts], tz: tzinfo) -> list[dict[str, Any]]:
    groups: dict[str, list[PageFacts]] = defaultdict(list)
    for page in pages:
        if page.after_hours:
            groups[issue_key(page.title)].append(page)
    recurring = [g for g in groups.values() if len(g) >= RECURRING_MIN]
    recurring.sort(key=lambda g: (-len(g), -max(p.opened_at for p in g).timestamp()))
    out = []
    for group in recurring[:TOP_ISSUES]:
        title = Counter(p.title for p in group).most_common(1)[0][0]
        clients = Counter(p.client for p in group)
        last = max(p.opened_at for p in group)
        out.append({"issue": title, "count": len(group), "clients": [c for c, _ in clients.most_common()],
                    "false_alarms": sum(1 for p in group if p.false_alarm),
                    "last_seen": iso(last), "last_seen_local": local_time(last, STAMP, tz)})
    return out


# ----------------------------------------------------------------- outputs --

def money(cents: int | None) -> str:
    return "—" if cents is None else f"{cents // 100:,}.{cents % 100:02d}"


def hours_minutes(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f} %"


def review_summary(report: Insights) -> str:
    """The monthly review paragraph a lead pastes into a report (plain text, no markup)."""
    t = report.totals
    last_day = (report.end - timedelta(seconds=1)).date()
    lines = [f"On-call review {report.start.date().isoformat()} to {last_day.isoformat()} ({report.zone})",
             f"- Pages: {t['pages']} ({t['after_hours_pages']} after hours); {t['suppressed']} suppressed "
             "by maintenance windows or rules"]
    if t["median_ack_minutes"] is not None:
        lines.append(f"- Time to acknowledge: median {t['median_ack_minutes']} min, p90 {t['p90_ack_minutes']} min "
                     f"({t['acknowledged']} acknowledged)")
    else:
        lines.append("- Time to acknowledge: no page was acknowledged")
    lines.append(f"- Escalated: {t['escalated']} ({_percent(t['escalation_rate'])}); false alarms: "
                 f"{t['false_alarms']} of {t['resolved']} resolved ({_percent(t['false_alarm_rate'])})")
    lines.append(f"- After-hours work: {hours_minutes(t['after_hours_minutes'])}, "
                 f"{hours_minutes(t['billable_minutes'])} billable"
                 + (f", amount {money(t['amount_cents'])}" if t["amount_cents"] is not None else ""))
    busiest = max(((report.heatmap[d][h], d, h) for d in range(7) for h in range(24)), default=(0, 0, 0))
    if busiest[0]:
        lines.append(f"- Busiest hour: {WEEKDAYS[busiest[1]]} {busiest[2]:02d}:00–{(busiest[2] + 1) % 24:02d}:00 "
                     f"({busiest[0]} pages)")
    per_shift = [f"{r['person']} {r['pages_per_shift']} ({r['shifts']} shifts)"
                 for r in report.people if r["pages_per_shift"] is not None]
    if per_shift:
        lines.append("- Pages per shift: " + ", ".join(per_shift))
    if report.top_issues:
        lines.append(f"Top {len(report.top_issues)} recurring after-hours issues:")
        for n, issue in enumerate(report.top_issues, 1):
            extra = f", {issue['false_alarms']} false alarm(s)" if issue["false_alarms"] else ""
            lines.append(f"{n}. {issue['issue']} ({', '.join(issue['clients'])}) — {issue['count']} times{extra}")
    else:
        lines.append("No after-hours issue recurred in this period.")
    return "\n".join(lines)


def to_csv(report: Insights) -> str:
    """Every figure as one long table (table, row, column, value): opens in any spreadsheet."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "column", "value"])
    for key, value in report.totals.items():
        writer.writerow(["totals", "", key, "" if value is None else value])
    for r in report.ack_by_week:
        for key in ("count", "median_minutes", "p90_minutes"):
            writer.writerow(["ack_by_week", r["week"], key, "" if r[key] is None else r[key]])
    for d, day in enumerate(WEEKDAYS):
        for h in range(24):
            writer.writerow(["pages_by_hour", day, f"{h:02d}", report.heatmap[d][h]])
    for r in report.clients:
        for key in ("pages", "after_hours_pages", "worked_minutes", "after_hours_minutes", "billable_minutes",
                    "amount_cents"):
            writer.writerow(["clients", r["client"], key, "" if r[key] is None else r[key]])
    for r in report.people:
        for key in ("shifts", "pages", "after_hours_pages", "pages_per_shift"):
            writer.writerow(["people", r["person"], key, "" if r[key] is None else r[key]])
    for n, r in enumerate(report.top_issues, 1):
        writer.writerow(["top_issues", n, "issue", r["issue"]])
        writer.writerow(["top_issues", n, "count", r["count"]])
        writer.writerow(["top_issues", n, "clients", "; ".join(r["clients"])])
    return out.getvalue()

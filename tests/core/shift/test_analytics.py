"""Insights figures checked against a hand-built event log (every number worked out by hand below)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from oncall_desktop.core.billing.billing import Agreement
from oncall_desktop.core.shift.analytics import (
    AnalyticsError,
    ShiftSpan,
    TicketInfo,
    compute,
    issue_key,
    median,
    p90,
    review_summary,
    to_csv,
)

UTC = timezone.utc


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> str:
    return datetime(2026, 11, day, hh, mm, ss, tzinfo=UTC).isoformat().replace("+00:00", "Z")


def ev(when: str, kind: str, subject: str, **data) -> dict:
    return {"at": when, "kind": kind, "subject": subject, "data": data}


TICKETS = {
    "local:1": TicketInfo("Acme Dental", "Backup failed on ACME-SRV01 (job 4411)"),
    "local:2": TicketInfo("Acme Dental", "Backup failed on ACME-SRV02 (job 4502)"),
    "local:3": TicketInfo("Birch & Co", "Email down"),
    "local:4": TicketInfo("Birch & Co", "VPN down"),
    "local:5": TicketInfo("Acme Dental", "Backup failed on ACME-SRV01 (job 4620)"),
    "local:6": TicketInfo("Cobalt", "ERP down"),
    "local:0": TicketInfo("Cobalt", "Before the period"),
    "local:9": TicketInfo("Cobalt", "After the period"),
}

# Mon 2 Nov – Sun 15 Nov 2026 = ISO weeks 45 and 46; business hours Mon–Fri 09–17 UTC.
EVENTS = [
    ev(at(1, 23), "page.opened", "local:0", page=100),                        # before the period
    ev(at(2, 22), "page.opened", "local:1", page=1, person="Ana", severity="P2"),   # Mon 22:00, after hours
    ev(at(2, 22, 4), "page.acknowledged", "local:1", page=1, by="Ana"),       # 4.0 min
    ev(at(2, 22, 5), "timer.started", "local:1", client="Acme Dental"),
    ev(at(2, 22, 35), "timer.stopped", "local:1", client="Acme Dental", minutes=30,
       start=at(2, 22, 5), end=at(2, 22, 35)),                               # 30 min after hours
    ev(at(2, 22, 40), "page.resolved", "local:1", page=1, by="Ana", outcome="fixed"),
    ev(at(3, 23, 30), "page.opened", "local:2", page=2),                      # Tue 23:30, after hours
    ev(at(3, 23, 36), "page.acknowledged", "local:2", page=2, by="Ana"),      # 6.0 min
    ev(at(3, 23, 50), "page.resolved", "local:2", page=2, outcome="No action needed"),  # false alarm
    ev(at(4, 10), "page.opened", "local:3", page=3),                          # Wed 10:00, in hours
    ev(at(4, 10, 1), "page.escalated", "local:3", page=3, level=2),
    ev(at(4, 10, 2), "page.acknowledged", "local:3", by="Ben"),               # no page id: matched by ticket; 2.0 min
    ev(at(4, 10, 30), "page.resolved", "local:3", page=3),
    ev(at(4, 16, 30), "timer.stopped", "local:3", client="Birch & Co",
       start=at(4, 16, 30), end=at(4, 17, 30)),                              # 30 in hours + 30 after
    ev(at(5, 21), "page.suppressed", "local:7", reason="maintenance window 20:00–23:00 for Delta"),
    ev(at(7, 3), "page.opened", "local:4", page=4),                           # Sat 03:00, after hours
    ev(at(7, 3, 20), "page.acknowledged", "local:4", page=4),                 # 20.0 min; never resolved
    ev(at(8, 1), "page.teleported", "local:4", page=4),                       # a kind from a later version
    ev(at(8, 2), "handoff.written", "", author="Ana"),                        # another feature's kind
    ev(at(10, 22, 15), "page.opened", "local:5", page=5),                     # Tue 22:15, after hours
    ev(at(10, 22, 16, 30), "page.acknowledged", "local:5", page=5),           # 1.5 min
    ev(at(10, 22, 40), "page.resolved", "local:5", page=5, outcome="no_action"),  # false alarm
    ev(at(12, 22), "page.opened", "local:6", page=6),                         # Thu 22:00, never acknowledged
    ev(at(12, 22, 55), "timer.stopped", "local:6", client="Cobalt", start=at(12, 22, 10), end=at(12, 22, 55)),
    ev(at(12, 23), "time.entry.created", "local:6", ticket="local:6", client="Cobalt", start=at(12, 22, 10),
       worked_minutes=45, after_hours_minutes=45, billable_minutes=60, amount_cents=30000),
    ev(at(16, 1), "page.opened", "local:9", page=9),                          # after the period
]

START = datetime(2026, 11, 2, tzinfo=UTC)
END = datetime(2026, 11, 16, tzinfo=UTC)
SHIFTS = [ShiftSpan("Ana", datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 9, 9, tzinfo=UTC)),
          ShiftSpan("Ben", datetime(2026, 11, 9, 9, tzinfo=UTC), datetime(2026, 11, 16, 9, tzinfo=UTC)),
          ShiftSpan("Chloé", datetime(2026, 11, 16, 9, tzinfo=UTC), datetime(2026, 11, 23, 9, tzinfo=UTC))]
ACME_TERMS = [Agreement("Acme 2026", date(2026, 1, 1), multiplier=2.0, rounding_increment=15, minimum_minutes=60,
                        normal_rate_cents=12000)]


@pytest.fixture(scope="module")
def report():
    return compute(EVENTS, START, END, tickets=TICKETS, shifts=SHIFTS, agreements={"Acme Dental": ACME_TERMS})


def test_totals(report) -> None:
    t = report.totals
    assert t["pages"] == 6 and t["after_hours_pages"] == 5
    assert t["acknowledged"] == 5 and t["resolved"] == 4 and t["suppressed"] == 1
    assert t["escalated"] == 1 and t["escalation_rate"] == round(1 / 6, 3)
    assert t["false_alarms"] == 2 and t["false_alarm_rate"] == 0.5
    # acks 4.0, 6.0, 2.0, 20.0, 1.5 → sorted 1.5 2 4 6 20: median 4.0, nearest-rank p90 = 5th = 20.0
    assert t["median_ack_minutes"] == 4.0 and t["p90_ack_minutes"] == 20.0


def test_time_to_acknowledge_per_iso_week(report) -> None:
    assert report.ack_by_week == [
        {"week": "2026-W45", "week_start": "2026-11-02", "count": 4, "median_minutes": 5.0, "p90_minutes": 20.0},
        {"week": "2026-W46", "week_start": "2026-11-09", "count": 1, "median_minutes": 1.5, "p90_minutes": 1.5},
    ]


def test_heatmap_counts_by_weekday_and_hour(report) -> None:
    cells = {(d, h): n for d, row in enumerate(report.heatmap) for h, n in enumerate(row) if n}
    assert cells == {(0, 22): 1, (1, 23): 1, (1, 22): 1, (2, 10): 1, (5, 3): 1, (3, 22): 1}


def test_heatmap_uses_the_reviewers_zone() -> None:
    # 22:00 UTC on Monday is Tuesday 07:00 in Tokyo
    report = compute(EVENTS, START, END, tickets=TICKETS, tz=ZoneInfo("Asia/Tokyo"), zone_name="Asia/Tokyo")
    assert report.heatmap[1][7] == 1 and report.heatmap[0][22] == 0


def test_after_hours_minutes_and_billable_amount_per_client(report) -> None:
    rows = {r["client"]: r for r in report.clients}
    assert [r["client"] for r in report.clients] == ["Cobalt", "Acme Dental", "Birch & Co"]
    # Acme: 30 min after hours, 60 min call-out minimum at 2 × 120.00/h = 240.00
    assert rows["Acme Dental"] == {"client": "Acme Dental", "pages": 3, "after_hours_pages": 3, "worked_minutes": 30,
                                   "after_hours_minutes": 30, "billable_minutes": 60, "amount_cents": 24000}
    # Birch: 16:30–17:30 straddles closing time; default terms have no rate, so no amount
    assert rows["Birch & Co"] == {"client": "Birch & Co", "pages": 2, "after_hours_pages": 1, "worked_minutes": 60,
                                  "after_hours_minutes": 30, "billable_minutes": 60, "amount_cents": None}
    # Cobalt: the billing feature already logged the entry; its timer is not billed twice
    assert rows["Cobalt"] == {"client": "Cobalt", "pages": 1, "after_hours_pages": 1, "worked_minutes": 45,
                              "after_hours_minutes": 45, "billable_minutes": 60, "amount_cents": 30000}
    assert report.totals["after_hours_minutes"] == 105
    assert report.totals["billable_minutes"] == 180 and report.totals["amount_cents"] == 54000


def test_pages_per_shift_per_person(report) -> None:
    assert report.people == [
        {"person": "Ana", "shifts": 1, "pages": 4, "after_hours_pages": 3, "pages_per_shift": 4.0},
        {"person": "Ben", "shifts": 1, "pages": 2, "after_hours_pages": 2, "pages_per_shift": 2.0},
    ]  # Chloé's shift starts after the period: not counted


def test_a_quiet_shift_counts_as_zero_pages() -> None:
    quiet = [ShiftSpan("Dev", datetime(2026, 11, 14, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC))]
    report = compute(EVENTS, START, END, tickets=TICKETS, shifts=quiet)
    assert {"person": "Dev", "shifts": 1, "pages": 0, "after_hours_pages": 0, "pages_per_shift": 0.0} in report.people
    # pages outside any given shift are shown under the paged person, or "nobody on call"
    assert {r["person"] for r in report.people} == {"Dev", "Ana", "nobody on call"}


def test_top_recurring_after_hours_issues(report) -> None:
    assert len(report.top_issues) == 1  # VPN, ERP happened once; Email down was in hours
    issue = report.top_issues[0]
    assert issue["issue"] == "Backup failed on ACME-SRV01 (job 4411)"
    assert issue["count"] == 3 and issue["clients"] == ["Acme Dental"] and issue["false_alarms"] == 2
    assert issue["last_seen"] == "2026-11-10T22:15:00Z"


def test_unknown_kinds_are_listed_not_fatal(report) -> None:
    assert report.ignored_kinds == ["page.teleported"]


def test_summary_text_a_lead_can_paste(report) -> None:
    text = review_summary(report)
    assert text.splitlines()[0] == "On-call review 2026-11-02 to 2026-11-15 (UTC)"
    assert "- Pages: 6 (5 after hours); 1 suppressed" in text
    assert "median 4.0 min, p90 20.0 min" in text
    assert "false alarms: 2 of 4 resolved (50 %)" in text
    assert "1 h 45 min, 3 h 00 min billable, amount 540.00" in text
    assert "1. Backup failed on ACME-SRV01 (job 4411) (Acme Dental) — 3 times, 2 false alarm(s)" in text


def test_csv_has_every_table(report) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(report))))
    assert rows[0] == ["table", "row", "column", "value"]
    assert ["totals", "", "pages", "6"] in rows
    assert ["ack_by_week", "2026-W45", "p90_minutes", "20.0"] in rows
    assert ["pages_by_hour", "Mon", "22", "1"] in rows
    assert ["clients", "Acme Dental", "amount_cents", "24000"] in rows
    assert ["people", "Ben", "pages_per_shift", "2.0"] in rows
    assert len([r for r in rows if r[0] == "pages_by_hour"]) == 7 * 24


def test_json_contract(report) -> None:
    data = report.to_json()
    assert data["from"] == "2026-11-02T00:00:00Z" and data["to"] == "2026-11-16T00:00:00Z"
    assert data["heatmap"]["rows"][0] == "Mon" and len(data["heatmap"]["counts"]) == 7
    assert data["summary"].startswith("On-call review")


def test_empty_period_and_reversed_period() -> None:
    empty = compute([], START, END)
    assert empty.totals["pages"] == 0 and empty.totals["median_ack_minutes"] is None
    assert empty.totals["escalation_rate"] is None and empty.top_issues == []
    assert "no page was acknowledged" in review_summary(empty)
    with pytest.raises(AnalyticsError, match="swap --from and --to"):
        compute([], END, START)


def test_malformed_records_are_skipped() -> None:
    events = [{"at": "yesterday", "kind": "page.opened", "subject": "x", "data": {}},
              {"at": at(2, 22), "kind": "page.opened", "subject": "y", "data": "not a dict"},
              {"at": at(2, 23), "kind": "timer.stopped", "subject": "y", "data": {"start": "bad"}}]
    report = compute(events, START, END)
    assert report.totals["pages"] == 1 and report.clients[0]["worked_minutes"] == 0


def test_percentiles_and_issue_keys() -> None:
    assert median([1, 2, 3, 4]) == 2.5 and p90(list(range(1, 11))) == 9.0 and p90([7]) == 7.0
    assert issue_key("Backup failed on SRV01: job 12") == issue_key("backup FAILED on srv02 — job 9")


def test_stored_time_entries_win_over_timers() -> None:
    """The billing feature's entries (TimeEntry.to_json(detailed=True) shape) are used as billed."""
    entries = [{"ticket": "local:1", "client": "Acme Dental", "start": at(2, 22, 5), "end": at(2, 22, 35),
                "worked_minutes": 30, "in_hours_minutes": 0, "after_hours_minutes": 30, "billable_minutes": 60,
                "multiplier": 2.0, "rate_class": "after_hours", "amount_cents": 18000}]
    report = compute(EVENTS, START, END, tickets=TICKETS, billed=entries, agreements={"Acme Dental": ACME_TERMS})
    acme = next(r for r in report.clients if r["client"] == "Acme Dental")
    assert (acme["after_hours_minutes"], acme["billable_minutes"], acme["amount_cents"]) == (30, 60, 18000)


def test_every_page_and_timer_event_the_app_logs_is_known() -> None:
    """Insights lists unknown kinds as ignored; nothing the app itself writes may land there."""
    import re
    from pathlib import Path

    import oncall_desktop
    from oncall_desktop.core.shift.analytics import KNOWN_KINDS

    root = Path(oncall_desktop.__file__).parent
    logged = set()
    for path in root.rglob("*.py"):
        logged |= set(re.findall(r'"((?:page|timer)\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    logged.discard("page.wav")
    assert logged - KNOWN_KINDS == set()

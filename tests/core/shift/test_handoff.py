"""Handoff drafting and its file format (pure)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from oncall_desktop.core.paging.maintenance import MaintenanceWindow
from oncall_desktop.core.shift.handoff import Handoff, HandoffError, draft, handoff_id, render_text

UTC = timezone.utc
NOW = datetime(2026, 11, 26, 8, 55, tzinfo=UTC)
SINCE = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


def ev(at: datetime, kind: str, subject: str, **data) -> dict:
    return {"at": at.isoformat(), "kind": kind, "subject": subject, "data": data}


EVENTS = [
    ev(SINCE - timedelta(hours=1), "page.resolved", "local:0"),  # before the shift: not in the draft
    ev(datetime(2026, 11, 25, 23, 5, tzinfo=UTC), "page.resolved", "local:1", outcome="restarted the service"),
    ev(datetime(2026, 11, 25, 23, 10, tzinfo=UTC), "timer.stopped", "local:1", minutes=40),
    ev(datetime(2026, 11, 26, 1, 0, tzinfo=UTC), "timer.stopped", "local:1", minutes=5),
    ev(datetime(2026, 11, 26, 2, 0, tzinfo=UTC), "page.escalated", "local:2", level=2),
    ev(datetime(2026, 11, 26, 3, 0, tzinfo=UTC), "page.suppressed", "local:3"),
    {"at": "garbage", "kind": "page.resolved", "subject": "local:9", "data": {}},
]
OPEN = [
    {"id": 2, "ticket": "local:2", "client": "Cobalt", "title": "ERP down", "state": "acknowledged",
     "acknowledged_by": "Ana", "ack_deadline": None, "sla_deadline": "2026-11-26T10:00:00Z"},
    {"id": 4, "ticket": "local:4", "client": "Delta", "title": "Printer jams", "state": "pending",
     "ack_deadline": "2026-11-26T09:05:00Z", "sla_deadline": "2026-11-28T09:00:00Z"},
]
TITLES = {"local:1": ("Acme Dental", "Practice server down"), "local:2": ("Cobalt", "ERP down")}
WINDOWS = [
    MaintenanceWindow(NOW + timedelta(hours=2), NOW + timedelta(hours=4), clients=("Foxglove",), note="POS update"),
    MaintenanceWindow(NOW - timedelta(hours=1), NOW + timedelta(hours=1), clients=("Acme Dental",)),
    MaintenanceWindow(NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1), clients=("Birch",)),  # too far
]


def test_draft_lists_open_pages_done_and_time_sensitive() -> None:
    h = draft(author="Ana Souza", now=NOW, since=SINCE, events=EVENTS, open_pages=OPEN, titles=TITLES,
              windows=WINDOWS, for_person="Ben Okafor")
    assert h.open_pages == ("Cobalt — ERP down (acknowledged by Ana; ticket local:2)",
                            "Delta — Printer jams (pending; ticket local:4)")
    assert h.done == ("Resolved Wed 23:05: Acme Dental — Practice server down (restarted the service)",
                      "Escalated Thu 02:00 to level 2: Cobalt — ERP down",
                      "Worked 45 min on Acme Dental — Practice server down",
                      "1 ticket(s) did not page (maintenance windows or rules); see Now")
    assert h.time_sensitive == (
        "SLA due Thu 10:00: Cobalt — ERP down",
        "acknowledge by Thu 09:05: Delta — Printer jams",
        "Maintenance starts Thu 10:55: maintenance window 10:55–12:55 for Foxglove — POS update",
        "Maintenance ends Thu 09:55 — check the systems came back: maintenance window 07:55–09:55 for Acme Dental",
    )
    assert h.for_person == "Ben Okafor" and h.shift_start == SINCE and h.id == "20261126T085500Z-ana-souza"


def test_text_is_shown_in_the_readers_zone() -> None:
    h = draft(author="Ana", now=NOW, since=SINCE, events=[], open_pages=OPEN[:1], titles=TITLES,
              tz=ZoneInfo("Asia/Kolkata"), shift_end=NOW)
    text = render_text(h, ZoneInfo("Asia/Kolkata"))
    assert text.splitlines()[0] == "Handoff from Ana, written Thu 26 Nov 14:25"
    assert "Shift Wed 25 Nov 22:30–Thu 26 Nov 14:25" in text
    assert "SLA due Thu 15:30: Cobalt — ERP down" in text
    assert "Done this shift:\n- none" in text


def test_round_trip_and_validation() -> None:
    h = Handoff(author="Ana", written_at=NOW, open_pages=("x",), notes="quiet night", shift_start=SINCE)
    again = Handoff.from_dict(h.to_dict())
    assert again == h
    with pytest.raises(HandoffError, match="'done' must be a list"):
        Handoff.from_dict({**h.to_dict(), "done": "nothing"}, where="handoff-x.json")
    with pytest.raises(HandoffError, match="handoff-x.json: 'written_at'"):
        Handoff.from_dict({**h.to_dict(), "written_at": "soon"}, where="handoff-x.json")
    with pytest.raises(HandoffError, match="newer oncall-desktop"):
        Handoff.from_dict({**h.to_dict(), "format": 99})
    with pytest.raises(HandoffError, match="author"):
        Handoff(author=" ", written_at=NOW)
    assert Handoff(author="Ana", written_at=NOW).empty
    assert handoff_id("Chloé Martin", NOW) == "20261126T085500Z-chlo-martin"

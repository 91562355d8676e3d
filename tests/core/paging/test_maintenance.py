from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.paging.maintenance import (
    MaintenanceError,
    MaintenanceWindow,
    active_windows,
    suppressing_window,
)
from oncall_desktop.core.tickets.tickets import Ticket

UTC = timezone.utc
START = datetime(2026, 1, 5, 22, 0, tzinfo=UTC)
END = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)


def test_active_windows_are_half_open_and_sorted() -> None:
    late = MaintenanceWindow(start=START + timedelta(hours=1), end=END, clients=("Beta",))
    early = MaintenanceWindow(start=START, end=END, clients=("Acme",))
    gone = MaintenanceWindow(start=START - timedelta(days=1), end=START, clients=("Acme",))
    assert active_windows([late, early, gone], START) == [early]
    assert active_windows([late, early, gone], START + timedelta(hours=1)) == [early, late]
    assert active_windows([late, early, gone], END) == []
    assert active_windows([gone], START - timedelta(seconds=1)) == [gone]


def test_matching_by_client_case_insensitive() -> None:
    w = MaintenanceWindow(start=START, end=END, clients=("Acme", "Beta"))
    assert w.matches(Ticket(title="x", client="ACME"))
    assert w.matches(Ticket(title="x", client="beta"))
    assert not w.matches(Ticket(title="x", client="Gamma"))


def test_matching_by_system_whole_word_in_subject_or_body() -> None:
    w = MaintenanceWindow(start=START, end=END, systems=("SQL01",))
    assert w.matches(Ticket(title="sql01 unreachable", client="Anyone"))
    assert w.matches(Ticket(title="Alert", body="Host SQL01 is DOWN", client="Anyone"))
    assert not w.matches(Ticket(title="SQL011 unreachable", client="Anyone"))


def test_matching_by_client_and_system_needs_both() -> None:
    w = MaintenanceWindow(start=START, end=END, clients=("Acme",), systems=("SQL01",))
    assert w.matches(Ticket(title="SQL01 down", client="Acme"))
    assert not w.matches(Ticket(title="SQL01 down", client="Beta"))
    assert not w.matches(Ticket(title="Exchange down", client="Acme"))


def test_suppressing_window_picks_active_match() -> None:
    w = MaintenanceWindow(start=START, end=END, clients=("Acme",))
    t = Ticket(title="down", client="Acme")
    assert suppressing_window([w], t, START + timedelta(minutes=5)) is w
    assert suppressing_window([w], t, END) is None


def test_labels() -> None:
    w = MaintenanceWindow(start=START, end=END, clients=("Acme",), systems=("SQL01",), note="patching")
    assert w.label() == "maintenance window 22:00–02:00 for Acme (SQL01) — patching"
    long = MaintenanceWindow(start=START, end=START + timedelta(days=2), systems=("VPN",))
    assert long.label() == "maintenance window 2026-01-05 22:00–2026-01-07 22:00 for any client (VPN)"


def test_round_trip_and_validation() -> None:
    w = MaintenanceWindow(start=START, end=END, clients=("Acme",), note="patch night")
    data = json.loads(json.dumps(w.to_dict()))
    assert data["start"] == "2026-01-05T22:00:00Z"
    assert MaintenanceWindow.from_dict(data) == w
    with pytest.raises(MaintenanceError, match="ends .* before it starts"):
        MaintenanceWindow(start=END, end=START, clients=("Acme",))
    with pytest.raises(MaintenanceError, match="at least one client or system"):
        MaintenanceWindow(start=START, end=END)
    with pytest.raises(MaintenanceError, match="'start': 'tonight' is not a date-time"):
        MaintenanceWindow.from_dict({"start": "tonight", "end": "2026-01-06T02:00Z", "clients": ["Acme"]})
    with pytest.raises(MaintenanceError, match="missing 'end'"):
        MaintenanceWindow.from_dict({"start": "2026-01-06T02:00Z", "clients": ["Acme"]})
    with pytest.raises(MaintenanceError, match="unknown maintenance window field"):
        MaintenanceWindow.from_dict({"start": "a", "end": "b", "client": "Acme"})
    with pytest.raises(MaintenanceError, match="list of names"):
        MaintenanceWindow.from_dict({"start": "2026-01-05T22:00Z", "end": "2026-01-06T02:00Z", "clients": [1]})

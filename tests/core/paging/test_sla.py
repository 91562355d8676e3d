"""SLA clocks: wall and business hours, pauses while waiting on the client, contracts as written."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.billing.calendar_hours import Calendar
from oncall_desktop.core.paging import sla

UTC = timezone.utc
T0 = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # a Wednesday night


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_wall_clock_response_counts_down_and_breaches() -> None:
    contract = sla.Contract.from_dict({"p1_response_minutes": 30})
    s = sla.status(contract, "p1", sla.RESPONSE, T0, at(10))
    assert (s.target_minutes, s.elapsed_minutes, s.remaining_minutes) == (30, 10, 20)
    assert s.deadline == at(30) and not s.breached and not s.paused
    late = sla.status(contract, "P1", sla.RESPONSE, T0, at(45))
    assert late.remaining_minutes == -15 and late.breached
    assert late.deadline == at(30)  # when it ran out, not a moving target


def test_unset_severities_keep_the_defaults() -> None:
    contract = sla.Contract.from_dict({"p1_response_minutes": 30})
    assert contract.target("P3", sla.RESPONSE) == sla.DEFAULT_TARGETS["P3"][0]
    assert contract.target("P1", sla.RESOLUTION) == sla.DEFAULT_TARGETS["P1"][1]
    assert contract.target("P9", sla.RESPONSE) is None
    assert sla.status(contract, "P9", sla.RESPONSE, T0, at(1)) is None


def test_pause_while_waiting_on_client_stops_the_clock() -> None:
    contract = sla.Contract.from_dict({"p2_response_minutes": 60})
    pauses = sla.update_pauses([], True, at(10))
    paused = sla.status(contract, "P2", sla.RESPONSE, T0, at(50), pauses)
    assert paused.paused and paused.deadline is None and paused.remaining_minutes == 50
    pauses = sla.update_pauses(pauses, False, at(40))
    assert pauses == [(at(10), at(40))]
    resumed = sla.status(contract, "P2", sla.RESPONSE, T0, at(50), pauses)
    assert resumed.elapsed_minutes == 20 and resumed.deadline == at(90)
    assert sla.update_pauses(pauses, False, at(55)) == pauses  # not waiting, nothing open: unchanged


def test_breach_deadline_walks_around_a_closed_pause() -> None:
    contract = sla.Contract.from_dict({"p1_response_minutes": 30})
    pauses = [(at(10), at(25))]
    s = sla.status(contract, "P1", sla.RESPONSE, T0, at(60), pauses)
    assert s.elapsed_minutes == 45 and s.remaining_minutes == -15 and s.deadline == at(45)


def test_business_hours_use_the_billing_calendar() -> None:
    # Mon–Fri 09:00–17:00 Berlin; Wednesday 23:00 Berlin is after hours.
    calendar = Calendar(time_zone="Europe/Berlin")
    contract = sla.Contract.from_dict({"p2_response_minutes": 120, "business_hours": True}, calendar)
    s = sla.status(contract, "P2", sla.RESPONSE, T0, at(60))
    assert s.elapsed_minutes == 0 and s.remaining_minutes == 120
    # two business hours: Thursday 09:00–11:00 Berlin = 08:00–10:00 UTC
    assert s.deadline == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    next_day = sla.status(contract, "P2", sla.RESPONSE, T0, datetime(2026, 11, 26, 9, 30, tzinfo=UTC))
    assert next_day.elapsed_minutes == 90 and next_day.remaining_minutes == 30


def test_current_switches_from_response_to_resolution_and_stops() -> None:
    contract = sla.Contract.from_dict({"p1_response_minutes": 30, "p1_resolution_minutes": 240})
    assert sla.current(contract, "P1", T0, at(5)).kind == sla.RESPONSE
    acked = sla.current(contract, "P1", T0, at(20), acknowledged_at=at(12))
    assert acked.kind == sla.RESOLUTION and acked.deadline == at(240)
    done = sla.current(contract, "P1", T0, at(500), acknowledged_at=at(12), resolved_at=at(100))
    assert done.stopped and done.deadline is None and done.elapsed_minutes == 100 and not done.breached


@pytest.mark.parametrize("status,waiting", [
    ("Waiting on Customer", True), ("pending_customer", True), ("Awaiting client reply", True),
    ("In Progress", False), ("New", False), ("Waiting on vendor", False),
])
def test_waiting_on_client_words(status: str, waiting: bool) -> None:
    assert sla.is_waiting_on_client(status) is waiting


@pytest.mark.parametrize("data,words", [
    ({"p1_respons_minutes": 30}, "unknown SLA setting(s) p1_respons_minutes"),
    ({"p1_response_minutes": 0}, "p1_response_minutes must be a whole number"),
    ({"p1_response_minutes": "30"}, "not '30'"),
    ({"business_hours": "yes"}, "business_hours must be true or false"),
    ([1, 2], "must be a table"),
])
def test_bad_contracts_say_what_to_write(data, words: str) -> None:
    with pytest.raises(sla.SlaError) as exc:
        sla.Contract.from_dict(data)
    assert words in str(exc.value)


def test_business_hours_without_a_calendar_is_refused() -> None:
    with pytest.raises(sla.SlaError, match="needs the client's calendar"):
        sla.Contract.from_dict({"business_hours": True})


def test_pauses_round_trip_json() -> None:
    pauses = [(at(1), at(2)), (at(3), None)]
    assert sla.pauses_from_json(sla.pauses_to_json(pauses)) == pauses

"""The mapping's fast paths give exactly what the checked paths give.

``instant`` now leans on Python 3.11's own ISO reader and ``make_ticket`` builds
through ``Ticket.adopt`` (no checks); a bad value must still fail in words.
"""
from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_desktop.core.tickets.tickets import Ticket, TicketError
from oncall_desktop.core.time.clock import UTC, parse_instant
from oncall_desktop.services.psa.mapping import FieldMap, field_map, instant, make_ticket


@pytest.mark.parametrize("text", [
    "2026-01-05T08:00:00Z", "2026-01-05T08:00:00.123456Z", "2026-01-05T09:30:00+01:30", "2026-01-05T08:00:00+0000",
    "2026-01-05T08:00:00", "2026-01-05 08:00:00", "20260105T080000Z", " 2026-01-05T08:00:00Z ", "2026-01-05t08:00:00z",
    "2026-03-29T01:30:00-05:00", "2026-01-05",
])
def test_instant_is_parse_instant(text: str) -> None:
    got = instant(text)
    assert got == parse_instant(text) and got is not None and got.tzinfo is UTC


@given(st.datetimes(timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-5)),
                                                timezone(timedelta(hours=5, minutes=45))])))
def test_instant_round_trips_any_iso_text(value: datetime) -> None:
    for text in (value.isoformat(), value.isoformat().replace("+00:00", "Z")):
        try:
            expected = parse_instant(text)
        except ValueError:  # no UTC equivalent (year 1 east of Greenwich): both refuse in words
            with pytest.raises(ValueError, match="outside the dates"):
                instant(text)
            continue
        assert instant(text) == expected and instant(text).tzinfo is UTC  # type: ignore[union-attr]


def test_dates_without_a_utc_equivalent_are_refused_in_words() -> None:
    with pytest.raises(ValueError, match="outside the dates"):
        instant("0001-01-01T00:00:00+05:45")
    with pytest.raises(ValueError, match="outside the dates"):
        parse_instant("0001-01-01T00:00:00+05:45")


def test_instant_refuses_garbage_in_words() -> None:
    assert instant(None) is None and instant("") is None
    with pytest.raises(ValueError, match="not a date-time"):
        instant("yesterday")


def test_make_ticket_equals_the_checked_constructor() -> None:
    fmap = field_map("freshdesk")
    got = make_ticket("freshdesk", fmap, remote_id=42, title="  Mail down ", body=None, priority=(4,), status=(2,),
                      client=(None, 7), contact="a@b.example", created="2026-01-05T08:00:00Z",
                      updated="2026-01-05T09:00:00+01:00", assignee="Dana")
    want = Ticket(title="Mail down", source="freshdesk", remote_id="42", client="7", body="", priority=1,
                  status="open", contact="a@b.example", created=datetime(2026, 1, 5, 8, tzinfo=UTC),
                  updated=datetime(2026, 1, 5, 8, tzinfo=UTC), assignee="Dana")
    assert got == want and got.id == "freshdesk:42"
    assert {f.name: getattr(got, f.name) for f in fields(Ticket)} == {f.name: getattr(want, f.name) for f in fields(Ticket)}
    assert vars(got).keys() == vars(want).keys()  # every field by name, and nothing else
    with pytest.raises(AttributeError):  # still frozen
        got.title = "x"  # type: ignore[misc]


def test_a_hand_built_map_with_an_odd_priority_still_fails_in_words() -> None:
    odd = FieldMap(priorities={"9": 9})
    with pytest.raises(TicketError, match="priority must be a whole number 1–4"):
        make_ticket("x", odd, remote_id=1, title="t", priority=(9,))
    with pytest.raises(ValueError, match="no id"):
        make_ticket("x", odd, remote_id="", title="t")

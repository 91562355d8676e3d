from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncall_desktop.core.tickets.tickets import TICKET_FIELDS, Page, Ticket, TicketError

NOW = datetime(2026, 11, 25, 23, 10, tzinfo=timezone.utc)


def test_only_title_is_required_and_defaults_are_sensible() -> None:
    t = Ticket.from_json({"title": "Server down"}, NOW)
    assert (t.client, t.priority, t.created, t.updated) == ("unknown", 3, NOW, NOW)


def test_json_form_uses_exactly_the_contract_names() -> None:
    t = Ticket(title="VPN down", source="redmine", remote_id="42", client="Acme", priority=1,
               created=NOW, updated=NOW)
    data = t.to_json()
    assert tuple(data) == TICKET_FIELDS
    assert data["id"] == "redmine:42" and data["created"] == "2026-11-25T23:10:00Z"
    assert Ticket.from_json(data, NOW) == t


@pytest.mark.parametrize("data, message", [
    ({}, "needs a title"),
    ({"title": "  "}, "non-empty title"),
    ({"title": "x", "priority": 7}, "1–4"),
    ({"title": "x", "priority": "high"}, "1–4"),
    ({"title": "x", "priorty": 1}, "unknown ticket field"),
    ({"title": "x", "created": "yesterday"}, "not a date-time"),
    ([], "JSON object"),
])
def test_bad_input_is_explained(data, message) -> None:
    with pytest.raises(TicketError, match=message):
        Ticket.from_json(data, NOW)


def test_priority_accepts_p_notation() -> None:
    assert Ticket.from_json({"title": "x", "priority": "P1"}, NOW).priority == 1


def test_page_requires_reason_and_known_state() -> None:
    with pytest.raises(ValueError):
        Page(ticket_id="local:1", reason="", created=NOW)
    with pytest.raises(ValueError):
        Page(ticket_id="local:1", reason="P1", created=NOW, state="sleeping")

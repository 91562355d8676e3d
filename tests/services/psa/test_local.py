from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.psa.base import TicketSystem, TicketSystemError, TimeEntryRequest


def test_local_book_is_a_ticket_system(workspace) -> None:
    assert isinstance(workspace.book, TicketSystem)


def test_poll_is_incremental(workspace, fake_clock) -> None:
    book = workspace.book
    book.add(Ticket(title="one"))
    first = book.poll(None)
    assert [t.title for t in first.tickets] == ["one"]
    fake_clock.advance(minutes=1)
    book.add(Ticket(title="two"))
    second = book.poll(first.cursor)
    assert [t.title for t in second.tickets] == ["two"]
    assert second.cursor > first.cursor


def test_notes_and_idempotent_time_entries(workspace) -> None:
    book = workspace.book
    t = book.add(Ticket(title="VPN down", client="Acme"))
    book.add_note(t.remote_id, "Acknowledged by Ana")
    assert book.notes(t.remote_id) == ["Acknowledged by Ana"]
    start = datetime(2026, 11, 25, 22, 10, tzinfo=timezone.utc)
    entry = TimeEntryRequest(ticket_remote_id=t.remote_id, key="k-1", start=start, end=start.replace(hour=23),
                             worked_minutes=50, billable_minutes=120, multiplier=2.0, note="after hours")
    assert book.find_time_entry(t.remote_id, "k-1") is None
    entry_id = book.log_time(entry)
    assert book.find_time_entry(t.remote_id, "k-1") == entry_id
    assert book.find_time_entry(t.remote_id, "k-2") is None


def test_unknown_ticket(workspace) -> None:
    with pytest.raises(TicketSystemError, match="not in the local book"):
        workspace.book.add_note("99", "x")
    with pytest.raises(TicketSystemError, match="not a local ticket number"):
        workspace.book.get("abc")


def test_poll_sees_changes_within_the_same_second(workspace) -> None:
    """A cursor by timestamp would miss a change to an older ticket in the same second."""
    book = workspace.book
    a = book.add(Ticket(title="a"))
    book.add(Ticket(title="b"))
    cursor = book.poll(None).cursor
    book.add_note(a.remote_id, "same second, lower id")
    assert [t.title for t in book.poll(cursor).tickets] == ["a"]

"""The outbox's third kind, "assign": durable, ordered after the note, safe to resend."""
from __future__ import annotations

import pytest

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.delivery.outbox import OutboxError
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError


class Assigning:
    """A ticket system that records notes and reassignments; can fail the first assignment."""

    name = "assigning"
    source = "assigning"

    def __init__(self, fail: TicketSystemError | None = None) -> None:
        self.calls: list[tuple] = []
        self.fail = fail

    def add_note(self, remote_id, text, *, internal=True):
        self.calls.append(("note", remote_id, text))

    def assign(self, remote_id, person, *, email=""):
        self.calls.append(("assign", remote_id, person, email))
        if self.fail is not None:
            fail, self.fail = self.fail, None
            raise fail


class NoAssign:
    name = "Old PSA"
    source = "assigning"

    def add_note(self, remote_id, text, *, internal=True):
        pass


def test_assign_rows_are_kept_once_and_delivered_after_the_note(workspace) -> None:
    box = workspace.outbox
    box.enqueue_note("assigning:7", "Not acknowledged within 15 min by Ana Souza; escalated to Chloé Martin", "p-1-0")
    box.enqueue_assign("assigning:7", "Chloé Martin", "p-1-2", email="chloe@msp.example")
    box.enqueue_assign("assigning:7", "Chloé Martin", "p-1-2")  # the same key again: nothing new
    rows = box.rows("assigning:7")
    assert [(r.kind, r.payload) for r in rows][1:] == [("assign", {"person": "Chloé Martin", "email": "chloe@msp.example"})]
    system = Assigning()
    report = box.deliver(system)
    assert (report.sent, report.failed) == (2, 0)
    assert [c[0] for c in system.calls] == ["note", "assign"]
    assert system.calls[1] == ("assign", "7", "Chloé Martin", "chloe@msp.example")
    assert [r.state for r in box.rows("assigning:7")] == ["sent", "sent"]


def test_an_unknown_outcome_is_simply_sent_again(workspace, fake_clock) -> None:
    """Assigning twice is harmless, so no lookup is needed before the retry."""
    box = workspace.outbox
    box.enqueue_assign("assigning:7", "Chloé Martin", "p-1-2")
    system = Assigning(TicketSystemError(ErrorKind.NETWORK, "timeout after sending", uncertain=True))
    assert box.deliver(system).sent == 0
    assert box.get("p-1-2").in_doubt
    fake_clock.advance(minutes=5)
    assert box.deliver(system).sent == 1
    assert [c[2] for c in system.calls] == ["Chloé Martin", "Chloé Martin"]


def test_an_unknown_person_fails_the_row_in_words(workspace) -> None:
    box = workspace.outbox
    box.enqueue_assign("assigning:7", "Erin Walsh", "p-1-2")
    refusal = TicketSystemError(ErrorKind.REJECTED, "Assigning: no user 'Erin Walsh' can be assigned ticket 7")
    report = box.deliver(Assigning(refusal))
    assert report.failed == 1 and box.get("p-1-2").status.startswith("failed: Assigning: no user 'Erin Walsh'")


def test_a_system_that_cannot_assign_fails_the_row_readably(workspace) -> None:
    workspace.outbox.enqueue_assign("assigning:7", "Chloé Martin", "p-1-2")
    workspace.outbox.deliver(NoAssign())
    assert workspace.outbox.get("p-1-2").last_error == "Old PSA cannot reassign tickets; tell the new owner another way"


def test_an_assignment_needs_a_person(workspace) -> None:
    with pytest.raises(OutboxError, match="needs the person"):
        workspace.outbox.enqueue_assign("assigning:7", " ", "k")


def test_escalation_reassigns_the_local_ticket_through_the_outbox(workspace, fake_clock) -> None:
    """The ack clock's AssignTicket effect → outbox "assign" → the local book's assignee."""
    from datetime import timedelta

    from oncall_desktop.core.rotation.model import Layer, Schedule

    start = fake_clock.now() - timedelta(days=1)
    for name, person, backup in (("Primary", "Ana Souza", "Backup"), ("Backup", "Chloé Martin", None)):
        workspace.directory_service.save_schedule(Schedule(
            name=name, time_zone="UTC", layers=(Layer("All week", [person], start, "weekly", "00:00"),),
            **({"backup": backup} if backup else {})))
    workspace.directory_service.add_person("Chloé Martin", email="chloe@msp.example")
    workspace.store.set_setting("page_schedule", "Primary")
    ticket = workspace.book.add(Ticket(title="Exchange outage", client="Acme", priority=1, assignee="Ana Souza"))
    workspace.poll()
    fake_clock.advance(minutes=16)
    workspace.clock_service.tick()
    rows = [r for r in workspace.outbox.rows(ticket.id) if r.kind == "assign"]
    assert [r.payload for r in rows] == [{"person": "Chloé Martin", "email": "chloe@msp.example"}]
    workspace.deliver_outbox()
    assert workspace.book.get(ticket.remote_id).assignee == "Chloé Martin"
    assert not workspace.store.events(kind="page.assign_not_supported")

"""The outbox: durable, ordered per ticket, retried with backoff, never a time entry twice."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.delivery.outbox import CLAIM_SECONDS, Outbox, OutboxError
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest

T0 = datetime(2026, 11, 25, 23, 0, tzinfo=timezone.utc)


class Crash(BaseException):
    """The process dies here (kill -9): nothing after this line runs."""


class FakeSystem:
    """An in-memory ticket system whose next calls can be told to fail in chosen ways."""

    vendor = "fake"
    name = "Fake PSA"

    def __init__(self) -> None:
        self.entries: list[tuple[str, TimeEntryRequest]] = []  # (remote id, request)
        self.posted: list[tuple[str, str]] = []  # not ``notes``: that name would claim ``ListsNotes``
        self.faults: list[str] = []  # consumed one per write call
        self.lookups = 0

    def _fault(self) -> str:
        return self.faults.pop(0) if self.faults else "ok"

    def log_time(self, entry: TimeEntryRequest) -> str:
        fault = self._fault()
        if fault == "refused":
            raise TicketSystemError(ErrorKind.NETWORK, "fake: refused the connection")
        if fault == "429":
            raise TicketSystemError(ErrorKind.RATE_LIMIT, "fake: limiting (HTTP 429)", retry_after=90)
        if fault == "rejected":
            raise TicketSystemError(ErrorKind.REJECTED, "fake: refused the request (HTTP 422): activity is required")
        self.entries.append((str(len(self.entries) + 1), entry))
        if fault == "timeout-after-commit":
            raise TicketSystemError(ErrorKind.NETWORK, "fake: stopped answering", uncertain=True)
        if fault == "garbage-after-commit":  # a 2xx we could not read: the HTTP layer calls it certain
            raise TicketSystemError(ErrorKind.BAD_RESPONSE, "fake: answered with something that is not JSON")
        if fault == "crash-after-commit":
            raise Crash()
        return str(len(self.entries))

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        self.lookups += 1
        for entry_id, entry in self.entries:
            if entry.ticket_remote_id == remote_id and entry.key == key:
                return entry_id
        return None

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        fault = self._fault()
        if fault == "refused":
            raise TicketSystemError(ErrorKind.NETWORK, "fake: refused the connection")
        self.posted.append((remote_id, text))
        if fault == "timeout-after-commit":
            raise TicketSystemError(ErrorKind.NETWORK, "fake: stopped answering", uncertain=True)


def entry(minutes: int = 38, **extra: object) -> dict:
    return {"start": T0, "end": T0 + timedelta(minutes=minutes), "worked_minutes": minutes,
            "billable_minutes": 60, "multiplier": 2.0, "note": "after-hours call-out", **extra}


@pytest.fixture
def outbox(workspace) -> Outbox:
    return Outbox(workspace.store, rand=lambda: 0.5)


def test_enqueue_is_idempotent_per_key(outbox: Outbox) -> None:
    outbox.enqueue_note("fake:7", "Acknowledged by Ana", "k-note")
    outbox.enqueue_note("fake:7", "Acknowledged by Ana (again)", "k-note")
    outbox.enqueue_time_entry(entry(), "fake:7", "k-time")
    outbox.enqueue_time_entry(entry(99), "fake:7", "k-time")
    rows = outbox.rows()
    assert [(r.key, r.kind, r.state) for r in rows] == [("k-note", "note", "pending"), ("k-time", "time_entry", "pending")]
    assert rows[0].payload["text"] == "Acknowledged by Ana"
    assert rows[1].payload["worked_minutes"] == 38
    assert rows[1].status == "waiting to be sent"


def test_enqueue_refuses_bad_input(outbox: Outbox) -> None:
    with pytest.raises(OutboxError, match="idempotency key"):
        outbox.enqueue_note("fake:7", "x", "")
    with pytest.raises(OutboxError, match="needs worked_minutes"):
        outbox.enqueue_time_entry({"start": T0, "end": T0, "billable_minutes": 1}, "fake:7", "k")


def test_time_entry_request_is_accepted_as_is(outbox: Outbox) -> None:
    request = TimeEntryRequest("ignored", "ignored", T0, T0 + timedelta(minutes=5), 5, 15, 1.5, note="n")
    outbox.enqueue_time_entry(request, "fake:3", "k")
    system = FakeSystem()
    assert outbox.deliver(system, T0).sent == 1
    sent = system.entries[0][1]
    assert (sent.ticket_remote_id, sent.key, sent.billable_minutes, sent.multiplier) == ("3", "k", 15, 1.5)


def test_deliver_in_order_stamps_notes_and_logs(workspace, outbox: Outbox) -> None:
    system = FakeSystem()
    outbox.enqueue_note("fake:7", "Acknowledged by Ana", "ack-1")
    outbox.enqueue_time_entry(entry(), "fake:7", "time-1")
    outbox.enqueue_note("fake:8", "Resolved", "res-8")
    report = outbox.deliver(system, T0)
    assert (report.sent, report.failed, report.waiting, report.errors) == (3, 0, 0, [])
    assert system.posted == [("7", "Acknowledged by Ana [oncall-key:ack-1]"), ("8", "Resolved [oncall-key:res-8]")]
    assert [(rid, e.key) for rid, e in system.entries] == [("1", "time-1")]
    assert {r.state for r in outbox.rows()} == {"sent"}
    assert outbox.rows("fake:7")[1].remote_id == "1"
    sent = workspace.store.events(kind="outbox.sent")
    assert [e["data"]["key"] for e in sent] == ["ack-1", "time-1", "res-8"]
    assert system.lookups == 0  # first attempts need no lookup
    assert outbox.deliver(system, T0 + timedelta(hours=1)).to_json() == {"sent": 0, "failed": 0, "waiting": 0, "errors": []}


def test_a_failing_row_holds_back_later_rows_of_its_ticket_only(outbox: Outbox) -> None:
    system = FakeSystem()
    outbox.enqueue_time_entry(entry(), "fake:7", "t7-a")
    outbox.enqueue_note("fake:7", "Resolved", "t7-b")
    outbox.enqueue_note("fake:8", "Acknowledged", "t8")
    system.faults = ["timeout-after-commit"]
    report = outbox.deliver(system, T0)
    assert (report.sent, report.waiting) == (1, 2)
    assert "stopped answering" in report.errors[0]
    assert [n[0] for n in system.posted] == ["8"]  # ticket 7's note waits behind its time entry
    row = outbox.get("t7-a")
    assert row is not None and row.in_doubt and row.attempts == 1
    assert "checked before it is sent again" in row.status
    # backoff: base 15 s with equal jitter at rand 0.5 → 11.25 s, stored to the next whole second
    assert row.next_try == T0 + timedelta(seconds=12)
    assert outbox.deliver(system, T0 + timedelta(seconds=5)).sent == 0  # not due yet
    report = outbox.deliver(system, T0 + timedelta(seconds=12))
    assert report.sent == 2
    assert len(system.entries) == 1, "the entry committed before the timeout must not be posted again"
    assert system.lookups == 1
    assert [n[0] for n in system.posted] == ["8", "7"]


@pytest.mark.parametrize("fault", ["timeout-after-commit", "garbage-after-commit"])
def test_any_repeat_of_a_time_entry_looks_its_key_up_first(outbox: Outbox, fault: str) -> None:
    system = FakeSystem()
    outbox.enqueue_time_entry(entry(), "fake:7", "k")
    system.faults = [fault]
    outbox.deliver(system, T0)
    assert len(system.entries) == 1
    assert outbox.deliver(system, T0 + timedelta(minutes=5)).sent == 1
    assert len(system.entries) == 1
    assert outbox.get("k").remote_id == "1"  # type: ignore[union-attr]


def test_crash_between_remote_post_and_local_commit_posts_once(workspace_dir, fake_clock) -> None:
    from oncall_desktop.services.app.workspace import Workspace

    system = FakeSystem()
    ws = Workspace(workspace_dir, fake_clock)
    ws.outbox.enqueue_time_entry(entry(), "fake:7", "k")
    system.faults = ["crash-after-commit"]
    with pytest.raises(Crash):
        ws.outbox.deliver(system, T0)
    ws.store.db.conn.close()  # the process is gone; nothing else is written

    again = Workspace(workspace_dir, fake_clock)  # restart: a new process, a new owner
    row = again.outbox.get("k")
    assert row is not None and row.state == "pending" and row.in_doubt
    assert again.outbox.deliver(system, T0 + timedelta(seconds=30)).sent == 0  # the dead owner's claim holds
    report = again.outbox.deliver(system, T0 + timedelta(seconds=CLAIM_SECONDS + 1))
    assert report.sent == 1 and len(system.entries) == 1 and system.lookups == 1
    assert again.store.events(kind="outbox.sent")[-1]["data"]["already_there"] is True
    again.close()


def test_system_wide_failures_stop_the_round_and_honour_retry_after(outbox: Outbox) -> None:
    system = FakeSystem()
    for n in range(3):
        outbox.enqueue_time_entry(entry(), f"fake:{n}", f"k{n}")
    system.faults = ["429"]
    report = outbox.deliver(system, T0)
    assert (report.sent, report.waiting) == (0, 3)
    assert system.entries == []
    assert outbox.get("k0").next_try == T0 + timedelta(seconds=90)  # type: ignore[union-attr]
    assert outbox.deliver(system, T0 + timedelta(seconds=60)).sent == 2  # other tickets go once the round runs
    assert outbox.deliver(system, T0 + timedelta(seconds=91)).sent == 1


def test_offline_rows_wait_with_growing_backoff(outbox: Outbox) -> None:
    system = FakeSystem()
    outbox.enqueue_note("fake:1", "hello", "k")
    now = T0
    delays = []
    for _ in range(5):
        system.faults = ["refused"]
        outbox.deliver(system, now)
        row = outbox.get("k")
        assert row is not None and row.state == "pending"
        delays.append((row.next_try - now).total_seconds())
        now = row.next_try
    assert delays == [12, 23, 45, 90, 180]
    assert outbox.deliver(system, now).sent == 1
    assert system.posted == [("1", "hello [oncall-key:k]")]  # a refused connection never arrived: sent once


def test_rejected_entry_fails_in_words_and_can_be_retried(outbox: Outbox) -> None:
    system = FakeSystem()
    outbox.enqueue_time_entry(entry(), "fake:7", "bad")
    outbox.enqueue_note("fake:7", "Resolved", "after")
    system.faults = ["rejected"]
    report = outbox.deliver(system, T0)
    assert (report.sent, report.failed) == (1, 1)  # a failed row does not hold the ticket's later rows
    row = outbox.get("bad")
    assert row is not None and row.state == "failed"
    assert row.status == "failed: fake: refused the request (HTTP 422): activity is required"
    assert outbox.last_error() == row.last_error
    assert outbox.counts() == {"pending": 0, "sent": 1, "failed": 1}
    assert outbox.retry() == 1
    assert outbox.deliver(system, T0 + timedelta(minutes=1)).sent == 1
    assert len(system.entries) == 1 and outbox.last_error() == ""


def test_notes_without_lookup_are_at_least_once(outbox: Outbox) -> None:
    system = FakeSystem()
    outbox.enqueue_note("fake:7", "Acknowledged", "k")
    system.faults = ["timeout-after-commit"]
    outbox.deliver(system, T0)
    outbox.deliver(system, T0 + timedelta(minutes=1))
    # documented choice: the vendor cannot list notes, so an unknown outcome is sent again, same stamp
    assert [t for _, t in system.posted] == ["Acknowledged [oncall-key:k]"] * 2


def test_notes_are_looked_up_where_the_system_can_list_them(workspace) -> None:
    book = workspace.book
    ticket = book.add(Ticket(title="Server down", client="Acme"))
    outbox = Outbox(workspace.store, rand=lambda: 0.5)
    outbox.enqueue_note(ticket.id, "Acknowledged by Ana", "ack")
    outbox.enqueue_time_entry(entry(), ticket.id, "time")
    calls = {"n": 0}
    real_add_note = book.add_note

    def add_note_then_timeout(remote_id: str, text: str, *, internal: bool = True) -> None:
        real_add_note(remote_id, text, internal=internal)
        calls["n"] += 1
        if calls["n"] == 1:
            raise TicketSystemError(ErrorKind.NETWORK, "local: timeout", uncertain=True)

    book.add_note = add_note_then_timeout  # type: ignore[method-assign]
    outbox.deliver(book, T0)
    outbox.deliver(book, T0 + timedelta(minutes=1))
    assert book.notes(ticket.remote_id) == ["Acknowledged by Ana [oncall-key:ack]"]
    assert calls["n"] == 1
    assert book.find_time_entry(ticket.remote_id, "time") is not None


def test_rows_of_other_systems_wait(outbox: Outbox) -> None:
    outbox.enqueue_note("redmine:5", "x", "k")
    report = outbox.deliver(FakeSystem(), T0)
    assert (report.sent, report.waiting) == (0, 1)
    assert outbox.get("k").attempts == 0  # type: ignore[union-attr]


def test_a_row_claimed_by_a_live_process_is_left_alone(workspace) -> None:
    tray = Outbox(workspace.store, owner="tray")
    script = Outbox(workspace.store, owner="script")
    tray.enqueue_time_entry(entry(), "fake:1", "k")
    row = tray.get("k")
    assert row is not None and tray._claim(row, T0)  # the tray is mid-call
    system = FakeSystem()
    assert script.deliver(system, T0).sent == 0 and system.entries == []


def test_workspace_poll_delivers_the_outbox_to_the_ticket_system(workspace) -> None:
    ticket = workspace.book.add(Ticket(title="Backup failed", client="Acme"))
    workspace.outbox.enqueue_note(ticket.id, "Looking into it", "n1")
    workspace.poll()
    assert workspace.book.notes(ticket.remote_id) == ["Looking into it [oncall-key:n1]"]
    assert workspace.last_delivery.sent == 1
    assert [e["data"]["key"] for e in workspace.store.events(kind="outbox.sent")] == ["n1"]

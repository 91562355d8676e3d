from __future__ import annotations

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.psa.base import ErrorKind, PollResult, TicketSystemError


def test_pages_once_and_again_after_reopen(workspace, fake_clock, recorder) -> None:
    book = workspace.book
    t = book.add(Ticket(title="Exchange outage", client="Acme", priority=1))
    result, notes = workspace.poll()
    assert (result.fetched, result.paged) == (1, 1)
    assert notes[0]["delivered"] and "Exchange outage" in recorder.sent[0].title
    # polling again (ticket updated by a note) does not page twice
    fake_clock.advance(minutes=1)
    book.add_note(t.remote_id, "looking")
    result, _ = workspace.poll()
    assert (result.fetched, result.paged) == (1, 0)
    # resolved, then re-opened: pages again
    workspace.resolve(workspace.pages.active()[0].id)
    fake_clock.advance(minutes=1)
    book.set_status(t.remote_id, "closed")
    workspace.poll()
    fake_clock.advance(minutes=1)
    book.set_status(t.remote_id, "new")
    result, _ = workspace.poll()
    assert result.paged == 1
    assert [e["kind"] for e in workspace.store.events(kind="ticket.reopened")] == ["ticket.reopened"]


def test_low_priority_does_not_page(workspace) -> None:
    workspace.book.add(Ticket(title="Printer jams", priority=4))
    result, _ = workspace.poll()
    assert (result.fetched, result.paged) == (1, 0)


class Flaky:
    """A ticket system that fails until told otherwise."""

    name = "flaky"
    source = "flaky"

    def __init__(self) -> None:
        self.down = True
        self.tickets = [Ticket(title="Server down", source="flaky", remote_id="7", priority=1)]

    def poll(self, since):
        if self.down:
            raise TicketSystemError(ErrorKind.NETWORK, "cannot reach flaky.example (connection refused)")
        return PollResult(self.tickets, "c1")


def test_offline_banner_and_no_lost_or_duplicated_pages(workspace, fake_clock) -> None:
    from oncall_desktop.services.paging.poller import Poller

    system = Flaky()
    poller = Poller(workspace.store, system, workspace.intake.open_page)
    result = poller.poll_once()
    assert result.errors == ["cannot reach flaky.example (connection refused)"]
    assert workspace.store.get_setting("offline_since") == "2026-11-25T22:10:00Z"
    fake_clock.advance(minutes=5)
    poller.poll_once()
    assert workspace.store.get_setting("offline_since") == "2026-11-25T22:10:00Z"  # since the first failure
    system.down = False
    assert poller.poll_once().paged == 1
    assert poller.poll_once().paged == 0
    assert workspace.store.get_setting("offline_since") is None
    kinds = [e["kind"] for e in workspace.store.events() if e["kind"].startswith("poller.")]
    assert kinds == ["poller.offline", "poller.online"]


def test_undeliverable_notification_is_reported(workspace, recorder) -> None:
    recorder._available = False
    workspace.book.add(Ticket(title="Server down", priority=1))
    _, notes = workspace.poll()
    assert notes[0]["delivered"] is False and "switched off" in notes[0]["problem"]
    assert workspace.store.events(kind="notification.failed")


def test_a_poll_judges_without_the_cyclic_collector_and_gives_it_back(workspace) -> None:
    """Judging and storing hold the collector off; the network wait does not; failing or not, it comes back."""
    import gc

    from oncall_desktop.core.paging.escalation import Context
    from oncall_desktop.services.paging.poller import Poller

    fetching: list[bool] = []
    judging: list[bool] = []

    class Watching(Flaky):
        def poll(self, since):
            fetching.append(gc.isenabled())
            return super().poll(since)

    def context(tickets):
        judging.append(gc.isenabled())
        return Context()

    system = Watching()
    poller = Poller(workspace.store, system, workspace.intake.open_page, context=context)
    assert gc.isenabled()
    poller.poll_once()  # offline: the error path
    system.down = False
    assert poller.poll_once().paged == 1
    assert fetching == [True, True] and judging == [False] and gc.isenabled()

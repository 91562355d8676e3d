"""A queued note leaves at once, not at the next poll; the poll timer follows the workspace's plan."""
from __future__ import annotations

import pytest

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.tasks import TaskRunner


@pytest.fixture
def controller(qtbot, workspace_dir, fake_clock):
    # the first poll an hour away: nothing but the courier may deliver in this test
    ctl = AppController(workspace_dir, runner=TaskRunner(synchronous=True), clock=fake_clock)
    ctl.start()
    ctl.ws.store.set_setting("first_poll_seconds", 3600)
    yield ctl
    ctl.shutdown()


def test_a_queued_note_is_delivered_without_waiting_for_a_poll(qtbot, controller) -> None:
    ws = controller.ws
    ticket = ws.book.add(Ticket(title="Printer jam", client="Acme"))
    controller.act(lambda w: w.outbox.enqueue_note(ticket.id, "On my way", "note-1"))
    qtbot.waitUntil(lambda: ws.outbox.get("note-1").state == "sent", timeout=3000)
    assert any("On my way" in n for n in ws.book.notes(ticket.remote_id))
    assert not ws.store.events(kind="poller.online") and ws.store.get_setting("last_poll") is None  # no poll ran


def test_the_poll_timer_takes_the_plans_gap_and_scope(qtbot, controller) -> None:
    controller.check_now()
    plan = controller.ws.last_plan
    assert plan is not None and plan.scope == "all"  # no rotation here: this app watches the desk
    assert controller._next_scope == "all"
    assert abs(controller._poll_timer.remainingTime() - 60_000) < 2_000

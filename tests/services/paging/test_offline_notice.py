"""A ticket system unreachable for minutes during my shift is said once, and so is its return."""
from __future__ import annotations

from tests.services.paging.test_poller import Flaky


def _titles(recorder) -> list[str]:
    return [n.title for n in recorder.sent if n.title.startswith("Ticket system")]


def test_a_long_outage_is_announced_once_and_its_end_too(workspace, fake_clock, recorder) -> None:
    system = Flaky()
    workspace.__dict__["_system"] = system  # the configured system, as ticket_system() builds it
    workspace.poll()
    fake_clock.advance(minutes=2)
    workspace.poll()
    assert _titles(recorder) == []  # a blip wakes nobody
    fake_clock.advance(minutes=2)
    workspace.poll()
    assert _titles(recorder) == ["Ticket system unreachable"]
    note = [n for n in recorder.sent if n.title == "Ticket system unreachable"][0]
    assert note.urgent and "connection refused" in note.body and "cannot page you" in note.body
    fake_clock.advance(minutes=5)
    workspace.poll()
    assert _titles(recorder) == ["Ticket system unreachable"]  # once per outage
    system.down = False
    workspace.poll()
    assert _titles(recorder) == ["Ticket system unreachable", "Ticket system reachable again"]
    back = [n for n in recorder.sent if n.title == "Ticket system reachable again"][0]
    assert "after 9 min" in back.body
    kinds = [e["kind"] for e in workspace.store.events() if e["kind"].endswith("_announced")]
    assert kinds == ["poller.offline_announced", "poller.online_announced"]


def test_an_outage_while_off_call_with_no_page_of_mine_stays_quiet(workspace, fake_clock, recorder) -> None:
    workspace.store.set_setting("me", "Somebody Off Call")
    workspace.__dict__["_system"] = Flaky()
    workspace.poll()
    fake_clock.advance(minutes=10)
    workspace.poll()
    assert _titles(recorder) == []

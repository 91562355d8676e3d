"""One pop-up per page, and it follows the page: replaced by reminders, closed once the page is settled."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from jeepney import DBusAddress, MessageType, new_signal
from jeepney.low_level import HeaderFields

from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.notifier import DBUS_NAME, DBUS_PATH, FreedesktopBackend, Notification, Notifier
from tests.services.paging.test_pages import demo_workspace
from tests.services.paging.test_shared_pages import ANA, CHLOE, ERIN, Team, outage

SERVER = ":1.7"


class PopUps:
    """A notification server in memory: one pop-up per page, as the freedesktop backend keeps them."""

    name = "popups"

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.withdrawn: list[int] = []
        self.up: set[int] = set()

    def available(self) -> tuple[bool, str]:
        return True, ""

    def send(self, note: Notification) -> None:
        self.sent.append(note)
        if note.page_id is not None:
            self.up.add(int(note.page_id))

    def withdraw(self, page_id: int) -> None:
        self.withdrawn.append(page_id)
        self.up.discard(page_id)

    def shown(self) -> set[int]:
        return set(self.up)


@pytest.fixture
def pops() -> PopUps:
    return PopUps()


@pytest.fixture
def ws(workspace_dir, fake_clock, pops):
    w = demo_workspace(workspace_dir, fake_clock, pops)
    yield w
    w.close()


def _paged(ws: Workspace) -> int:
    result, _ = ws.poll()
    assert result.paged == 1
    return int(result.pages[0]["page_id"])


def test_acknowledging_closes_the_pop_up(ws, pops) -> None:
    page_id = _paged(ws)
    assert pops.up == {page_id}
    ws.acknowledge(page_id)
    assert pops.withdrawn == [page_id] and pops.up == set()


def test_resolving_closes_the_pop_up(ws, pops) -> None:
    page_id = _paged(ws)
    ws.resolve(page_id)
    assert pops.withdrawn == [page_id]


def test_a_reminder_replaces_the_pop_up_it_does_not_close_it(ws, pops, fake_clock) -> None:
    page_id = _paged(ws)
    fake_clock.advance(minutes=5)
    assert [f["event"] for f in ws.clock_service.tick()] == ["renotify"]
    assert [n.page_id for n in pops.sent if n.page_id] == [page_id, page_id] and pops.withdrawn == []


def test_an_acknowledgement_from_another_process_closes_the_pop_up_at_the_next_tick(ws, pops, fake_clock) -> None:
    page_id = _paged(ws)
    cli = Workspace(ws.directory, fake_clock, notifier=Notifier(backends=[]))  # `oncall-desktop ack` elsewhere
    try:
        cli.acknowledge(page_id)
    finally:
        cli.close()
    assert pops.withdrawn == []
    ws.clock_service.tick()
    assert pops.withdrawn == [page_id]


@pytest.fixture
def team(tmp_path, fake_clock):
    t = Team(tmp_path, fake_clock)
    t.pops = {me: PopUps() for me in (ANA, CHLOE)}
    for me, ws in t.apps.items():
        ws.notifier.backends[:] = [t.pops[me]]
    yield t
    t.close()


def test_acknowledged_elsewhere_closes_the_pop_up(team) -> None:
    t = outage(team, assignee="Service Desk")
    team.poll_all()
    chloes = team.page(team.chloe, t).id
    assert team.pops[CHLOE].up == {chloes}
    team.ana.acknowledge()
    team.ana.deliver_outbox()
    team.clock.advance(minutes=1)
    team.chloe.poll()
    assert team.pops[CHLOE].withdrawn == [chloes]


def test_resolved_elsewhere_closes_the_pop_up(team) -> None:
    t = outage(team)
    team.poll_all()
    team.desk.set_status(t.remote_id, "closed")
    team.poll_all()
    for me, ws in team.apps.items():
        assert team.pops[me].withdrawn == [team.page(ws, t).id]


def test_handed_over_to_someone_else_closes_the_pop_up(team) -> None:
    t = outage(team)
    team.poll_all()
    team.clock.advance(minutes=16)
    team.ana.clock_service.tick()  # Ana's clock escalates to Chloé: Ana's pop-up says so (replaced, not closed)
    assert team.pops[ANA].withdrawn == [] and team.pops[ANA].sent[-1].title.startswith(f"Escalated to {CHLOE}")
    team.ana.deliver_outbox()
    team.clock.advance(minutes=1)
    team.chloe.poll()  # handed to Chloé: hers stays up (it is hers now) and is replaced by her page
    assert team.pops[CHLOE].withdrawn == []
    team.clock.advance(minutes=15)
    team.chloe.clock_service.tick()
    team.chloe.deliver_outbox()
    team.clock.advance(minutes=1)
    team.ana.poll()  # Ana's copy follows the hand-over to Erin: no longer Ana's business
    assert team.page(team.ana, t).person == ERIN
    assert team.pops[ANA].withdrawn == [team.page(team.ana, t).id]


# ------------------------------------------------------- the D-Bus backend

class FakeRouter:
    """Stands in for jeepney's router: records what is sent, the server answers with sequential ids."""

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self.sent: list[Any] = []
        self.next_id = 40

    def send_and_get_reply(self, msg: Any, timeout: float = 0) -> Any:
        self.calls.append(msg)
        replaces = msg.body[1]
        if not replaces:
            self.next_id += 1
        return SimpleNamespace(header=SimpleNamespace(message_type=MessageType.method_return,
                                                      fields={HeaderFields.sender: SERVER}),
                               body=(replaces or self.next_id,))

    def send(self, msg: Any) -> None:
        self.sent.append(msg)


def _backend() -> tuple[FreedesktopBackend, FakeRouter]:
    backend = FreedesktopBackend()
    backend._router = router = FakeRouter()
    backend._caps = frozenset({"actions"})
    return backend, router


def test_backend_replaces_a_pages_pop_up_and_marks_it_critical() -> None:
    backend, router = _backend()
    backend.send(Notification("P1 · Acme: Mail down", "Paged because …", 4))
    backend.send(Notification("Still waiting · P1 · Acme: Mail down", "Not acknowledged yet", 4))
    backend.send(Notification("P2 · Beta: VPN", "Paged because …", 5))
    assert [m.body[1] for m in router.calls] == [0, 41, 0]  # replaces_id
    assert all(m.body[6]["urgency"] == ("y", 2) for m in router.calls)  # critical
    assert backend.shown() == {4, 5}


def test_backend_withdraw_closes_the_pop_up_without_waiting_for_an_answer() -> None:
    backend, router = _backend()
    backend.send(Notification("P1 · Acme: Mail down", "…", 4))
    backend.withdraw(4)
    backend.withdraw(4)  # already down: nothing more is sent
    assert [(m.header.fields[HeaderFields.member], m.body) for m in router.sent] == [("CloseNotification", (41,))]
    assert backend.shown() == set()
    backend.send(Notification("Still waiting · P1 · Acme: Mail down", "…", 4))
    assert router.calls[-1].body[1] == 0  # a new pop-up, not a replacement of the closed one


def test_a_closed_pop_up_is_forgotten() -> None:
    backend, router = _backend()
    backend._owner = SERVER
    backend.send(Notification("P1", "…", 4))
    closed = new_signal(DBusAddress(DBUS_PATH, interface=DBUS_NAME), "NotificationClosed", "uu", (41, 2))
    closed.header.fields[HeaderFields.sender] = SERVER
    backend.dispatch(closed)
    assert backend.shown() == set()

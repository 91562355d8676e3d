"""The typed snapshot: frozen values, parts that say what changed, and a picture that stands still with the clock."""
from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from oncall_desktop.core.rotation.compute import on_call
from oncall_desktop.services.app.now import local_stamp, now_report
from oncall_desktop.services.app.view_model import PARTS, PageView, Snapshot, changed_parts
from oncall_desktop.services.demo.demo import seed_demo


def test_changed_parts_names_what_differs() -> None:
    first = Snapshot(me="Ana Souza")
    assert changed_parts(None, first) == PARTS
    assert changed_parts(first, replace(first)) == frozenset()
    page = PageView(id=1, ticket="local:1", state="pending", level=1, person="Ana Souza", severity="P1",
                    reason="priority Critical", created="2026-11-25T22:10:00Z", client="Acme Dental", title="Down")
    assert changed_parts(first, replace(first, pages=(page,))) == {"pages"}
    assert changed_parts(first, replace(first, pages=(page,), last_poll_local="22:11:00")) == {
        "pages", "last_poll_local"}


def test_a_snapshot_is_frozen(workspace) -> None:
    seed_demo(workspace)
    snap = workspace.snapshot()
    with pytest.raises(FrozenInstanceError):
        snap.me = "someone else"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        snap.on_call[0].person = "someone else"  # type: ignore[misc]


def test_the_picture_stands_still_while_only_the_clock_moves(workspace, fake_clock) -> None:
    """Rebuilt a few minutes on with nothing done, no part differs: nothing would redraw.

    The shifts table used to start the running shift at "now", and the
    timeline carried "now", so every rebuild changed the Rotation tab.
    """
    seed_demo(workspace)
    workspace.poll()
    before = workspace.snapshot()
    fake_clock.advance(minutes=3)
    assert changed_parts(before, workspace.snapshot()) == frozenset()


def test_the_running_shift_shows_its_true_start(workspace, fake_clock) -> None:
    seed_demo(workspace)
    snap = workspace.snapshot()
    schedule = next(s for s in workspace.directory_service.schedules() if s.name == "Primary")
    current = on_call(schedule, fake_clock.now())
    assert current is not None and current.start < fake_clock.now()
    first = next(s for s in snap.rotation.shifts if s.schedule == "Primary")
    assert (first.person, first.start_local) == (current.person, local_stamp(current.start))


def test_pages_carry_their_deadlines_as_instants(workspace, fake_clock) -> None:
    seed_demo(workspace)
    workspace.poll()
    page = workspace.snapshot().pages[0]
    assert page.waiting and page.ack_deadline is not None and page.ack_deadline > fake_clock.now()
    assert page.sla is not None and page.sla.kind == "response" and page.sla.deadline is not None


def test_now_json_keeps_its_shape(workspace) -> None:
    """``oncall-desktop now --json`` is read by scripts: the typed snapshot must not change it."""
    seed_demo(workspace)
    workspace.poll()
    report = now_report(workspace)
    assert set(report) == {"on_call", "pages", "suppressed"}
    assert set(report["on_call"][0]) == {"schedule", "person", "shift_start", "shift_end", "backup"}
    assert set(report["pages"][0]) == {"id", "ticket", "client", "title", "state", "level", "severity", "reason",
                                       "ack_deadline", "sla_deadline"}
    assert isinstance(report["pages"][0]["ack_deadline"], str)

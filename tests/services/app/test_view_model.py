"""The typed snapshot: frozen values, and parts that say what changed."""
from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from oncall_desktop.services.app.now import now_report
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

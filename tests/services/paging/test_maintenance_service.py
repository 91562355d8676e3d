"""Maintenance windows: suppress while active, stop at their end by themselves, remind once (fake clock)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.core.paging.maintenance import MaintenanceError, MaintenanceWindow
from oncall_desktop.core.tickets.tickets import Ticket

UTC = timezone.utc
T0 = datetime(2026, 11, 25, 22, 10, tzinfo=UTC)  # the fake clock's start (conftest)


def window(start: datetime, end: datetime, **kw) -> MaintenanceWindow:
    kw.setdefault("clients", ("Acme Dental",))
    return MaintenanceWindow(start=start, end=end, **kw)


def outage(ws, title: str = "Practice server down", client: str = "Acme Dental") -> None:
    ws.book.add(Ticket(title=title, client=client, priority=1, body="not responding"))


def test_window_suppresses_then_stops_at_its_end(workspace, fake_clock, recorder) -> None:
    workspace.maintenance.add(window(T0 - timedelta(minutes=10), T0 + timedelta(minutes=50),
                                     note="SQL patching"), by="Ana")
    outage(workspace)
    result, notes = workspace.poll()
    assert (result.paged, result.suppressed, notes) == (0, 1, [])
    event = workspace.store.events(kind="page.suppressed")[0]
    assert "maintenance window" in event["data"]["reason"] and "SQL patching" in event["data"]["reason"]

    # visible in Now, with the reason
    snap = workspace.snapshot()
    assert snap.pages == ()
    assert snap.suppressed[0].title == "Practice server down"
    assert "SQL patching" in snap.suppressed[0].reason
    assert workspace.maintenance.windows()[0].state(fake_clock.now()) == "active"  # as the Shift menu's dialog lists it
    from oncall_desktop.services.app.now import now_report
    assert now_report(workspace)["suppressed"][0]["client"] == "Acme Dental"

    # a second ticket inside the window is suppressed too; nobody was notified
    fake_clock.advance(minutes=30)
    outage(workspace, "Imaging down")
    assert workspace.poll()[0].suppressed == 1
    assert not [n for n in recorder.sent if n.page_id]

    # the window ends by itself: the next poll reminds once, and tickets page again
    fake_clock.set(T0 + timedelta(minutes=50, seconds=30))
    outage(workspace, "Practice server down again")
    result, notes = workspace.poll()
    assert result.paged == 1 and result.suppressed == 0
    reminders = [n for n in recorder.sent if n.title.startswith("Maintenance over")]
    assert len(reminders) == 1 and "Acme Dental" in reminders[0].title and not reminders[0].urgent
    assert workspace.store.events(kind="maintenance.ended")[0]["data"]["reminded"] is True
    assert workspace.maintenance.windows() == []
    assert workspace.maintenance.windows(include_past=True)[0].state(fake_clock.now()) == "ended"

    fake_clock.advance(minutes=5)
    workspace.poll()
    assert len([n for n in recorder.sent if n.title.startswith("Maintenance over")]) == 1


def test_other_clients_still_page_during_a_window(workspace) -> None:
    workspace.maintenance.add(window(T0, T0 + timedelta(hours=2)))
    outage(workspace, "Booking system down", client="Foxglove Hotel")
    result, _ = workspace.poll()
    assert result.paged == 1 and result.suppressed == 0


def test_system_scoped_window_only_covers_that_system(workspace) -> None:
    workspace.maintenance.add(window(T0, T0 + timedelta(hours=2), systems=("ACME-SQL01",)))
    outage(workspace, "ACME-SQL01 down")
    outage(workspace, "Email down")
    result, _ = workspace.poll()
    assert (result.paged, result.suppressed) == (1, 1)


def test_suppressed_tickets_get_an_internal_note_through_the_outbox(workspace) -> None:
    outbox = getattr(workspace, "outbox", None)
    if outbox is None or not hasattr(outbox, "rows"):
        pytest.skip("this build has no outbox")
    workspace.maintenance.add(window(T0, T0 + timedelta(hours=2), note="firmware"))
    outage(workspace)
    workspace.poll()
    notes = [r for r in outbox.rows() if r.kind == "note"]
    assert len(notes) == 1 and "not paged after hours" in notes[0].payload["text"]
    workspace.poll()  # annotated once only
    assert len([r for r in outbox.rows() if r.kind == "note"]) == 1


def test_annotation_without_an_outbox_just_moves_on(workspace) -> None:
    workspace.maintenance.add(window(T0, T0 + timedelta(hours=2)))
    outage(workspace)
    workspace.poller.poll_once()
    assert workspace.maintenance.annotate_suppressed(None) == 0
    seen = []
    assert workspace.maintenance.annotate_suppressed(lambda *a: seen.append(a)) == 0  # already handled
    assert seen == []


def test_cancel_ends_suppression_now(workspace, fake_clock, recorder) -> None:
    stored = workspace.maintenance.add(window(T0, T0 + timedelta(hours=2)))
    workspace.maintenance.cancel(stored.id, by="Ana")
    outage(workspace)
    assert workspace.poll()[0].paged == 1
    assert not [n for n in recorder.sent if n.title.startswith("Maintenance over")]  # cancelling is not "ended"
    with pytest.raises(MaintenanceError, match="already cancelled"):
        workspace.maintenance.cancel(stored.id)
    assert [e["kind"] for e in workspace.store.events() if e["kind"].startswith("maintenance.")] == \
        ["maintenance.added", "maintenance.cancelled"]


def test_scheduled_window_does_not_suppress_before_it_starts(workspace, fake_clock) -> None:
    stored = workspace.maintenance.add(window(T0 + timedelta(hours=1), T0 + timedelta(hours=3)))
    assert stored.state(fake_clock.now()) == "scheduled"
    outage(workspace)
    assert workspace.poll()[0].paged == 1


def test_long_ago_end_is_logged_not_announced(workspace, fake_clock, recorder) -> None:
    workspace.maintenance.add(window(T0, T0 + timedelta(hours=1)))
    fake_clock.advance(days=2)  # the laptop was off
    ended = workspace.maintenance.remind_ended(lambda *a: pytest.fail("stale reminder"))
    assert len(ended) == 1
    assert workspace.store.events(kind="maintenance.ended")[0]["data"]["reminded"] is False


def test_refuses_windows_that_ended_or_are_absurdly_long(workspace) -> None:
    with pytest.raises(MaintenanceError, match="ended already"):
        workspace.maintenance.add(window(T0 - timedelta(hours=3), T0 - timedelta(hours=1)))
    with pytest.raises(MaintenanceError, match="at most 14 days"):
        workspace.maintenance.add(window(T0, T0 + timedelta(days=400)))
    with pytest.raises(MaintenanceError, match="no maintenance window 42"):
        workspace.maintenance.get(42)
    assert workspace.store.events(kind="maintenance.added") == []

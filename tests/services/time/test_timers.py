"""Timers: segments, autostart, crash recovery (a real kill -9), sleep gaps, audited manual changes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from oncall_desktop.core.time.clock import parse_instant
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.time.billing_service import BillingServiceError
from oncall_desktop.services.time.timers import TimerError

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def utc_office_hours(request) -> None:
    """Billing in these tests must not depend on the machine's zone: Mon–Fri 09–17 UTC."""
    if "workspace" in request.fixturenames:
        request.getfixturevalue("workspace").billing.load_clients('[default]\ntime_zone = "UTC"\n')


def test_pause_resume_makes_segments_and_stop_bills_once(workspace, fake_clock) -> None:
    timers = workspace.timers
    timers.start("local:1", "Acme Dental")
    fake_clock.advance(minutes=10)
    timers.pause()
    fake_clock.advance(minutes=10)
    assert timers.running().state == "paused"  # type: ignore[union-attr]
    timers.resume()
    fake_clock.advance(minutes=50)
    done = timers.stop()
    assert done.state == "stopped" and len(done.segments) == 2
    assert done.minutes(fake_clock.now()) == 60  # the 10 paused minutes are not work
    entries = workspace.billing.recent_entries()
    assert sorted(e["worked_minutes"] for e in entries) == [10, 50]
    # one call-out across the pause (docs/billing.md rule 7): 10 → 15 is topped up to the minimum 60,
    # 50 → 60 adds only what exceeds the charge so far: 15 + 60 = 75 in all, not 60 + 60
    assert sorted(e["billable_minutes"] for e in entries) == [15, 60]
    assert len(workspace.outbox.rows()) == 2
    kinds = [e["kind"] for e in workspace.store.events() if e["kind"].startswith("timer.")]
    assert kinds == ["timer.started", "timer.paused", "timer.resumed", "timer.stopped"]


def test_start_on_another_ticket_stops_and_bills_the_first(workspace, fake_clock) -> None:
    workspace.timers.start("local:1", "Acme Dental")
    fake_clock.advance(minutes=20)
    second = workspace.timers.start("local:2", "Delta Veterinary")
    assert workspace.timers.running().id == second.id  # type: ignore[union-attr]
    assert [e["ticket"] for e in workspace.billing.recent_entries()] == ["local:1"]
    assert workspace.timers.start("local:2", "Delta Veterinary").id == second.id  # same ticket: same timer


def test_autostart_setting(workspace) -> None:
    assert workspace.timers.start_on_acknowledge("local:1", "Acme") is not None
    workspace.timers.stop()
    workspace.store.set_setting("timer_autostart", False)
    assert workspace.timers.start_on_acknowledge("local:2", "Acme") is None
    assert workspace.timers.running() is None


def test_resolve_stops_the_timer_and_bills(workspace, fake_clock) -> None:
    from oncall_desktop.core.tickets.tickets import Ticket

    ticket = workspace.book.add(Ticket(title="Server down", client="Acme Dental", priority=1))
    workspace.poll()
    page = workspace.pages.active()[0]
    workspace.acknowledge(page.id)
    if workspace.timers.running() is None:  # the ack clock starts it; start it here if this build does not
        workspace.timers.start(ticket.id, "Acme Dental")
    fake_clock.advance(minutes=38)
    workspace.resolve(page.id)
    assert workspace.timers.running() is None
    entries = workspace.billing.recent_entries()
    assert [(e["worked_minutes"], e["billable_minutes"]) for e in entries] == [(38, 60)]
    workspace.poll()  # delivers to the local book
    assert workspace.book.find_time_entry(ticket.remote_id, entries[0]["key"]) is not None


def test_heartbeat_is_cheap_and_a_long_gap_asks_were_you_working(workspace, fake_clock) -> None:
    timers = workspace.timers
    timers.heartbeat()  # first call of the process: nothing to recover
    start = fake_clock.now()
    timers.start("local:1", "Acme")
    for _ in range(3):
        fake_clock.advance(seconds=1)
        assert timers.heartbeat() is False
    last_beat = fake_clock.now()
    fake_clock.advance(minutes=40)  # the laptop slept
    assert timers.heartbeat() is True
    paused = timers.running()
    assert paused is not None and paused.state == "paused"
    assert paused.question == {"from": _iso(last_beat), "to": _iso(fake_clock.now()), "minutes": 40,
                               "why": "the computer was asleep or the app was not running"}
    assert paused.segments[0].end == last_beat
    fake_clock.advance(minutes=1)
    answered = timers.answer(True)
    assert answered.state == "running" and answered.question is None
    assert answered.worked_seconds(fake_clock.now()) == int((fake_clock.now() - start).total_seconds())


def test_answering_no_leaves_the_gap_out(workspace, fake_clock) -> None:
    timers = workspace.timers
    timers.heartbeat()
    timers.start("local:1", "Acme")
    fake_clock.advance(minutes=5)
    timers.heartbeat()
    fake_clock.advance(hours=2)
    timers.heartbeat()
    timer = timers.answer(False)
    assert timer.state == "paused" and timer.question is None
    assert timer.worked_seconds(fake_clock.now()) == 300
    with pytest.raises(TimerError, match="no question"):
        timers.answer(True)


@pytest.mark.parametrize("mode,gap,expect_state,expect_seconds", [
    ("resume", timedelta(seconds=20), "running", 60 + 20),   # quick restart: nothing lost
    ("resume", timedelta(minutes=30), "paused", 60),         # long: ask
    ("close", timedelta(seconds=20), "stopped", 60),         # closed at the last heartbeat
])
def test_recovery_after_restart(workspace_dir, fake_clock, mode, gap, expect_state, expect_seconds) -> None:
    ws = Workspace(workspace_dir, fake_clock)
    ws.store.set_setting("timer_after_crash", mode)
    ws.timers.heartbeat()
    ws.timers.start("local:1", "Acme")
    fake_clock.advance(seconds=60)
    ws.timers.heartbeat()
    ws.store.db.conn.close()  # gone without a goodbye
    fake_clock.advance(seconds=gap.total_seconds())
    again = Workspace(workspace_dir, fake_clock)
    assert again.timers.heartbeat() is True  # the first beat of the new process recovers
    timer = again.timers.get(1)
    assert timer.state == expect_state
    assert timer.worked_seconds(fake_clock.now()) == expect_seconds
    assert again.store.events(kind="timer.recovered")[0]["data"]["mode"] == mode
    if mode == "close":
        assert again.billing.recent_entries()[0]["worked_minutes"] == 1
    again.close()


HEARTBEAT_LOOP = textwrap.dedent("""
    import sys, time
    from oncall_desktop.services.app.workspace import Workspace
    ws = Workspace(sys.argv[1])
    ws.timers.heartbeat()  # the app's first tick (nothing to recover)
    ws.timers.start("local:7", "Acme")
    while True:           # what the app's one-second tick does
        ws.timers.heartbeat()
        print("beat", flush=True)
        time.sleep(1.0)
""")


@pytest.mark.parametrize("mode", ["close", "resume"])
def test_kill_minus_9_loses_at_most_a_second(workspace_dir, mode) -> None:
    ws = Workspace(workspace_dir)  # the real clock: this test really waits about four seconds
    ws.store.set_setting("timer_after_crash", mode)
    ws.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", HEARTBEAT_LOOP, str(workspace_dir)], stdout=subprocess.PIPE,
                            text=True, env=env, cwd=ROOT)
    try:
        for _ in range(3):
            assert proc.stdout is not None and proc.stdout.readline().strip() == "beat"
        time.sleep(0.6)  # die between two beats
        os.kill(proc.pid, signal.SIGKILL)
        killed = datetime.now(timezone.utc)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    again = Workspace(workspace_dir)
    started = again.timers.get(1).started
    assert again.timers.heartbeat() is True
    timer = again.timers.get(1)
    if mode == "close":
        assert timer.state == "stopped" and timer.stopped is not None
        lost = (killed - timer.stopped).total_seconds()
        assert -1.0 <= lost <= 1.0, f"{lost:.2f} s lost at the kill"
        assert abs(timer.worked_seconds(killed) - (killed - started).total_seconds()) <= 1.0
        billed = again.store.events(kind="time.billed")  # closed work is billed at once (3 s: 0 min, no entry)
        assert [e["data"]["timer"] for e in billed] == [1] and again.billing.recent_entries() == []
    else:
        assert timer.state == "running"  # the restart came within the gap: the work goes on, nothing lost
        now = datetime.now(timezone.utc)
        assert abs(timer.worked_seconds(now) - (now - started).total_seconds()) <= 1.0
    again.close()


def test_manual_add_edit_delete_with_audit_trail(workspace, fake_clock) -> None:
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    timer = workspace.timers.add_manual("local:3", "Acme Dental", start, start + timedelta(minutes=38))
    first = workspace.billing.recent_entries()
    assert [(e["worked_minutes"], e["billable_minutes"]) for e in first] == [(38, 60)]
    edited = workspace.timers.edit(timer.id, end=start + timedelta(minutes=75), flag="no-charge")
    assert edited.flag == "no-charge"
    after = workspace.billing.recent_entries()
    assert [(e["worked_minutes"], e["billable_minutes"]) for e in after] == [(75, 0)]
    assert after[0]["key"] != first[0]["key"]  # new revision, new idempotency key
    assert [r.key for r in workspace.outbox.rows()] == [after[0]["key"]]  # the withdrawn row is gone
    event = workspace.store.events(kind="time.edited")[0]["data"]
    assert event["before"]["segments"] == [["2026-11-24T23:00:00Z", "2026-11-24T23:38:00Z"]]
    assert event["after"]["segments"] == [["2026-11-24T23:00:00Z", "2026-11-25T00:15:00Z"]]
    assert event["after"]["flag"] == "no-charge"
    workspace.timers.delete(timer.id)
    assert workspace.billing.recent_entries() == [] and workspace.outbox.rows() == []
    assert workspace.store.events(kind="time.deleted")[0]["data"]["before"]["client"] == "Acme Dental"


def test_work_already_in_the_psa_cannot_be_changed_here(workspace, fake_clock) -> None:
    from oncall_desktop.core.tickets.tickets import Ticket

    ticket = workspace.book.add(Ticket(title="VPN down", client="Acme Dental"))
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    timer = workspace.timers.add_manual(ticket.id, "Acme Dental", start, start + timedelta(minutes=30))
    workspace.deliver_outbox()
    with pytest.raises(BillingServiceError, match="already on the ticket"):
        workspace.timers.edit(timer.id, end=start + timedelta(minutes=45))
    with pytest.raises(BillingServiceError, match="correct it there"):
        workspace.timers.delete(timer.id)
    assert workspace.timers.get(timer.id).segments[0].end == start + timedelta(minutes=30)


def test_an_entry_the_system_refused_can_be_corrected(workspace) -> None:
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    timer = workspace.timers.add_manual("local:404", "Acme Dental", start, start + timedelta(minutes=30))
    workspace.deliver_outbox()  # the local book has no ticket 404: refused, certainly not saved
    assert [r.state for r in workspace.outbox.rows()] == ["failed"]
    from oncall_desktop.core.tickets.tickets import Ticket

    ticket = workspace.book.add(Ticket(title="Printer", client="Acme Dental"))
    workspace.timers.edit(timer.id, ticket_id=ticket.id)
    workspace.deliver_outbox()
    assert [(r.ticket_id, r.state) for r in workspace.outbox.rows()] == [(ticket.id, "sent")]


def test_bad_manual_entries_are_refused_in_words(workspace) -> None:
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    with pytest.raises(TimerError, match="is not after the start"):
        workspace.timers.add_manual("local:1", "Acme", start, start)
    with pytest.raises(TimerError, match="longer than 24 hours"):
        workspace.timers.add_manual("local:1", "Acme", start, start + timedelta(days=2))
    with pytest.raises(ValueError, match="unknown billing flag"):
        workspace.timers.add_manual("local:1", "Acme", start, start + timedelta(minutes=5), flag="free")
    with pytest.raises(TimerError, match="no timer is running"):
        workspace.timers.stop()


def _iso(value: datetime) -> str:
    from oncall_desktop.core.time.clock import iso

    return iso(value)


def test_parse_helper_roundtrip() -> None:
    assert _iso(parse_instant("2026-11-25T23:00:00Z")) == "2026-11-25T23:00:00Z"

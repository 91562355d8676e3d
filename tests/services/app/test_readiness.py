"""Readiness: every item passes and fails, and each run is recorded."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from oncall_desktop.services.app.readiness import Readiness
from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.services.paging.notifier import Notifier
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from tests.conftest import SilentBackend


def _readiness(ws, **kw) -> Readiness:
    kw.setdefault("autostart_enabled", lambda: True)
    kw.setdefault("disk_free", lambda: 10 * 1024 ** 3)
    return Readiness(ws, **kw)


# ------------------------------------------------------------- notifications
def test_notifications_pass_when_a_backend_can_deliver(workspace) -> None:
    item = _readiness(workspace).notifications()
    assert item.ok and "recorder" in item.detail


def test_notifications_fail_without_a_working_backend(workspace) -> None:
    workspace.notifier = Notifier(backends=[SilentBackend(available=False)])
    item = _readiness(workspace).notifications()
    assert not item.ok and "switched off in the test" in item.detail and item.fix


def test_notifications_confirmed_by_the_user(workspace, recorder) -> None:
    item = _readiness(workspace).notifications(confirm=lambda: True)
    assert item.ok and recorder.sent[-1].title == "oncall-desktop readiness check"


def test_notifications_fail_when_the_user_did_not_see_it(workspace, recorder) -> None:
    item = _readiness(workspace).notifications(confirm=lambda: False)
    assert not item.ok and "did not see it" in item.detail and "Do Not Disturb" in item.fix
    assert len(recorder.sent) == 1


def test_notifications_fail_when_the_test_cannot_be_sent(workspace) -> None:
    workspace.notifier = Notifier(backends=[SilentBackend(available=False)])
    item = _readiness(workspace).notifications(confirm=lambda: pytest.fail("must not ask"))
    assert not item.ok and "not delivered" in item.detail


# ------------------------------------------------------------- ticket system
def test_ticket_system_passes_with_the_local_book(workspace) -> None:
    item = _readiness(workspace).ticket_system()
    assert item.ok, item.detail


def test_ticket_system_fails_with_bad_credentials(workspace, monkeypatch) -> None:
    def refuse(*_a, **_k):
        raise TicketSystemError(ErrorKind.AUTH, "Freshdesk refused the API key (401)")

    monkeypatch.setattr(workspace, "test_connection", refuse, raising=False)
    item = _readiness(workspace).ticket_system()
    assert not item.ok and "401" in item.detail and "API key" in item.fix


def test_ticket_system_fails_when_unreachable(workspace, monkeypatch) -> None:
    def offline(*_a, **_k):
        raise TicketSystemError(ErrorKind.NETWORK, "cannot reach psa.example (timed out)")

    monkeypatch.setattr(workspace, "test_connection", offline, raising=False)
    item = _readiness(workspace).ticket_system()
    assert not item.ok and "VPN" in item.fix


# ------------------------------------------------------------------ runbooks
def test_runbooks_without_pack_pass_while_reviews_are_recent(workspace) -> None:
    item = _readiness(workspace).runbooks()
    assert item.ok and "no team pack" in item.detail


def test_runbooks_without_pack_fail_when_reviews_are_old(workspace, fake_clock) -> None:
    fake_clock.set(datetime(2028, 6, 1, tzinfo=timezone.utc))
    item = _readiness(workspace).runbooks()
    assert not item.ok and "team pack" in item.fix


def test_runbooks_with_pack_pass_after_a_recent_sync(workspace, fake_clock) -> None:
    workspace.store.set_setting("team_pack_source", "/srv/pack")
    workspace.store.log("pack.synced", "/srv/pack", {}, at=fake_clock.now() - timedelta(days=1))
    item = _readiness(workspace).runbooks()
    assert item.ok and "24 hours ago" in item.detail


def test_runbooks_with_pack_fail_when_stale_or_never_synced(workspace, fake_clock) -> None:
    workspace.store.set_setting("team_pack_source", "/srv/pack")
    item = _readiness(workspace).runbooks()
    assert not item.ok and "never synced" in item.detail
    workspace.store.log("pack.checked", "/srv/pack", {}, at=fake_clock.now() - timedelta(days=10))
    item = _readiness(workspace).runbooks()
    assert not item.ok and "10 days ago" in item.detail and "pack sync" in item.fix


# -------------------------------------------------------------------- backup
def test_backup_passes_in_the_demo_rotation(workspace) -> None:
    seed_demo(workspace)
    item = _readiness(workspace).backup()
    assert item.ok, item.detail
    assert "back(s) up" in item.detail


def test_backup_fails_without_any_schedule(workspace) -> None:
    item = _readiness(workspace).backup()
    assert not item.ok and "no on-call schedule" in item.detail


def test_backup_fails_when_the_schedule_has_no_backup(workspace) -> None:
    from dataclasses import replace

    seed_demo(workspace)
    primary = next(s for s in workspace.directory_service.schedules() if s.name == "Primary")
    workspace.directory_service.save_schedule(replace(primary, backup=None))
    workspace.store.set_setting("page_schedule", "Primary")
    item = _readiness(workspace).backup()
    assert not item.ok and "no backup schedule" in item.detail


def test_backup_fails_when_the_backup_rota_is_empty_for_the_shift(workspace) -> None:
    from dataclasses import replace

    seed_demo(workspace)
    backup = next(s for s in workspace.directory_service.schedules() if s.name == "Backup")
    layer = backup.layers[0]
    # the backup layer ended long ago: nobody covers this shift
    workspace.directory_service.save_schedule(replace(backup, layers=(replace(
        layer, end=layer.start + timedelta(days=1)),)))
    workspace.store.set_setting("page_schedule", "Primary")
    item = _readiness(workspace).backup()
    assert not item.ok and "nobody is on the backup rota" in item.detail


# ---------------------------------------------------------------- disk, autostart
def test_disk_passes_and_fails(workspace) -> None:
    assert _readiness(workspace, disk_free=lambda: 2 * 1024 ** 3).disk().ok
    low = _readiness(workspace, disk_free=lambda: 50 * 1024 ** 2).disk()
    assert not low.ok and "500 MB" in low.fix


def test_disk_reads_the_real_disk(workspace) -> None:
    item = Readiness(workspace, min_free_bytes=1).disk()
    assert item.ok and "GB free" in item.detail


def test_autostart_follows_the_xdg_file(workspace, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    readiness = Readiness(workspace, disk_free=lambda: 10 ** 12)
    item = readiness.autostart()
    assert not item.ok and "Start at login" in item.fix
    desktop = tmp_path / "config" / "autostart" / "oncall-desktop.desktop"
    desktop.parent.mkdir(parents=True)
    desktop.write_text("[Desktop Entry]\n")
    assert readiness.autostart().ok


# ---------------------------------------------------------------- qt library
def test_qt_library_passes_on_the_installed_release(workspace) -> None:
    item = _readiness(workspace).qt_library()
    assert item.ok and "PySide6" in item.detail


def test_qt_library_fails_in_words_when_none_leaks(workspace) -> None:
    from oncall_desktop.services.app.readiness import QtHealth
    from oncall_desktop.ui.platform.qt_probe import ProbeResult

    leaking = ProbeResult(1.0, True, "6.12.0")
    item = _readiness(workspace, qt_probe=lambda: QtHealth(leaking.ok, leaking.sentence())).qt_library()
    assert not item.ok
    assert "loses 1.0 reference to None per Qt call" in item.detail and "abort" in item.detail
    assert item.fix


# --------------------------------------------------------------------- record
def test_run_records_results(workspace) -> None:
    report = _readiness(workspace, autostart_enabled=lambda: False).run()
    assert [i.key for i in report.items] == ["notifications", "ticket_system", "runbooks", "backup", "disk",
                                             "autostart", "qt_library"]
    assert not report.ok and report.to_json()["failed"] == 2  # no schedule, no autostart
    events = workspace.store.events(kind="readiness.checked")
    assert len(events) == 1 and events[0]["data"]["failed"] == 2
    assert {r["key"]: r["ok"] for r in _readiness(workspace).last()}["autostart"] is False


# ------------------------------------------------------------ at shift start
def _weekly_rota(workspace) -> None:
    """Ben's weekly Primary turn starts Mon 30 Nov 2026 09:00 Berlin (08:00Z); no backup schedule."""
    from zoneinfo import ZoneInfo

    from oncall_desktop.core.rotation.model import Layer, Schedule

    layer = Layer("Weekly", ["Ana", "Ben", "Cem"], datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("Europe/Berlin")),
                  "weekly", "09:00")
    workspace.rotation.save(Schedule("Primary", "Europe/Berlin", (layer,)))
    workspace.store.set_setting("me", "Ben")


def test_check_runs_by_itself_once_when_my_shift_starts(workspace, fake_clock, monkeypatch) -> None:
    _weekly_rota(workspace)
    workspace.readiness.disk_free = lambda: 10 * 1024 ** 3
    workspace.readiness.autostart_enabled = lambda: False
    fake_clock.set(datetime(2026, 11, 30, 7, 50, tzinfo=timezone.utc))  # ten minutes before the shift
    workspace.poll()
    assert workspace.store.events(kind="readiness.checked") == []
    assert workspace.snapshot().readiness is None
    fake_clock.set(datetime(2026, 11, 30, 8, 1, tzinfo=timezone.utc))  # the shift has started
    workspace.poll()
    runs = workspace.store.events(kind="readiness.checked")
    assert len(runs) == 1 and runs[0]["data"]["trigger"] == "shift start"
    summary = workspace.snapshot().readiness
    assert summary is not None
    assert summary.trigger == "shift start" and not summary.dismissed and summary.shows_notice
    assert summary.checked_at == datetime(2026, 11, 30, 8, 1, tzinfo=timezone.utc) and len(summary.items) == 7
    assert summary.problems == ("A backup covers this shift", "The app starts at login")
    assert summary.headline == "Pre-shift check: 2 problems — open the checklist"
    assert {r["key"]: r["ok"] for r in workspace.readiness.last()}["backup"] is False
    fake_clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc))
    workspace.poll()
    workspace.poll()
    assert len(workspace.store.events(kind="readiness.checked")) == 1  # once per shift, not per poll


def test_check_at_shift_start_never_stops_the_poll(workspace, fake_clock) -> None:
    _weekly_rota(workspace)

    def broken() -> int:
        raise RuntimeError("disk probe exploded")

    workspace.readiness.disk_free = broken  # OSError is handled by the item; anything else must not escape
    fake_clock.set(datetime(2026, 11, 30, 8, 1, tzinfo=timezone.utc))
    workspace.poll()
    failed = workspace.store.events(kind="readiness.auto_failed")
    assert len(failed) == 1 and failed[0]["data"]["problem"] == "disk probe exploded"
    assert [e["data"]["kind"] for e in workspace.store.events(kind="rotation.notice")] == ["start"]


def test_no_check_for_notices_other_than_a_start(workspace, fake_clock) -> None:
    _weekly_rota(workspace)
    fake_clock.set(datetime(2026, 11, 29, 9, tzinfo=timezone.utc))  # the 1-day advance notice
    workspace.poll()
    assert [e["data"]["kind"] for e in workspace.store.events(kind="rotation.notice")] == ["before"]
    assert workspace.store.events(kind="readiness.checked") == []


def test_dismissing_the_notice_lasts_until_the_next_run(workspace) -> None:
    from oncall_desktop.services.app.readiness import DISMISSED_SETTING

    readiness = _readiness(workspace, autostart_enabled=lambda: False)
    first = readiness.run()
    workspace.store.set_setting(DISMISSED_SETTING, first.to_json()["checked_at"])
    assert workspace.readiness.summary()["dismissed"] is True
    workspace.clock.advance(minutes=5)
    readiness.run()
    summary = workspace.readiness.summary()
    assert summary["dismissed"] is False and summary["trigger"] == "" and summary["failed"] == 2

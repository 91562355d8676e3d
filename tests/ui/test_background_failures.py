"""Background work on the app's real threads: failures surface, features recover, slow PSAs stall nothing.

Why the real runner: a failure handler handed to the GUI thread only runs
late on real threads; the synchronous runner used elsewhere runs it at once,
inside the ``except`` block, and so hid a handler that raised NameError and
left the poll, the page clock and the timer's heartbeat switched off.
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from oncall_desktop.ui.tasks import TaskRunner

WAIT_MS = 5000


def _opened(qtbot, controller) -> None:
    controller.start()
    qtbot.waitUntil(lambda: controller.snapshot is not None, timeout=WAIT_MS)


def _fails_once(real, message: str = "database is locked"):
    """``real`` with a first call that raises, as a 15 s write lock or a bad answer does."""
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError(message)
        return real(*args, **kwargs)

    return wrapper, calls


# --------------------------------------------------------------- the runner
def test_a_failed_job_reaches_its_handler_on_real_threads(qtbot) -> None:
    runner = TaskRunner()
    got: list[BaseException] = []
    try:
        runner.db(lambda: 1 / 0, on_error=got.append)
        runner.net(lambda: [][1], on_error=got.append)
        qtbot.waitUntil(lambda: len(got) == 2, timeout=WAIT_MS)
    finally:
        runner.shutdown()
    assert {type(e) for e in got} == {ZeroDivisionError, IndexError}


def test_a_raising_callback_is_logged_and_later_jobs_still_arrive(qtbot, caplog) -> None:
    runner = TaskRunner()
    got: list[int] = []

    def broken(_result: Any) -> None:
        raise ValueError("a view could not draw this")

    try:
        runner.db(lambda: 1, broken)
        runner.db(lambda: 2, got.append)
        qtbot.waitUntil(lambda: got == [2], timeout=WAIT_MS)
    finally:
        runner.shutdown()
    assert "a view could not draw this" in caplog.text


def test_on_store_runs_network_jobs_store_work_on_the_store_thread(qtbot) -> None:
    runner = TaskRunner()
    seen: dict[str, str] = {}

    def network_job() -> str:
        seen["net"] = threading.current_thread().name
        seen["store"] = runner.on_store(lambda: threading.current_thread().name)
        # nested: store work that itself asks for the store runs in place, it does not deadlock
        return str(runner.on_store(lambda: runner.on_store(lambda: "nested ok")))

    got: list[str] = []
    try:
        runner.db(lambda: None)  # the store thread exists, as in the app
        runner.net(network_job, got.append)
        qtbot.waitUntil(lambda: bool(got), timeout=WAIT_MS)
    finally:
        runner.shutdown()
    assert got == ["nested ok"]
    assert seen["net"].startswith("oncall_net") and seen["store"].startswith("oncall_db")


# ------------------------------------------------- each feature recovers
@pytest.fixture
def threaded(make_controller, qtbot):
    ctl = make_controller(threaded=True, settings={"first_poll_seconds": 3600})
    _opened(qtbot, ctl)
    return ctl


def test_a_failed_poll_is_said_and_the_next_poll_runs(qtbot, threaded) -> None:
    ctl = threaded
    errors: list[str] = []
    ctl.sig_error.connect(errors.append)
    ctl.ws.poll_and_snapshot, calls = _fails_once(ctl.ws.poll_and_snapshot)
    ctl.check_now()
    qtbot.waitUntil(lambda: "poll" in ctl.troubles, timeout=WAIT_MS)
    assert not ctl._polling
    assert any("Checking the ticket system failed: database is locked" in e for e in errors)
    ctl.check_now()  # the feature is not switched off: the next poll runs and clears the trouble
    qtbot.waitUntil(lambda: calls["n"] == 2 and "poll" not in ctl.troubles, timeout=WAIT_MS)
    assert ctl.snapshot.pages, "the second poll opened the demo's pages"


def test_the_failed_poll_is_retried_by_the_timer(qtbot, threaded) -> None:
    ctl = threaded
    ctl.ws.poll_and_snapshot, calls = _fails_once(ctl.ws.poll_and_snapshot)
    ctl._poll_seconds = 1  # the retry after a failure comes at most one interval later
    ctl.check_now()
    qtbot.waitUntil(lambda: calls["n"] >= 2 and not ctl.troubles, timeout=WAIT_MS)


def test_a_failed_clock_tick_recovers_on_the_next_second(qtbot, threaded) -> None:
    ctl = threaded
    service = ctl.ws.clock_service
    service.tick, calls = _fails_once(service.tick)
    troubles: list[dict[str, str]] = []
    ctl.sig_troubles.connect(troubles.append)
    ctl.tick_clock()
    qtbot.waitUntil(lambda: "clock" in ctl.troubles, timeout=WAIT_MS)
    assert "The page clock failed" in ctl.troubles["clock"]
    ctl.tick_clock()
    qtbot.waitUntil(lambda: calls["n"] == 2 and "clock" not in ctl.troubles, timeout=WAIT_MS)
    assert troubles[-1] == {}


def test_a_failed_heartbeat_recovers(qtbot, threaded) -> None:
    ctl = threaded
    ctl.check_now()
    qtbot.waitUntil(lambda: bool(ctl.snapshot and ctl.snapshot.pages), timeout=WAIT_MS)
    ctl.toggle_timer(ctl.snapshot.pages[0].id)
    qtbot.waitUntil(lambda: ctl.snapshot.timer is not None and ctl.snapshot.timer.state == "running", timeout=WAIT_MS)
    timers = ctl.ws.timers
    timers.heartbeat, calls = _fails_once(timers.heartbeat)
    ctl.beat_timer()
    qtbot.waitUntil(lambda: "heartbeat" in ctl.troubles, timeout=WAIT_MS)
    ctl.beat_timer()
    qtbot.waitUntil(lambda: calls["n"] == 2 and "heartbeat" not in ctl.troubles, timeout=WAIT_MS)


def test_test_connection_failure_reaches_the_dialog_and_it_can_test_again(qtbot, threaded) -> None:
    from oncall_desktop.ui.settings.connection_dialog import ConnectionDialog

    ctl = threaded
    dialog = ConnectionDialog(ctl)
    qtbot.addWidget(dialog)
    blank = dialog._stored
    qtbot.waitUntil(lambda: dialog._stored is not blank, timeout=WAIT_MS)  # the stored connection is in the form
    ctl.ws.test_connection, calls = _fails_once(ctl.ws.test_connection, "wrong API key")
    dialog.test()
    qtbot.waitUntil(lambda: "wrong API key" in dialog.outcome.text(), timeout=WAIT_MS)
    assert dialog.test_button.isEnabled()
    dialog.test()
    qtbot.waitUntil(lambda: calls["n"] == 2 and dialog.outcome.text().startswith("✓"), timeout=WAIT_MS)


# ------------------------------------------ a PSA that trickles bytes
class TrickleServer:
    """Answers every request with headers, then one byte of body every ``pause`` seconds, forever."""

    def __init__(self, pause: float = 0.5) -> None:
        self.pause = pause
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            self.requests += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            while not self.stopped.wait(self.pause):
                try:
                    conn.sendall(b" ")
                except OSError:
                    return

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


def test_acknowledging_while_the_psa_trickles_bytes_takes_under_200_ms(qtbot, threaded) -> None:
    ctl = threaded
    ctl.check_now()  # the demo's local book opens pages
    qtbot.waitUntil(lambda: bool(ctl.snapshot and ctl.snapshot.pages) and not ctl._polling, timeout=WAIT_MS)
    page = next(p for p in ctl.snapshot.pages if p.state == "pending")
    server = TrickleServer()
    try:
        done: list[Any] = []
        ctl.act(lambda ws: ws.connect("redmine", url=f"http://127.0.0.1:{server.port}", secret="k"),
                done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
        ctl.check_now()
        qtbot.waitUntil(lambda: server.requests >= 1, timeout=WAIT_MS)
        time.sleep(0.3)
        assert ctl._polling, "the poll is stuck in the trickling answer"
        started = time.monotonic()
        ctl.acknowledge(page.id)

        def acknowledged() -> bool:
            return any(p.id == page.id and p.state == "acknowledged" for p in ctl.snapshot.pages)

        qtbot.waitUntil(acknowledged, timeout=WAIT_MS)
        elapsed = time.monotonic() - started
        assert ctl._polling, "the ack did not wait for the poll to end"
        assert elapsed < 0.2, f"acknowledging took {elapsed * 1000:.0f} ms while the PSA trickled bytes"
    finally:
        server.close()


def test_a_team_pack_download_that_trickles_does_not_hold_an_acknowledgement(qtbot, threaded) -> None:
    from oncall_desktop.ui.settings.settings_team import TeamPage

    ctl = threaded
    ctl.check_now()
    qtbot.waitUntil(lambda: bool(ctl.snapshot and ctl.snapshot.pages) and not ctl._polling, timeout=WAIT_MS)
    page = next(p for p in ctl.snapshot.pages if p.state == "pending")
    team = TeamPage(ctl)
    qtbot.addWidget(team)
    server = TrickleServer()
    try:
        team.pack_source.setText(f"http://127.0.0.1:{server.port}/pack.zip")
        team.sync_now()
        qtbot.waitUntil(lambda: server.requests >= 1, timeout=WAIT_MS)
        started = time.monotonic()
        ctl.acknowledge(page.id)
        qtbot.waitUntil(lambda: any(p.id == page.id and p.state == "acknowledged"
                                    for p in ctl.snapshot.pages), timeout=WAIT_MS)
        elapsed = time.monotonic() - started
        assert not team.sync_button.isEnabled(), "the download is still trickling"
        assert elapsed < 0.2, f"acknowledging took {elapsed * 1000:.0f} ms during a team-pack download"
    finally:
        server.close()


def test_a_calendar_link_that_trickles_does_not_hold_an_acknowledgement(qtbot, threaded, monkeypatch) -> None:
    from oncall_desktop.ui.rotation.rotation_tab import RotationTab

    ctl = threaded
    ctl.check_now()
    qtbot.waitUntil(lambda: bool(ctl.snapshot and ctl.snapshot.pages) and not ctl._polling, timeout=WAIT_MS)
    page = next(p for p in ctl.snapshot.pages if p.state == "pending")
    tab = RotationTab(ctl)
    qtbot.addWidget(tab)
    tab.update_snapshot(ctl.snapshot)
    monkeypatch.setattr(tab, "ask_import_person", lambda me: "")  # the dialog's first choice
    server = TrickleServer()
    try:
        tab._import(f"http://127.0.0.1:{server.port}/oncall.ics")
        qtbot.waitUntil(lambda: server.requests >= 1, timeout=WAIT_MS)
        started = time.monotonic()
        ctl.acknowledge(page.id)
        qtbot.waitUntil(lambda: any(p.id == page.id and p.state == "acknowledged"
                                    for p in ctl.snapshot.pages), timeout=WAIT_MS)
        elapsed = time.monotonic() - started
        assert elapsed < 0.2, f"acknowledging took {elapsed * 1000:.0f} ms during a calendar download"
    finally:
        server.close()

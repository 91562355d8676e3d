"""What the app says about itself: ticket system unreachable, a feature failing, a crash before this run."""
from __future__ import annotations

from dataclasses import replace

from oncall_desktop.services.app import last_run
from oncall_desktop.services.app.view_model import PageView, Snapshot
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.tray import TrayController, tray_state
from oncall_desktop.ui.widgets.icons import TrayState


def test_on_call_and_unreachable_is_its_own_tray_state() -> None:
    offline = Snapshot(pages=(), me_on_call=True, offline_since="02:10")
    pending = PageView(id=1, ticket="local:1", state="pending", level=1, person="", severity="P2", reason="",
                       created="2026-01-01T00:00:00Z", client="Acme Dental", title="Server down")
    assert tray_state(offline) == (TrayState.OFFLINE, 0)
    assert tray_state(replace(offline, me_on_call=False)) == (TrayState.OFF_CALL, 0)  # not my night: no alarm
    assert tray_state(replace(offline, pages=(pending,))) == (TrayState.PAGES, 1)  # pages come first


def test_a_failing_feature_is_shown_in_the_window_and_tray_until_it_works(qtbot, controller) -> None:
    controller.start()
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    tray = TrayController(controller, lambda: None, lambda: None)
    controller._trouble("clock", RuntimeError("database is locked"))
    assert window.notice.isVisibleTo(window)
    assert "The page clock failed: database is locked; trying again" in window.notice.text()
    assert "The page clock failed" in tray.icon.toolTip()
    controller._recovered("clock")
    assert "page clock" not in window.notice.text()
    assert "page clock" not in tray.icon.toolTip()


def test_after_a_crash_the_first_poll_says_when_it_stopped_and_pages_again(make_controller, fake_clock,
                                                                           recorder, qtbot) -> None:
    first = make_controller(start=True)
    first.check_now()
    waiting = [p for p in first.snapshot.pages if p.state in ("pending", "escalated")]
    assert waiting
    last_run.beat(first.ws.store, fake_clock.now(), run_id=first.run_id)
    first.ws.close()  # the process dies: no clean exit is written
    first.ws = None
    first.runner.shutdown()
    fake_clock.advance(minutes=40)
    recorder.sent.clear()

    second = make_controller(seed=lambda ws: None, start=False)  # the restarted process: another run
    notices: list[tuple[str, str]] = []
    second.sig_notice.connect(lambda key, text: notices.append((key, text)))
    second.start()
    second.check_now()
    assert notices and notices[0][0] == "unclean-exit"
    assert "stopped unexpectedly at" in notices[0][1] and "page" in notices[0][1]
    titles = [n.title for n in recorder.sent]
    assert "oncall-desktop was not running" in titles
    again = [n for n in recorder.sent if n.page_id is not None]
    assert {n.page_id for n in again} >= {p.id for p in waiting if p.person == second.ws.me}
    assert any(e["kind"] == "app.unclean_report" for e in second.ws.store.events())


def test_a_clean_quit_is_not_reported_as_a_crash(make_controller, fake_clock, recorder) -> None:
    first = make_controller(start=True)
    first.check_now()
    first.shutdown()
    second = make_controller(seed=lambda ws: None)
    notices: list[tuple[str, str]] = []
    second.sig_notice.connect(lambda key, text: notices.append((key, text)))
    second.start()
    second.check_now()
    assert notices == []

"""Only the views whose parts changed redraw, and the countdowns tick with no new snapshot.

Real widgets on the demo workspace (offscreen), the app's controller with the
synchronous runner, and a fake clock the tests move by hand.
"""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from oncall_desktop.services.app.now import local_stamp
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.now.now_tab import NowTab
from oncall_desktop.ui.rotation.rotation_tab import RotationTab
from oncall_desktop.ui.runbooks.runbooks_tab import RunbooksTab
from oncall_desktop.ui.settings.settings_tab import SettingsTab
from oncall_desktop.ui.time.time_tab import TimeTab
from oncall_desktop.ui.tray import TrayController

VIEWS = {"now": NowTab, "rotation": RotationTab, "runbooks": RunbooksTab, "time": TimeTab, "settings": SettingsTab,
         "tray": TrayController}


@pytest.fixture
def redraws(monkeypatch) -> Counter[str]:
    """How many times each view redrew (its drawing method), counted from the moment the test says."""
    counts: Counter[str] = Counter()
    for name, view in VIEWS.items():
        method = "update" if view is TrayController else "update_snapshot"
        real = getattr(view, method)

        def counted(self, *args, _real=real, _name=name, **kwargs):
            counts[_name] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(view, method, counted)
    return counts


@pytest.fixture
def app(qtbot, make_controller, fake_clock, redraws):
    """The window (Now tab in front) and the tray on the demo after its first poll; counts start at zero."""
    # the tests poll by hand: the app's own first poll (2 s after start, in real time) must not come between
    controller = make_controller(settings={"demo_feed": False, "first_poll_seconds": 3600}, start=True)
    controller.check_now()
    window = MainWindow(controller, hide_on_close=False)
    window.now_tab.now_fn = window.time_tab.now_fn = fake_clock.now
    qtbot.addWidget(window)
    window.show()
    tray = TrayController(controller, lambda: None, lambda: None)
    emitted: list[frozenset[str]] = []
    controller.sig_snapshot.connect(lambda _snapshot, parts: emitted.append(parts))
    redraws.clear()
    return controller, window, tray, emitted


def test_a_poll_that_brings_nothing_redraws_no_tab(app, redraws, fake_clock) -> None:
    controller, window, _tray, emitted = app
    fake_clock.advance(seconds=60)  # the next poll, a minute on: nothing new in the ticket system
    controller.check_now()
    assert emitted == [frozenset({"last_poll_local"})]  # only "Last checked …" moved
    assert redraws == Counter()
    assert window.statusBar().currentMessage() == f"Last checked {controller.snapshot.last_poll_local}"
    controller.check_now()  # and again at the same instant: not even that
    assert emitted == [frozenset({"last_poll_local"})] and redraws == Counter()


def test_a_timer_toggle_redraws_the_timer_views_not_the_rotation_tab(app, redraws) -> None:
    controller, window, tray, emitted = app
    controller.toggle_timer(controller.snapshot.pages[0].id)
    assert emitted and {"timer"} <= emitted[-1] and not emitted[-1] & {"rotation", "on_call", "runbooks", "settings"}
    assert redraws["now"] == redraws["time"] == redraws["tray"] == 1
    assert redraws["rotation"] == redraws["runbooks"] == redraws["settings"] == 0
    assert window.now_tab.timer_button.text() == "Stop ti&mer" and tray.action_timer.text() == "Stop timer"
    assert window.time_tab.ticket.text().startswith("local:1 · Acme Dental")


def test_acknowledging_redraws_the_page_views_only(app, redraws) -> None:
    controller, window, tray, emitted = app
    controller.acknowledge(controller.snapshot.pages[0].id)
    assert {"pages", "timer"} <= emitted[-1] and "rotation" not in emitted[-1]
    assert redraws["now"] == redraws["tray"] == redraws["runbooks"] == 1  # the walker shows the page's state
    assert redraws["rotation"] == redraws["settings"] == 0
    assert window.now_tab.table.item(0, 5).text() == "acknowledged"


def test_a_settings_save_redraws_settings_not_now_or_rotation(app, redraws) -> None:
    controller, window, _tray, emitted = app
    controller.set_setting("poll_seconds", 90)
    assert emitted == [frozenset({"settings"})]
    assert redraws == Counter({"settings": 1})
    assert window.settings_tab.poll.value() == 90


def test_the_ack_countdown_ticks_from_the_view_with_no_new_snapshot(qtbot, app, fake_clock, monkeypatch) -> None:
    controller, window, _tray, emitted = app
    built: list[int] = []
    real = Workspace.snapshot
    monkeypatch.setattr(Workspace, "snapshot", lambda ws: (built.append(1), real(ws))[1])
    due = window.now_tab.table.item(0, 0)
    sla = window.now_tab.table.item(0, 6)
    start, start_sla = due.text(), sla.text()
    fake_clock.advance(minutes=2, seconds=3)
    qtbot.waitUntil(lambda: due.text() != start, timeout=3000)  # the tab's own timer, in real time
    minutes, seconds = map(int, start.split(":"))
    left = timedelta(minutes=minutes, seconds=seconds) - timedelta(minutes=2, seconds=3)
    assert due.text() == f"{left.seconds // 60:02d}:{left.seconds % 60:02d}"
    assert sla.text() != start_sla and sla.text().startswith("response ")
    assert emitted == [] and built == []  # nothing rebuilt, nothing re-sent
    window.hide()
    assert not window.now_tab.ticker.running  # a window in the tray costs no ticks


def test_the_running_timer_ticks_from_the_view_with_no_new_snapshot(qtbot, app, fake_clock) -> None:
    controller, window, _tray, emitted = app
    window.tabs.setCurrentWidget(window.time_tab)
    controller.toggle_timer(controller.snapshot.pages[0].id)
    assert window.time_tab.clock.text() == "0:00:00" and window.time_tab.ticker.running
    emitted.clear()
    fake_clock.advance(seconds=75)
    qtbot.waitUntil(lambda: window.time_tab.clock.text() == "0:01:15", timeout=3000)
    assert emitted == []
    controller.act(lambda ws: ws.timers.pause())
    assert window.time_tab.clock.text() == "0:01:15  (paused)" and not window.time_tab.ticker.running


def test_a_team_pack_found_unchanged_redraws_no_tab(app, redraws, fake_clock, tmp_path) -> None:
    """The Runbooks footer shows the pack and when it was accepted, not when its source last answered."""
    controller, window, _tray, emitted = app
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "pack.toml").write_text('name = "Northwind runbooks"\nversion = "2026.11.1"\n', encoding="utf-8")
    controller.act(lambda ws: ws.team_pack.sync(str(folder)))
    assert "runbooks" in emitted[-1]
    synced = local_stamp(fake_clock.now())
    assert window.runbooks_tab.pack_label.text() == f"Team pack Northwind runbooks 2026.11.1 · synced {synced}"
    emitted.clear()
    redraws.clear()
    fake_clock.advance(hours=1)
    controller.act(lambda ws: ws.team_pack.sync())  # the source answers: same pack, checked an hour later
    assert controller.ws.team_pack.status().checked_at != controller.ws.team_pack.status().synced_at
    assert not any("runbooks" in parts for parts in emitted) and redraws["runbooks"] == 0

"""The window's countdowns and timer follow the app's clock, not the wall clock.

Why: started with ONCALL_FAKE_NOW (demos, the night-call e2e test) the
workspace lives at another instant; a countdown computed from the real clock
would show "-97:00" on a page that has 15 minutes left.
"""
from __future__ import annotations

from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.tasks import TaskRunner


def test_now_and_time_tabs_count_from_the_controllers_clock(qtbot, workspace_dir, fake_clock) -> None:
    controller = AppController(workspace_dir, runner=TaskRunner(synchronous=True), clock=fake_clock)
    window = MainWindow(controller)
    qtbot.addWidget(window)
    try:
        assert controller.now() == fake_clock.now()
        assert window.now_tab.now_fn() == fake_clock.now()
        assert window.time_tab.now_fn() == fake_clock.now()
        fake_clock.advance(minutes=5)
        assert window.now_tab.now_fn() == fake_clock.now() == window.time_tab.now_fn()
    finally:
        controller.shutdown()

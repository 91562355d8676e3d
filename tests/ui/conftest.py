"""The UI tests' controller: an AppController on a workspace seeded before the controller opens it.

Every widget test needs the same start: seed a temporary workspace (usually the demo), close it,
then let a synchronous controller open it the way the app does, with notifications going to the
test's ``recorder`` instead of the desktop. ``make_controller`` does that once; the ways the
copies used to differ (what is seeded, a few settings, whether it is already started) are its
parameters.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from oncall_desktop.services.app.view_model import Snapshot
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.services.paging.notifier import Notifier
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.tasks import TaskRunner

MakeController = Callable[..., AppController]


@pytest.fixture
def make_controller(qtbot, workspace_dir, fake_clock, recorder) -> Iterator[MakeController]:
    made: list[AppController] = []

    def make(*, seed: Callable[[Workspace], Any] = seed_demo, settings: dict[str, Any] | None = None,
             start: bool = False, threaded: bool = False) -> AppController:
        """``seed`` fills the workspace, then ``settings`` are stored; ``start`` opens it at once.

        ``threaded``: the app's real task runner (store thread + network pool) instead of the
        synchronous one, for tests of what only threads show.
        """
        ws = Workspace(workspace_dir, fake_clock, notifier=Notifier(backends=[recorder]))
        seed(ws)
        for key, value in (settings or {}).items():
            ws.store.set_setting(key, value)
        ws.close()
        ctl = AppController(workspace_dir, runner=TaskRunner(synchronous=not threaded), clock=fake_clock)
        opener = ctl._open

        def _open() -> Snapshot:
            # the controller opens its own workspace: give that one the recording notifier too
            snapshot = opener()
            ctl.ws.notifier = Notifier(backends=[recorder])
            return snapshot

        ctl._open = _open  # type: ignore[method-assign]
        made.append(ctl)
        if start:
            ctl.start()
        return ctl

    yield make
    for ctl in made:
        ctl.shutdown()


@pytest.fixture
def controller(make_controller: MakeController) -> AppController:
    """The demo workspace, not started yet (tests that build a window start it)."""
    return make_controller()


@pytest.fixture
def insights_tab(qtbot, make_controller):
    """The Insights tab on the demo workspace with its past month, showing the fake clock's month."""
    from datetime import date

    from oncall_desktop.services.demo.demo_history import seed_history
    from oncall_desktop.ui.insights.insights_tab import InsightsTab

    def seed(ws: Workspace) -> None:
        seed_demo(ws)
        assert seed_history(ws) > 40

    widget = InsightsTab(make_controller(seed=seed, start=True))
    widget.resize(1200, 900)
    qtbot.addWidget(widget)
    # the fake clock's month, not the machine's
    widget.preset.setCurrentIndex(widget.preset.findText("Custom"))
    widget.start_edit.setDate(date(2026, 10, 27))
    widget.end_edit.setDate(date(2026, 11, 25))
    return widget

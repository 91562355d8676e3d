"""The installed PySide6 must not lose references to None (6.12.0 did: the app aborted on 3.11)."""
from __future__ import annotations

import ctypes
import sys
from dataclasses import replace

import pytest

from oncall_desktop.services.app.view_model import PARTS
from oncall_desktop.ui.platform import qt_probe

_kept: list[None] = []
immortal = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")


def _lost_per_call(call, calls: int = 200) -> float:
    call()
    before = sys.getrefcount(None)
    for _ in range(calls):
        call()
    return (before - sys.getrefcount(None)) / calls


def _change_per_step(step, *, warm: int, steps: int) -> float:
    """References to None gained or lost per step, after ``warm`` steps to fill caches."""
    import gc

    step(warm)
    gc.collect()
    before = sys.getrefcount(None)
    step(steps)
    gc.collect()
    return abs(sys.getrefcount(None) - before) / steps


@immortal
def test_void_widget_calls_keep_none_alive(qtbot) -> None:
    from PySide6.QtWidgets import QApplication, QLabel

    label = QLabel()
    qtbot.addWidget(label)
    # the calls the Now tab makes dozens of times a second
    assert _lost_per_call(lambda: label.setText("14:39 left")) == 0
    assert _lost_per_call(lambda: label.setEnabled(True)) == 0
    assert _lost_per_call(QApplication.processEvents) == 0


@immortal
def test_probe_passes_on_the_installed_release() -> None:
    result = qt_probe.measure()
    assert result.measurable
    assert result.lost_per_call == 0
    assert result.ok
    assert "0 lost per Qt call" in result.sentence()


@immortal
def test_probe_sees_a_leaking_call_and_gives_the_references_back() -> None:
    decref = ctypes.pythonapi.Py_DecRef
    decref.argtypes = [ctypes.py_object]
    before = sys.getrefcount(None)
    result = qt_probe.measure(calls=50, call=lambda: decref(None))
    assert result.lost_per_call == pytest.approx(1.0)
    assert not result.ok
    assert "would abort within minutes" in result.sentence()
    # the probe took 51 references and handed back the 50 it counted: nothing leaks for good
    _kept.append(None)  # and the test gives back the warm-up call's
    assert sys.getrefcount(None) >= before


@immortal
def test_the_window_redrawing_each_second_keeps_none_flat(qtbot, make_controller, fake_clock) -> None:
    """The countdowns move every second all night: not one reference to None gained or lost per second.

    Each second the controller ticks the page clock and the views tick their
    countdowns (the Now tab's two columns, the Time tab's big clock).
    """
    from PySide6.QtWidgets import QApplication

    from oncall_desktop.ui.main_window import MainWindow

    controller = make_controller(start=True)
    controller.check_now()
    assert controller.snapshot is not None and controller.snapshot.pages
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    window.show()
    controller.toggle_timer(controller.snapshot.pages[0].id)
    assert window.now_tab.ticker.running and controller.snapshot.timer is not None

    def seconds(n: int) -> None:
        for _ in range(n):
            fake_clock.advance(seconds=1)
            controller._tick()
            window.now_tab.tick()
            window.time_tab.tick()
            QApplication.processEvents()

    assert _change_per_step(seconds, warm=20, steps=200) < 0.5


@immortal
def test_every_view_redrawn_from_fresh_snapshots_keeps_none_flat(qtbot, make_controller, fake_clock) -> None:
    """Each step sends a fresh snapshot with every part marked changed: every tab redraws its tables.

    Putting new items into the cells on each redraw kept one reference to
    None per item and method (PySide 6.11): 48 per poll on the demo's
    Rotation tab alone, 13,000 an hour in the soak.
    """
    from PySide6.QtWidgets import QApplication

    from oncall_desktop.ui.main_window import MainWindow

    controller = make_controller(start=True)
    controller.check_now()
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    window.show()
    assert controller.snapshot is not None and controller.snapshot.rotation.shifts and controller.snapshot.me

    def polls(n: int) -> None:
        for _ in range(n):
            fake_clock.advance(seconds=1)
            controller.act(lambda ws: None)
            controller.sig_snapshot.emit(controller.snapshot, PARTS)  # as if every part changed: all views redraw
            QApplication.processEvents()

    assert _change_per_step(polls, warm=5, steps=40) < 1


def _now_tab(qtbot, make_controller):
    """A Now tab on the demo workspace, its snapshot, and one open page to copy."""
    from oncall_desktop.ui.now.now_tab import NowTab

    controller = make_controller(start=True)
    controller.check_now()
    snapshot = controller.snapshot
    template = next(p for p in snapshot.pages if p.state != "resolved")
    tab = NowTab(controller, now_fn=controller.now)
    qtbot.addWidget(tab)
    return tab, snapshot, template


@immortal
def test_pages_coming_and_going_keep_none_flat(qtbot, make_controller) -> None:
    """A night's list moves by one page at a time (one resolved, one opened): the rows are reused.

    Shrinking the table deleted the last row's items and growing it made new
    ones: about 20 references to None a page, 1,400 an hour in the soak.
    """
    from PySide6.QtWidgets import QApplication

    tab, snapshot, template = _now_tab(qtbot, make_controller)
    tab.show()
    turn = [0]

    def nights(n: int) -> None:
        for _ in range(n):
            first = turn[0]
            turn[0] += 1
            count = 6 if first % 2 else 5  # resolved ones leave the list, new ones arrive
            pages = tuple(replace(template, id=1000 + i, title=f"ticket {i}") for i in range(first, first + count))
            tab.update_snapshot(replace(snapshot, pages=pages))
            QApplication.processEvents()

    assert _change_per_step(nights, warm=4, steps=40) < 1
    assert tab.table.rowCount() == 6  # bounded by the longest list shown
    visible = [r for r in range(tab.table.rowCount()) if not tab.table.isRowHidden(r)]
    assert len(visible) == len(tab.pages)


@immortal
def test_a_hidden_row_leaves_the_selection(qtbot, make_controller) -> None:
    tab, snapshot, template = _now_tab(qtbot, make_controller)
    pages = tuple(replace(template, id=2000 + i, title=f"ticket {i}") for i in range(3))
    tab.update_snapshot(replace(snapshot, pages=pages))
    last = tab.pages[-1].id
    tab._select_id(last)
    assert tab.selected_page_id() == last
    tab.update_snapshot(replace(snapshot, pages=tuple(p for p in pages if p.id != last)))  # resolved elsewhere
    assert tab.selected_page_id() in {p.id for p in tab.pages}  # the next page, not a hidden row

"""The Now tab and tray on the ack clock: real buttons, a fake clock, a real temporary workspace."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from oncall_desktop.services.app.view_model import PageView, SlaView
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.now.now_tab import SLA_COLUMN, sla_left
from oncall_desktop.ui.tray import TrayController
from oncall_desktop.ui.widgets.icons import TrayState
from oncall_desktop.ui.widgets.table_cells import visible_rows

OPENED = datetime(2026, 11, 25, 22, 10, tzinfo=timezone.utc)


@pytest.fixture
def controller(make_controller):
    return make_controller(settings={"demo_feed": False, "time_zone": "UTC"})


@pytest.fixture
def window(qtbot, controller, fake_clock) -> MainWindow:
    w = MainWindow(controller, hide_on_close=False)
    w.now_tab.now_fn = fake_clock.now
    qtbot.addWidget(w)
    controller.start()
    controller.check_now()
    w.now_tab.table.selectRow(0)
    return w


def _cell(window: MainWindow, col: int, row: int = 0) -> str:
    return window.now_tab.table.item(row, col).text()


def test_countdown_turns_amber_then_red_with_the_fake_clock(window, controller, fake_clock) -> None:
    assert _cell(window, 0) == "15:00" and _cell(window, SLA_COLUMN) == "response 1h 00m"
    fake_clock.set(OPENED + timedelta(minutes=9, seconds=59))
    window.now_tab.update_snapshot(controller.snapshot)
    cell = window.now_tab.table.item(0, 0)
    assert cell.text() == "05:01" and cell.background().style() == Qt.BrushStyle.NoBrush
    fake_clock.set(OPENED + timedelta(minutes=10))
    window.now_tab.update_snapshot(controller.snapshot)
    cell = window.now_tab.table.item(0, 0)
    assert cell.text() == "05:00" and cell.background().color().name() == "#f2a600"
    fake_clock.set(OPENED + timedelta(minutes=14))
    window.now_tab.update_snapshot(controller.snapshot)
    cell = window.now_tab.table.item(0, 0)
    assert cell.text() == "01:00" and cell.background().color().name() == "#d93025"


def test_enter_acknowledges_and_the_sla_column_switches_to_resolution(qtbot, window, controller) -> None:
    window.show()
    window.now_tab.table.setFocus()
    qtbot.keyClick(window.now_tab.table, Qt.Key.Key_Return)
    assert controller.snapshot.pages[0].state == "acknowledged"
    assert _cell(window, 0) == "—" and _cell(window, SLA_COLUMN) == "resolution 4h 00m"
    assert not window.now_tab.ack_button.isEnabled() and not window.now_tab.snooze_button.isEnabled()
    assert controller.snapshot.timer.ticket_id == "local:1"  # acknowledging starts the work timer


def test_escalate_now_button_moves_the_page_to_the_backup(qtbot, window, controller) -> None:
    qtbot.mouseClick(window.now_tab.escalate_button, Qt.MouseButton.LeftButton)
    page = controller.snapshot.pages[0]
    assert (page.state, page.level, page.person) == ("escalated", 2, "Chloé Martin")
    assert _cell(window, 5) == "escalated (level 2) · Chloé Martin"
    rows = controller.ws.outbox.rows("local:1")
    assert [r.payload["text"] for r in rows if r.kind == "note"] == ["Escalated by Ana Souza to Chloé Martin (level 2) at 22:10"]
    assert [r.payload["person"] for r in rows if r.kind == "assign"] == ["Chloé Martin"]  # the ticket follows


def test_snooze_menu_quiets_reminders_but_keeps_the_deadline(window, controller) -> None:
    actions = window.now_tab.snooze_menu.actions()
    assert [a.text() for a in actions] == ["Reminders off for 5 min", "Reminders off for 10 min",
                                           "Reminders off for 15 min"]
    actions[2].trigger()
    state = controller.ws.pages.state(1)
    assert state.renotify_at == OPENED + timedelta(minutes=15)
    assert _cell(window, 0) == "15:00"


def test_open_triage_emits_the_signal_and_shows_runbooks(qtbot, window, controller) -> None:
    with qtbot.waitSignal(controller.sig_open_triage) as blocker:
        qtbot.mouseClick(window.now_tab.triage_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1, "after-hours-triage"]
    assert window.tabs.currentWidget() is window.runbooks_tab


def test_the_clock_tick_escalates_and_the_tab_follows(window, controller, fake_clock) -> None:
    fake_clock.set(OPENED + timedelta(minutes=31))
    fired = []
    controller.sig_clock_fired.connect(fired.append)
    controller.tick_clock()
    assert [f["level"] for f in fired[0]] == [2, 3]
    assert _cell(window, 5) == "escalated (level 3) · Erin Walsh"
    assert _cell(window, 0) == "14:00"  # the third window ends 22:55


def test_tray_count_and_ack_from_the_tray_updates_the_now_tab(window, controller) -> None:
    tray = TrayController(controller, lambda: None, lambda: None)
    tray.update(controller.snapshot)
    assert (tray.state, tray.count) == (TrayState.PAGES, 1)
    tip = tray.icon.toolTip()
    assert "1 page(s) waiting" in tip and "Next deadline" in tip and "Acme Dental" in tip
    tray.action_ack.trigger()
    assert tray.state is TrayState.ON_CALL
    assert _cell(window, 5) == "acknowledged"


def _page(sla: SlaView | None) -> PageView:
    return PageView(id=1, ticket="local:1", state="pending", level=1, person="", severity="P2", reason="",
                    created="2026-11-25T22:10:00Z", client="Acme Dental", title="Server down", sla=sla)


def test_sla_left_words() -> None:
    now = OPENED
    page = _page(SlaView("response", datetime(2026, 11, 25, 23, 40, tzinfo=timezone.utc)))
    assert sla_left(page, now) == ("response 1h 30m", 5400)
    page = _page(SlaView("response", datetime(2026, 11, 25, 22, 5, tzinfo=timezone.utc)))
    assert sla_left(page, now) == ("response missed by 5m", -300)
    assert sla_left(_page(SlaView("resolution", None, paused=True, remaining_minutes=42)), now) == (
        "resolution paused (42m left)", None)
    assert sla_left(_page(None), now) == ("—", None)


def test_no_action_needed_button_resolves_as_a_false_alarm(qtbot, window, controller) -> None:
    qtbot.mouseClick(window.now_tab.false_alarm_button, Qt.MouseButton.LeftButton)
    assert visible_rows(window.now_tab.table) == 0
    resolved = controller.ws.store.events(kind="page.resolved")
    assert resolved[-1]["data"]["outcome"] == "no action needed"
    assert resolved[-1]["data"]["verdict"] == "false_alarm"


def test_false_alarm_button_keeps_the_verdict_with_the_signals_that_paged(qtbot, window, controller) -> None:
    opened = controller.ws.store.events(kind="page.opened")[-1]["data"]
    assert opened["signals"], "the demo's first ticket pages on its words too"
    qtbot.mouseClick(window.now_tab.wrong_page_button, Qt.MouseButton.LeftButton)
    assert visible_rows(window.now_tab.table) == 0
    resolved = controller.ws.store.events(kind="page.resolved")[-1]["data"]
    assert (resolved["outcome"], resolved["verdict"]) == ("false alarm", "false_alarm")
    assert resolved["signals"] == opened["signals"] and resolved["client"] == opened["client"]

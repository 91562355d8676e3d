"""Shift dialogs clicked for real: maintenance, readiness, handoff write/read; suppression shown in Now."""
from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QDateTime, Qt

from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.shift.handoff_dialog import HandoffDialog, draft_to_text, text_to_fields
from oncall_desktop.ui.shift.maintenance_dialog import MaintenanceDialog
from oncall_desktop.ui.shift.readiness_dialog import ReadinessDialog


@pytest.fixture
def controller(make_controller):
    return make_controller(start=True)


def test_maintenance_dialog_adds_and_ends_a_window(qtbot, controller, fake_clock) -> None:
    now = fake_clock.now().astimezone()
    dialog = MaintenanceDialog(controller, now=now)
    qtbot.addWidget(dialog)
    dialog.clients.setText("Acme Dental")
    dialog.start.setDateTime(QDateTime(now - timedelta(minutes=5)))
    dialog.end.setDateTime(QDateTime(now + timedelta(hours=1)))
    dialog.note.setText("SQL patching")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert "Added" in dialog.status.text()
    assert dialog.list.count() == 1 and dialog.list.item(0).text().startswith("[active]")
    # the demo's Acme outage is now suppressed, and Now says so with the reason
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    controller.check_now()
    assert window.now_tab.table.rowCount() == 0
    assert "SQL patching" in window.now_tab.suppressed.text() and "Practice server down" in window.now_tab.suppressed.text()
    dialog.list.setCurrentRow(0)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert "page again" in dialog.status.text()
    assert dialog.list.item(0).text() == "No maintenance windows scheduled."


def test_maintenance_dialog_explains_bad_input(qtbot, controller) -> None:
    dialog = MaintenanceDialog(controller)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)  # no client, no system
    assert "at least one client or system" in dialog.status.text()


@pytest.mark.parametrize("saw_it", [True, False])
def test_readiness_dialog_sends_asks_and_shows_each_item(qtbot, controller, recorder, saw_it) -> None:
    dialog = ReadinessDialog(controller, ask=lambda: saw_it)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 7
    assert dialog.table.item(0, 0).text() == ("PASS" if saw_it else "FAIL")
    assert [n.title for n in recorder.sent].count("oncall-desktop readiness check") == 1  # sent once, not twice
    assert len(controller.ws.store.events(kind="readiness.checked")) == 1


def test_handoff_written_then_read_before_anything_else(qtbot, controller, fake_clock) -> None:
    dialog = HandoffDialog(controller, "write")
    qtbot.addWidget(dialog)
    assert dialog.draft is not None and "Open pages:" in dialog.text.toPlainText()
    dialog.text.setPlainText(dialog.text.toPlainText() + "Jo at Acme expects a call at 8.")
    qtbot.mouseClick(dialog.action, Qt.MouseButton.LeftButton)
    stored = controller.ws.handoffs.recent(1)[0]
    assert stored.handoff.notes == "Jo at Acme expects a call at 8." and stored.handoff.author == "Ana Souza"
    # next morning, on Ben's side: the window shows the handoff by itself
    controller.act(lambda ws: ws.store.set_setting("me", "Ben Okafor"))
    fake_clock.advance(hours=10)
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    window.show()
    controller.check_now()
    reader = window.shift_menu.dialog
    assert isinstance(reader, HandoffDialog) and reader.mode == "read"
    assert "Jo at Acme expects a call at 8." in reader.text.toPlainText()
    qtbot.mouseClick(reader.action, Qt.MouseButton.LeftButton)
    assert controller.ws.handoffs.recent(1)[0].read_by == "Ben Okafor"
    assert controller.snapshot.handoff_pending is None


def test_shift_menu_shortcuts_and_tray_entries(qtbot, controller) -> None:
    from oncall_desktop.ui.tray import TrayController

    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    assert window.shift_menu.actions["readiness"].shortcut().toString() == "Ctrl+Shift+K"
    opened = []
    tray = TrayController(controller, lambda: opened.append("window"), lambda: None)
    entry = next(a for a in tray.menu.actions() if a.text() == "Maintenance windows…")
    entry.trigger()
    assert opened == ["window"] and isinstance(window.shift_menu.dialog, MaintenanceDialog)


def test_edited_text_round_trips() -> None:
    from datetime import datetime, timezone

    from oncall_desktop.core.shift.handoff import Handoff

    h = Handoff(author="Ana", written_at=datetime(2026, 11, 26, tzinfo=timezone.utc), open_pages=("a", "b"),
                time_sensitive=("c",), notes="line one\nline two")
    assert text_to_fields(draft_to_text(h)) == {"open_pages": ("a", "b"), "time_sensitive": ("c",), "done": (),
                                               "notes": "line one\nline two"}

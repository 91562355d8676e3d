"""The snapshot carries runbook summaries only; the Runbooks tab fetches a body when it shows one."""
from __future__ import annotations

from dataclasses import fields
from zlib import crc32

import pytest
from PySide6.QtCore import Qt

from oncall_desktop.services.app.view_model import RunbookSummary
from oncall_desktop.ui.main_window import MainWindow


@pytest.fixture
def tab(qtbot, controller):
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    controller.start()
    return window.runbooks_tab


def _select(tab, runbook_id: str) -> None:
    row = next(i for i in range(tab.list.count()) if tab.list.item(i).data(Qt.ItemDataRole.UserRole) == runbook_id)
    tab.list.setCurrentRow(row)


def test_snapshot_has_summaries_and_a_body_fingerprint_not_bodies(tab, controller) -> None:
    runbooks = controller.snapshot.runbooks.runbooks
    assert len(runbooks) >= 12 and "body" not in {f.name for f in fields(RunbookSummary)}
    server = next(r for r in runbooks if r.id == "server-down")
    stored = controller.ws.runbooks.runbook("server-down")
    assert server == RunbookSummary(id="server-down", title=stored.title, tags=tuple(stored.tags), origin="bundled",
                                    body_crc=crc32(stored.body.encode()))


def test_selecting_a_runbook_shows_its_body_fetched_on_demand(qtbot, tab, controller) -> None:
    _select(tab, "dns-failure")
    body = controller.ws.runbooks.runbook("dns-failure").body
    first_line = next(line for line in body.splitlines() if line.strip() and not line.startswith("#"))
    assert first_line.strip()[:30] in tab.view.toPlainText()
    # an edited body (same summary fields apart from the fingerprint) is shown fresh, not from the cache
    text = controller.ws.runbooks.text_of("runbook", "dns-failure") + "\nChecked the forwarders twice.\n"
    controller.act(lambda ws: ws.runbooks.save("runbook", text))
    _select(tab, "server-down")
    _select(tab, "dns-failure")
    assert "Checked the forwarders twice." in tab.view.toPlainText()


def test_the_walk_outcome_shows_its_runbook_even_after_a_library_change(qtbot, tab, controller) -> None:
    tab.start_tree("after-hours-triage")
    walker = tab.walker
    qtbot.mouseClick(walker.answer_buttons[1], Qt.MouseButton.LeftButton)  # no security sign
    text = controller.ws.runbooks.text_of("runbook", "server-down") + "\nPing the hypervisor first.\n"
    controller.act(lambda ws: ws.runbooks.save("runbook", text))  # the library changes mid-walk
    with qtbot.waitSignal(walker.sig_finished):
        qtbot.mouseClick(walker.answer_buttons[0], Qt.MouseButton.LeftButton)  # production
        qtbot.mouseClick(walker.answer_buttons[0], Qt.MouseButton.LeftButton)  # down right now
    assert tab.stack.currentWidget() is walker
    assert "Server down" in walker.runbook_view.toPlainText()
    assert "Ping the hypervisor first." in walker.runbook_view.toPlainText()


def test_a_runbook_that_vanished_is_said_in_words(qtbot, tab, controller) -> None:
    errors: list[str] = []
    controller.sig_error.connect(errors.append)
    tab.show_runbook("no-such-runbook")
    assert errors == ["Runbook 'no-such-runbook' is not in the library."]

"""The walker and the Runbooks tab: real clicks and key presses, a real workspace behind the controller."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument

from oncall_desktop.services.runbooks.store import bundled_library
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.runbooks.tree_walker import SafeBrowser, TreeWalker
from oncall_desktop.ui.tray import TrayController


@pytest.fixture
def walker(qtbot) -> TreeWalker:
    library = bundled_library()
    widget = TreeWalker(lambda rid: library.runbooks[rid].body if rid in library.runbooks else None)
    qtbot.addWidget(widget)
    widget.resize(760, 620)
    widget.show()
    widget.start(library.trees["after-hours-triage"])
    return widget


def _window(qtbot, controller) -> MainWindow:
    window = MainWindow(controller, hide_on_close=False)
    qtbot.addWidget(window)
    controller.start()
    return window


def test_clicks_walk_to_an_outcome_with_breadcrumbs(qtbot, walker) -> None:
    assert walker.question.text() == "Does this look like a security incident?"
    assert len(walker.answer_buttons) == 2 and walker.answer_buttons[0].minimumHeight() >= 52
    assert walker.answer_buttons[1].text().startswith("2")
    qtbot.mouseClick(walker.answer_buttons[1], Qt.MouseButton.LeftButton)  # "no"
    assert walker.question.text() == "Is a production system affected, or one user?"
    assert "No sign of a security problem" in walker.crumbs.text()
    with qtbot.waitSignal(walker.sig_finished) as finished:
        qtbot.mouseClick(walker.answer_buttons[0], Qt.MouseButton.LeftButton)  # production
        qtbot.mouseClick(walker.answer_buttons[0], Qt.MouseButton.LeftButton)  # down right now
    result = finished.args[0]
    assert result.outcome.severity == "P1" and result.outcome.page is True
    assert walker.outcome.isVisible() and not walker.question.isVisible()
    assert "P1" in walker.outcome_title.text() and "Page now: yes" in walker.outcome_facts.text()
    assert "Server down" in walker.runbook_view.toPlainText()
    assert not walker.apply_button.isVisible()  # not opened from a page: nothing to apply


def test_keys_answer_go_back_and_restart(qtbot, walker) -> None:
    qtbot.keyClick(walker, Qt.Key.Key_2)
    qtbot.keyClick(walker, Qt.Key.Key_3)  # one user or one device
    assert [s.answer_key for s in walker.result.path] == ["no", "single-user"]
    qtbot.keyClick(walker, Qt.Key.Key_9)  # no 9th answer: ignored
    assert len(walker.answers) == 2
    qtbot.keyClick(walker, Qt.Key.Key_Backspace)
    assert walker.answers == ["no"] and walker.question.text().startswith("Is a production system")
    qtbot.mouseClick(walker.back_button, Qt.MouseButton.LeftButton)
    assert walker.answers == [] and not walker.back_button.isEnabled()
    qtbot.keyClick(walker, Qt.Key.Key_2)
    qtbot.keyClick(walker, Qt.Key.Key_1)
    qtbot.keyClick(walker, Qt.Key.Key_R)
    assert walker.answers == [] and walker.question.text() == "Does this look like a security incident?"


def test_breadcrumb_link_goes_back_to_that_question(qtbot, walker) -> None:
    for key in (Qt.Key.Key_2, Qt.Key.Key_1):
        qtbot.keyClick(walker, key)
    walker.crumbs.linkActivated.emit("step:1")
    assert walker.answers == ["no"]


def test_open_runbook_key_emits_the_outcome_runbook(qtbot, walker) -> None:
    for key in (Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_1):
        qtbot.keyClick(walker, key)
    with qtbot.waitSignal(walker.sig_open_runbook) as opened:
        qtbot.keyClick(walker, Qt.Key.Key_O)
    assert opened.args == ["server-down"]


def test_hostile_runbook_renders_inert_in_the_walker_view(qtbot) -> None:
    view = SafeBrowser()
    qtbot.addWidget(view)
    view.show_markdown("# Hi\n\n![x](http://evil.example/p.png)\n\n[click](javascript:alert(1))\n"
                       "<img src='https://evil.example/t.gif'><script>alert(1)</script>\n")
    view.show()
    view.grab()
    assert view.loadResource(int(QTextDocument.ResourceType.ImageResource), QUrl("http://evil.example/p.png")) is None
    assert not view.openExternalLinks() and not view.openLinks()
    view.anchorClicked.emit(QUrl("javascript:alert(1)"))  # as a click on the link would
    assert view.source().isEmpty()


def test_triage_from_a_page_records_the_walk_and_applies_the_outcome(qtbot, controller) -> None:
    window = _window(qtbot, controller)
    controller.check_now()
    page_id = controller.snapshot.pages[0].id
    tab = window.runbooks_tab
    controller.sig_open_triage.emit(page_id, "after-hours-triage")
    assert window.tabs.currentWidget() is tab and tab.stack.currentWidget() is tab.walker
    assert "Acme Dental" in tab.walker.context.text()
    for key in (Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_1):
        qtbot.keyClick(tab.walker, key)
    events = controller.ws.store.events(kind="tree.walked")
    assert events[-1]["data"]["page"] == page_id and events[-1]["data"]["answers"] == ["no", "production", "down"]
    assert tab.walker.apply_button.isVisible() and "set P1" in tab.walker.apply_button.text()
    qtbot.keyClick(tab.walker, Qt.Key.Key_Return)
    applied = controller.ws.store.events(kind="tree.applied")
    assert len(applied) == 1 and applied[0]["data"]["key"] == f"triage:{page_id}:after-hours-triage:no,production,down"
    assert tab.walker.applied_label.text().startswith("✓")
    qtbot.keyClick(tab.walker, Qt.Key.Key_Return)  # pressed twice: applied once
    assert len(controller.ws.store.events(kind="tree.applied")) == 1
    assert len(controller.ws.store.events(kind="tree.walked")) == 1


def test_search_as_you_type_is_typo_tolerant(qtbot, controller) -> None:
    window = _window(qtbot, controller)
    tab = window.runbooks_tab
    assert tab.list.count() >= 15  # 3 trees + the runbooks
    qtbot.keyClicks(tab.search, "ransomwear")
    qtbot.waitUntil(lambda: tab.list.count() > 0 and tab.list.item(0).data(Qt.ItemDataRole.UserRole)
                    == "ransomware-suspected", timeout=2000)
    assert "ransom" in tab.view.toPlainText().lower()
    tab.search.clear()
    qtbot.keyClicks(tab.search, "exchnage")
    qtbot.waitUntil(lambda: tab.list.item(0) is not None and tab.list.item(0).data(Qt.ItemDataRole.UserRole)
                    == "email-outage", timeout=2000)


def test_tree_item_starts_the_walker_with_enter(qtbot, controller) -> None:
    window = _window(qtbot, controller)
    tab = window.runbooks_tab
    tab.list.setCurrentRow(0)
    assert tab.list.currentItem().text().startswith("Triage · ")
    qtbot.mouseClick(tab.walk_button, Qt.MouseButton.LeftButton)
    assert tab.stack.currentWidget() is tab.walker and tab.walker.answer_buttons


def test_tray_find_runbook_opens_the_tab_with_search_focused(qtbot, controller) -> None:
    window = _window(qtbot, controller)
    window.tabs.setCurrentIndex(0)
    opened = []
    tray = TrayController(controller, lambda: (opened.append(1), window.show()), lambda: None)
    tray.action_find.trigger()
    assert opened == [1] and window.tabs.currentWidget() is window.runbooks_tab
    qtbot.waitUntil(lambda: window.runbooks_tab.search.hasFocus() or not window.isActiveWindow(), timeout=1000)
    assert window.runbooks_tab.search.selectedText() == window.runbooks_tab.search.text()


def test_a_library_change_does_not_interrupt_a_walk(qtbot, controller) -> None:
    window = _window(qtbot, controller)
    tab = window.runbooks_tab
    tab.start_tree("security-triage")
    qtbot.keyClick(tab.walker, Qt.Key.Key_1)
    answered = list(tab.walker.answers)
    text = controller.ws.runbooks.text_of("runbook", "dns-failure") + "\nLocal addition.\n"
    controller.act(lambda ws: ws.runbooks.save("runbook", text))
    changed = next(r for r in controller.snapshot.runbooks.runbooks if r.id == "dns-failure")  # summaries: no body
    assert changed.origin == "workspace" and "Local addition." in controller.ws.runbooks.runbook("dns-failure").body
    assert tab.stack.currentWidget() is tab.walker and tab.walker.answers == answered

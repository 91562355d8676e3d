"""Widget tests: real buttons clicked with qtbot against a real (temporary) workspace."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt

from oncall_desktop.services.app.view_model import PageView, Snapshot
from oncall_desktop.ui.main_window import MainWindow
from oncall_desktop.ui.now.now_tab import countdown
from oncall_desktop.ui.tray import TrayController, tooltip_text, tray_state
from oncall_desktop.ui.widgets.icons import TrayState, tray_pixmap
from oncall_desktop.ui.widgets.table_cells import visible_rows


def _window(qtbot, controller, fake_clock) -> MainWindow:
    window = MainWindow(controller, hide_on_close=False)
    window.now_tab.now_fn = fake_clock.now
    qtbot.addWidget(window)
    controller.start()
    return window


def test_tabs_and_demo_workspace_render(qtbot, controller, fake_clock) -> None:
    window = _window(qtbot, controller, fake_clock)
    titles = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert titles == ["Now", "Rotation", "Runbooks", "Time", "Insights", "Settings"]
    assert "Ana Souza" in window.now_tab.on_call.text()
    assert window.rotation_tab.table.rowCount() > 0
    assert visible_rows(window.now_tab.table) == 0 and window.now_tab.empty.isVisibleTo(window)


def test_check_now_pages_and_acknowledge_button(qtbot, controller, fake_clock, recorder) -> None:
    window = _window(qtbot, controller, fake_clock)
    qtbot.mouseClick(window.now_tab.check_button, Qt.MouseButton.LeftButton)
    assert visible_rows(window.now_tab.table) == 1
    assert "Practice server down" in window.now_tab.table.item(0, 2).text()
    assert recorder.sent and "Acme Dental" in recorder.sent[0].title
    window.now_tab.table.selectRow(0)
    qtbot.mouseClick(window.now_tab.ack_button, Qt.MouseButton.LeftButton)
    assert window.now_tab.table.item(0, 5).text() == "acknowledged"
    kinds = [e["kind"] for e in controller.ws.store.events()]
    assert "page.acknowledged" in kinds


def test_enter_acknowledges_selected_page(qtbot, controller, fake_clock) -> None:
    window = _window(qtbot, controller, fake_clock)
    window.show()
    controller.check_now()
    window.now_tab.table.selectRow(0)
    window.now_tab.table.setFocus()
    qtbot.keyClick(window.now_tab.table, Qt.Key.Key_Return)
    assert controller.snapshot.pages[0].state == "acknowledged"


def test_resolve_and_timer_buttons(qtbot, controller, fake_clock) -> None:
    window = _window(qtbot, controller, fake_clock)
    controller.check_now()
    window.now_tab.table.selectRow(0)
    qtbot.mouseClick(window.now_tab.timer_button, Qt.MouseButton.LeftButton)
    assert controller.snapshot.timer.client == "Acme Dental"
    fake_clock.advance(minutes=42)
    qtbot.mouseClick(window.now_tab.resolve_button, Qt.MouseButton.LeftButton)
    assert controller.snapshot.timer is None
    assert controller.snapshot.time.work[0].minutes == 42
    assert visible_rows(window.now_tab.table) == 0
    resolved = controller.ws.store.events(kind="page.resolved")[-1]["data"]
    assert (resolved["outcome"], resolved["verdict"]) == ("fixed", "needed")  # the tech's word, not the click's bool


def test_countdown_colours(qtbot, controller, fake_clock) -> None:
    window = _window(qtbot, controller, fake_clock)
    controller.check_now()
    cell = lambda: window.now_tab.table.item(0, 0)  # noqa: E731
    assert cell().text() == "15:00"
    fake_clock.advance(minutes=10, seconds=30)
    window.now_tab.update_snapshot(controller.snapshot)
    assert cell().text() == "04:30" and cell().background().color().name() == "#f2a600"
    fake_clock.advance(minutes=4)
    window.now_tab.update_snapshot(controller.snapshot)
    assert cell().text() == "00:30" and cell().background().color().name() == "#d93025"


def test_tray_state_count_and_menu_ack(qtbot, controller, fake_clock) -> None:
    opened = []
    tray = TrayController(controller, lambda: opened.append(1), lambda: None)
    controller.start()
    assert tray.state is TrayState.ON_CALL  # Ana is on call in the demo
    controller.check_now()
    assert (tray.state, tray.count) == (TrayState.PAGES, 1)
    assert "1 page(s) waiting" in tray.icon.toolTip()
    tray.action_ack.trigger()
    assert tray.state is TrayState.ON_CALL
    tray.action_open.trigger()
    assert opened == [1]


def page(page_id: int, state: str) -> PageView:
    """A page row as the snapshot carries it (only its state matters to the tray)."""
    return PageView(id=page_id, ticket=f"local:{page_id}", state=state, level=1, person="", severity="P2", reason="",
                    created="2026-01-01T00:00:00Z", client="Acme Dental", title="Server down")


def test_pure_helpers() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert countdown(now + timedelta(seconds=61), now) == ("01:01", 61)
    assert countdown(now - timedelta(seconds=5), now) == ("-00:05", -5)
    assert countdown(None, now) == ("—", None)
    assert tray_state(Snapshot(pages=(page(1, "pending"), page(2, "acknowledged")), me_on_call=True)) == (
        TrayState.PAGES, 1)
    assert tray_state(Snapshot(pages=(), me_on_call=False)) == (TrayState.OFF_CALL, 0)
    assert "Offline since 23:10" in tooltip_text(Snapshot(offline_since="23:10"))


def test_tray_icons_differ_and_are_not_blank(qapp) -> None:
    images = {s: tray_pixmap(s, 3).toImage() for s in TrayState}
    for image in images.values():
        assert image.pixelColor(32, 32).alpha() == 255
    assert len({images[s].pixelColor(20, 20).name() for s in TrayState}) == len(TrayState)


def test_runbooks_tab_lists_bundled_runbooks_and_renders_markdown(qtbot, controller, fake_clock) -> None:
    window = _window(qtbot, controller, fake_clock)
    tab = window.runbooks_tab
    assert tab.list.count() >= 12
    tab.filter.setText("ransom")
    visible = [tab.list.item(i) for i in range(tab.list.count()) if not tab.list.item(i).isHidden()]
    assert visible
    for item in visible:
        rb = tab.runbooks[item.data(Qt.ItemDataRole.UserRole)]
        assert "ransom" in (rb.title + " ".join(rb.tags)).lower()
    tab.list.setCurrentItem(visible[0])
    assert "ransom" in tab.view.toPlainText().lower()


def test_hostile_markdown_renders_inert(qtbot) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    from oncall_desktop.ui.runbooks.tree_walker import SafeBrowser

    view = SafeBrowser()
    qtbot.addWidget(view)
    view.document().setMarkdown("# Hi\n\n![x](http://evil.example/p.png)\n\n[click](javascript:alert(1))\n")
    view.show()
    view.grab()
    assert view.loadResource(int(QTextDocument.ResourceType.ImageResource), QUrl("http://evil.example/p.png")) is None
    assert not view.openExternalLinks() and not view.openLinks()
    assert view.source().isEmpty()


def test_alt_shortcuts_on_the_now_tab_are_unique(qtbot, controller, fake_clock) -> None:
    """A tired tech pressing Alt+letter must hit one thing, not cycle focus between several."""
    import re

    from PySide6.QtWidgets import QAbstractButton

    window = _window(qtbot, controller, fake_clock)
    texts = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    texts += [b.text() for b in window.now_tab.findChildren(QAbstractButton)]
    texts += [a.text() for a in window.menuBar().actions()]
    letters = [m.group(1).lower() for t in texts if (m := re.search(r"&([^&])", t))]
    assert len(letters) == len(set(letters)), sorted(letters)

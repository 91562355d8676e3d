"""The Rotation tab with qtbot: timeline painting, editor validation, swaps, calendars, fairness."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from oncall_desktop.core.rotation.model import Override
from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.ui.rotation.rotation_tab import RotationTab
from oncall_desktop.ui.rotation.rotation_timeline import MINE, OVERRIDE, RotationTimeline
from oncall_desktop.ui.rotation.schedule_editor import parse_restrictions, restrictions_text

UTC = timezone.utc
SAT = datetime(2026, 11, 28, 8, tzinfo=UTC)


def _seed(ws) -> None:
    seed_demo(ws)
    primary = ws.rotation.schedule("Primary")
    ws.rotation.save(primary.with_override(Override("Dev Patel", SAT, SAT + timedelta(days=1), "dentist")))


@pytest.fixture
def controller(make_controller):
    return make_controller(seed=_seed)


@pytest.fixture
def tab(qtbot, controller) -> RotationTab:
    widget = RotationTab(controller)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    controller.start()
    return widget


def _colours(image, rect) -> set[str]:
    r = rect.toRect()
    return {image.pixelColor(x, y).name() for x in range(r.left(), r.right(), 2) for y in range(r.top(), r.bottom(), 2)}


def test_timeline_paints_rows_overrides_and_my_shifts(qtbot, tab) -> None:
    assert tab.picker.currentText() == "Primary"  # the paging schedule, not its backup
    image = tab.timeline.grab().toImage()
    assert len({image.pixelColor(x, y).name() for x in range(0, image.width(), 7)
                for y in range(0, image.height(), 7)}) > 6  # not blank
    assert {r.name for r in tab.timeline.rows} == {"Primary", "Backup"}
    overrides = [b for b in tab.timeline.bars if b.override]
    assert [(b.person, b.schedule) for b in overrides] == [("Dev Patel", "Primary")]
    assert OVERRIDE.name() in _colours(image, overrides[0].rect)
    plain = next(b for b in tab.timeline.bars if not b.override and not b.mine)
    assert OVERRIDE.name() not in _colours(image, plain.rect)
    mine = [b for b in tab.timeline.bars if b.mine]
    assert mine and all(b.person == "Ana Souza" for b in mine)
    assert MINE.name() in _colours(image, mine[0].rect)
    assert "Ana Souza" in tab.summary.text() and "You (Ana Souza): on call now" in tab.summary.text()
    assert tab.table.rowCount() > 0


def test_empty_timeline_says_what_to_do(qtbot) -> None:
    timeline = RotationTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(600, 120)
    image = timeline.grab().toImage()
    assert QColor(image.pixelColor(5, 5)).name() == "#ffffff"
    assert timeline.bars == []


def test_editor_validation_in_words_and_save(qtbot, tab, controller) -> None:
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    editor = tab.editor
    assert editor is not None and editor.save_button.isEnabled() and not editor.errors.isVisibleTo(editor)
    editor.members.setPlainText("")
    assert "has no members; add at least one person" in editor.errors.text()
    assert not editor.save_button.isEnabled()
    editor.members.setPlainText("Ana Souza\nBen Okafor")
    editor.turn.setCurrentText("0d")
    assert "more than zero" in editor.errors.text()
    editor.turn.setCurrentText("weekly")
    editor.zone.setCurrentText("Mars/Olympus")
    assert "Unknown time zone 'Mars/Olympus'" in editor.errors.text()
    editor.zone.setCurrentText("Europe/Berlin")
    editor.restrictions.setText("weekdays 17:00")
    assert "restriction 1" in editor.errors.text() and "Layer 1 ('Weekly')" in editor.errors.text()
    editor.restrictions.setText("weekdays 17:00-09:00; weekends 00:00-00:00")
    qtbot.mouseClick(editor.add_layer_button, Qt.MouseButton.LeftButton)
    assert "layer 'Layer 2' has no members" in editor.errors.text()
    qtbot.mouseClick(editor.remove_layer_button, Qt.MouseButton.LeftButton)
    assert editor.save_button.isEnabled()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    saved = controller.ws.rotation.schedule("Primary")
    assert saved.time_zone == "Europe/Berlin" and saved.layers[0].members == ("Ana Souza", "Ben Okafor")
    assert len(saved.layers[0].restrictions) == 7 and len(saved.overrides) == 1
    assert not editor.isVisible() and "Saved schedule 'Primary'" in tab.message.text()


def test_new_schedule_from_the_editor(qtbot, tab, controller) -> None:
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    editor = tab.editor
    assert "give the schedule a name" in editor.errors.text().lower()
    editor.name.setText("Weekend desk")
    assert "Add at least one layer" in editor.errors.text()
    qtbot.mouseClick(editor.add_layer_button, Qt.MouseButton.LeftButton)
    editor.members.setPlainText("Ben Okafor\nDev Patel")
    editor.backup.setCurrentText("Backup")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    names = [tab.picker.itemText(i) for i in range(tab.picker.count())]
    assert "Weekend desk" in names and tab.picker.currentText() == "Weekend desk"
    assert controller.ws.rotation.schedule("Weekend desk").backup == "Backup"


def test_restriction_text_round_trip() -> None:
    stored = [{"kind": "weekly", "day": d, "start": "17:00", "minutes": 960} for d in range(1, 6)] + \
             [{"kind": "weekly", "day": d, "start": "00:00", "minutes": 1440} for d in (6, 7)]
    text = restrictions_text(stored)
    assert text == "weekdays 17:00-09:00; weekends 00:00-00:00"
    assert parse_restrictions(text) == [{"days": "weekdays", "from": "17:00", "to": "09:00"},
                                        {"days": "weekends", "from": "00:00", "to": "00:00"}]
    assert restrictions_text([{"kind": "weekly", "day": 5, "start": "17:00", "minutes": 3840}]) == "fri 17:00+64h"
    assert parse_restrictions("fri 17:00+64h") == [{"kind": "weekly", "day": 5, "start": "17:00", "minutes": 3840}]


def test_swap_propose_and_accept_through_buttons(qtbot, tab, controller, monkeypatch) -> None:
    tab.pages.setCurrentIndex(1)
    slice_start = datetime(2026, 11, 27, 9, tzinfo=UTC)

    def answer(dialog) -> bool:
        dialog.colleague.setCurrentText("Ben Okafor")
        return True

    monkeypatch.setattr(tab, "exec_dialog", answer)
    monkeypatch.setattr("oncall_desktop.ui.rotation.rotation_tab.SwapDialog.values",
                        lambda self: ("Ben Okafor", slice_start, slice_start + timedelta(hours=8)))
    qtbot.mouseClick(tab.propose_button, Qt.MouseButton.LeftButton)
    assert tab.swaps.rowCount() == 1 and "Swap offered to Ben Okafor" in tab.message.text()
    tab.swaps.selectRow(0)
    assert not tab.accept_button.isEnabled()  # offered to Ben, and I am Ana
    assert tab.decline_button.isEnabled()  # but I may withdraw it
    controller.act(lambda ws: ws.store.set_setting("me", "Ben Okafor"))
    tab.swaps.selectRow(0)
    assert tab.accept_button.isEnabled()
    qtbot.mouseClick(tab.accept_button, Qt.MouseButton.LeftButton)
    assert tab.swaps.rowCount() == 0
    shown = controller.ws.rotation.show("Primary", slice_start + timedelta(hours=1))
    assert shown["on_call"] == "Ben Okafor"
    kinds = [e["kind"] for e in controller.ws.store.events() if e["kind"].startswith("rotation.swap")]
    assert kinds == ["rotation.swap_proposed", "rotation.swap_accepted"]


def test_import_and_export_buttons(qtbot, tab, controller, monkeypatch, tmp_path: Path) -> None:
    out = tmp_path / "mine.ics"
    monkeypatch.setattr(tab, "ask_export_person", lambda: "Ana Souza")
    monkeypatch.setattr(tab, "ask_save_path", lambda *a: str(out))
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    text = out.read_text(encoding="utf-8")
    assert "SUMMARY:On call: Ana Souza" in text and "Ben Okafor" not in text
    assert "Wrote" in tab.message.text()

    before = [s.to_dict() for s in controller.ws.rotation.schedules()]
    bad = tmp_path / "bad.ics"
    bad.write_text("not a calendar", encoding="utf-8")
    monkeypatch.setattr(tab, "ask_import_person", lambda me: "")  # each event names its person
    monkeypatch.setattr(tab, "ask_open_path", lambda: str(bad))
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    assert "not a readable iCalendar" in tab.message.text()
    assert [s.to_dict() for s in controller.ws.rotation.schedules()] == before

    monkeypatch.setattr(tab, "ask_open_path", lambda: str(out))
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    assert "Imported" in tab.message.text() and "into 'Primary' (file)" in tab.message.text()
    assert any(o.note.startswith("ics:") for o in controller.ws.rotation.schedule("Primary").overrides)


def test_import_dialog_takes_one_persons_feed(qtbot, tab, controller, monkeypatch) -> None:
    """GoAlert's calendar subscription (shape in tests/core/rotation/test_rotation_feeds.py) names no person."""
    feed = Path(__file__).parents[1] / "core" / "rotation" / "data" / "goalert_subscription.ics"
    monkeypatch.setattr(tab, "ask_open_path", lambda: str(feed))
    asked: list[str] = []
    monkeypatch.setattr(tab, "ask_import_person", lambda me: asked.append(me) or "")
    before = [s.to_dict() for s in controller.ws.rotation.schedules()]
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    assert asked == ["Ana Souza"]
    assert "not a person" in tab.message.text() and "--person" in tab.message.text()
    assert [s.to_dict() for s in controller.ws.rotation.schedules()] == before

    monkeypatch.setattr(tab, "ask_import_person", lambda me: me)  # "All are my shifts (Ana Souza)"
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    assert "Imported 2 on-call event(s) into 'Primary'" in tab.message.text()
    imported = [o for o in controller.ws.rotation.schedule("Primary").overrides if o.note.startswith("ics:")]
    assert {o.person for o in imported} == {"Ana Souza"}

    monkeypatch.setattr(tab, "ask_import_person", lambda me: None)  # cancelled: nothing happens
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    assert len(controller.ws.rotation.schedule("Primary").overrides) == len(imported) + 1


def test_import_person_question_offers_me_first(qtbot, tab, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    seen: list[list[str]] = []

    def pick(parent, title, label, items, current, editable):
        seen.append(list(items))
        return items[1], True

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(pick))
    assert tab.ask_import_person("Ana Souza") == "Ana Souza"
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a: ("  Dev Patel ", True)))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda parent, title, label, items, c, e: (items[-1], True)))
    assert tab.ask_import_person("Ana Souza") == "Dev Patel"
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda parent, title, label, items, c, e: (items[0], True)))
    assert tab.ask_import_person("") == ""
    assert seen[0][1] == "All are my shifts (Ana Souza)"


def test_fairness_report_and_csv(qtbot, tab, monkeypatch, tmp_path: Path) -> None:
    tab.pages.setCurrentIndex(2)
    qtbot.mouseClick(tab.fair_button, Qt.MouseButton.LeftButton)
    people = [tab.fairness.item(r, 0).text() for r in range(tab.fairness.rowCount())]
    assert "Ana Souza" in people and "Dev Patel" in people
    assert "Night = 22:00–06:00" in tab.fair_note.text()
    target = tmp_path / "pay.csv"
    monkeypatch.setattr(tab, "ask_save_path", lambda *a: str(target))
    assert tab.csv_button.isEnabled()
    qtbot.mouseClick(tab.csv_button, Qt.MouseButton.LeftButton)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("schedule,person,from,to") and len(lines) == len(people) + 1


def test_tray_shows_who_is_on_call_and_my_next_shift(qtbot, controller, fake_clock) -> None:
    from oncall_desktop.ui.tray import TrayController, tooltip_text

    controller.start()
    controller.act(lambda ws: ws.store.set_setting("me", "Ben Okafor"))
    tray = TrayController(controller, lambda: None, lambda: None)
    tray.update(controller.snapshot)
    assert tray.action_on_call.text().startswith("Primary: Ana Souza (backup ")
    assert not tray.action_on_call.isEnabled() and tray.menu.actions()[0] is tray.action_on_call
    tip = tooltip_text(controller.snapshot)
    mine = controller.snapshot.rotation.my_next
    assert mine is not None and mine.schedule in ("Primary", "Backup") and not mine.now
    assert "Your next shift: " in tip and f"({mine.schedule})" in tip


def test_the_now_line_follows_the_clock_with_no_new_snapshot(tab, controller, fake_clock) -> None:
    """The timeline's red line is the view's own: the snapshot carries no "now" that would redraw the tab."""
    emitted: list[frozenset[str]] = []
    controller.sig_snapshot.connect(lambda _snapshot, parts: emitted.append(parts))
    assert tab.now_line.running and tab.timeline.now == fake_clock.now()
    drawn = controller.snapshot.rotation.timeline
    fake_clock.advance(minutes=1)
    assert controller.ws.snapshot().rotation.timeline == drawn  # rebuilt a minute on, it compares equal
    fake_clock.advance(hours=3)
    tab.now_line.tick()  # what its minute timer does
    assert tab.timeline.now == fake_clock.now() and emitted == []
    tab.hide()
    assert not tab.now_line.running


def test_the_tab_says_when_the_calendar_link_refreshed_and_that_it_failed(qtbot, tab, controller, httpserver,
                                                                         fake_clock) -> None:
    """A PagerDuty-shaped feed (tests/core/rotation/data) served on 127.0.0.1."""
    feed = (Path(__file__).parents[1] / "core" / "rotation" / "data" / "pagerduty_schedule.ics").read_bytes()
    httpserver.expect_request("/feed").respond_with_data(feed, content_type="text/calendar")
    controller.ws.rotation.import_ics(httpserver.url_for("/feed"), "Backup")
    tab.picker.setCurrentText("Primary")
    assert tab.feed_status.isHidden()  # not kept from a link
    tab.picker.setCurrentText("Backup")
    qtbot.waitUntil(lambda: tab.feed_status.isVisible())
    assert tab.feed_status.text().startswith("Calendar link (localhost): refreshed ")
    assert "; next " in tab.feed_status.text()

    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data("busy", status=503)
    fake_clock.advance(minutes=61)
    controller.ws.rotation.refresh_feeds()
    tab.feed_status.reload()
    qtbot.waitUntil(lambda: "failed" in tab.feed_status.text())
    assert "the calendar server answered HTTP 503" in tab.feed_status.text()
    assert "Showing the copy from" in tab.feed_status.text()

"""The Time tab with real buttons: timer, pause/resume/stop, the sleep question, entries, export, sync."""
from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QDialogButtonBox

from oncall_desktop.services.app.view_model import TimerView
from oncall_desktop.services.demo.demo import seed_demo
from oncall_desktop.ui.time.time_tab import TimeTab, hms

LEFT = Qt.MouseButton.LeftButton


def _seed(ws) -> None:
    seed_demo(ws)
    ws.billing.load_clients('[default]\ntime_zone = "UTC"\n[clients.acme]\nname = "Acme Dental"\n'
                            '[[clients.acme.agreements]]\nname = "Acme 2026"\neffective_from = 2026-01-01\n')


@pytest.fixture
def controller(make_controller):
    # the tests jump the clock by minutes, not one-second ticks
    return make_controller(seed=_seed, settings={"timer_gap_minutes": 30})


@pytest.fixture
def tab(qtbot, controller, fake_clock) -> TimeTab:
    widget = TimeTab(controller, now_fn=fake_clock.now)
    widget.resize(900, 640)
    qtbot.addWidget(widget)
    controller.start()
    controller.ws.notifier.backends = []
    return widget


def _save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)


def test_timer_pause_resume_stop_and_totals(qtbot, tab, controller, fake_clock) -> None:
    controller.act(lambda ws: ws.timers.start("local:1", "Acme Dental"))
    assert tab.clock.text() == "0:00:00" and tab.ticket.text() == "local:1 · Acme Dental"
    fake_clock.advance(minutes=12, seconds=5)
    controller._tick()
    tab.tick()  # the tab's own second: its clock counts from the running part's start
    assert tab.clock.text() == "0:12:05"
    qtbot.mouseClick(tab.pause_button, LEFT)
    assert controller.snapshot.timer.state == "paused" and tab.clock.text() == "0:12:05  (paused)"
    assert tab.pause_button.text() == "&Resume"
    fake_clock.advance(minutes=30)
    controller._tick()
    tab.tick()
    assert tab.clock.text() == "0:12:05  (paused)"  # paused time is not work
    qtbot.mouseClick(tab.pause_button, LEFT)
    fake_clock.advance(minutes=26, seconds=-5)
    qtbot.mouseClick(tab.stop_button, LEFT)
    assert tab.clock.text() == "No timer running"
    assert tab.table.rowCount() == 2  # two parts of one call-out
    assert [tab.week.item(0, c).text() for c in range(4)] == ["Acme Dental", "38 min", "38 min", "60 min"]
    assert "billable 60 min" in tab.week_total.text()
    assert tab.table.item(0, 7).text() == "waiting to be sent"
    controller.check_now()  # the poll delivers the outbox (local book)
    assert {tab.table.item(r, 7).text().split(" ")[0] for r in range(2)} == {"synced"}
    assert "2 sent, 0 waiting, 0 failed" in tab.sync.text()


def test_sleep_gap_asks_were_you_working(qtbot, tab, controller, fake_clock) -> None:
    controller.act(lambda ws: ws.timers.start("local:1", "Acme Dental"))
    controller.beat_timer()
    fake_clock.advance(seconds=1)
    controller.beat_timer()
    assert not tab.question.isVisibleTo(tab)
    fake_clock.advance(minutes=45)  # the lid was closed
    controller.beat_timer()
    assert tab.question.isVisibleTo(tab)
    assert "(45 min)?" in tab.question_text.text() and "asleep" in tab.question_text.text()
    qtbot.mouseClick(tab.yes_button, LEFT)
    assert not tab.question.isVisibleTo(tab)
    assert controller.snapshot.timer.state == "running"
    assert tab.clock.text() == "0:45:01"


def test_add_edit_delete_entry_through_the_dialog(qtbot, tab, controller, fake_clock) -> None:
    qtbot.mouseClick(tab.add_button, LEFT)
    dialog = tab.dialog
    _save(qtbot, dialog)
    assert dialog.problem.text() == "Enter the ticket the work was for."
    dialog.ticket.setText("local:2")
    dialog.client.setCurrentText("Acme Dental")
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    dialog.start.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
    dialog.end.setDateTime(QDateTime.fromSecsSinceEpoch(int((start + timedelta(minutes=38)).timestamp())))
    _save(qtbot, dialog)
    assert tab.table.rowCount() == 1
    assert [tab.table.item(0, c).text() for c in (1, 2, 3, 5)] == ["local:2", "Acme Dental", "38", "60"]
    assert "minimum call-out 60" in tab.table.item(0, 5).toolTip()

    tab.table.selectRow(0)
    qtbot.mouseClick(tab.edit_button, LEFT)
    dialog = tab.dialog
    assert dialog.ticket.text() == "local:2"
    dialog.end.setDateTime(QDateTime.fromSecsSinceEpoch(int((start + timedelta(minutes=75)).timestamp())))
    dialog.flag.setCurrentIndex(dialog.flag.findData("no-charge"))
    _save(qtbot, dialog)
    assert [tab.table.item(0, c).text() for c in (3, 5)] == ["75", "0"]
    assert controller.ws.store.events(kind="time.edited")

    tab.table.selectRow(0)
    qtbot.mouseClick(tab.delete_button, LEFT)
    assert tab.table.rowCount() == 0
    assert controller.ws.store.events(kind="time.deleted")


def test_refusals_reach_the_status_in_words(qtbot, tab, controller, fake_clock) -> None:
    errors: list[str] = []
    controller.sig_error.connect(errors.append)
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    controller.act(lambda ws: ws.timers.add_manual("local:1", "Acme Dental", start, start + timedelta(minutes=30)))
    controller.act(lambda ws: ws.deliver_outbox())
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.delete_button, LEFT)
    assert errors and "already on the ticket" in errors[-1]
    assert tab.table.rowCount() == 1


def test_failed_sync_shows_the_error_and_retry(qtbot, tab, controller, fake_clock) -> None:
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    controller.act(lambda ws: ws.timers.add_manual("local:77", "Acme Dental", start, start + timedelta(minutes=30)))
    controller.act(lambda ws: ws.deliver_outbox())
    assert tab.table.item(0, 7).text().startswith("failed: ticket 77 is not in the local book")
    assert "1 failed" in tab.sync.text() and "Last problem: ticket 77 is not in the local book" in tab.sync.text()
    assert tab.retry_button.isEnabled()
    qtbot.mouseClick(tab.retry_button, LEFT)
    assert tab.table.item(0, 7).text().startswith("failed")  # still not there; retried and said so again


def test_retry_sends_from_the_network_pool_not_the_store_thread(qtbot, tab, controller, fake_clock,
                                                                monkeypatch) -> None:
    """Retry failed waits on the ticket system: on the store thread it would hold every acknowledgement."""
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    controller.act(lambda ws: ws.timers.add_manual("local:77", "Acme Dental", start, start + timedelta(minutes=30)))
    controller.act(lambda ws: ws.deliver_outbox())
    runner, pools, sent_from = controller.runner, [], []
    def marked(verb):
        real = getattr(runner, verb)

        def wrapped(fn, *args, **kwargs):
            def job():
                pools.append(verb)
                try:
                    return fn()
                finally:
                    pools.pop()
            return real(job, *args, **kwargs)
        return wrapped

    for verb in ("db", "net"):
        monkeypatch.setattr(runner, verb, marked(verb))
    real_deliver = controller.ws.deliver_outbox
    monkeypatch.setattr(controller.ws, "deliver_outbox", lambda: (sent_from.append(list(pools)), real_deliver())[1])
    qtbot.mouseClick(tab.retry_button, LEFT)
    assert sent_from == [["net"]]
    assert tab.table.item(0, 7).text().startswith("failed")  # retried, and the view redrew


def test_export_csv_per_client_and_period(qtbot, tab, controller, fake_clock, tmp_path: Path) -> None:
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    controller.act(lambda ws: ws.timers.add_manual("local:1", "Acme Dental", start, start + timedelta(minutes=30)))
    controller.act(lambda ws: ws.timers.add_manual("local:2", "Foxglove Hotel", start, start + timedelta(minutes=20)))
    qtbot.mouseClick(tab.export_button, LEFT)
    dialog = tab.dialog
    dialog.period.setCurrentText("This week")
    dialog.client.setCurrentIndex(dialog.client.findData("Acme Dental"))
    assert dialog.path.text().endswith("time-acme-dental-2026-11-23-this-week.csv")
    target = tmp_path / "acme.csv"
    dialog.path.setText(str(target))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), LEFT)
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert [(r["client"], r["worked_minutes"]) for r in rows] == [("Acme Dental", "30")]
    assert tab.sync.text() == f"Exported 1 entries to {target}."


def test_pure_helpers() -> None:
    now = datetime(2026, 1, 1, 1, 0, tzinfo=timezone.utc)
    timer = TimerView(id=1, ticket_id="local:1", client="Acme Dental", state="running", closed_seconds=600,
                      open_since=datetime(2026, 1, 1, 0, 59, 30, tzinfo=timezone.utc))
    assert timer.elapsed(now) == 630 and hms(630) == "0:10:30" and hms(3725) == "1:02:05"


def test_screenshot(qtbot, tab, controller, fake_clock) -> None:
    start = datetime(2026, 11, 24, 23, 0, tzinfo=timezone.utc)
    controller.act(lambda ws: ws.timers.add_manual("local:1", "Acme Dental", start, start + timedelta(minutes=38)))
    controller.act(lambda ws: ws.timers.add_manual("local:9", "Foxglove Hotel", start, start + timedelta(minutes=70)))
    controller.act(lambda ws: ws.deliver_outbox())
    controller.act(lambda ws: ws.timers.start("local:1", "Acme Dental"))
    fake_clock.advance(minutes=7, seconds=12)
    controller._tick()
    tab.show()
    assert not tab.grab().toImage().isNull()
    tab.grab().save("/tmp/time_tab.png")

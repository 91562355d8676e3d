"""The Time tab: the running timer (big), today's and this week's minutes per client, entries and their sync.

Why it only draws the snapshot and calls ``controller.act``: billing rules,
the outbox and the crash-safe timer live in services; this tab must stay a
view a tired technician reads in one glance — what runs, what is billed,
whether it reached the PSA (and if not, why, in words).  The big clock
ticks from this tab's own timer, from the instant the running part started:
no snapshot is rebuilt or re-sent to move it.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.time.clock import STAMP, local_time
from oncall_desktop.services.app.view_model import TimeView
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.time.time_entry_dialog import ExportDialog, TimeEntryDialog
from oncall_desktop.ui.widgets.countdown_ticker import CountdownTicker
from oncall_desktop.ui.widgets.table_cells import cell, clear_style

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import EntryView, Snapshot, TimerView

SYNC_COLOURS = {"synced": "#1e7e34", "failed": "#a50e0e", "pending": "#8a6d00"}
#: The snapshot parts this tab draws.
PARTS = ("timer", "time")


def hms(seconds: int) -> str:
    h, rest = divmod(max(0, seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h:d}:{m:02d}:{s:02d}"


def _local(when: datetime, fmt: str = STAMP) -> str:
    return local_time(when, fmt)


def _table(headers: tuple[str, ...], stretch: int | None = None) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is None:
        table.horizontalHeader().setStretchLastSection(True)
    else:
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


class TimeTab(QWidget):
    def __init__(self, controller: AppController,
                 now_fn: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        super().__init__()
        self.controller = controller
        self.now_fn = now_fn
        self.dialog: QDialog | None = None
        self._timer: TimerView | None = None
        self._time = TimeView()
        self.ticker = CountdownTicker(self, self.tick)  # the big clock, from the running part's start

        big = QFont()
        big.setPointSize(28)
        big.setBold(True)
        self.clock = QLabel("No timer running")
        self.clock.setFont(big)
        self.ticket = QLabel("")
        self.ticket.setWordWrap(True)
        self.pause_button = QPushButton("&Pause")
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.stop_button = QPushButton("S&top")
        self.stop_button.clicked.connect(lambda: controller.act(lambda ws: ws.timers.stop()))
        self.toggle = QPushButton("Start timer")  # starts on the selected page (Now tab) when none runs
        self.toggle.clicked.connect(lambda: controller.toggle_timer(None))
        timer_buttons = QHBoxLayout()
        for button in (self.toggle, self.pause_button, self.stop_button):
            timer_buttons.addWidget(button)
        timer_buttons.addStretch(1)

        # "were you working?" after a sleep or a long crash
        self.question = QFrame()
        self.question.setStyleSheet("QFrame { background: #fff4ce; } QLabel { color: #4d3b00; }")
        self.question_text = QLabel("")
        self.question_text.setWordWrap(True)
        self.yes_button = QPushButton("&Yes, count it")
        self.no_button = QPushButton("&No, leave it out")
        self.yes_button.clicked.connect(lambda: controller.act(lambda ws: ws.timers.answer(True)))
        self.no_button.clicked.connect(lambda: controller.act(lambda ws: ws.timers.answer(False)))
        q_layout = QHBoxLayout(self.question)
        q_layout.addWidget(self.question_text, 1)
        q_layout.addWidget(self.yes_button)
        q_layout.addWidget(self.no_button)
        self.question.hide()

        totals_headers = ("Client", "Worked", "After hours", "Billable")
        self.today = _table(totals_headers, stretch=0)
        self.week = _table(totals_headers, stretch=0)
        self.today_total = QLabel("")
        self.week_total = QLabel("")
        totals = QGridLayout()
        totals.addWidget(QLabel("<b>Today</b>"), 0, 0)
        totals.addWidget(QLabel("<b>This week</b>"), 0, 1)
        totals.addWidget(self.today, 1, 0)
        totals.addWidget(self.week, 1, 1)
        totals.addWidget(self.today_total, 2, 0)
        totals.addWidget(self.week_total, 2, 1)

        self.table = _table(("Start", "Ticket", "Client", "Worked", "After hours", "Billable", "×", "Sync"))
        self.table.itemSelectionChanged.connect(self._selection)
        self.table.doubleClicked.connect(lambda _: self.edit_selected())
        self.sync = QLabel("")
        self.sync.setWordWrap(True)
        self.add_button = QPushButton("&Add…")
        self.edit_button = QPushButton("&Edit…")
        self.delete_button = QPushButton("&Delete")
        self.retry_button = QPushButton("&Retry failed")
        self.export_button = QPushButton("E&xport CSV…")
        self.add_button.clicked.connect(self.add_entry)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.retry_button.clicked.connect(self.retry_failed)
        self.export_button.clicked.connect(self.export)
        entry_buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button, self.retry_button):
            entry_buttons.addWidget(button)
        entry_buttons.addStretch(1)
        entry_buttons.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.clock)
        layout.addWidget(self.ticket)
        layout.addLayout(timer_buttons)
        layout.addWidget(self.question)
        layout.addLayout(totals, 2)
        layout.addWidget(QLabel("<b>Entries</b> (billed when the work stops; sent to the ticket system by the outbox)"))
        layout.addWidget(self.table, 3)
        layout.addWidget(self.sync)
        layout.addLayout(entry_buttons)
        QShortcut(QKeySequence("Ctrl+Shift+P"), self, self._pause_or_resume)
        QShortcut(QKeySequence("Ctrl+E"), self, self.export)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self.delete_selected)
        self._selection()
        controller.watch(self, PARTS, self.update_snapshot)

    # ------------------------------------------------------------------ draw
    def retry_failed(self) -> None:
        """Send the failed entries again: the sending waits on the ticket system, so off the store thread."""
        def work(ws: Any) -> Any:
            ws.on_store(ws.outbox.retry)
            return ws.deliver_outbox()

        self.controller.fetch(work, lambda _result: None, redraw=True)

    def update_snapshot(self, snapshot: Snapshot, parts: frozenset[str] = frozenset(PARTS)) -> None:
        if "timer" in parts:
            self._draw_timer(snapshot.timer)
        if "time" in parts:
            self._time = snapshot.time
            self._draw_time(snapshot.time)

    def _draw_timer(self, timer: TimerView | None) -> None:
        self._timer = timer
        if timer is not None:
            flag = f" · {timer.flag.upper().replace('-', ' ')}" if timer.flag else ""
            self.ticket.setText(f"{timer.ticket_id} · {timer.client}{flag}")
            self.pause_button.setText("&Resume" if timer.state == "paused" else "&Pause")
        else:
            self.ticket.setText("Acknowledging a page starts its timer; or start one from the Now tab or the tray.")
            self.pause_button.setText("&Pause")
        self.tick()
        self.toggle.setVisible(timer is None)
        self.pause_button.setEnabled(timer is not None)
        self.stop_button.setEnabled(timer is not None)
        question = timer.question if timer is not None else None
        if question is not None:
            self.question_text.setText(
                f"Were you working from {_local(question.start, '%H:%M')} to {_local(question.end, '%H:%M')} "
                f"({question.minutes} min)? The timer paused because {question.why}.")
        self.question.setVisible(question is not None)
        self.ticker.count(timer is not None and timer.open_since is not None)  # a paused clock stands still

    def tick(self) -> None:
        """The big clock at the clock's now: finished parts plus the part running since it started."""
        timer = self._timer
        if timer is None:
            self.clock.setText("No timer running")
            return
        self.clock.setText(hms(timer.elapsed(self.now_fn())) + ("  (paused)" if timer.state == "paused" else ""))

    def _draw_time(self, time: TimeView) -> None:
        for table, label, rows in ((self.today, self.today_total, time.today), (self.week, self.week_total, time.week)):
            table.setRowCount(len(rows))
            for r, row in enumerate(rows):
                values = (row.client, f"{row.worked_minutes} min", f"{row.after_hours_minutes} min",
                          f"{row.billable_minutes} min")
                for c, value in enumerate(values):
                    item = cell(table, r, c)
                    item.setText(value)
                    if c:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setText(f"Worked {sum(x.worked_minutes for x in rows)} min · after hours "
                          f"{sum(x.after_hours_minutes for x in rows)} min · billable "
                          f"{sum(x.billable_minutes for x in rows)} min" if rows else "Nothing billed yet.")
        entries = time.entries
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            cols = (_local(e.start), e.ticket, e.client, str(e.worked_minutes),
                    str(e.after_hours_minutes), str(e.billable_minutes), f"{e.multiplier:g}", e.sync)
            for c, value in enumerate(cols):
                item = cell(self.table, r, c)
                clear_style(item)
                item.setText(value)
                item.setToolTip("; ".join(e.reasons) or "no adjustments")
                if c == 7:
                    item.setForeground(_colour(SYNC_COLOURS.get(e.state, "#000000")))
                    item.setToolTip(e.sync)
        sync = time.outbox
        waiting, failed = sync.pending, sync.failed
        text = f"Ticket system: {sync.sent} sent, {waiting} waiting, {failed} failed."
        if sync.last_error:
            text += f" Last problem: {sync.last_error}"
        self.sync.setText(text)
        self.sync.setStyleSheet("color: #a50e0e" if failed else "")
        self.retry_button.setEnabled(bool(failed))
        self._selection()

    def _selection(self) -> None:
        chosen = self._selected() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def _selected(self) -> EntryView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        entries = self._time.entries
        if not rows or rows[0].row() >= len(entries):
            return None
        return entries[rows[0].row()]

    # ---------------------------------------------------------------- verbs
    def _pause_or_resume(self) -> None:
        if self._timer is None:
            return
        if self._timer.state == "paused":
            self.controller.act(lambda ws: ws.timers.resume())
        else:
            self.controller.act(lambda ws: ws.timers.pause())

    def add_entry(self) -> None:
        dialog = TimeEntryDialog(self, clients=list(self._time.clients), now=self.now_fn())
        dialog.accepted.connect(lambda: self._save_new(dialog))
        self._open(dialog)

    def _save_new(self, dialog: TimeEntryDialog) -> None:
        v = dialog.values()
        self.controller.act(lambda ws: ws.timers.add_manual(v.ticket, v.client, v.start, v.end, flag=v.flag))

    def edit_selected(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        timer_id = entry.timer
        self.controller.query(lambda ws: ws.timers.get(timer_id).to_json(), self._edit_timer)

    def _edit_timer(self, timer: dict[str, Any]) -> None:
        data = {"ticket": timer["ticket_id"], "client": timer["client"], "start": timer["started"],
                "end": timer["stopped"] or timer["heartbeat"], "flag": timer["flag"],
                "parts": len(timer["segments"])}
        dialog = TimeEntryDialog(self, clients=list(self._time.clients), entry=data, now=self.now_fn())
        dialog.accepted.connect(lambda: self._save_edit(timer["id"], dialog))
        self._open(dialog)

    def _save_edit(self, timer_id: int, dialog: TimeEntryDialog) -> None:
        v = dialog.values()
        self.controller.act(lambda ws: ws.timers.edit(timer_id, start=v.start, end=v.end, client=v.client,
                                                      ticket_id=v.ticket, flag=v.flag))

    def delete_selected(self) -> None:
        entry = self._selected()
        if entry is not None:
            timer_id = entry.timer
            self.controller.act(lambda ws: ws.timers.delete(timer_id))

    def export(self) -> None:
        dialog = ExportDialog(self, clients=list(self._time.clients), now=self.now_fn(),
                              default_dir=str(Path.home()))
        dialog.accepted.connect(lambda: self._export(dialog))
        self._open(dialog)

    def _export(self, dialog: ExportDialog) -> None:
        from oncall_desktop.services.time.billing_service import Period

        start, end = dialog.bounds()
        period = Period(start.astimezone(timezone.utc), end.astimezone(timezone.utc))
        path, client = dialog.path.text().strip(), dialog.client.currentData() or None
        self.controller.query(lambda ws: ws.billing.export_csv(period, path, client),
                              lambda count: self.sync.setText(f"Exported {count} entries to {path}."))

    def _open(self, dialog: QDialog) -> None:
        """Window-modal and non-blocking: the tab keeps drawing while the dialog is up."""
        self.dialog = dialog
        dialog.open()


def _colour(name: str) -> Any:
    from PySide6.QtGui import QColor

    return QColor(name)

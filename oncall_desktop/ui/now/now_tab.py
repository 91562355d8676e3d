"""The Now tab: pages waiting, nearest deadline first, with one-key actions.

Everything shown is computed from the snapshot's stored deadlines and the
clock function.  The countdowns tick from this tab's own one-second timer,
which rewrites only the two countdown columns: no snapshot is rebuilt or
re-sent for them, and the timer runs only while the tab is on screen.  Every
button goes through the controller (off the GUI thread).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from oncall_desktop.core.time.clock import iso
from oncall_desktop.ui.controller import AppController
from oncall_desktop.ui.shift.maintenance_dialog import suppressed_text
from oncall_desktop.ui.widgets.countdown_ticker import CountdownTicker
from oncall_desktop.ui.widgets.table_cells import cell, clear_style, show_rows

if TYPE_CHECKING:
    from PySide6.QtWidgets import QTableWidgetItem

    from oncall_desktop.services.app.view_model import PageView, Snapshot

#: The snapshot parts this tab draws.
PARTS = ("offline_since", "offline_reason", "on_call", "pages", "suppressed", "timer")
COLUMNS = ("Due in", "Client", "Ticket", "Reason", "Severity", "State", "SLA left")
SLA_COLUMN = 6
SNOOZE_MINUTES = (5, 10, 15)
TRIAGE_TREE = "after-hours-triage"
AMBER = QColor("#f2a600")
RED = QColor("#d93025")


def countdown(deadline: datetime | None, now: datetime) -> tuple[str, int | None]:
    """("mm:ss", seconds left) — negative seconds show as overdue."""
    if deadline is None:
        return "—", None
    left = int((deadline - now).total_seconds())
    sign = "-" if left < 0 else ""
    m, s = divmod(abs(left), 60)
    return f"{sign}{m:02d}:{s:02d}", left


def sla_left(page: PageView, now: datetime) -> tuple[str, int | None]:
    """("response 42m", seconds left) for the SLA column; None seconds when paused or absent.

    Business-hours targets show the wall time until they run out (a target
    that falls at 09:30 tomorrow reads "11h 20m"): that is when it matters.
    """
    clock = page.sla
    if clock is None:
        return "—", None
    kind = clock.kind
    if clock.paused:
        return f"{kind} paused ({clock.remaining_minutes}m left)", None
    if clock.deadline is None:
        return "—", None
    left = int((clock.deadline - now).total_seconds())
    minutes = abs(left) // 60
    text = f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
    return (f"{kind} missed by {text}" if left < 0 else f"{kind} {text}"), left


def _order(page: PageView) -> tuple[int, str, int]:
    """Waiting pages first, nearest ack deadline first; then the rest by SLA deadline."""
    if page.waiting:
        return 0, iso(page.ack_deadline) if page.ack_deadline else page.created, page.id
    sla = page.sla.deadline if page.sla is not None else None
    return 1, iso(sla) if sla else page.created, page.id


def ack_deadline(page: PageView) -> datetime | None:
    """The deadline the "Due in" column counts down to: only a page nobody has taken has one."""
    return page.ack_deadline if page.waiting else None


class NowTab(QWidget):
    def __init__(self, controller: AppController,
                 now_fn: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        super().__init__()
        self.controller = controller
        self.now_fn = now_fn
        self.pages: list[PageView] = []
        self.ticker = CountdownTicker(self, self.tick)  # rewrites two columns from the deadlines held here
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #fff4ce; color: #3b2f00; padding: 6px; }")
        self.banner.hide()
        self.suppressed = QLabel()  # tickets a maintenance window kept quiet, with the reason
        self.suppressed.setWordWrap(True)
        self.suppressed.setStyleSheet("QLabel { color: #57606a; }")
        self.suppressed.hide()
        self.on_call = QLabel("Opening workspace…")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("No pages waiting. New escalated tickets appear here and as a notification.")
        self.ack_button = QPushButton("&Acknowledge")
        self.ack_button.setToolTip("Acknowledge the selected page (Enter)")
        self.escalate_button = QPushButton("&Escalate now")
        self.escalate_button.setToolTip("Page the next person in the escalation chain now")
        self.triage_button = QPushButton("Open tria&ge")
        self.triage_button.setToolTip("Walk the after-hours triage questions for this page")
        self.resolve_button = QPushButton("&Resolve")
        self.resolve_button.setToolTip("Resolve the selected page: the work is done (stops its timer)")
        self.false_alarm_button = QPushButton("No action nee&ded")
        self.false_alarm_button.setToolTip("Resolve: nothing needed doing (Insights counts it as a false alarm)")
        self.wrong_page_button = QPushButton("Fa&lse alarm")
        self.wrong_page_button.setToolTip("Resolve: this should not have paged at all (Insights counts it against "
                                          "the signals that fired, and may propose a rule change)")
        self.timer_button = QPushButton("Start ti&mer")
        self.snooze_button = QToolButton()
        self.snooze_button.setText("Snoo&ze")
        self.snooze_button.setToolTip("Quiet the reminders; the acknowledgement deadline keeps running")
        self.snooze_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.snooze_menu = QMenu(self.snooze_button)
        for minutes in SNOOZE_MINUTES:
            action = self.snooze_menu.addAction(f"Reminders off for {minutes} min")
            action.triggered.connect(lambda _=False, m=minutes: self._snooze(m))
        self.snooze_button.setMenu(self.snooze_menu)
        self.check_button = QPushButton("&Check now")
        self.ack_button.clicked.connect(self._acknowledge)
        self.escalate_button.clicked.connect(self._escalate)
        self.triage_button.clicked.connect(self._triage)
        # clicked(checked) would hand its bool to _resolve as the outcome: say the outcome
        self.resolve_button.clicked.connect(lambda: self._resolve("fixed"))
        self.false_alarm_button.clicked.connect(lambda: self._resolve("no action needed"))
        self.wrong_page_button.clicked.connect(lambda: self._resolve("false alarm"))
        self.timer_button.clicked.connect(self._timer)
        self.check_button.clicked.connect(controller.check_now)
        buttons = QHBoxLayout()
        for b in (self.ack_button, self.escalate_button, self.triage_button, self.timer_button,
                  self.resolve_button, self.false_alarm_button, self.wrong_page_button, self.snooze_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.on_call)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.suppressed)
        layout.addLayout(buttons)
        self.table.installEventFilter(self)
        for n in range(1, 10):
            QShortcut(QKeySequence(f"Ctrl+{n}"), self, lambda n=n: self._pick(n - 1))
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        controller.watch(self, PARTS, self.update_snapshot)
        self._sync_buttons()

    # ---------------------------------------------------------------- drawing
    def update_snapshot(self, snapshot: Snapshot, _parts: frozenset[str] = frozenset()) -> None:
        offline = snapshot.offline_since
        self.banner.setVisible(bool(offline))
        if offline:
            self.banner.setText(f"Offline since {offline} — showing cached tickets. {snapshot.offline_reason}")
        lines = [f"<b>{e.schedule}</b>: {e.person} until {e.shift_end_local}"
                 + (f" · backup {e.backup}" if e.backup else "")
                 for e in snapshot.on_call]
        self.on_call.setText("<br>".join(lines) or "Nobody is on call in any schedule right now.")
        selected = self.selected_page_id()
        self.pages = sorted((p for p in snapshot.pages if p.state != "resolved"), key=_order)
        show_rows(self.table, len(self.pages))
        for row, page in enumerate(self.pages):
            state = page.state + (f" (level {page.level})" if page.level > 1 else "")
            if page.person and page.waiting:
                state += f" · {page.person}"
            for col, value in ((1, page.client), (2, page.title), (3, page.reason), (4, page.severity), (5, state)):
                item = cell(self.table, row, col)
                item.setText(value)
                item.setData(Qt.ItemDataRole.UserRole, page.id)
        self.tick()
        self.empty.setVisible(not self.pages)
        self.suppressed.setText(suppressed_text(snapshot.suppressed))
        self.suppressed.setVisible(bool(self.suppressed.text()))
        # the page that was selected may have left (resolved elsewhere): the most urgent one takes its place
        if (selected is None or not self._select_id(selected)) and self.pages and not self.table.selectedItems():
            self.table.selectRow(0)
        self.timer_button.setText("Stop ti&mer" if snapshot.timer is not None else "Start ti&mer")
        self._sync_buttons()
        self.ticker.count(any(ack_deadline(p) is not None or p.sla is not None for p in self.pages))

    def tick(self) -> None:
        """Move the countdowns ("Due in", "SLA left") to the clock's now; the rest of the row stays."""
        now = self.now_fn()
        for row, page in enumerate(self.pages):
            text, left = countdown(ack_deadline(page), now)
            due = self._clock_cell(row, 0, page, text)
            if left is not None:
                if left <= 60:
                    due.setBackground(QBrush(RED))
                    due.setForeground(QBrush(QColor("white")))
                elif left <= 300:
                    due.setBackground(QBrush(AMBER))
                    due.setForeground(QBrush(QColor("black")))
            sla_text, sla_seconds = sla_left(page, now)
            item = self._clock_cell(row, SLA_COLUMN, page, sla_text)
            sla = page.sla
            if sla_seconds is not None and sla is not None and sla.deadline is not None:
                if sla_seconds < 0:
                    item.setForeground(QBrush(RED))
                elif sla_seconds <= 15 * 60:
                    item.setForeground(QBrush(AMBER.darker(130)))
                item.setToolTip(f"SLA {sla.kind} target due {iso(sla.deadline)}"
                                + (" (business hours)" if sla.business_hours else ""))

    def _clock_cell(self, row: int, col: int, page: PageView, text: str) -> QTableWidgetItem:
        item = cell(self.table, row, col)
        clear_style(item)
        item.setText(text)
        item.setData(Qt.ItemDataRole.UserRole, page.id)
        return item

    def _sync_buttons(self) -> None:
        page = self.selected_page()
        waiting = page is not None and page.waiting
        self.ack_button.setEnabled(waiting)
        self.snooze_button.setEnabled(waiting)
        for b in (self.resolve_button, self.false_alarm_button, self.wrong_page_button, self.escalate_button,
                  self.triage_button):
            b.setEnabled(page is not None)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 — Qt override
        # Enter on the page list acknowledges: the one key a tired tech needs
        if obj is self.table and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._acknowledge()
            return True
        return super().eventFilter(obj, event)

    # ---------------------------------------------------------------- actions
    def selected_page_id(self) -> int | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def selected_page(self) -> PageView | None:
        page_id = self.selected_page_id()
        return next((p for p in self.pages if p.id == page_id), None)

    def _select_id(self, page_id: int) -> bool:
        for row, page in enumerate(self.pages):
            if page.id == page_id:
                self.table.selectRow(row)
                return True
        return False

    def _pick(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.table.selectRow(index)
            self.table.setFocus()

    def _acknowledge(self) -> None:
        page_id = self.selected_page_id()
        if page_id is not None:
            self.controller.acknowledge(page_id)

    def _escalate(self) -> None:
        page_id = self.selected_page_id()
        if page_id is not None:
            self.controller.escalate(page_id)

    def _triage(self) -> None:
        page_id = self.selected_page_id()
        if page_id is not None:
            self.controller.open_triage(page_id, TRIAGE_TREE)

    def _snooze(self, minutes: int) -> None:
        page_id = self.selected_page_id()
        if page_id is not None:
            self.controller.snooze(page_id, minutes)

    def _resolve(self, outcome: str = "fixed") -> None:
        page_id = self.selected_page_id()
        if page_id is not None:
            self.controller.resolve(page_id, outcome)

    def _timer(self) -> None:
        self.controller.toggle_timer(self.selected_page_id())

"""The Now tab: pages waiting, nearest deadline first, with one-key actions."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from oncall_desktop.ui.controller import AppController

COLUMNS = ("Due in", "Client", "Ticket", "Reason", "Severity", "State")
AMBER = QColor("#f2a600")
RED = QColor("#d93025")


def countdown(deadline_iso: str | None, now: datetime) -> tuple[str, int | None]:
    """("mm:ss", seconds left) — negative seconds show as overdue."""
    if not deadline_iso:
        return "—", None
    deadline = datetime.fromisoformat(deadline_iso.replace("Z", "+00:00"))
    left = int((deadline - now).total_seconds())
    sign = "-" if left < 0 else ""
    m, s = divmod(abs(left), 60)
    return f"{sign}{m:02d}:{s:02d}", left


class NowTab(QWidget):
    def __init__(self, controller: AppController, now_fn=lambda: datetime.now(timezone.utc)) -> None:
        super().__init__()
        self.controller = controller
        self.now_fn = now_fn
        self.pages: list[dict[str, Any]] = []
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #fff4ce; color: #3b2f00; padding: 6px; }")
        self.banner.hide()
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
        self.resolve_button = QPushButton("&Resolve")
        self.timer_button = QPushButton("Start &timer")
        self.check_button = QPushButton("&Check now")
        self.ack_button.clicked.connect(self._acknowledge)
        self.resolve_button.clicked.connect(self._resolve)
        self.timer_button.clicked.connect(self._timer)
        self.check_button.clicked.connect(controller.check_now)
        buttons = QHBoxLayout()
        for b in (self.ack_button, self.resolve_button, self.timer_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.on_call)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self.table.installEventFilter(self)
        for n in range(1, 10):
            QShortcut(QKeySequence(f"Ctrl+{n}"), self, lambda n=n: self._pick(n - 1))
        self.table.itemSelectionChanged.connect(self._sync_buttons)
        controller.sig_snapshot.connect(self.update_snapshot)
        self._sync_buttons()

    # ---------------------------------------------------------------- drawing
    def update_snapshot(self, snapshot: dict[str, Any]) -> None:
        offline = snapshot.get("offline_since")
        self.banner.setVisible(bool(offline))
        if offline:
            self.banner.setText(f"Offline since {offline} — showing cached tickets. "
                                f"{snapshot.get('offline_reason', '')}")
        lines = [f"<b>{e['schedule']}</b>: {e['person']} until {e['shift_end_local']}"
                 + (f" · backup {e['backup']}" if e.get("backup") else "")
                 for e in snapshot.get("on_call", [])]
        self.on_call.setText("<br>".join(lines) or "Nobody is on call in any schedule right now.")
        selected = self.selected_page_id()
        self.pages = [p for p in snapshot.get("pages", []) if p["state"] != "resolved"]
        now = self.now_fn()
        self.table.setRowCount(len(self.pages))
        for row, page in enumerate(self.pages):
            text, left = countdown(page.get("ack_deadline") if page["state"] in ("pending", "escalated") else None, now)
            values = (text, page["client"], page["title"], page["reason"], page["severity"],
                      page["state"] + (f" (level {page['level']})" if page.get("level", 1) > 1 else ""))
            for col, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                item.setData(Qt.ItemDataRole.UserRole, page["id"])
                if col == 0 and left is not None:
                    if left <= 60:
                        item.setBackground(QBrush(RED))
                        item.setForeground(QBrush(QColor("white")))
                    elif left <= 300:
                        item.setBackground(QBrush(AMBER))
                        item.setForeground(QBrush(QColor("black")))
                self.table.setItem(row, col, item)
        self.empty.setVisible(not self.pages)
        if selected is not None:
            self._select_id(selected)
        elif self.pages and not self.table.selectedItems():
            self.table.selectRow(0)
        running = snapshot.get("timer")
        self.timer_button.setText("Stop &timer" if running else "Start &timer")
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        has = self.selected_page_id() is not None
        for b in (self.ack_button, self.resolve_button):
            b.setEnabled(has)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 — Qt override
        # Enter on the page list acknowledges: the one key a tired tech needs
        if obj is self.table and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._acknowledge()
            return True
        return super().eventFilter(obj, event)

    # ---------------------------------------------------------------- actions
    def selected_page_id(self) -> int | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _select_id(self, page_id: int) -> None:
        for row, page in enumerate(self.pages):
            if page["id"] == page_id:
                self.table.selectRow(row)
                return

    def _pick(self, index: int) -> None:
        if 0 <= index < len(self.pages):
            self.table.selectRow(index)
            self.table.setFocus()

    def _acknowledge(self) -> None:
        page_id = self.selected_page_id()
        if page_id is not None:
            self.controller.acknowledge(page_id)

    def _resolve(self) -> None:
        page_id = self.selected_page_id()
        if page_id is not None:
            self.controller.resolve(page_id)

    def _timer(self) -> None:
        self.controller.toggle_timer(self.selected_page_id())

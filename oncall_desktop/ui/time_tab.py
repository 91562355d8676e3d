"""The Time tab: the running timer, big, and today's worked minutes."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from oncall_desktop.ui.controller import AppController


class TimeTab(QWidget):
    def __init__(self, controller: AppController, now_fn=lambda: datetime.now(timezone.utc)) -> None:
        super().__init__()
        self.controller = controller
        self.now_fn = now_fn
        self.clock = QLabel("No timer running")
        font = QFont()
        font.setPointSize(22)
        font.setBold(True)
        self.clock.setFont(font)
        self.ticket = QLabel("")
        self.toggle = QPushButton("Start timer")
        self.toggle.clicked.connect(lambda: controller.toggle_timer(None))
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(("Ticket", "Client", "Start", "Minutes"))
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.clock)
        layout.addWidget(self.ticket)
        layout.addWidget(self.toggle)
        layout.addWidget(QLabel("Recent work:"))
        layout.addWidget(self.table, 1)
        controller.sig_snapshot.connect(self.update_snapshot)

    def update_snapshot(self, snapshot: dict[str, Any]) -> None:
        timer = snapshot.get("timer")
        if timer:
            started = datetime.fromisoformat(timer["started"].replace("Z", "+00:00"))
            seconds = max(0, int((self.now_fn() - started).total_seconds()))
            h, rest = divmod(seconds, 3600)
            m, s = divmod(rest, 60)
            self.clock.setText(f"{h:d}:{m:02d}:{s:02d}")
            self.ticket.setText(f"{timer['ticket_id']} · {timer['client']}")
            self.toggle.setText("Stop timer")
        else:
            self.clock.setText("No timer running")
            self.ticket.setText("Start a timer from a page (Now tab) or the tray menu.")
            self.toggle.setText("Start timer")
        work = snapshot.get("work", [])
        if self.table.rowCount() != len(work) or getattr(self, "_last", None) != work:
            self._last = work
            self.table.setRowCount(len(work))
            for row, w in enumerate(work):
                for col, value in enumerate((w["ticket_id"], w["client"], w["start_local"], str(w["minutes"]))):
                    self.table.setItem(row, col, QTableWidgetItem(value))

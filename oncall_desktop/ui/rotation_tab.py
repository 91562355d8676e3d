"""The Rotation tab: who covers when, for the next two weeks."""
from __future__ import annotations

from typing import Any

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from oncall_desktop.ui.controller import AppController


class RotationTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.summary = QLabel("Opening workspace…")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(("Schedule", "Person", "From", "Until"))
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Next 14 days (overrides highlighted, your shifts in bold):"))
        layout.addWidget(self.table, 1)
        controller.sig_snapshot.connect(self.update_snapshot)
        self._last: list[Any] | None = None

    def update_snapshot(self, snapshot: dict[str, Any]) -> None:
        shifts = snapshot.get("shifts", [])
        if shifts == self._last:
            return
        self._last = shifts
        me = snapshot.get("me")
        names = ", ".join(s["name"] for s in snapshot.get("schedules", [])) or "none yet"
        self.summary.setText(f"Schedules: {names}." + (f" You are {me}." if me else ""))
        self.table.setRowCount(len(shifts))
        for row, shift in enumerate(shifts):
            values = (shift["schedule"], shift["person"], shift["start_local"], shift["end_local"])
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                if shift.get("override"):
                    item.setBackground(QBrush(QColor("#fde7c2")))
                    item.setForeground(QBrush(QColor("black")))
                if me and shift["person"] == me:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, col, item)

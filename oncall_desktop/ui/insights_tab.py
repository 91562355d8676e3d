"""The Insights tab: what the event log says about recent nights."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from oncall_desktop.ui.controller import AppController

FIGURES = (
    ("pages_7d", "Pages in the last 7 days"),
    ("acks_7d", "Acknowledged"),
    ("median_ack_minutes_7d", "Median time to acknowledge (min)"),
    ("suppressed_7d", "Suppressed (maintenance / rules)"),
    ("worked_minutes_7d", "Minutes worked on pages"),
)


class InsightsTab(QWidget):
    def __init__(self, controller: AppController) -> None:
        super().__init__()
        self.values: dict[str, QLabel] = {}
        layout = QFormLayout(self)
        for key, label in FIGURES:
            value = QLabel("—")
            self.values[key] = value
            layout.addRow(label, value)
        controller.sig_snapshot.connect(self.update_snapshot)

    def update_snapshot(self, snapshot: dict[str, Any]) -> None:
        figures = snapshot.get("insights", {})
        for key, label in self.values.items():
            value = figures.get(key)
            label.setText("—" if value is None else str(value))

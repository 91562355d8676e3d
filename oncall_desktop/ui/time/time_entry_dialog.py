"""Dialogs of the Time tab: add/edit a time entry, and export a period for invoicing.

Why dialogs that only collect values: checking and saving happen in the
services on the store thread (the tab calls ``controller.act``), so a refusal
("already on the ticket in the PSA") arrives as words in the status bar and
the dialog never blocks on the disk.  Times are shown and typed in the
technician's own zone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from oncall_desktop.core.time.clock import parse_instant

FLAGS = (("", "none (agreement applies)"), ("no-charge", "NO CHARGE"), ("regular-charge", "REGULAR CHARGE"))
PERIODS = ("Today", "This week", "Last week", "This month", "Last month")


@dataclass(frozen=True)
class EntryValues:
    ticket: str
    client: str
    start: datetime | None  # None: the entry was paused; its parts keep their times
    end: datetime | None
    flag: str | None


def _qt(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()))


def _py(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), timezone.utc)


class TimeEntryDialog(QDialog):
    """Add or correct one entry: ticket, client, start, end (local time) and the billing flag."""

    def __init__(self, parent: QWidget | None, *, clients: list[str], entry: dict[str, Any] | None = None,
                 now: datetime | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit time entry" if entry else "Add time entry")
        now = now or datetime.now(timezone.utc)
        self.ticket = QLineEdit(str(entry["ticket"]) if entry else "")
        self.ticket.setPlaceholderText("local:12 or redmine:4711")
        self.client = QComboBox()
        self.client.setEditable(True)
        self.client.addItems(clients)
        self.client.setCurrentText(str(entry["client"]) if entry else (clients[0] if clients else ""))
        parts = entry.get("parts", 1) if entry else 1
        start = parse_instant(entry["start"]) if entry else now - timedelta(hours=1)
        end = parse_instant(entry["end"]) if entry else now
        self.start = QDateTimeEdit(_qt(start))
        self.end = QDateTimeEdit(_qt(end))
        for edit in (self.start, self.end):
            edit.setDisplayFormat("ddd dd MMM yyyy HH:mm")
            edit.setCalendarPopup(True)
            edit.setEnabled(parts == 1)
        self.flag = QComboBox()
        for value, label in FLAGS:
            self.flag.addItem(label, value)
        self.flag.setCurrentIndex(max(0, self.flag.findData((entry or {}).get("flag") or "")))
        self.note = QLabel("" if parts == 1 else
                           f"This entry was paused ({parts} parts); its times stay as recorded.")
        self.note.setWordWrap(True)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #a50e0e")
        form = QFormLayout(self)
        form.addRow("&Ticket", self.ticket)
        form.addRow("&Client", self.client)
        form.addRow("&Start", self.start)
        form.addRow("&End", self.end)
        form.addRow("&Billing flag", self.flag)
        form.addRow(self.note)
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.parts = parts

    def values(self) -> EntryValues:
        editable = self.parts == 1
        return EntryValues(ticket=self.ticket.text().strip(), client=self.client.currentText().strip(),
                           start=_py(self.start.dateTime()) if editable else None,
                           end=_py(self.end.dateTime()) if editable else None,
                           flag=self.flag.currentData() or None)

    def _check(self) -> None:
        """The obvious mistakes are caught here; everything else by the services."""
        v = self.values()
        if not v.ticket:
            self.problem.setText("Enter the ticket the work was for.")
        elif not v.client:
            self.problem.setText("Enter the client (as in the clients file).")
        elif v.start is not None and v.end is not None and v.end <= v.start:
            self.problem.setText("The end must be after the start.")
        else:
            self.accept()


def period_bounds(name: str, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of a named period in the technician's zone."""
    local = now.astimezone()
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    bounds = {"Today": (today, today + timedelta(days=1)), "This week": (week, week + timedelta(days=7)),
              "Last week": (week - timedelta(days=7), week), "This month": (month, next_month),
              "Last month": (last_month, month)}
    return bounds[name]


class ExportDialog(QDialog):
    """Which client and period to export, and where the CSV goes."""

    def __init__(self, parent: QWidget | None, *, clients: list[str], now: datetime,
                 default_dir: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export time for invoicing")
        self.now = now
        self.client = QComboBox()
        self.client.addItem("All clients", "")
        for name in clients:
            self.client.addItem(name, name)
        self.period = QComboBox()
        self.period.addItems(PERIODS)
        self.period.setCurrentText("Last month")
        self.path = QLineEdit()
        self.browse = QPushButton("&Browse…")
        self.browse.clicked.connect(self._browse)
        self.default_dir = default_dir
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #a50e0e")
        form = QFormLayout(self)
        form.addRow("&Client", self.client)
        form.addRow("&Period", self.period)
        form.addRow("&File", row)
        form.addRow(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("&Export")
        self.buttons.accepted.connect(self._check)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.client.currentIndexChanged.connect(self._suggest)
        self.period.currentIndexChanged.connect(self._suggest)
        self._suggest()

    def _suggest(self) -> None:
        start, _ = self.bounds()
        who = (self.client.currentData() or "all-clients").lower().replace(" ", "-")
        name = f"time-{who}-{start:%Y-%m-%d}-{self.period.currentText().lower().replace(' ', '-')}.csv"
        folder = self.path.text().rsplit("/", 1)[0] + "/" if "/" in self.path.text() else (
            self.default_dir.rstrip("/") + "/" if self.default_dir else "")
        self.path.setText(folder + name)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, "Export CSV", self.path.text(), "CSV files (*.csv)")
        if chosen:
            self.path.setText(chosen if chosen.lower().endswith(".csv") else chosen + ".csv")

    def bounds(self) -> tuple[datetime, datetime]:
        return period_bounds(self.period.currentText(), self.now)

    def _check(self) -> None:
        if not self.path.text().strip():
            self.problem.setText("Choose where to save the CSV file.")
            return
        self.accept()

"""Maintenance windows: add one (clients and/or systems, start, end, note), see and cancel the others."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from oncall_desktop.ui.controller import AppController

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import SuppressedView


def suppressed_text(rows: Sequence[SuppressedView], limit: int = 5) -> str:
    """Now's note about tickets that did not page, and why (empty when there are none)."""
    if not rows:
        return ""
    lines = [f"Not paged ({len(rows)} in the last 12 h):"]
    lines += [f"• {r.at_local} {r.client} — {r.title}: {r.reason}" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more")
    return "\n".join(lines)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


class MaintenanceDialog(QDialog):
    def __init__(self, controller: AppController, parent: Any = None, now: datetime | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Maintenance windows")
        self.resize(620, 460)
        start = (now or datetime.now().astimezone()).replace(second=0, microsecond=0)
        self.clients = QLineEdit()
        self.clients.setPlaceholderText("Acme Dental, Foxglove Hotel")
        self.systems = QLineEdit()
        self.systems.setPlaceholderText("optional: ACME-SQL01 (only tickets naming it)")
        self.start = QDateTimeEdit(QDateTime(start), calendarPopup=True)  # type: ignore[call-overload]  # PySide6 converts a datetime; its stubs omit it
        self.end = QDateTimeEdit(QDateTime(start + timedelta(hours=2)), calendarPopup=True)  # type: ignore[call-overload]  # PySide6 converts a datetime; its stubs omit it
        for edit in (self.start, self.end):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.note = QLineEdit()
        self.note.setPlaceholderText("what the work is, e.g. SQL patching")
        self.add_button = QPushButton("&Add window")
        self.cancel_button = QPushButton("&End selected now")
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.status = QLabel("Matching tickets are noted and do not page until the window ends.")
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Clients", self.clients)
        form.addRow("S&ystems", self.systems)
        form.addRow("&Start", self.start)
        form.addRow("&End", self.end)
        form.addRow("N&ote", self.note)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(QLabel("Scheduled and active windows:"))
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.add_button.clicked.connect(self.add)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.list.itemSelectionChanged.connect(
            lambda: self.cancel_button.setEnabled(bool(self.list.selectedItems())))
        self.cancel_button.setEnabled(False)
        controller.sig_error.connect(self._error)
        self.reload()

    def reload(self) -> None:
        self.controller.query(lambda ws: [(w.id, w.state(ws.clock.now()), w.window.label(
            ws.clock.now().astimezone().tzinfo)) for w in ws.maintenance.windows()], self._show)

    def _show(self, rows: list[tuple[int, str, str]]) -> None:
        self.list.clear()
        for window_id, state, label in rows:
            item = QListWidgetItem(f"[{state}] {label}")
            item.setData(256, window_id)
            self.list.addItem(item)
        if not rows:
            self.list.addItem(QListWidgetItem("No maintenance windows scheduled."))

    def add(self) -> None:
        from oncall_desktop.core.paging.maintenance import MaintenanceError, MaintenanceWindow

        try:
            window = MaintenanceWindow(start=cast(datetime, self.start.dateTime().toPython()).astimezone(),
                                       end=cast(datetime, self.end.dateTime().toPython()).astimezone(),
                                       clients=tuple(_split(self.clients.text())),
                                       systems=tuple(_split(self.systems.text())), note=self.note.text().strip())
        except MaintenanceError as exc:
            self.status.setText(str(exc))
            return
        self.controller.act(lambda ws: ws.maintenance.add(window, by=ws.me), self._added)

    def _added(self, stored: Any) -> None:
        self.status.setText(f"Added: {stored.window.label(datetime.now().astimezone().tzinfo)}")
        self.note.clear()
        self.reload()

    def cancel_selected(self) -> None:
        items = self.list.selectedItems()
        window_id = items[0].data(256) if items else None
        if window_id is None:
            return
        self.controller.act(lambda ws: ws.maintenance.cancel(window_id, by=ws.me), lambda _r: self._cancelled())

    def _cancelled(self) -> None:
        self.status.setText("Window ended: its tickets page again.")
        self.reload()

    def _error(self, message: str) -> None:
        if self.isVisible():
            self.status.setText(message)

"""The readiness check: six items, each pass/fail with the fix, and a real test notification.

Why the Yes/No question: only the person can say whether a notification
actually appeared (Do Not Disturb, a muted app).  The check runs on the store
thread; the question is asked on the GUI thread before it starts, right after
the test notification is sent.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from oncall_desktop.ui.controller import AppController

if TYPE_CHECKING:
    from oncall_desktop.services.app.view_model import ReadinessItem

GREEN, RED = QColor("#1a7f37"), QColor("#cf222e")


class ReadinessDialog(QDialog):
    def __init__(self, controller: AppController, parent: Any = None, ask: Any = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.ask = ask or self._ask_user
        self.items: tuple[ReadinessItem, ...] = ()
        self.setWindowTitle("Ready for the shift?")
        self.resize(760, 360)
        self.summary = QLabel("Press Run check: a test notification is sent first.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(("", "Item", "Result / what to do"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.run_button = QPushButton("&Run check")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.run_button.clicked.connect(self.run)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        # the recorded run (e.g. the one at shift start)
        last = controller.snapshot.readiness if controller.snapshot is not None else None
        if last is not None and last.items:
            self.show_report(last.items)
            from oncall_desktop.services.app.now import local_stamp

            when = local_stamp(last.checked_at)
            self.summary.setText(f"Last check {when}: {self.summary.text()} Press Run check to check again.")

    def _ask_user(self) -> bool:
        answer = QMessageBox.question(self, "Did you see it?",
                                      "A test notification titled “oncall-desktop readiness check” was just sent.\n"
                                      "Did it appear on your screen?")
        return answer == QMessageBox.StandardButton.Yes

    def run(self) -> None:
        self.run_button.setEnabled(False)
        self.summary.setText("Sending a test notification…")
        # deliver first (store thread), then ask here, then run the rest with the answer
        self.controller.query(lambda ws: ws.readiness.notifications(confirm=lambda: True).ok, self._sent,
                              self._failed)

    def _sent(self, delivered: bool) -> None:
        seen = self.ask() if delivered else False
        self.summary.setText("Checking the ticket system, runbooks, backup, disk and autostart…")
        from oncall_desktop.services.app.now import readiness_items

        self.controller.act(lambda ws: readiness_items(ws.readiness.run(confirm=lambda: seen, resend=False).to_json()),
                            self.show_report)

    def _failed(self, exc: BaseException) -> None:
        self.run_button.setEnabled(True)
        self.summary.setText(f"The check could not run: {exc}")

    def show_report(self, items: tuple[ReadinessItem, ...]) -> None:
        """One row per item, the recorded run's or the one just run (both read from the run's JSON form)."""
        self.items = items
        self.run_button.setEnabled(True)
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            mark = QTableWidgetItem("PASS" if item.ok else "FAIL")
            mark.setForeground(QBrush(GREEN if item.ok else RED))
            mark.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            text = item.detail + ("" if item.ok or not item.fix else f"\n→ {item.fix}")
            self.table.setItem(row, 0, mark)
            self.table.setItem(row, 1, QTableWidgetItem(item.title))
            self.table.setItem(row, 2, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        failed = sum(not i.ok for i in items)
        self.summary.setText("Ready for the shift." if not failed else
                             f"{failed} item(s) need attention before the shift (results recorded).")

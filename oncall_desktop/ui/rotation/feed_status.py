"""The line under the Rotation tab's buttons: when the schedule's calendar link last refreshed, and if it failed.

Why its own widget that asks the services itself: it reads the link's status
with a store query (``RotationService.feed_statuses``) when the schedule
changes, after an import and once a minute, instead of riding on the snapshot
the whole tab redraws from every second.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from oncall_desktop.core.time.clock import parse_instant
from oncall_desktop.services.app.now import local_stamp
from oncall_desktop.ui.controller import AppController

RELOAD_MS = 60_000


def status_text(status: Any) -> tuple[str, bool]:
    """The words for one link's status, and whether they report a failure."""
    if status.problem:
        return (f"Calendar link ({status.host}): the refresh at {local_stamp(parse_instant(status.checked_at))} "
                f"failed — {status.problem}. Showing the copy from {local_stamp(parse_instant(status.fetched_at))}."
                ), True
    text = f"Calendar link ({status.host}): refreshed {local_stamp(parse_instant(status.checked_at))}"
    if status.next_at:
        text += f"; next {local_stamp(parse_instant(status.next_at))}"
    return text + ".", False


class FeedStatusLabel(QLabel):
    """Empty (hidden) for a schedule that is not kept from a link."""

    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.schedule: str | None = None
        self.setWordWrap(True)
        self.setAccessibleName("Calendar link status")
        self.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(RELOAD_MS)
        self.timer.timeout.connect(self.reload)
        self.timer.start()

    def set_schedule(self, name: str | None) -> None:
        self.schedule = name or None
        self.reload()

    def reload(self) -> None:
        if self.controller.ws is None or not self.schedule:
            self.show_status(None)
            return
        wanted = self.schedule
        self.controller.query(lambda ws: ws.rotation.feed_statuses(),
                              lambda found: self.show_status(next((s for s in found if s.schedule == wanted), None)),
                              lambda _exc: None)  # a status line that cannot be read stays as it was

    def show_status(self, status: Any) -> None:
        if status is None:
            self.setText("")
            self.hide()
            return
        text, failed = status_text(status)
        self.setText(text)
        self.setStyleSheet("QLabel { color: #b00020; }" if failed else "QLabel { color: palette(mid); }")
        self.show()

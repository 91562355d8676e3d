"""Delivers the outbox as soon as something is queued, and again when a backoff runs out.

Why: a note or a time entry used to wait for the next poll (a minute on call,
a quarter of an hour off call); a hand-over note the backup must read, or the
night's billed time, should leave at once.  ``Outbox.on_queued`` is called on
the store thread, inside the transaction that queued the row; it only emits a
signal, which Qt carries to the GUI thread, and from there the delivery runs on
the network pool (``TaskRunner.net``).  The delivery reaches the store through
``on_store``, behind the queuing transaction, so it reads the committed row.

One delivery runs at a time; a row queued meanwhile asks for one more round
after it.  A row that failed waits for its backoff (``Outbox.next_due``): a
one-shot timer is set for then.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from oncall_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

#: the longest a retry timer is set for; a later backoff is looked at again then
LONGEST_WAIT_MS = 30 * 60 * 1000


class OutboxCourier(QObject):
    """Runs ``Workspace.deliver_outbox`` on the network pool when asked, one round at a time."""

    queued = Signal()
    """Emitted from any thread (the store thread's ``Outbox.on_queued``): deliver soon."""

    delivered = Signal(object)
    """A round finished: its ``DeliveryReport`` (the Time tab's outbox view is redrawn by the controller)."""

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.ws: Any = None
        self._running = False
        self._again = False
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.deliver)
        # queued even from the GUI thread: never inside the store job that queued the row
        self.queued.connect(self.deliver, Qt.ConnectionType.QueuedConnection)

    def install(self, ws: Any) -> None:
        """Hear about every row ``ws``'s outbox queues (call on the store thread, where the outbox lives)."""
        self.ws = ws
        ws.outbox.on_queued = self.queued.emit

    def stop(self) -> None:
        self._retry.stop()
        if self.ws is not None:
            self.ws.outbox.on_queued = None

    def deliver(self) -> None:
        """One delivery round now (or right after the running one)."""
        ws = self.ws
        if ws is None:
            return
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False

        def work() -> tuple[Any, datetime | None, datetime]:
            report = ws.deliver_outbox()
            return report, ws.on_store(ws.outbox.next_due), ws.on_store(ws.clock.now)

        self.runner.net(work, self._done, self._failed)

    def _done(self, result: tuple[Any, datetime | None, datetime]) -> None:
        self._running = False
        report, due, now = result
        self.delivered.emit(report)
        if self._again:
            self.deliver()
        elif due is not None:
            wait_ms = int(max(1.0, (due - now).total_seconds()) * 1000)
            self._retry.start(min(wait_ms, LONGEST_WAIT_MS))

    def _failed(self, exc: BaseException) -> None:
        self._running = False
        log.warning("delivering the outbox failed: %s", exc)  # the next queued row or poll tries again
        if self._again:
            self.deliver()

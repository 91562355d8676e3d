"""The one way the UI runs blocking work: off the GUI thread, results back by signal.

Why one helper: SQLite and HTTP must never stall the window, and scattering
QThreads makes shutdown and tests flaky.  The store is used from exactly one
worker thread ("db"); network calls get a small pool so a slow PSA cannot
queue behind a database write.  Tests can pass ``synchronous=True``.
"""
from __future__ import annotations

import logging
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a finished task's callback back to the GUI thread."""

    sig_done = Signal(object)


class TaskRunner:
    """Run callables on worker threads; deliver results on the GUI thread."""

    def __init__(self, synchronous: bool = False) -> None:
        self.synchronous = synchronous
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oncall-db")
        self._net = ThreadPoolExecutor(max_workers=3, thread_name_prefix="oncall-net")
        self._relay = _Relay()
        self._relay.sig_done.connect(lambda thunk: thunk())
        self._closed = False

    def db(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
           on_error: Callable[[BaseException], None] | None = None) -> None:
        """Work that touches the workspace store (serialised on one thread)."""
        self._submit(self._db, fn, on_done, on_error)

    def net(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Work that waits on the network."""
        self._submit(self._net, fn, on_done, on_error)

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[[], Any],
                on_done: Callable[[Any], None] | None,
                on_error: Callable[[BaseException], None] | None) -> None:
        if self._closed:
            return

        def call() -> None:
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001 — handed to on_error on the GUI thread
                log.debug("background task failed: %s", "".join(traceback.format_exception(exc)))
                if on_error is not None:
                    self._deliver(lambda: on_error(exc))
                else:
                    log.error("background task failed: %s", exc)
                return
            if on_done is not None:
                self._deliver(lambda: on_done(result))

        if self.synchronous:
            call()
        else:
            pool.submit(call)

    def _deliver(self, thunk: Callable[[], None]) -> None:
        if self.synchronous:
            thunk()
        elif not self._closed:
            self._relay.sig_done.emit(thunk)

    def shutdown(self) -> None:
        """Finish queued store writes, then stop; network waits are abandoned."""
        self._closed = True
        self._net.shutdown(wait=False, cancel_futures=True)
        self._db.shutdown(wait=True)

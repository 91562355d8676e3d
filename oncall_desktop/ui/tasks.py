"""The one way the UI runs blocking work: off the GUI thread, results back by signal.

Why one helper: SQLite and HTTP must never stall the window, and scattering
QThreads makes shutdown and tests flaky.  The store is used from exactly one
worker thread ("db"); network calls get a small pool so a slow PSA cannot
queue behind a database write.  Tests can pass ``synchronous=True``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor


def _log_failure(exc: BaseException) -> None:
    import logging

    logging.getLogger(__name__).error("background task failed: %s", exc, exc_info=exc)


class _Relay(QObject):
    """Carries a finished task's callback back to the GUI thread."""

    sig_done = Signal(object)


class TaskRunner:
    """Run callables on worker threads; deliver results on the GUI thread."""

    def __init__(self, synchronous: bool = False) -> None:
        self.synchronous = synchronous
        self._db: ThreadPoolExecutor | None = None
        self._net: ThreadPoolExecutor | None = None
        self._relay = _Relay()
        self._relay.sig_done.connect(lambda thunk: thunk())
        self._closed = False

    def db(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
           on_error: Callable[[BaseException], None] | None = None) -> None:
        """Work that touches the workspace store (serialised on one thread)."""
        self._submit("_db", 1, fn, on_done, on_error)

    def net(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Work that waits on the network."""
        self._submit("_net", 3, fn, on_done, on_error)

    def _pool(self, name: str, workers: int) -> ThreadPoolExecutor:
        # created on first use: start-up does not pay for threads it has not needed yet
        pool = getattr(self, name)
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"oncall{name}")
            setattr(self, name, pool)
        return pool

    def _submit(self, pool_name: str, workers: int, fn: Callable[[], Any],
                on_done: Callable[[Any], None] | None,
                on_error: Callable[[BaseException], None] | None) -> None:
        if self._closed:
            return

        def call() -> None:
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001 — handed to on_error on the GUI thread
                if on_error is not None:
                    self._deliver(lambda: on_error(exc))
                else:
                    _log_failure(exc)
                return
            if on_done is not None:
                self._deliver(lambda: on_done(result))

        if self.synchronous:
            call()
        else:
            self._pool(pool_name, workers).submit(call)

    def _deliver(self, thunk: Callable[[], None]) -> None:
        if self.synchronous:
            thunk()
        elif not self._closed:
            self._relay.sig_done.emit(thunk)

    def shutdown(self) -> None:
        """Finish queued store writes, then stop; network waits are abandoned."""
        self._closed = True
        if self._net is not None:
            self._net.shutdown(wait=False, cancel_futures=True)
        if self._db is not None:
            self._db.shutdown(wait=True)

"""The one way the UI runs blocking work: off the GUI thread, results back by signal.

Why one helper: SQLite and HTTP must never stall the window, and scattering
QThreads makes shutdown and tests flaky.  The store is used from exactly one
worker thread ("db"); network calls get a small pool so a slow PSA cannot
queue behind a database write, and a network job reaches the store only
through :meth:`TaskRunner.on_store`, which hands the store work to the db
thread and waits for it there — so an acknowledgement never waits behind a
ticket system that trickles bytes.  Tests can pass ``synchronous=True``.

Every failure reaches somebody: ``on_error`` on the GUI thread, else the
log.  A callback that raises is logged too, never lost inside Qt's slot
machinery (where a flag left set would switch a feature off for good).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")
log = logging.getLogger(__name__)
_on_db_thread = threading.local()


def _log_failure(exc: BaseException) -> None:
    log.error("background task failed: %s", exc, exc_info=exc)


def _mark_db_thread() -> None:
    _on_db_thread.active = True


def _run_thunk(thunk: Callable[[], None]) -> None:
    try:
        thunk()
    except Exception as exc:  # noqa: BLE001 — a view's callback must not take the event loop's relay down
        log.error("a background task's result could not be shown: %s", exc, exc_info=exc)


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
        self._relay.sig_done.connect(_run_thunk)
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

            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"oncall{name}",
                                      initializer=_mark_db_thread if name == "_db" else None)
            setattr(self, name, pool)
        return pool

    def _submit(self, pool_name: str, workers: int, fn: Callable[[], Any],
                on_done: Callable[[Any], None] | None,
                on_error: Callable[[BaseException], None] | None) -> None:
        if self._closed:
            return

        def call() -> None:
            failure: BaseException | None = None
            result: Any = None
            try:
                result = fn()
            except BaseException as exc:  # noqa: BLE001 — handed to on_error on the GUI thread
                failure = exc  # ``exc`` itself is unbound when the block ends: keep the exception
            if failure is not None:
                if on_error is not None:
                    log.warning("background task failed: %s", failure, exc_info=failure)
                    error_handler, error = on_error, failure
                    self._deliver(lambda: error_handler(error))
                else:
                    _log_failure(failure)
                return
            if on_done is not None:
                self._deliver(lambda: on_done(result))

        if self.synchronous:
            call()
        else:
            try:
                self._pool(pool_name, workers).submit(call)
            except RuntimeError:  # the pool shut down between the check and the submit: the app is closing
                return

    def on_store(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the store thread and wait for its result (from a network job).

        Network jobs call this for each piece of store work they need, so the
        store thread is never held while a ticket system is slow.  Called on
        the store thread itself (or synchronously), ``fn`` just runs.
        """
        if self.synchronous or getattr(_on_db_thread, "active", False):
            return fn()
        if self._closed:
            raise RuntimeError("the app is closing")
        return self._pool("_db", 1).submit(fn).result()

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

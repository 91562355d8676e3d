"""How work that waits on the network reaches the store: ``on_store(fn)``.

Why: the app keeps one thread for the workspace store and runs network
waits elsewhere, so a ticket system that answers one byte a second never
holds an acknowledgement or the timer's heartbeat.  A service that mixes the
two (a poll, an outbox delivery, a team-pack sync) takes an ``on_store``
callable and passes every store read and write through it; the app's is
``TaskRunner.on_store`` (hand to the store thread, wait for the result),
everyone else's — the CLI, tests — is :func:`run_here`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

OnStore = Callable[[Callable[[], Any]], Any]


def run_here(fn: Callable[[], T]) -> T:
    """The ``on_store`` of a caller that already is on the store's thread."""
    return fn()


def uses_store(system: Any) -> bool:
    """A ticket system kept in the workspace itself (the local book): it runs on the store thread."""
    return bool(getattr(system, "uses_store", False))

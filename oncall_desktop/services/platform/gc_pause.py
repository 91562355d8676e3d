"""Bulk work with the cyclic garbage collector held off.

Why: a first poll turns a 10,000-ticket answer into some 100,000 lists, dicts
and objects, none of them in a reference cycle.  While they pile up the
collector runs again and again — every 700 new containers, and now and then
over the whole heap — finding nothing: measured, a fifth of the CPU time of
parsing, mapping and judging such a poll.  Holding it off for those few tens
of milliseconds loses nothing (reference counting still frees everything at
once) and it runs as usual right after.

The collector is process-wide and the poll runs on a worker thread, so
pauses nest and count: it comes back when the last one ends, and only if it
was on when the first one began.  For the same reason a pause covers only
CPU work (decoding one answer, mapping, judging), never a wait on the
network: the GUI thread's collections would wait with it.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic collector off for the ``with`` block (nests, thread-safe)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()

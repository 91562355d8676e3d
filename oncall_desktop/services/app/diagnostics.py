"""Numbers about the running process, written now and then to a file: for the soak bench and bug reports.

Why: the failures that kill a tray app show only over hours — a reference
count that drifts to zero, memory that creeps, a thread pool that stops.
When ``ONCALL_STATS_FILE`` is set, a daemon thread appends one JSON line
every ``ONCALL_STATS_SECONDS`` (default 10): the references to ``None``, the
resident memory, the live threads.  Off by default; the thread never touches
Qt or the store.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

FILE_VARIABLE = "ONCALL_STATS_FILE"
SECONDS_VARIABLE = "ONCALL_STATS_SECONDS"


def sample() -> dict[str, float | int]:
    return {"t": round(time.time(), 3), "none_refs": sys.getrefcount(None), "rss_kb": rss_kb(),
            "threads": threading.active_count()}


def rss_kb() -> int:
    """Resident memory in KiB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def start_from_environ(environ: dict[str, str] | None = None) -> threading.Thread | None:
    environ = dict(os.environ if environ is None else environ)
    target = environ.get(FILE_VARIABLE)
    if not target:
        return None
    every = max(0.5, float(environ.get(SECONDS_VARIABLE, "10") or 10))
    path = Path(target)

    def write() -> None:
        while True:
            try:
                with path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(sample()) + "\n")
            except OSError:
                return  # a diagnostics file that cannot be written must not disturb the app
            time.sleep(every)

    thread = threading.Thread(target=write, name="oncall-stats", daemon=True)
    thread.start()
    return thread

"""Does the installed Qt binding lose references to ``None``?

Why this exists: PySide6 6.12.0 drops one reference to ``None`` on every Qt
call that returns void (``setText``, ``setEnabled``, ``processEvents`` …).
On Python 3.11 — Debian 12's, and the one the frozen build carries — the
count reaches zero after a few minutes of the window redrawing and the
interpreter aborts with "Fatal Python error: none_dealloc".  Python 3.12
made ``None`` immortal, which hides the bug without fixing it.

The project excludes that release, but a user can install another build or
a future release can regress, so ``--selftest`` and ``check`` measure it on
what is really installed.  The probe gives back whatever it took, so running
it never shortens the life of a leaking process.  ``check`` (services, which
never import Qt) runs it as its own program: ``python -m
oncall_desktop.ui.platform.qt_probe`` prints the result as JSON (the frozen build:
``oncall-desktop --qt-probe``).
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass

CALLS = 200
"""Void calls per measurement: enough to tell 1.0 from 0.0 with margin, far below None's count."""

_returned: list[None] = []  # references handed back to None when the probe itself took some


@dataclass(frozen=True)
class ProbeResult:
    lost_per_call: float
    measurable: bool
    version: str

    @property
    def ok(self) -> bool:
        return self.lost_per_call <= 0

    def sentence(self) -> str:
        if not self.measurable:
            return f"PySide6 {self.version}: None is immortal on this Python, so a reference leak cannot crash it"
        if self.ok:
            return f"PySide6 {self.version} keeps None's reference count (0 lost per Qt call)"
        return (f"PySide6 {self.version} loses {self.lost_per_call:.1f} reference to None per Qt call: the app "
                f"would abort within minutes; install another release (pip install 'PySide6-Essentials!={self.version}')")


def _immortal_none() -> bool:
    """Python 3.12+ pins None's count (PEP 683): a leak cannot reach zero, and cannot be seen."""
    before = sys.getrefcount(None)
    held = [None] * 10
    after = sys.getrefcount(None)
    del held
    return after == before


def measure(calls: int = CALLS, call: Callable[[], None] | None = None) -> ProbeResult:
    """Count the references to None that ``calls`` void Qt calls lose (QtCore only: no display needed).

    ``call``: the void call to repeat (default ``QObject.setObjectName``).
    """
    import PySide6

    version = str(getattr(PySide6, "__version__", "?"))
    if _immortal_none():
        return ProbeResult(0.0, False, version)
    if call is None:
        from PySide6.QtCore import QObject

        probe = QObject()
        call = lambda: probe.setObjectName("probe")  # noqa: E731
    call()  # first call: any one-off caching happens outside the count
    before = sys.getrefcount(None)
    for _ in range(calls):
        call()
    lost = before - sys.getrefcount(None)
    if lost > 0:
        _returned.extend([None] * lost)  # hand back what the probe took
    return ProbeResult(max(0, lost) / calls, True, version)


def main() -> int:
    """Print the measurement as one JSON object (for ``check``, which runs this as a program)."""
    result = measure()
    print(json.dumps({**asdict(result), "ok": result.ok, "sentence": result.sentence()}))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())

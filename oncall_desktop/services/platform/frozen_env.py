"""The packaged app's children get the user's library path, not the bundle's.

Why: PyInstaller's bootloader prepends the bundle's folder to
``LD_LIBRARY_PATH`` (keeping the user's value in ``LD_LIBRARY_PATH_ORIG``) so
the frozen Python finds its libraries.  Every program the app starts inherits
that — ``dbus-send`` for the notification check, ``notify-send`` behind
plyer, the chime's ``paplay`` — and would load the bundle's copies of
libdbus, glib or libpulse instead of its own: on another distribution, a
symbol-lookup error instead of a page.  The running app does not need the
variable any more (the dynamic linker read it at start-up), so it is put back
once, first thing, and every child sees the system as the user has it.
"""
from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

ORIG = "LD_LIBRARY_PATH_ORIG"


def restore_library_path(environ: MutableMapping[str, str] | None = None, *, frozen: bool | None = None,
                         platform: str = sys.platform) -> None:
    """In a frozen Linux build: ``LD_LIBRARY_PATH`` as the user had it (unset if they had none)."""
    env = os.environ if environ is None else environ
    if not (getattr(sys, "frozen", False) if frozen is None else frozen) or not platform.startswith("linux"):
        return
    if ORIG in env:
        env["LD_LIBRARY_PATH"] = env.pop(ORIG)
    else:
        env.pop("LD_LIBRARY_PATH", None)

"""Subcommands of ``oncall-desktop``, one module per area.

Each module has ``register(add)`` where ``add(name, handler, help)`` returns
an argparse parser; handlers take the parsed args and return an exit code.
Modules import their services lazily so ``oncall-desktop --help`` stays fast.
"""
from __future__ import annotations

#: Registered in this order (it is the order ``--help`` lists them).
MODULES = ("spine", "rotation", "psa", "pages", "time", "runbooks", "shift", "log")

"""log: the tail of the app's log file (what the tray app wrote while nobody watched)."""
from __future__ import annotations

import argparse

from oncall_desktop.commands.common import AddCommand, UsageError


def register(add: AddCommand) -> None:
    p = add("log", cmd_log, "the last lines of the app's log file (rotated, secrets masked)")
    p.add_argument("--lines", "-n", type=int, default=40, metavar="N", help="how many lines (default 40)")


def cmd_log(args: argparse.Namespace) -> int:
    from oncall_desktop.services.app.app_log import log_path, tail

    if args.lines < 1:
        raise UsageError("--lines must be at least 1")
    path = log_path()
    if not path.exists():
        print(f"No log yet: the tray app writes {path} once it has run.")
        return 0
    for line in tail(path, args.lines):
        print(line)
    return 0

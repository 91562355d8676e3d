"""What every command module shares: one-line usage errors, the workspace, JSON out."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

PROG = "oncall-desktop"

Handler = Callable[[argparse.Namespace], int]
AddCommand = Callable[..., argparse.ArgumentParser]


class UsageError(Exception):
    """The command line is wrong (exit 2)."""


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        if message.startswith(("argument COMMAND", "argument ACTION")):
            message = message.split(": ", 1)[1].replace("invalid choice: ", "unknown subcommand ")
        raise UsageError(f"{message} (see '{self.prog} --help')")


def actions(parser: argparse.ArgumentParser, name: str) -> Callable[..., argparse.ArgumentParser]:
    """Nested actions (``rotation show``, ``time add``…); returns ``add(action, handler, help)``."""
    parser.set_defaults(handler=lambda args: missing_action(name))
    sub = parser.add_subparsers(dest=f"{name}_action", metavar="ACTION", parser_class=Parser)

    def add(action: str, handler: Handler, help: str, **kw: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(action, help=help, description=help, **kw)
        p.set_defaults(handler=handler)
        return p

    return add


def missing_action(name: str) -> int:
    raise UsageError(f"'{name}' needs an action (see '{PROG} {name} --help')")


def workspace_dir(args: argparse.Namespace) -> Path:
    """The folder --workspace names, or the user's own."""
    from oncall_desktop.services.storage.paths import default_workspace_dir

    return Path(args.workspace) if args.workspace else default_workspace_dir()


def open_workspace(args: argparse.Namespace, clock: Any = None) -> Any:
    """The workspace named by --workspace (or the user's own); ``clock`` for commands that set the time."""
    from oncall_desktop.services.app.workspace import Workspace

    return Workspace(workspace_dir(args), clock)


def instant_arg(text: str, flag: str) -> datetime:
    """An ISO 8601 option value as aware UTC, or a usage error naming the option."""
    from oncall_desktop.core.time.clock import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def print_json(value: Any) -> None:
    import json

    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")

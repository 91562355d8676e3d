"""``oncall-desktop``: the tray app with no arguments, script-friendly subcommands otherwise.

Why argparse and lazy imports: ``oncall-desktop`` with no arguments must put a
tray icon up fast (see bench/startup.py), so neither Qt nor the store is
imported before they are needed.  Errors are one readable line on stderr:
exit 2 for usage, 1 for failures.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from oncall_desktop import __version__
from oncall_desktop.commands.common import PROG, Parser, UsageError, workspace_dir


def build_parser() -> argparse.ArgumentParser:
    import importlib

    from oncall_desktop.commands import MODULES

    parser = Parser(prog=PROG, description="The on-call technician's tray companion.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--workspace", metavar="DIR", help="workspace folder (default: your user data folder)")
    parser.add_argument("--show", action="store_true", help="open the main window at start (tray app only)")
    parser.add_argument("--selftest", action="store_true",
                        help="check this installation (workspace, rules, runbooks, Qt) and exit")
    parser.add_argument("--qt-probe", action="store_true", help=argparse.SUPPRESS)  # `check` runs it (frozen build)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    def add(name: str, handler: Callable[[argparse.Namespace], int] | None, help: str,
            **kw: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, **kw)
        if handler is not None:
            p.set_defaults(handler=handler)
        return p

    for module in MODULES:
        importlib.import_module(f"oncall_desktop.commands.{module}").register(add)
    return parser


def cmd_tray(args: argparse.Namespace) -> int:
    from oncall_desktop.ui.platform.display import display_problem

    problem = display_problem()
    if problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return 1
    from oncall_desktop.ui.app import run

    return run(workspace_dir(args), show=args.show)


# ------------------------------------------------------------------------ main
def _tray_fast_path(argv: Sequence[str]) -> argparse.Namespace | None:
    """``oncall-desktop [--workspace DIR] [--show]`` without building every subcommand's parser.

    Starting the tray is the hot path (bench/startup.py); anything else, or
    anything unusual, goes through the full parser and its error messages.
    """
    args = argparse.Namespace(workspace=None, show=False)
    items = list(argv)
    while items:
        item = items.pop(0)
        if item == "--show":
            args.show = True
        elif item == "--workspace" and items and not items[0].startswith("-"):
            args.workspace = items.pop(0)
        elif item.startswith("--workspace=") and len(item) > len("--workspace="):
            args.workspace = item.split("=", 1)[1]
        else:
            return None
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    fast = _tray_fast_path(argv)
    if fast is not None:
        return cmd_tray(fast)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.qt_probe:
            from oncall_desktop.ui.platform.qt_probe import main as qt_probe_main

            return qt_probe_main()
        if args.selftest:
            from oncall_desktop.ui.platform.selftest import run_selftest

            return run_selftest()
        handler = getattr(args, "handler", cmd_tray)
        return handler(args)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `oncall-desktop events --json | head`: the reader left; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 — every failure becomes one readable line
        message = _readable(exc)
        if message is None:
            raise
        print(f"{PROG}: {message}", file=sys.stderr)
        return 1


def _readable(exc: Exception) -> str | None:
    """The one-line message for failures we expect; None for real bugs (traceback)."""
    from oncall_desktop.core.tickets.tickets import TicketError
    from oncall_desktop.services.storage.store import WorkspaceError

    expected: tuple[type[Exception], ...] = (WorkspaceError, TicketError, ValueError, OSError)
    try:
        from oncall_desktop.services.platform.credentials import CredentialError
        from oncall_desktop.services.psa.base import TicketSystemError

        expected += (CredentialError, TicketSystemError)
    except ImportError:  # pragma: no cover - keyring missing is itself reported elsewhere
        pass
    if isinstance(exc, expected):
        return str(exc) or exc.__class__.__name__
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

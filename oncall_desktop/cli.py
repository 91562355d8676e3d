"""``oncall-desktop``: the tray app with no arguments, script-friendly subcommands otherwise.

Why argparse and lazy imports: ``oncall-desktop`` with no arguments must put a
tray icon up fast (see bench/startup.py), so neither Qt nor the store is
imported before they are needed.  Errors are one readable line on stderr:
exit 2 for usage, 1 for failures.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

from oncall_desktop import __version__

PROG = "oncall-desktop"


class UsageError(Exception):
    """The command line is wrong (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        if message.startswith(("argument COMMAND", "argument ACTION")):
            message = message.split(": ", 1)[1].replace("invalid choice: ", "unknown subcommand ")
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="The on-call technician's tray companion.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--workspace", metavar="DIR", help="workspace folder (default: your user data folder)")
    parser.add_argument("--show", action="store_true", help="open the main window at start (tray app only)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, handler: Callable[..., int], help: str, **kw: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, **kw)
        p.set_defaults(handler=handler)
        return p

    command("demo", cmd_demo, "fill the workspace with a believable demo MSP (idempotent)")

    p = command("now", cmd_now, "who is on call now, and the pages waiting")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command("ticket", lambda a: _missing(a, "ticket"), "tickets in the local book")
    tsub = p.add_subparsers(dest="ticket_command", metavar="ACTION", parser_class=_Parser)
    add = tsub.add_parser("add", help="put a ticket into the local book", description="put a ticket into the local book")
    add.set_defaults(handler=cmd_ticket_add)
    add.add_argument("--title", required=True)
    add.add_argument("--client", default="unknown")
    add.add_argument("--body", default="")
    add.add_argument("--priority", type=int, choices=(1, 2, 3, 4), default=3, help="1 most urgent")
    add.add_argument("--contact", default="")
    add.add_argument("--json", action="store_true")

    p = command("events", cmd_events, "the workspace's event log (audit trail)")
    p.add_argument("--kind", help="only events of this kind")
    p.add_argument("--json", action="store_true")

    p = command("sync", cmd_sync, "poll the ticket system once and page for escalated tickets")
    p.add_argument("--once", action="store_true", help="poll once and exit (the only mode for now)")
    p.add_argument("--json", action="store_true")
    return parser


def _missing(args: argparse.Namespace, name: str) -> int:
    raise UsageError(f"'{name}' needs an action (see '{PROG} {name} --help')")


# --------------------------------------------------------------------- helpers
def _workspace(args: argparse.Namespace):
    from oncall_desktop.services.paths import default_workspace_dir
    from oncall_desktop.services.workspace import Workspace

    return Workspace(Path(args.workspace) if args.workspace else default_workspace_dir())


def _print_json(value: Any) -> None:
    import json

    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


# -------------------------------------------------------------------- commands
def cmd_demo(args: argparse.Namespace) -> int:
    from oncall_desktop.services.demo import seed_demo

    ws = _workspace(args)
    summary = seed_demo(ws)
    print(f"Demo workspace ready in {ws.directory}: {summary}")
    return 0


def cmd_now(args: argparse.Namespace) -> int:
    from oncall_desktop.services.now import now_report

    ws = _workspace(args)
    report = now_report(ws)
    if args.json:
        _print_json(report)
        return 0
    if report["on_call"]:
        for entry in report["on_call"]:
            backup = f", backup {entry['backup']}" if entry.get("backup") else ""
            print(f"{entry['schedule']}: {entry['person']} until {entry['shift_end']}{backup}")
    else:
        print("Nobody is on call in any schedule right now.")
    if not report["pages"]:
        print("No pages waiting.")
    for page in report["pages"]:
        print(f"[{page['state']}] {page['ticket']} {page['client']}: {page['title']} — {page['reason']}")
    return 0


def cmd_ticket_add(args: argparse.Namespace) -> int:
    from oncall_desktop.tickets import Ticket

    ws = _workspace(args)
    ticket = Ticket(title=args.title, client=args.client, body=args.body, priority=args.priority,
                    contact=args.contact)
    stored = ws.book.add(ticket)
    if args.json:
        _print_json(stored.to_json())
    else:
        print(f"Added {stored.id}: {stored.title} ({stored.client}, P{stored.priority})")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    import json

    ws = _workspace(args)
    events = ws.store.events(kind=args.kind)
    if args.json:
        _print_json(events)
    else:
        for e in events:
            print(f"{e['at']}  {e['kind']:<24} {e['subject']:<16} {json.dumps(e['data'], ensure_ascii=False)}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    ws = _workspace(args)
    result = ws.poller.poll_once()
    if args.json:
        _print_json(result.to_json())
    else:
        print(result.summary())
    return 1 if result.errors and not result.fetched else 0


def cmd_tray(args: argparse.Namespace) -> int:
    from oncall_desktop.ui.display import display_problem

    problem = display_problem()
    if problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return 1
    from oncall_desktop.services.paths import default_workspace_dir
    from oncall_desktop.ui.app import run

    return run(Path(args.workspace) if args.workspace else default_workspace_dir(), show=args.show)


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
        handler = getattr(args, "handler", cmd_tray)
        return handler(args)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 — every failure becomes one readable line
        message = _readable(exc)
        if message is None:
            raise
        print(f"{PROG}: {message}", file=sys.stderr)
        return 1


def _readable(exc: Exception) -> str | None:
    """The one-line message for failures we expect; None for real bugs (traceback)."""
    from oncall_desktop.services.store import WorkspaceError
    from oncall_desktop.tickets import TicketError

    expected: tuple[type[Exception], ...] = (WorkspaceError, TicketError, ValueError, OSError)
    try:
        from oncall_desktop.services.credentials import CredentialError
        from oncall_desktop.services.psa.base import TicketSystemError

        expected += (CredentialError, TicketSystemError)
    except ImportError:  # pragma: no cover - keyring missing is itself reported elsewhere
        pass
    if isinstance(exc, expected):
        return str(exc) or exc.__class__.__name__
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

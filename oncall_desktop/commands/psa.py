"""Commands: connect, requests, rules test|load|show|reset.

Why the secret comes from stdin: command lines end up in shell history and
``ps`` output; stdin does not.  ``connect`` saves first, then tests, so a
technician setting up on a train keeps the settings and only re-runs the test.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from oncall_desktop.commands.common import AddCommand, UsageError, actions, open_workspace, print_json
from oncall_desktop.commands.triage import cmd_rules_replay, cmd_rules_undo
from oncall_desktop.core.paging.replay import MAX_REPLAY_TICKETS


def register(add: AddCommand) -> None:
    from oncall_desktop.services.psa.ticket_systems import SYSTEMS

    p = add("connect", cmd_connect, "choose the ticket system to poll; the secret is read from stdin")
    p.add_argument("system", metavar="SYSTEM", choices=list(SYSTEMS), help=", ".join(SYSTEMS))
    p.add_argument("--url", default="", help="address of the system (host name or https://…)")
    p.add_argument("--user", default="", help="user name, e-mail, public key or client id (see Settings)")
    p.add_argument("--company", default="", help="company id / tenant where the system needs one")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="vendor option such as client_id=… or project=… (repeatable)")
    p.add_argument("--no-test", action="store_true", help="save without signing in")

    p = add("requests", cmd_requests, "how many requests this app sent the ticket system in the last hour, its "
            "budget, and when and why it checks next")
    p.add_argument("--budget", metavar="N", help="set this app's budget (requests an hour, 10–2000)")
    p.add_argument("--json", action="store_true")

    rules = actions(add("rules", None, "escalation rules: test a ticket, load or show the rules"), "rules")
    p = rules("test", cmd_rules_test, "judge one ticket (JSON file, only 'title' required) with this workspace's "
              "rules; a .jsonl file holds one ticket a line and gets one decision a line, in order")
    p.add_argument("file", metavar="FILE.json", help="a ticket in the JSON form (.jsonl: one a line); '-' reads stdin")
    p.add_argument("--json", action="store_true")
    p = rules("load", cmd_rules_load, "replace the rules with a TOML file (rejected whole if invalid)")
    p.add_argument("file", metavar="FILE.toml")
    p = rules("show", cmd_rules_show, "print the rules in use (TOML)")
    p.add_argument("--json", action="store_true")
    rules("reset", cmd_rules_reset, "go back to the built-in rules")
    p = rules("replay", cmd_rules_replay, "judge again the tickets that arrived in a period, with the current "
              f"rules or a candidate file, and say which pages would be gained, lost or re-rated (at most "
              f"{MAX_REPLAY_TICKETS} tickets)")
    p.add_argument("--from", dest="start", required=True, metavar="ISO", help="start, e.g. 2026-11-01T00:00:00Z")
    p.add_argument("--to", dest="end", required=True, metavar="ISO", help="end, exclusive")
    p.add_argument("--rules", metavar="FILE.toml", help="a candidate rules file (default: the rules in use)")
    p.add_argument("--json", action="store_true", help="one JSON object (shape in docs/triage.md)")
    rules("undo", cmd_rules_undo, "put back the rules as they were before the last change (load, reset, "
          "an accepted proposal), exactly")


def _options(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--option takes KEY=VALUE, not {pair!r}")
        out[key.strip()] = value.strip()
    return out


def _read_secret(label: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"{label}: ")
    return sys.stdin.readline().rstrip("\r\n")


def cmd_connect(args: argparse.Namespace) -> int:
    from oncall_desktop.services.platform import credentials
    from oncall_desktop.services.psa.base import TicketSystemError
    from oncall_desktop.services.psa.ticket_systems import LOCAL, SYSTEMS

    info = SYSTEMS[args.system]
    ws = open_workspace(args)
    secret = ""
    if args.system != LOCAL:
        secret = _read_secret(info.secret_label)
        if not secret and not credentials.get_secret(args.system, args.user or args.url):
            raise UsageError(f"type the {info.secret_label.lower()} on standard input, e.g. "
                             f"'printf %s \"$KEY\" | oncall-desktop connect {args.system} --url …'")
    conn = ws.connect(args.system, url=args.url, user=args.user, company=args.company, secret=secret or None,
                      options=_options(args.option))
    print(f"Saved: {conn.describe()} (secret in the keyring, not in the workspace).")
    if args.no_test:
        return 0
    try:
        print(ws.test_connection())
    except TicketSystemError as exc:
        print(f"Test connection failed ({exc.kind.value}): {exc}", file=sys.stderr)
        return 1
    return 0


def _load_ticket(path: str, now: Any) -> Any:
    import json

    from oncall_desktop.core.tickets.tickets import Ticket, TicketError

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TicketError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TicketError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    return Ticket.from_json(data, now)


#: a .jsonl file for ``rules test`` holds at most this many tickets / bytes (it is judged in memory)
MAX_TEST_LINES = 10_000
MAX_TEST_BYTES = 20 * 1024 * 1024


def _load_tickets(path: str, now: Any) -> list[Any]:
    """Every ticket of a JSON Lines file, or one :class:`TicketError` naming the first bad line."""
    import json

    from oncall_desktop.core.tickets.tickets import Ticket, TicketError

    try:
        size = Path(path).stat().st_size
        if size > MAX_TEST_BYTES:
            raise TicketError(f"{path} is {size // (1024 * 1024)} MB; rules test reads at most "
                              f"{MAX_TEST_BYTES // (1024 * 1024)} MB (split the file)")
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise TicketError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TicketError(f"{path} is not UTF-8 text") from None
    tickets: list[Ticket] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(tickets) >= MAX_TEST_LINES:
            raise TicketError(f"{path} has more than {MAX_TEST_LINES} tickets; split the file")
        try:
            tickets.append(Ticket.from_json(json.loads(line), now))
        except json.JSONDecodeError as exc:
            raise TicketError(f"{path} line {number}: not valid JSON ({exc.msg})") from None
        except TicketError as exc:
            raise TicketError(f"{path} line {number}: {exc}") from None
    if not tickets:
        raise TicketError(f"{path} holds no tickets (one JSON object a line)")
    return tickets


def _rules_test_lines(args: argparse.Namespace) -> int:
    """``rules test FILE.jsonl``: each line judged as if tested alone, one decision a line, in order."""
    from oncall_desktop.core.paging.escalation import evaluate
    from oncall_desktop.services.paging.rules_store import RulesStore

    ws = open_workspace(args)
    now = ws.clock.now()
    tickets = _load_tickets(args.file, now)  # all read first: a bad line prints nothing else
    rules = RulesStore(ws.store).rules()
    out = []
    for number, ticket in enumerate(tickets, 1):
        decision = evaluate(ticket, rules, ws.intake.context([ticket]), now)
        if args.json:
            import json

            out.append(json.dumps(decision.to_json(), ensure_ascii=False))
        else:
            verdict = "PAGES" if decision.page else "does not page"
            out.append(f"{number}: {decision.severity} {verdict} — {ticket.title[:60]}")
            out.extend(f"  - {reason}" for reason in decision.reasons)
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_rules_test(args: argparse.Namespace) -> int:
    from oncall_desktop.core.paging.escalation import evaluate
    from oncall_desktop.services.paging.rules_store import RulesStore

    if args.file.endswith(".jsonl"):
        return _rules_test_lines(args)
    ws = open_workspace(args)
    now = ws.clock.now()
    ticket = _load_ticket(args.file, now)
    decision = evaluate(ticket, RulesStore(ws.store).rules(), ws.intake.context([ticket]), now)
    if args.json:
        print_json(decision.to_json())
    else:
        verdict = "PAGES" if decision.page else "does not page"
        print(f"{decision.severity}: {verdict}")
        for reason in decision.reasons:
            print(f"  - {reason}")
    return 0


def cmd_rules_load(args: argparse.Namespace) -> int:
    from oncall_desktop.services.paging.rules_store import RulesStore

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    ws = open_workspace(args)
    rules = RulesStore(ws.store).save_text(text, path.name)
    print(f"Loaded {len(rules.rules)} rule(s) from {path.name}; pages at P{rules.page_at} or more urgent.")
    return 0


def cmd_rules_show(args: argparse.Namespace) -> int:
    from oncall_desktop.services.paging.rules_store import RulesStore

    store = RulesStore(open_workspace(args).store)
    if args.json:
        print_json(store.rules().to_dict())
    else:
        sys.stdout.write(store.text())
    return 0


def cmd_rules_reset(args: argparse.Namespace) -> int:
    from oncall_desktop.services.paging.rules_store import RulesStore

    RulesStore(open_workspace(args).store).reset()
    print("Back to the built-in rules.")
    return 0


def cmd_requests(args: argparse.Namespace) -> int:
    from oncall_desktop.services.paging import poll_schedule

    ws = open_workspace(args)
    if args.budget is not None:
        poll_schedule.set_budget(ws, args.budget)
    report = poll_schedule.request_report(ws)
    if args.json:
        print_json(report)
    else:
        print(report["line"])
    return 0

"""demo, now, ticket add, events, sync: the commands every workspace has."""
from __future__ import annotations

import argparse

from oncall_desktop.commands.common import AddCommand, actions, open_workspace, print_json


def register(add: AddCommand) -> None:
    p = add("demo", cmd_demo, "fill the workspace with a believable demo MSP (idempotent)")
    p.add_argument("--history", action="store_true", help="also write a past month of pages and work (for Insights)")

    p = add("now", cmd_now, "who is on call now, and the pages waiting")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    ticket = actions(add("ticket", None, "tickets in the local book"), "ticket")
    p = ticket("add", cmd_ticket_add, "put a ticket into the local book")
    p.add_argument("--title", required=True)
    p.add_argument("--client", default="unknown")
    p.add_argument("--body", default="")
    p.add_argument("--priority", type=int, choices=(1, 2, 3, 4), default=3, help="1 most urgent")
    p.add_argument("--contact", default="")
    p.add_argument("--json", action="store_true")

    p = add("events", cmd_events, "the workspace's event log (audit trail)")
    p.add_argument("--kind", help="only events of this kind")
    p.add_argument("--json", action="store_true")

    p = add("sync", cmd_sync, "poll the ticket system once and page for escalated tickets")
    p.add_argument("--once", action="store_true", help="poll once and exit (the only mode for now)")
    p.add_argument("--json", action="store_true")


def cmd_demo(args: argparse.Namespace) -> int:
    from oncall_desktop.services.demo.demo import seed_demo

    ws = open_workspace(args)
    summary = seed_demo(ws)
    if getattr(args, "history", False):
        from oncall_desktop.services.demo.demo_history import seed_history

        summary += f"; {seed_history(ws)} past pages written"
    print(f"Demo workspace ready in {ws.directory}: {summary}")
    return 0


def cmd_now(args: argparse.Namespace) -> int:
    from oncall_desktop.services.app.now import now_report

    ws = open_workspace(args)
    report = now_report(ws)
    if args.json:
        print_json(report)
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
    from oncall_desktop.core.tickets.tickets import Ticket

    ws = open_workspace(args)
    ticket = Ticket(title=args.title, client=args.client, body=args.body, priority=args.priority,
                    contact=args.contact)
    stored = ws.book.add(ticket)
    if args.json:
        print_json(stored.to_json())
    else:
        print(f"Added {stored.id}: {stored.title} ({stored.client}, P{stored.priority})")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    import json

    ws = open_workspace(args)
    events = ws.store.events(kind=args.kind)
    if args.json:
        print_json(events)
    else:
        for e in events:
            print(f"{e['at']}  {e['kind']:<24} {e['subject']:<16} {json.dumps(e['data'], ensure_ascii=False)}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    result, _ = ws.poll()
    if args.json:
        print_json(result.to_json())
    else:
        print(result.summary())
    return 1 if result.errors and not result.fetched else 0

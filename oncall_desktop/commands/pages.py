"""Commands: ack, resolve, escalate, snooze, tick.

TICKET is our ticket id (``local:3``, ``redmine:12``), the ticket system's own
number (``12``) or ``#N`` for page N.  ``tick --at`` runs the clock as if it
were that instant, so scripts and tests can walk through a night in a second.
"""
from __future__ import annotations

import argparse
from typing import Any

from oncall_desktop.commands.common import AddCommand, instant_arg, open_workspace, print_json


def register(add: AddCommand) -> None:
    for name, handler, text in (
        ("ack", cmd_ack, "acknowledge the page for TICKET (stops the escalation clock)"),
        ("resolve", cmd_resolve, "resolve the page for TICKET (stops its timer)"),
        ("escalate", cmd_escalate, "escalate the page for TICKET to the next level now"),
    ):
        p = add(name, handler, text)
        p.add_argument("ticket", metavar="TICKET", help="local:3, the remote id 3, or #N for page N")
        p.add_argument("--by", metavar="NAME", help="who does it (default: the workspace's 'me')")
        p.add_argument("--json", action="store_true", help="print the page as JSON")
        if name == "resolve":
            verdict = p.add_mutually_exclusive_group()
            verdict.add_argument("--no-action", action="store_true",
                                 help="nothing needed doing: a false alarm (counted in insights)")
            verdict.add_argument("--false-alarm", action="store_true",
                                 help="it should not have paged at all (insights counts it against the "
                                      "signals that fired)")

    p = add("snooze", cmd_snooze, "quiet the reminders for TICKET; the ack deadline keeps running")
    p.add_argument("ticket", metavar="TICKET")
    p.add_argument("--minutes", type=int, choices=(5, 10, 15), default=10)
    p.add_argument("--json", action="store_true")

    p = add("tick", cmd_tick, "fire every page transition due by --at (default now); prints them as JSON")
    p.add_argument("--at", metavar="ISO", help="the instant, e.g. 2026-11-25T22:40:00Z (default: now)")


def _page_json(page: Any) -> dict[str, Any]:
    from oncall_desktop.core.time.clock import iso

    return {"id": page.id, "ticket": page.ticket_id, "state": page.state, "level": page.level,
            "person": page.person, "ack_deadline": iso(page.ack_deadline) if page.ack_deadline else None,
            "sla_deadline": iso(page.sla_deadline) if page.sla_deadline else None,
            "acknowledged_by": page.acknowledged_by}


def _act(args: argparse.Namespace, verb: str) -> int:
    ws = open_workspace(args)
    try:
        page = ws.pages.find(args.ticket)
        if verb == "ack":
            page = ws.acknowledge(int(page.id), by=args.by, origin="cli")
            words = f"Acknowledged {page.ticket_id} as {page.acknowledged_by}"
        elif verb == "resolve":
            outcome = "no action needed" if args.no_action else "false alarm" if args.false_alarm else "fixed"
            page = ws.resolve(int(page.id), by=args.by, outcome=outcome)
            words = f"Resolved {page.ticket_id}" + (f" ({outcome})" if outcome != "fixed" else "")
        else:
            page = ws.escalate(int(page.id), by=args.by)
            words = f"Escalated {page.ticket_id} to {page.person} (level {page.level})"
        if args.json:
            print_json(_page_json(page))
        else:
            print(f"{words}; the note is queued for the ticket system.")
        return 0
    finally:
        ws.close()


def cmd_ack(args: argparse.Namespace) -> int:
    return _act(args, "ack")


def cmd_resolve(args: argparse.Namespace) -> int:
    return _act(args, "resolve")


def cmd_escalate(args: argparse.Namespace) -> int:
    return _act(args, "escalate")


def cmd_snooze(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    try:
        page = ws.snooze(int(ws.pages.find(args.ticket).id), args.minutes)
        if args.json:
            print_json(_page_json(page))
        else:
            print(f"Reminders for {page.ticket_id} quiet for {args.minutes} min; it still escalates at its deadline.")
        return 0
    finally:
        ws.close()


def cmd_tick(args: argparse.Namespace) -> int:
    from oncall_desktop.core.time.clock import FakeClock

    if args.at:
        # the whole workspace runs at that instant: event times, outbox rows and notes agree
        ws = open_workspace(args, FakeClock(instant_arg(args.at, "--at")))
    else:
        ws = open_workspace(args)
    try:
        print_json(ws.clock_service.tick())
        return 0
    finally:
        ws.close()

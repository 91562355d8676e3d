"""Commands: handoff, check, maintenance, insights."""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta, tzinfo

from oncall_desktop.commands.common import AddCommand, UsageError, actions, open_workspace, print_json
from oncall_desktop.commands.triage import cmd_insights_accept, cmd_insights_proposals
from oncall_desktop.core.time.clock import local_tzinfo


def register(add: AddCommand) -> None:
    handoff = actions(add("handoff", None, "shift handoff notes: write one, or read the one waiting for you"),
                      "handoff")
    p = handoff("write", cmd_handoff_write, "draft the handoff from the event log, add your note, save and share it")
    p.add_argument("--note", default="", help="free text for the incoming tech")
    p.add_argument("--for", dest="for_person", help="the incoming tech (default: whoever is on next)")
    p.add_argument("--as", dest="author", help="author (default: 'me' of this workspace)")
    p.add_argument("--dry-run", action="store_true", help="show the draft without saving or sharing it")
    p.add_argument("--json", action="store_true")
    p = handoff("show", cmd_handoff_show, "the handoff waiting for you (or the latest one)")
    p.add_argument("--mark-read", action="store_true", help="record that you have read it")
    p.add_argument("--all", action="store_true", help="list recent handoffs")
    p.add_argument("--json", action="store_true")

    p = add("check", cmd_check, "pre-shift readiness: notifications, ticket system, runbooks, backup, disk, autostart")
    p.add_argument("--json", action="store_true")

    maint = actions(add("maintenance", None, "maintenance windows: planned work that must not page"), "maintenance")
    p = maint("add", cmd_maintenance_add, "add a window; matching tickets do not page until it ends")
    p.add_argument("--client", action="append", default=[], help="client name (repeat for several)")
    p.add_argument("--system", action="append", default=[], help="system name in ticket titles (repeatable)")
    p.add_argument("--start", required=True, help="ISO 8601, e.g. 2026-11-25T22:00:00Z")
    p.add_argument("--end", required=True, help="ISO 8601, e.g. 2026-11-26T02:00:00Z")
    p.add_argument("--note", default="", help="what the work is (shown with every suppressed ticket)")
    p.add_argument("--json", action="store_true")
    p = maint("list", cmd_maintenance_list, "scheduled and active windows")
    p.add_argument("--all", action="store_true", help="include ended and cancelled windows")
    p.add_argument("--json", action="store_true")
    p = maint("cancel", cmd_maintenance_cancel, "end a window now (work finished early)")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")

    p = add("insights", cmd_insights, "the Insights figures for a period (the same the charts show)")
    p.add_argument("--from", dest="start", help="ISO 8601 start (default: 30 days before --to)")
    p.add_argument("--to", dest="end", help="ISO 8601 end, exclusive (default: end of today)")
    p.add_argument("--tz", help="IANA zone for weeks and hours (default: yours)")
    p.add_argument("--csv", metavar="FILE", help="also write every figure as CSV to FILE")
    p.add_argument("--json", action="store_true")
    sub = p.add_subparsers(dest="insights_action", metavar="ACTION", parser_class=type(p))
    for name, handler, text in (
            ("proposals", cmd_insights_proposals, "false alarms per signal kind and per client, and the rule "
             "changes they back (the last 90 days by default)"),
            ("accept", cmd_insights_accept, "write proposal N into the rules (undo with 'rules undo')")):
        q = sub.add_parser(name, help=text, description=text)
        q.set_defaults(handler=handler)
        if name == "accept":
            q.add_argument("number", type=int, metavar="N", help="the proposal's number in 'insights proposals'")
        q.add_argument("--from", dest="start", help="ISO 8601 start (default: 90 days before --to)")
        q.add_argument("--to", dest="end", help="ISO 8601 end, exclusive (default: now)")
        q.add_argument("--json", action="store_true")


# ------------------------------------------------------------------ handoff
def cmd_handoff_write(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from oncall_desktop.core.shift.handoff import render_text

    ws = open_workspace(args)
    draft = ws.handoffs.draft(author=args.author, for_person=args.for_person)
    handoff = replace(draft, notes=args.note)
    if args.dry_run:
        if args.json:
            print_json(handoff.to_dict())
        else:
            print(render_text(handoff, _zone()))
        return 0
    stored = ws.handoffs.write(handoff)
    if args.json:
        print_json(stored.to_json())
        return 0
    print(stored.to_json()["text"])
    print()
    where = []
    if stored.shared_at:
        where.append(f"shared to {ws.handoffs.folder()}")
    elif stored.share_problem:
        where.append(f"NOT shared yet: {stored.share_problem} (retried on the next sync)")
    print(f"Saved handoff {stored.handoff.id}" + (f"; {'; '.join(where)}" if where else ""))
    return 0


def cmd_handoff_show(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    problems = ws.handoffs.import_folder()
    if args.all:
        items = [s.to_json() for s in ws.handoffs.recent()]
        if args.json:
            print_json({"handoffs": items, "problems": problems})
        else:
            for h in items:
                state = f"read by {h['read_by']}" if h["read_at"] else "unread"
                print(f"{h['id']}  {h['author']:<16} {state}")
        return 0
    stored = ws.handoffs.pending() or next(iter(ws.handoffs.recent(1)), None)
    if stored is None:
        if args.json:
            print_json({"handoff": None, "pending": False, "problems": problems})
        else:
            print("No handoff has been written yet.")
        return 0
    pending = stored.read_at is None and stored.handoff.author != ws.me
    if args.mark_read:
        stored = ws.handoffs.mark_read(stored.handoff.id)
    if args.json:
        print_json({"handoff": stored.to_json(), "pending": pending and not args.mark_read, "problems": problems})
    else:
        print(stored.to_json()["text"])
        if args.mark_read:
            print(f"\nMarked as read by {stored.read_by}.")
        elif pending:
            print("\nNot read yet: run 'oncall-desktop handoff show --mark-read' once you have read it.")
    for problem in problems:
        print(f"warning: {problem}")
    return 0


# -------------------------------------------------------------------- check
def cmd_check(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    report = ws.readiness.run()
    if args.json:
        print_json(report.to_json())
    else:
        for item in report.items:
            print(f"[{'PASS' if item.ok else 'FAIL'}] {item.title}: {item.detail}")
            if not item.ok and item.fix:
                print(f"       fix: {item.fix}")
        print("Ready for the shift." if report.ok else "Not ready: fix the items marked FAIL.")
    return 0 if report.ok else 1


# -------------------------------------------------------------- maintenance
def cmd_maintenance_add(args: argparse.Namespace) -> int:
    from oncall_desktop.core.paging.maintenance import MaintenanceWindow

    if not args.client and not args.system:
        raise UsageError("give at least one --client or --system (a window covering everything would "
                         "silence every page)")
    window = MaintenanceWindow.from_dict({"start": args.start, "end": args.end, "clients": args.client,
                                          "systems": args.system, "note": args.note})
    ws = open_workspace(args)
    stored = ws.maintenance.add(window, by=ws.me)
    now = ws.clock.now()
    if args.json:
        print_json(stored.to_json(now))
    else:
        print(f"Maintenance window {stored.id} added: {stored.window.label(_zone())} ({stored.state(now)})")
    return 0


def cmd_maintenance_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    now = ws.clock.now()
    windows = ws.maintenance.windows(include_past=args.all)
    if args.json:
        print_json([w.to_json(now) for w in windows])
    elif not windows:
        print("No maintenance windows scheduled.")
    else:
        for w in windows:
            print(f"{w.id:>4}  {w.state(now):<10} {w.window.label(_zone())}")
    return 0


def cmd_maintenance_cancel(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    stored = ws.maintenance.cancel(args.id, by=ws.me)
    if args.json:
        print_json(stored.to_json(ws.clock.now()))
    else:
        print(f"Maintenance window {stored.id} cancelled: tickets for it page again.")
    return 0


# ----------------------------------------------------------------- insights
def cmd_insights(args: argparse.Namespace) -> int:

    from oncall_desktop.core.shift.analytics import review_summary, to_csv
    from oncall_desktop.core.time.clock import parse_instant
    from oncall_desktop.services.shift.insights_service import insights_report, local_zone, month_bounds

    ws = open_workspace(args)
    tz = local_zone(ws)[0]
    default_start, default_end = month_bounds(ws.clock.now(), tz)
    end = parse_instant(args.end) if args.end else default_end
    start = parse_instant(args.start) if args.start else (end - timedelta(days=30) if args.end else default_start)
    report = insights_report(ws, start, end, args.tz)
    if args.csv:
        from oncall_desktop.services.storage.paths import write_private

        write_private(args.csv, to_csv(report))
    if args.json:
        print_json(report.to_json())
    else:
        print(review_summary(report))
    return 0


def _zone() -> tzinfo:
    return local_tzinfo(datetime.now())

"""Commands: time add|report|export, clients load.

The shapes are a contract (scripts and billing staff depend on them):
``time report --json`` rows have exactly ``billing_service.REPORT_KEYS``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oncall_desktop.commands.common import AddCommand, UsageError, actions, open_workspace, print_json


def register(add: AddCommand) -> None:
    time = actions(add("time", None, "worked time, billing and the time entries sent to the ticket system"), "time")
    p = time("add", cmd_add, "record work done without the timer; billed and queued for the ticket system")
    p.add_argument("--ticket", required=True, help="ticket id, e.g. local:12 or redmine:4711 (a bare number "
                                                   "means the configured ticket system)")
    p.add_argument("--client", required=True, help="client name or id as in the clients file")
    p.add_argument("--start", required=True, metavar="ISO", help="e.g. 2026-11-25T23:10:00Z")
    p.add_argument("--end", required=True, metavar="ISO")
    p.add_argument("--flag", choices=("no-charge", "regular-charge"), help="the ticket's billing flag")
    p.add_argument("--json", action="store_true")

    for name, handler, help_text in (("report", cmd_report, "billed entries of a period with their sync state"),
                                     ("export", cmd_export, "billed entries of a period as CSV for invoicing")):
        p = time(name, handler, help_text)
        p.add_argument("--from", dest="start", required=True, metavar="ISO", help="first instant (inclusive)")
        p.add_argument("--to", dest="end", required=True, metavar="ISO", help="last instant (exclusive)")
        p.add_argument("--client", help="only this client (as written on the entries)")
        if name == "report":
            p.add_argument("--json", action="store_true")
        else:
            p.add_argument("-o", "--output", required=True, metavar="FILE.csv")

    clients = actions(add("clients", None, "client calendars and after-hours agreements"), "clients")
    p = clients("load", cmd_clients_load, "check and store the clients file (see docs/billing.md)")
    p.add_argument("file", metavar="FILE.toml")
    p.add_argument("--json", action="store_true")


def cmd_add(args: argparse.Namespace) -> int:
    from oncall_desktop.core.time.clock import parse_instant

    start, end = parse_instant(args.start), parse_instant(args.end)
    ws = open_workspace(args)
    timer = ws.timers.add_manual(args.ticket, args.client, start, end, flag=args.flag)
    rows = [e for e in ws.billing.recent_entries(limit=10) if e["timer"] == timer.id]
    rows.sort(key=lambda e: e["start"])
    if args.json:
        print_json({"id": timer.id, "entries": [{k: e[k] for k in (
            "key", "ticket", "client", "start", "end", "worked_minutes", "after_hours_minutes", "billable_minutes",
            "multiplier", "reasons", "state")} for e in rows]})
        return 0
    if not rows:
        print(f"Recorded entry {timer.id} on {args.ticket}: under a minute, nothing to bill.")
    for e in rows:
        why = f" — {'; '.join(e['reasons'])}" if e["reasons"] else ""
        print(f"Recorded entry {timer.id}: {e['worked_minutes']} min on {e['ticket']} ({e['client']}), "
              f"billable {e['billable_minutes']} min at {e['multiplier']:g}×{why} · {e['sync']}")
    return 0


def _period(args: argparse.Namespace):  # noqa: ANN202 — Period, imported lazily
    from oncall_desktop.services.time.billing_service import period_of

    return period_of(args.start, args.end)


def cmd_report(args: argparse.Namespace) -> int:
    period = _period(args)
    ws = open_workspace(args)
    if args.json:
        sys.stdout.write(ws.billing.report_json(period, args.client) + "\n")
        return 0
    rows = ws.billing.report(period, args.client)
    if not rows:
        print("No billed time in that period.")
        return 0
    for r in rows:
        print(f"{r['start']}  {r['ticket']:<14} {r['client']:<24} worked {r['worked_minutes']:>4}  "
              f"after-hours {r['after_hours_minutes']:>4}  billable {r['billable_minutes']:>4} "
              f"×{r['multiplier']:g}  {r['sync']}")
    print(f"{len(rows)} entries: worked {sum(r['worked_minutes'] for r in rows)} min, billable "
          f"{sum(r['billable_minutes'] for r in rows)} min")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    period = _period(args)
    target = Path(args.output)
    if target.suffix.lower() != ".csv":
        raise UsageError(f"the output file should end in .csv, not '{target.name}'")
    ws = open_workspace(args)
    count = ws.billing.export_csv(period, target, args.client)
    print(f"Wrote {count} entries to {target}")
    return 0


def cmd_clients_load(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OSError(f"cannot read the clients file {path}: {exc.strerror}") from None
    ws = open_workspace(args)
    book = ws.billing.load_clients(text, source=str(path))
    if args.json:
        print_json({"clients": sorted(book.clients), "default_agreement": book.default_agreement.name})
    else:
        names = ", ".join(p.name for p in book.clients.values()) or "none (only [default])"
        print(f"Loaded {len(book.clients)} clients from {path}: {names}")
    return 0

"""Commands: rotation list|load|import|show|shifts|export|fairness|swap.

The JSON shapes of ``show``, ``shifts`` and ``fairness`` are a contract:
scripts (payroll, status pages) depend on them, so they are built here from
plain values and never gain or lose keys by accident.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from oncall_desktop.commands.common import AddCommand, UsageError, actions, instant_arg, open_workspace, print_json


def register(add: AddCommand) -> None:
    rotation = actions(add("rotation", None, "who is on call: schedules, calendars, swaps, fairness"), "rotation")

    p = rotation("list", cmd_list, "the schedules in this workspace")
    p.add_argument("--json", action="store_true")

    p = rotation("load", cmd_load, "store the schedules of a rotation TOML file (see docs/rotation.md)")
    p.add_argument("file", metavar="FILE.toml")

    p = rotation("import", cmd_import, "import an iCalendar (.ics) file or https link into a schedule")
    p.add_argument("source", metavar="FILE_OR_URL")
    p.add_argument("--schedule", required=True, metavar="NAME")
    p.add_argument("--tz", metavar="ZONE", help="IANA zone for floating and all-day times (default: the schedule's)")
    p.add_argument("--person-pattern", metavar="REGEX",
                   help="only for a house format: a regular expression on the event summary; its 'person' group "
                        "is the name (PagerDuty, Opsgenie, Grafana OnCall and shared calendars are read without one)")
    p.add_argument("--person", metavar="NAME",
                   help="every event is NAME's shift: for a feed of one person's own shifts that names the "
                        "schedule, not the person (GoAlert's calendar subscription). Kept for the next import "
                        "of the same calendar; --person '' goes back to the names in the events")
    p.add_argument("--from", dest="since", metavar="ISO",
                   help="keep events from this date (default: the first of last month)")
    p.add_argument("--json", action="store_true")

    p = rotation("refresh", cmd_refresh, "download the subscribed calendar links again now, or set how often")
    p.add_argument("--schedule", metavar="NAME", help="only this schedule's link")
    p.add_argument("--every", metavar="MINUTES",
                   help="refresh links on their own every MINUTES (5–1440; 0: never) instead of now")
    p.add_argument("--json", action="store_true")

    p = rotation("show", cmd_show, "who is on call at an instant, their shift, and the backup")
    p.add_argument("--schedule", required=True, metavar="NAME")
    p.add_argument("--at", metavar="ISO8601", help="default: now")
    p.add_argument("--json", action="store_true")

    p = rotation("shifts", cmd_shifts, "the final shifts (layers, overrides applied) in a period")
    p.add_argument("--schedule", required=True, metavar="NAME")
    p.add_argument("--from", dest="start", required=True, metavar="ISO")
    p.add_argument("--to", dest="end", required=True, metavar="ISO")
    p.add_argument("--json", action="store_true")

    p = rotation("export", cmd_export, "write the shifts as an .ics calendar (free time, with reminders)")
    p.add_argument("--schedule", required=True, metavar="NAME")
    p.add_argument("--person", metavar="NAME", help="only this person's shifts")
    p.add_argument("--months", type=int, default=12, help="how far ahead (default 12)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.ics")

    p = rotation("fairness", cmd_fairness, "hours, nights, weekends and holidays on call per person")
    p.add_argument("--schedule", required=True, metavar="NAME")
    p.add_argument("--from", dest="start", required=True, metavar="ISO")
    p.add_argument("--to", dest="end", required=True, metavar="ISO")
    p.add_argument("--country", metavar="CC", help="holiday calendar, e.g. DE or US-CA (default: from the zone)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", metavar="FILE", help="write the per-person figures as CSV ('-' for stdout)")

    swap = actions(rotation("swap", None, "give a slice of your shift to a colleague"), "swap")
    p = swap("propose", cmd_swap_propose, "offer a slice of a shift to a named colleague")
    p.add_argument("--schedule", required=True, metavar="NAME")
    p.add_argument("--from-person", metavar="NAME", help="who gives the time away (default: you)")
    p.add_argument("--to", dest="to_person", required=True, metavar="NAME", help="the colleague")
    p.add_argument("--start", required=True, metavar="ISO")
    p.add_argument("--end", required=True, metavar="ISO")
    p.add_argument("--json", action="store_true")
    p = swap("accept", cmd_swap_accept, "take a slice offered to you (it becomes an override)")
    p.add_argument("id", metavar="SWAP_ID")
    p.add_argument("--by", metavar="NAME", help="who accepts (default: you)")
    p.add_argument("--json", action="store_true")
    p = swap("decline", cmd_swap_decline, "refuse a slice offered to you, or withdraw your offer")
    p.add_argument("id", metavar="SWAP_ID")
    p.add_argument("--by", metavar="NAME", help="default: you")
    p = swap("list", cmd_swap_list, "swaps, newest slice last")
    p.add_argument("--schedule", metavar="NAME")
    p.add_argument("--state", choices=("proposed", "accepted", "declined"))
    p.add_argument("--json", action="store_true")


def _me(ws: Any, given: str | None, flag: str) -> str:
    if given:
        return given
    if ws.me:
        return str(ws.me)
    raise UsageError(f"say who you are with {flag} NAME (or set 'me' in Settings)")


def _shift_json(shift: Any) -> dict[str, Any]:
    from oncall_desktop.core.time.clock import iso

    return {"person": shift.person, "start": iso(shift.start), "end": iso(shift.end), "override": bool(shift.override)}


def cmd_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    items = ws.rotation.schedules()
    if args.json:
        print_json([s.to_dict() for s in items])
        return 0
    if not items:
        print("No schedules yet: 'rotation load FILE.toml' or 'rotation import FILE.ics --schedule NAME'.")
    for s in items:
        extra = "".join(f", {k} {v}" for k, v in (("backup", s.backup), ("lead", s.lead)) if v)
        print(f"{s.name} ({s.time_zone}): {len(s.layers)} layer(s), {len(s.overrides)} override(s){extra}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    ws = open_workspace(args)
    loaded = ws.rotation.load_toml(text, by=ws.me)
    print(f"Loaded {len(loaded)} schedule(s) from {path}: {', '.join(s.name for s in loaded)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    since = instant_arg(args.since, "--from") if args.since else None
    ws = open_workspace(args)
    result = ws.rotation.import_ics(args.source, args.schedule, time_zone=args.tz,
                                    person_pattern=args.person_pattern, person=args.person, since=since, by=ws.me)
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"Imported {result.events} on-call event(s) into '{args.schedule}' ({result.origin}).")
    if result.note:
        print(result.note)
    for problem in result.problems:
        print(f"  note: {problem}")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    if args.every is not None:
        from oncall_desktop.services.rotation.feed_refresh import REFRESH_SETTING, check_refresh_minutes

        minutes = check_refresh_minutes(args.every)
        with ws.store.transaction():
            ws.store.set_setting(REFRESH_SETTING, minutes)
            ws.store.log("settings.changed", REFRESH_SETTING, {"value": minutes})
        print(f"Calendar links refresh every {minutes} minutes." if minutes else "Calendar links refresh only "
              "when you import them or run 'rotation refresh'.")
        return 0
    if args.schedule is not None:
        ws.rotation.schedule(args.schedule)  # an unknown name lists the schedules
    tried = ws.rotation.refresh_feeds(force=True, only=args.schedule)
    if args.json:
        print_json([s.to_dict() for s in tried])
        return 0
    if not tried:
        print("No schedule is kept from a calendar link ('rotation import https://… --schedule NAME').")
    for s in tried:
        print(f"{s.schedule}: refresh failed ({s.problem})" if s.problem else
              f"{s.schedule}: refreshed from {s.host} at {s.checked_at}")
    return 1 if any(s.problem for s in tried) else 0


def cmd_show(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    at = instant_arg(args.at, "--at") if args.at else None
    report = ws.rotation.show(args.schedule, at)
    if args.json:
        print_json(report)
        return 0
    if report["on_call"] is None:
        print(f"{report['schedule']}: nobody is on call at {report['at']}")
    else:
        backup = f"; backup {report['backup']}" if report["backup"] else ""
        print(f"{report['schedule']}: {report['on_call']} from {report['shift_start']} to {report['shift_end']}{backup}")
    return 0


def cmd_shifts(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    items = ws.rotation.shifts(args.schedule, instant_arg(args.start, "--from"), instant_arg(args.end, "--to"))
    if args.json:
        print_json([_shift_json(x) for x in items])
        return 0
    for x in items:
        row = _shift_json(x)
        print(f"{row['start']}  {row['end']}  {row['person']}" + ("  (override)" if row["override"] else ""))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.months < 1:
        raise UsageError("--months must be at least 1")
    ws = open_workspace(args)
    text = ws.rotation.export(args.schedule, person=args.person, months=args.months)
    out = Path(args.output)
    from oncall_desktop.services.storage.paths import write_private

    write_private(out, text, newline="")
    print(f"Wrote {text.count('BEGIN:VEVENT')} shift(s) of '{args.schedule}' to {out}")
    return 0


def cmd_fairness(args: argparse.Namespace) -> int:
    from oncall_desktop.core.rotation.fairness import fairness_csv

    ws = open_workspace(args)
    report = ws.rotation.fairness(args.schedule, instant_arg(args.start, "--from"), instant_arg(args.end, "--to"),
                                  args.country)
    if args.csv:
        text = fairness_csv(report)
        if args.csv == "-":
            sys.stdout.write(text)
        else:
            from oncall_desktop.services.storage.paths import write_private

            write_private(args.csv, text, newline="")
            if not args.json:
                print(f"Wrote {len(report.rows)} row(s) to {args.csv}")
    if args.json:
        print_json(report.to_dict())
    elif not args.csv:
        print(f"{'person':<24}{'shifts':>7}{'hours':>9}{'nights':>9}{'weekend':>9}{'holiday':>9}")
        for r in report.rows:
            d = r.to_dict()
            print(f"{d['person']:<24}{d['shifts']:>7}{d['hours']:>9.1f}{d['night_hours']:>9.1f}"
                  f"{d['weekend_hours']:>9.1f}{d['holiday_hours']:>9.1f}")
    return 0


def cmd_swap_propose(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    giver = _me(ws, args.from_person, "--from-person")
    proposal = ws.rotation.propose_swap(args.schedule, giver, args.to_person, instant_arg(args.start, "--start"),
                                        instant_arg(args.end, "--end"))
    if args.json:
        print_json(proposal.to_dict())
    else:
        print(f"Swap {proposal.id} proposed: {giver} → {args.to_person}, {proposal.start:%Y-%m-%d %H:%M}Z–"
              f"{proposal.end:%Y-%m-%d %H:%M}Z. {args.to_person} accepts with 'rotation swap accept {proposal.id}'.")
    return 0


def cmd_swap_accept(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    by = _me(ws, args.by, "--by")
    ws.rotation.accept_swap(args.id, by)
    swap = next(s for s in ws.rotation.swaps() if s["id"] == args.id)
    if args.json:
        print_json(swap)
    else:
        print(f"Accepted: {by} covers {swap['start']}–{swap['end']} in '{swap['schedule']}' (now an override).")
    return 0


def cmd_swap_decline(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    ws.rotation.decline_swap(args.id, _me(ws, args.by, "--by"))
    print(f"Swap {args.id} declined.")
    return 0


def cmd_swap_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    items = ws.rotation.swaps(args.schedule, args.state)
    if args.json:
        print_json(items)
        return 0
    if not items:
        print("No swaps.")
    for s in items:
        print(f"{s['id']}  [{s['state']}]  {s['schedule']}: {s['from_person']} → {s['to_person']}  "
              f"{s['start']}–{s['end']}")
    return 0

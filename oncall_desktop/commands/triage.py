"""Commands for tuning the triage rules from what happened: rules replay, rules undo, insights proposals.

Why one module: the three are one loop for a lead — replay a candidate rules
file over last month, accept what Insights proposes from the techs' verdicts,
undo it if the nights get worse.  Each error is one line and exit 2 when the
input is wrong (dates, the rules file, an empty period, a proposal number).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oncall_desktop.commands.common import UsageError, instant_arg, open_workspace, print_json


def cmd_rules_replay(args: argparse.Namespace) -> int:
    from oncall_desktop.core.paging.replay import ReplayError
    from oncall_desktop.core.paging.rules_toml import RulesFileError, parse_rules
    from oncall_desktop.services.paging.replay_service import replay
    from oncall_desktop.services.paging.rules_store import RulesStore

    start, end = instant_arg(args.start, "--from"), instant_arg(args.end, "--to")
    if end <= start:
        raise UsageError(f"--from ({args.start}) must be before --to ({args.end})")
    candidate, name = None, "the current rules"
    if args.rules:
        path = Path(args.rules)
        try:
            candidate = parse_rules(path.read_text(encoding="utf-8"), path.name)
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not UTF-8 text") from None
        except RulesFileError as exc:
            raise UsageError(str(exc)) from None
        name = path.name
    ws = open_workspace(args)
    try:
        rules = candidate or RulesStore(ws.store).rules()
        try:
            result = replay(ws, start, end, rules, name)
        except ReplayError as exc:
            raise UsageError(str(exc)) from None
    finally:
        ws.close()
    if args.json:
        print_json(result.to_json())
    else:
        sys.stdout.write(result.text() + "\n")
    return 0

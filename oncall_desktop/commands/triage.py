"""Commands for tuning the triage rules from what happened: rules replay, rules undo, insights proposals.

Why one module: the three are one loop for a lead — replay a candidate rules
file over last month, accept what Insights proposes from the techs' verdicts,
undo it if the nights get worse.  Each error is one line and exit 2 when the
input is wrong (dates, the rules file, an empty period, a proposal number).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from oncall_desktop.commands.common import UsageError, instant_arg, open_workspace, print_json

T = TypeVar("T")


def _in_workspace(args: argparse.Namespace, work: Callable[[Any], T], bad_input: type[Exception]) -> T:
    """``work(workspace)``, the workspace closed after; ``bad_input`` becomes a usage error (exit 2)."""
    ws = open_workspace(args)
    try:
        return work(ws)
    except bad_input as exc:
        raise UsageError(str(exc)) from None
    finally:
        ws.close()


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
    result = _in_workspace(args, lambda ws: replay(ws, start, end, candidate or RulesStore(ws.store).rules(), name),
                           ReplayError)
    if args.json:
        print_json(result.to_json())
    else:
        sys.stdout.write(result.text() + "\n")
    return 0


def cmd_rules_undo(args: argparse.Namespace) -> int:
    from oncall_desktop.services.paging.rules_store import RulesStore, UndoError

    undone = _in_workspace(args, lambda ws: RulesStore(ws.store).undo(), UndoError)
    print(f"Undone: {undone}; the rules are as they were before it.")
    return 0


def _period(args: argparse.Namespace) -> tuple[datetime | None, datetime | None]:
    start = instant_arg(args.start, "--from") if args.start else None
    end = instant_arg(args.end, "--to") if args.end else None
    if start and end and end <= start:
        raise UsageError(f"--from ({args.start}) must be before --to ({args.end})")
    return start, end


def cmd_insights_proposals(args: argparse.Namespace) -> int:
    from oncall_desktop.services.shift.proposals_service import ProposalError, feedback

    start, end = _period(args)
    report = _in_workspace(args, lambda ws: feedback(ws, start, end), ProposalError)
    if args.json:
        print_json(report.to_json())
    else:
        sys.stdout.write(report.text() + "\n")
    return 0


def cmd_insights_accept(args: argparse.Namespace) -> int:
    from oncall_desktop.services.shift.proposals_service import ProposalError, accept_number

    start, end = _period(args)
    proposal = _in_workspace(args, lambda ws: accept_number(ws, args.number, start, end), ProposalError)
    if args.json:
        print_json(proposal.to_json())
    else:
        print(f"Accepted proposal {proposal.number}: {proposal.candidate.kind} weight {proposal.weight_from} → "
              f"{proposal.weight_to}" + (f" for {proposal.candidate.client}" if proposal.candidate.client else "")
              + ". 'rules undo' takes it back.")
    return 0

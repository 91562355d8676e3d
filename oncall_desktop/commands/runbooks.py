"""Commands: runbooks validate|search|list|import|export, tree walk, pack sync|status.

``runbooks validate`` needs no workspace: leads run it in CI before publishing.
"""
from __future__ import annotations

import argparse

from oncall_desktop.commands.common import AddCommand, actions, open_workspace, print_json


def register(add: AddCommand) -> None:
    """Adds ``runbooks``, ``tree`` and ``pack``."""
    runbooks = actions(add("runbooks", None, "runbooks: validate, search, import and export"), "runbooks")
    p = runbooks("validate", cmd_validate, "check runbook/tree files and folders; one 'PATH:LINE: message' per problem")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p = runbooks("search", cmd_search, "typo-tolerant search over every runbook in the workspace's library")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p = runbooks("list", cmd_list, "every runbook and tree, with where it comes from")
    p.add_argument("--json", action="store_true")
    p = runbooks("import", cmd_import, "save every runbook/tree of a folder as new versions (all or nothing)")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--json", action="store_true")
    p = runbooks("export", cmd_export, "write the workspace's own runbooks and trees into a folder")
    p.add_argument("folder", metavar="DIR")

    tree = actions(add("tree", None, "decision trees"), "tree")
    p = tree("walk", cmd_walk, "follow answers through a tree to its outcome (recorded in the event log)")
    p.add_argument("tree_id", metavar="TREE_ID")
    p.add_argument("--answers", default="", help="comma-separated answer keys, labels or 1-based numbers")
    p.add_argument("--page", type=int, help="apply the outcome to this page (note to the ticket, severity)")
    p.add_argument("--json", action="store_true")

    pack = actions(add("pack", None, "the team pack (runbooks, trees, rotation, agreements from your leads)"), "pack")
    p = pack("sync", cmd_pack_sync, "pull the team pack now (optionally from a new folder or https URL)")
    p.add_argument("source", nargs="?", metavar="SOURCE")
    p.add_argument("--json", action="store_true")
    p = pack("status", cmd_pack_status, "which pack is active, its version and when it was last synced")
    p.add_argument("--json", action="store_true")


def cmd_validate(args: argparse.Namespace) -> int:
    from oncall_desktop.services.runbooks.library import validate_paths

    problems = validate_paths(args.paths)
    for line in problems:
        print(line)
    return 1 if problems else 0


def cmd_search(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    hits = ws.runbooks.search(" ".join(args.query), limit=max(1, args.limit))
    if args.json:
        print_json([h.to_dict() for h in hits])
        return 0
    if not hits:
        print("No runbook matches; try fewer or other words.")
    for hit in hits:
        print(f"{hit.score:5.2f}  {hit.id:<28} {hit.title}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    summary = ws.runbooks.summaries()
    if args.json:
        print_json({"runbooks": [{k: r[k] for k in ("id", "title", "severity", "version", "origin")}
                                 for r in summary["runbooks"]],
                    "trees": [{k: t[k] for k in ("id", "title", "origin")} for t in summary["trees"]],
                    "refused": summary["refused"]})
        return 0
    for r in summary["runbooks"]:
        print(f"runbook  {r['id']:<28} {r['severity']}  v{r['version']:<3} {r['origin']:<10} {r['title']}")
    for t in summary["trees"]:
        print(f"tree     {t['id']:<28}           {t['origin']:<10} {t['title']}")
    for refused in summary["refused"]:
        print(f"REFUSED {refused['layer']}: " + "; ".join(refused["problems"][:3]))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from oncall_desktop.services.runbooks.store import RunbookStoreError

    ws = open_workspace(args)
    try:
        saved = ws.runbooks.import_folder(args.folder, by=ws.me)
    except RunbookStoreError as exc:
        print(str(exc).split("\n")[0])
        for problem in exc.problems:
            print(problem)
        return 1
    if args.json:
        print_json([v.to_dict() for v in saved])
    else:
        print(f"Imported {len(saved)} document(s) from {args.folder}.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    written = ws.runbooks.export_folder(args.folder)
    print(f"Wrote {len(written)} file(s) to {args.folder}." if written else
          "The workspace has no runbooks or trees of its own yet; nothing written.")
    return 0


def cmd_walk(args: argparse.Namespace) -> int:
    from oncall_desktop.core.runbooks.trees import walk
    from oncall_desktop.services.runbooks.store import apply_outcome

    ws = open_workspace(args)
    answers = [a.strip() for a in args.answers.split(",") if a.strip()]
    applied = None
    if args.page is not None:
        applied = apply_outcome(ws, args.page, args.tree_id, answers, by=ws.me)  # records the walk once
        result = walk(ws.runbooks.tree(args.tree_id), answers)
    else:
        result = ws.runbooks.walk(args.tree_id, answers)
    if args.json:
        out = result.to_dict()
        if applied is not None:
            out["applied"] = applied
        print_json(out)
        return 0
    for step in result.path:
        print(f"{step.question} → {step.answer_label}")
    if result.outcome is None:
        node = result.pending
        print(f"Next question: {node.question if node else '?'}")
        for number, answer in enumerate(node.answers if node else (), start=1):
            print(f"  {number}. {answer.label}  ({answer.key})")
        return 0
    outcome = result.outcome
    print(f"Outcome: {outcome.title} — severity {outcome.severity or 'unchanged'}, "
          f"page now: {'yes' if outcome.page else 'no'}" + (f", runbook {outcome.runbook}" if outcome.runbook else ""))
    if result.note:
        print(f"Note: {result.note}")
    return 0


def cmd_pack_sync(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    result = ws.team_pack.sync(args.source)
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.message)
        for problem in result.problems:
            print(problem)
    return 1 if result.state == "refused" else 0


def cmd_pack_status(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    status = ws.team_pack.status()
    if args.json:
        print_json(status.to_dict())
        return 0
    if not status.source:
        print("No team pack set up. Run 'oncall-desktop pack sync SOURCE' with a folder or an https URL.")
        return 0
    if status.active:
        print(f"{status.name} version {status.version} from {status.source}: {status.documents} runbooks and trees, "
              f"synced {status.synced_at}, last checked {status.checked_at}")
    else:
        print(f"Team pack {status.source}: nothing accepted yet.")
    if status.last_problem:
        print(f"Last problem: {status.last_problem}")
    return 0

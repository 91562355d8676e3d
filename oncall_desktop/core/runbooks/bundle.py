"""A set of runbook and tree files, parsed and cross-checked as one.

Why whole sets: a tree may open a runbook of the same team pack, and two files
must not claim one id, so a folder is only usable when all of it is.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from oncall_desktop.core.runbooks.runbooks import Runbook, RunbookFormatError, parse_runbook
from oncall_desktop.core.runbooks.trees import DecisionTree, read_tree, validate_tree
from oncall_desktop.core.runbooks.yaml_reader import Problem


@dataclass(frozen=True)
class Bundle:
    """Everything parsed from a set of files; usable only when ``problems`` is empty."""

    runbooks: Mapping[str, Runbook]
    trees: Mapping[str, DecisionTree]
    problems: tuple[Problem, ...] = field(default=())


def load_texts(files: Mapping[str, str], known_runbook_ids: Collection[str] = ()) -> Bundle:
    """Parses and cross-checks a set of files (path → text): ``*.md`` runbooks, ``*.yaml``/``*.yml`` trees.

    ``known_runbook_ids`` are runbooks already loaded elsewhere (e.g. bundled) that trees may open.
    """
    problems: list[Problem] = []
    runbooks: dict[str, Runbook] = {}
    trees: dict[str, DecisionTree] = {}
    for path in sorted(files):
        if not path.lower().endswith(".md"):
            continue
        try:
            runbook = parse_runbook(files[path], path)
        except RunbookFormatError as exc:
            problems.extend(exc.problems)
            continue
        if runbook.id in runbooks:
            problems.append(Problem(path, 2, f"runbook id '{runbook.id}' is also used by {runbooks[runbook.id].path}"))
            continue
        runbooks[runbook.id] = runbook
    runbook_ids = set(known_runbook_ids) | set(runbooks)
    for path in sorted(files):
        if not path.lower().endswith((".yaml", ".yml")):
            continue
        tree, tree_problems = read_tree(files[path], path)
        if tree is not None:
            tree_problems += validate_tree(tree, runbook_ids)
        problems.extend(tree_problems)
        if tree is None:
            continue
        if tree.id in trees:
            problems.append(Problem(path, 1, f"tree id '{tree.id}' is also used by {trees[tree.id].path}"))
        elif not tree_problems:
            trees[tree.id] = tree
    return Bundle(runbooks, trees, tuple(sorted(set(problems))))


def validate(files: Mapping[str, str], known_runbook_ids: Collection[str] = ()) -> list[Problem]:
    """Every problem in a set of files (path → text), sorted by file and line; empty means publishable."""
    return list(load_texts(files, known_runbook_ids).problems)

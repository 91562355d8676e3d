"""Decision trees: question nodes whose answers end in an outcome, and walking them.

A lead writes a tree in YAML; it is read with the line-keeping reader of
``yaml_reader.py`` and refused, with every problem's file and line, when a
target dangles, a cycle loops, a node is unreachable or an answer is missing.
The walker follows answers (keys, labels or 1–9) to an outcome and fills its
ticket note.  Split from ``runbooks.py``, which keeps the Markdown runbooks:
trees change with the triage they encode, runbooks with what they explain.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import yaml

from oncall_desktop.core.runbooks.runbooks import RunbookFormatError, normalise_text
from oncall_desktop.core.runbooks.yaml_reader import Problem, YamlReader

#: Question nodes (and, apart, outcomes) per tree: the bundled trees have at most 13; composing
#: 10,000 took 5 s, and every ``runbooks list`` reads every tree.
MAX_TREE_NODES = 500
MAX_ANSWERS = 9  # the walker's keyboard shortcuts are 1–9
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_PLACEHOLDER_RE = re.compile(r"\{([a-z0-9][a-z0-9_-]*)\}")
_NOTE_WORDS = ("severity", "page", "runbook", "outcome", "tree", "answers")
_TREE_KEYS = ("id", "title", "version", "description", "start", "nodes", "outcomes")
_NODE_KEYS = ("id", "question", "help", "answers")
_ANSWER_KEYS = ("key", "label", "next", "outcome")
_OUTCOME_KEYS = ("id", "title", "severity", "page", "runbook", "note")


class WalkError(ValueError):
    """An answer the tree does not offer; the message lists the ones it does."""


@dataclass(frozen=True)
class Outcome:
    """Where a walk ends: how bad, whether to wake someone, what to open and write."""

    id: str
    title: str
    severity: str | None  # None leaves the page's severity alone (e.g. the billing tree)
    page: bool
    runbook: str | None
    note: str
    line: int = 1
    runbook_line: int = 1
    note_line: int = 1


@dataclass(frozen=True)
class Answer:
    """One button in the walker; leads to exactly one of a node or an outcome."""

    key: str
    label: str
    next: str | None
    outcome: str | None
    line: int = 1
    target_line: int = 1  # the 'next:'/'outcome:' line, where a bad target is fixed


@dataclass(frozen=True)
class Node:
    """One question, asked on its own screen."""

    id: str
    question: str
    answers: tuple[Answer, ...]
    help: str = ""
    line: int = 1


@dataclass(frozen=True)
class DecisionTree:
    """Question nodes and outcomes; ``start`` is where every walk begins."""

    id: str
    title: str
    version: int
    start: str
    nodes: Mapping[str, Node]
    outcomes: Mapping[str, Outcome]
    description: str = ""
    path: str = "<text>"
    start_line: int = 1


@dataclass(frozen=True)
class Step:
    """One answered question, for breadcrumbs and the ticket note."""

    node_id: str
    question: str
    answer_key: str
    answer_label: str


@dataclass(frozen=True)
class WalkResult:
    """Where a list of answers leads; ``pending`` is the next question if not at an outcome yet."""

    outcome: Outcome | None
    path: tuple[Step, ...]
    note: str
    pending: Node | None = None

    def to_dict(self) -> dict[str, object]:
        """The JSON form scripts rely on (``tree walk --json``)."""
        outcome = None
        if self.outcome is not None:
            o = self.outcome
            outcome = {"id": o.id, "title": o.title, "severity": o.severity, "page": o.page, "runbook": o.runbook}
        return {
            "outcome": outcome,
            "path": [{"node": s.node_id, "question": s.question, "answer": s.answer_key, "label": s.answer_label}
                     for s in self.path],
            "note": self.note,
            "pending": None if self.pending is None else self.pending.id,
        }


def _read_outcome(reader: YamlReader, node: yaml.Node, outcome_id: str, what: str) -> Outcome | None:
    fields = reader.mapping(node, what, _OUTCOME_KEYS if outcome_id == "" else _OUTCOME_KEYS[1:])
    if fields is None:
        return None
    if outcome_id == "":
        outcome_id = reader.ident(fields, "id", what) or ""
    title = reader.text(fields, "title", what)
    severity = reader.severity(fields, "severity", what, required=False)
    page = reader.boolean(fields, "page", what) if "page" in fields else False
    runbook = reader.ident(fields, "runbook", what, required=False)
    note = reader.text(fields, "note", what, required=False) or ""
    if not outcome_id or title is None or page is None:
        return None
    lines = {k: reader.line(fields[k][1]) if k in fields else reader.line(node) for k in ("runbook", "note")}
    return Outcome(outcome_id, title, severity, page, runbook, note, reader.line(node), lines["runbook"], lines["note"])


def _read_answer(reader: YamlReader, node: yaml.Node, owner: str, number: int,
                 outcomes: dict[str, Outcome]) -> Answer | None:
    what = f"node '{owner}' answer {number}"
    fields = reader.mapping(node, what, _ANSWER_KEYS)
    if fields is None:
        return None
    key = reader.ident(fields, "key", what, pattern=_KEY_RE)
    label = reader.text(fields, "label", what)
    if ("next" in fields) == ("outcome" in fields):
        reader.report(node, f"{what}: give exactly one of 'next: <node id>' or 'outcome: <outcome id or mapping>'")
        return None
    target_next = reader.ident(fields, "next", what, pattern=_KEY_RE, required=False)
    target_outcome: str | None = None
    if "outcome" in fields:
        value = fields["outcome"][1]
        if isinstance(value, yaml.MappingNode):
            inline = _read_outcome(reader, value, f"{owner}.{key}", f"{what} outcome")
            if inline is not None:
                outcomes[inline.id] = inline
                target_outcome = inline.id
        else:
            target_outcome = reader.ident(fields, "outcome", what, pattern=_KEY_RE)
    if key is None or label is None or (target_next is None and target_outcome is None):
        return None
    target_line = reader.line(fields["next" if "next" in fields else "outcome"][1])
    return Answer(key, label, target_next, target_outcome, reader.line(node), target_line)


def _read_node(reader: YamlReader, node: yaml.Node, number: int, outcomes: dict[str, Outcome]) -> Node | None:
    fields = reader.mapping(node, f"node {number}", _NODE_KEYS)
    if fields is None:
        return None
    node_id = reader.ident(fields, "id", f"node {number}", pattern=_KEY_RE)
    what = f"node '{node_id or number}'"
    question = reader.text(fields, "question", what)
    help_text = reader.text(fields, "help", what, required=False) or ""
    answers: list[Answer] = []
    seen: dict[str, int] = {}
    for index, answer_node in enumerate(reader.sequence(fields, "answers", what), start=1):
        answer = _read_answer(reader, answer_node, node_id or str(number), index, outcomes)
        if answer is None:
            continue
        if answer.key in seen:
            reader.report(answer.line, f"{what}: answer key '{answer.key}' is used twice (first on line "
                                       f"{seen[answer.key]}); keys must differ so typed answers are unambiguous")
            continue
        seen[answer.key] = answer.line
        answers.append(answer)
    if node_id is None or question is None:
        return None
    return Node(node_id, question, tuple(answers), help_text, reader.line(node))


def _event_line(event: yaml.Event) -> int:
    """The 1-based line an event starts on (1 when the parser gave it no mark)."""
    return event.start_mark.line + 1 if event.start_mark is not None else 1


def _too_many_message(what: str, count: int) -> str:
    return (f"the tree has {count:,} {what}, more than the {MAX_TREE_NODES:,} a tree may have; split it into "
            "smaller trees (an outcome can open a runbook that names the next tree)")


def _too_many_items(text: str) -> tuple[int, str] | None:
    """(line, message) when the top-level ``nodes`` or ``outcomes`` list passes :data:`MAX_TREE_NODES`.

    Counted on libyaml's event stream (C, about 0.1 s for 750 KB) before the pure-Python composer,
    which takes seconds on such a file; without libyaml, or on a syntax error, the reader decides.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    depth, key, counting, count = 0, None, None, 0
    expect_key = False
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if depth == 1 and isinstance(event, yaml.SequenceStartEvent) and key in ("nodes", "outcomes"):
                    counting, count = key, 0
                elif depth == 2 and counting:
                    count += 1
                    if count > MAX_TREE_NODES:
                        return _event_line(event), _too_many_message(counting, count)
                depth += 1
                expect_key = isinstance(event, yaml.MappingStartEvent) and depth == 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                if depth == 1:
                    counting, expect_key = None, True
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
                if depth == 1:
                    if expect_key:
                        key = event.value if isinstance(event, yaml.ScalarEvent) else None
                    expect_key = not expect_key
                elif depth == 2 and counting:
                    count += 1
                    if count > MAX_TREE_NODES:
                        return _event_line(event), _too_many_message(counting, count)
    except yaml.YAMLError:
        return None
    return None


def read_tree(text: str, path: str) -> tuple[DecisionTree | None, list[Problem]]:
    """The tree and its format problems.  Lenient: builds what it can so graph checks can run beside the format problems."""
    reader = YamlReader(path)
    try:
        text = normalise_text(text, path)
    except RunbookFormatError as exc:
        return None, exc.problems
    too_many = _too_many_items(text)
    if too_many is not None:
        return None, [Problem(path, too_many[0], too_many[1])]
    root = reader.compose(text)
    if root is None:
        if not reader.problems:
            reader.report(1, "the file is empty; a tree needs id, title, version, nodes and outcomes")
        return None, reader.problems
    fields = reader.mapping(root, "tree", _TREE_KEYS)
    if fields is None:
        return None, reader.problems
    tree_id = reader.ident(fields, "id", "tree")
    title = reader.text(fields, "title", "tree")
    version = reader.integer(fields, "version", "tree")
    description = reader.text(fields, "description", "tree", required=False) or ""
    outcomes: dict[str, Outcome] = {}
    outcome_nodes = reader.sequence(fields, "outcomes", "tree") if "outcomes" in fields else []
    for index, item in enumerate(outcome_nodes, start=1):
        outcome = _read_outcome(reader, item, "", f"outcome {index}")
        if outcome is None:
            continue
        if outcome.id in outcomes:
            reader.report(item, f"outcome id '{outcome.id}' is used twice (first on line {outcomes[outcome.id].line})")
            continue
        outcomes[outcome.id] = outcome
    node_items = reader.sequence(fields, "nodes", "tree")
    for what, items in (("nodes", node_items), ("outcomes", outcome_nodes)):
        if len(items) > MAX_TREE_NODES:  # the check above, when libyaml is missing
            reader.report(items[MAX_TREE_NODES], _too_many_message(what, len(items)))
            return None, reader.problems
    nodes: dict[str, Node] = {}
    for index, item in enumerate(node_items, start=1):
        node = _read_node(reader, item, index, outcomes)
        if node is None:
            continue
        if node.id in nodes:
            reader.report(node.line, f"node id '{node.id}' is used twice (first on line {nodes[node.id].line}); "
                                     f"rename one and point its answers at the new id")
            continue
        nodes[node.id] = node
    start = reader.ident(fields, "start", "tree", pattern=_KEY_RE, required=False)
    start_line = reader.line(fields["start"][1]) if "start" in fields else reader.line(root)
    if start is None and nodes:
        start = next(iter(nodes))
    if tree_id is None or title is None or version is None or start is None:
        return None, reader.problems
    tree = DecisionTree(tree_id, title, version, start, nodes, outcomes, description, path, start_line)
    return tree, reader.problems


def parse_tree(text: str, path: str = "<text>", runbook_ids: Collection[str] | None = None) -> DecisionTree:
    """A decision tree from YAML; raises RunbookFormatError unless it is complete and sound."""
    tree, problems = read_tree(text, path)
    if tree is not None:
        problems = problems + validate_tree(tree, runbook_ids)
    if problems or tree is None:
        raise RunbookFormatError(sorted(problems))
    return tree


def validate_tree(tree: DecisionTree, runbook_ids: Collection[str] | None = None) -> list[Problem]:
    """Graph problems: dangling targets, cycles, unreachable or answerless nodes, unknown runbooks.

    ``runbook_ids=None`` skips the runbook check (a lone tree, nothing to check against).
    """
    problems: list[Problem] = []

    def report(line: int, message: str) -> None:
        problems.append(Problem(tree.path, line, message))

    if tree.start not in tree.nodes:
        report(tree.start_line, f"start node '{tree.start}' does not exist")
    for node in tree.nodes.values():
        if not node.answers:
            report(node.line, f"node '{node.id}' has no answers; the walker would be stuck on it")
        if len(node.answers) > MAX_ANSWERS:
            report(node.line, f"node '{node.id}' has {len(node.answers)} answers; at most {MAX_ANSWERS} "
                              f"fit the walker's 1–9 keys — split the question")
        for answer in node.answers:
            if answer.next is not None and answer.next not in tree.nodes:
                hint = difflib.get_close_matches(answer.next, list(tree.nodes), n=1)
                report(answer.target_line, f"node '{node.id}' answer '{answer.key}' goes to node '{answer.next}', which "
                                    f"does not exist" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
            if answer.outcome is not None and answer.outcome not in tree.outcomes:
                hint = difflib.get_close_matches(answer.outcome, list(tree.outcomes), n=1)
                report(answer.target_line, f"node '{node.id}' answer '{answer.key}' ends at outcome '{answer.outcome}', "
                                    f"which does not exist" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
    reachable = _reachable(tree)
    for node in tree.nodes.values():
        if node.id not in reachable and tree.start in tree.nodes:
            report(node.line, f"node '{node.id}' is unreachable: no answer leads to it from start '{tree.start}'")
    for line, cycle in _cycles(tree):
        report(line, "cycle: " + " → ".join(cycle) + "; a walk could loop forever — end one answer at an outcome")
    allowed_names = set(_NOTE_WORDS) | set(tree.nodes)
    for outcome in tree.outcomes.values():
        if runbook_ids is not None and outcome.runbook is not None and outcome.runbook not in runbook_ids:
            hint = difflib.get_close_matches(outcome.runbook, list(runbook_ids), n=1)
            report(outcome.runbook_line, f"outcome '{outcome.id}' opens runbook '{outcome.runbook}', which is not in the "
                                 f"library" + (f" (did you mean '{hint[0]}'?)" if hint else ""))
        for name in _PLACEHOLDER_RE.findall(outcome.note):
            if name not in allowed_names:
                report(outcome.note_line, f"outcome '{outcome.id}' note uses {{{name}}}, which is neither a node id "
                                     f"nor one of {', '.join('{' + w + '}' for w in _NOTE_WORDS)}")
    return problems


def _reachable(tree: DecisionTree) -> set[str]:
    seen: set[str] = set()
    todo = [tree.start] if tree.start in tree.nodes else []
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        todo.extend(a.next for a in tree.nodes[node_id].answers if a.next in tree.nodes)  # type: ignore[misc]
    return seen


def _cycles(tree: DecisionTree) -> list[tuple[int, list[str]]]:
    """Each back edge found by an iterative depth-first search, as (answer line, node ids around the loop)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    found: list[tuple[int, list[str]]] = []
    for root in tree.nodes:
        if root in state:
            continue
        path: list[str] = [root]
        iters = [iter(tree.nodes[root].answers)]
        state[root] = 1
        while iters:
            answer = next(iters[-1], None)
            if answer is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            target = answer.next
            if target is None or target not in tree.nodes:
                continue
            if state.get(target) == 1:
                found.append((answer.target_line, path[path.index(target):] + [target]))
            elif target not in state:
                state[target] = 1
                path.append(target)
                iters.append(iter(tree.nodes[target].answers))
    return found


# --------------------------------------------------------------------------- walking


def match_answer(node: Node, given: str) -> Answer:
    """The answer meant by a key, a label or a 1-based number (as typed or clicked)."""
    wanted = given.strip()
    if wanted.isdigit() and 1 <= int(wanted) <= len(node.answers):
        return node.answers[int(wanted) - 1]
    for answer in node.answers:
        if wanted.lower() in (answer.key.lower(), answer.label.lower()):
            return answer
    choices = ", ".join(f"{i} = {a.key}" for i, a in enumerate(node.answers, start=1))
    raise WalkError(f"'{given}' is not an answer to '{node.question}' (node '{node.id}'). "
                    f"Answer with a number, key or label: {choices}")


def walk(tree: DecisionTree, answers: Sequence[str]) -> WalkResult:
    """Follows answers from the start; stops at an outcome or when the answers run out."""
    steps: list[Step] = []
    node: Node | None = tree.nodes.get(tree.start)
    if node is None:
        raise WalkError(f"tree '{tree.id}' has no start node '{tree.start}'; run 'runbooks validate' on it")
    for index, given in enumerate(answers):
        answer = match_answer(node, given)
        steps.append(Step(node.id, node.question, answer.key, answer.label))
        if answer.outcome is not None:
            outcome = tree.outcomes.get(answer.outcome)
            if outcome is None:
                raise WalkError(f"tree '{tree.id}' points at missing outcome '{answer.outcome}'; validate it")
            extra = list(answers[index + 1:])
            if extra:
                raise WalkError(f"the walk reached outcome '{outcome.title}' after {index + 1} answers; "
                                f"these extra answers were not used: {', '.join(extra)}")
            return WalkResult(outcome, tuple(steps), fill_note(tree, steps, outcome))
        next_node = tree.nodes.get(answer.next or "")
        if next_node is None:
            raise WalkError(f"tree '{tree.id}' points at missing node '{answer.next}'; validate it")
        node = next_node
    return WalkResult(None, tuple(steps), "", pending=node)


def fill_note(tree: DecisionTree, steps: Iterable[Step], outcome: Outcome) -> str:
    """The outcome's ticket note with ``{node-id}`` replaced by the answer given there.

    A plain regex, not ``str.format``: a template can never reach attributes.
    """
    steps = list(steps)
    given = {s.node_id: s.answer_label for s in steps}
    words = {
        "severity": outcome.severity or "unchanged",
        "page": "yes" if outcome.page else "no",
        "runbook": outcome.runbook or "none",
        "outcome": outcome.title,
        "tree": tree.title,
        "answers": "; ".join(f"{s.question} → {s.answer_label}" for s in steps),
    }

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in words:
            return words[name]
        if name in tree.nodes:
            return given.get(name, "(not asked)")
        return match.group(0)

    return _PLACEHOLDER_RE.sub(replace, outcome.note)

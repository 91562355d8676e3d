"""Runbook/decision-tree core: every validation error kind (with its line), walking, hostile input."""
from __future__ import annotations

import textwrap
from datetime import date

import pytest

from oncall_desktop.core.runbooks.bundle import load_texts, validate
from oncall_desktop.core.runbooks.runbooks import RunbookFormatError, parse_runbook, review_due
from oncall_desktop.core.runbooks.trees import WalkError, parse_tree, walk
from oncall_desktop.core.runbooks.yaml_reader import Problem

GOOD_RUNBOOK = textwrap.dedent("""\
    ---
    id: server-down
    title: Server down
    tags: [server, outage]
    severity: P1
    clients: []
    systems: [hyper-v]
    version: 2
    owner: Desk lead
    reviewed-on: 2026-01-05
    ---
    # Server down

    Check the console.
    """)

GOOD_TREE = textwrap.dedent("""\
    id: triage
    title: Triage
    version: 1
    start: scope
    nodes:
      - id: scope
        question: Production or one user?
        answers:
          - key: production
            label: A production system
            next: blocked
          - key: single
            label: One user
            outcome: wait
      - id: blocked
        question: Is work blocked?
        answers:
          - key: "yes"
            label: Yes, blocked
            outcome:
              title: Page now
              severity: P1
              page: yes
              runbook: server-down
              note: "Scope {scope}; blocked {blocked}; sev {severity}; page {page}; rb {runbook}"
          - key: "no"
            label: No
            outcome: wait
    outcomes:
      - id: wait
        title: Next business day
        severity: P4
        page: no
        note: "Answers: {answers}. Blocked? {blocked}"
    """)


def problems_of(text: str, path: str = "t.yaml", runbook_ids: set[str] | None = None) -> list[Problem]:
    files = {path: text}
    if runbook_ids is not None:
        return validate(files, known_runbook_ids=runbook_ids)
    return validate(files, known_runbook_ids={"server-down"})


def only(problems: list[Problem], fragment: str) -> Problem:
    matching = [p for p in problems if fragment in p.message]
    assert len(matching) == 1, problems
    return matching[0]


# ------------------------------------------------------------------ runbooks


def test_good_runbook_parses_every_field() -> None:
    rb = parse_runbook(GOOD_RUNBOOK, "rb/server-down.md")
    assert (rb.id, rb.title, rb.severity, rb.version, rb.owner) == ("server-down", "Server down", "P1", 2, "Desk lead")
    assert rb.tags == ("server", "outage") and rb.systems == ("hyper-v",) and rb.clients == ()
    assert rb.reviewed_on == date(2026, 1, 5)
    assert rb.body.startswith("# Server down") and "---" not in rb.body
    assert rb.path == "rb/server-down.md"


def test_crlf_and_bom_are_accepted() -> None:
    rb = parse_runbook("\ufeff" + GOOD_RUNBOOK.replace("\n", "\r\n"))
    assert rb.id == "server-down" and "\r" not in rb.body


def test_missing_opening_line_is_reported_at_line_1() -> None:
    problems = problems_of(GOOD_RUNBOOK.removeprefix("---\n"), "a.md")
    assert [(p.line, "must start with a '---'" in p.message) for p in problems] == [(1, True)]


def test_unclosed_front_matter() -> None:
    text = "---\nid: x\ntitle: y\n# no closing line\n"
    only(problems_of(text, "a.md"), "never closed")


def test_front_matter_yaml_error_has_the_file_line() -> None:
    text = GOOD_RUNBOOK.replace("title: Server down", "title: [unclosed")
    problem = only(problems_of(text, "a.md"), "not valid YAML")
    assert problem.path == "a.md" and problem.line in (3, 4)


def test_front_matter_value_problems_each_point_at_their_line() -> None:
    text = (GOOD_RUNBOOK.replace("severity: P1", "severity: urgent")
            .replace("reviewed-on: 2026-01-05", "reviewed-on: last tuesday")
            .replace("id: server-down", "id: ../../etc/passwd")
            .replace("version: 2", "version: two"))
    problems = problems_of(text, "a.md")
    by_line = {p.line: p.message for p in problems}
    assert "P1, P2, P3, P4" in by_line[5]
    assert "YYYY-MM-DD" in by_line[10]
    assert "lowercase letters" in by_line[2]
    assert "whole number" in by_line[8]
    assert len(problems) == 4


def test_missing_keys_and_unknown_key_with_suggestion() -> None:
    text = "---\nid: a\ntitle: A\nreviewed_on: 2026-01-01\n---\nbody\n"
    messages = [p.message for p in problems_of(text, "a.md")]
    assert any("unknown key 'reviewed_on'; did you mean 'reviewed-on'?" in m for m in messages)
    for key in ("severity", "version", "owner", "reviewed-on"):
        assert any(f"'{key}' is missing" in m for m in messages), key


def test_front_matter_that_is_not_a_mapping() -> None:
    only(problems_of("---\n- just\n- a list\n---\nbody\n", "a.md"), "must be a mapping")


def test_empty_body_is_refused() -> None:
    only(problems_of(GOOD_RUNBOOK.split("# Server down")[0], "a.md"), "no text after its front matter")


def test_duplicate_front_matter_key() -> None:
    text = GOOD_RUNBOOK.replace("owner: Desk lead", "owner: Desk lead\nowner: Someone else")
    problem = only(problems_of(text, "a.md"), "appears twice")
    assert problem.line == 10 and "first on line 9" in problem.message


@pytest.mark.parametrize("payload", [
    "title: !!python/object/apply:os.system ['echo pwned']",
    "title: !!binary aGVsbG8=",
    "tags: !!set {a, b}",
])
def test_hostile_yaml_tags_are_refused_not_run(payload: str) -> None:
    text = GOOD_RUNBOOK.replace("title: Server down", "title: Server down\n" + payload, 1)
    text = text.replace("title: Server down\ntitle", "title", 1)
    with pytest.raises(RunbookFormatError) as caught:
        parse_runbook(text, "evil.md")
    assert all(p.path == "evil.md" for p in caught.value.problems)
    assert "plain" in str(caught.value)


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    with pytest.raises(RunbookFormatError, match="aliases"):
        parse_runbook("---\n" + bomb + "---\nbody\n", "bomb.md")
    assert any("aliases" in p.message for p in problems_of(bomb, "bomb.yaml"))


def test_nul_bytes_and_huge_files_are_refused() -> None:
    with pytest.raises(RunbookFormatError, match="NUL"):
        parse_runbook(GOOD_RUNBOOK + "\x00")
    with pytest.raises(RunbookFormatError, match="characters"):
        parse_runbook(GOOD_RUNBOOK + "x" * 1_000_001)


def test_review_due_after_a_year() -> None:
    rb = parse_runbook(GOOD_RUNBOOK)
    assert not review_due(rb, date(2026, 12, 31))
    assert review_due(rb, date(2027, 1, 6))


def test_duplicate_runbook_id_across_files() -> None:
    problems = validate({"a/one.md": GOOD_RUNBOOK, "b/two.md": GOOD_RUNBOOK})
    assert [str(p) for p in problems] == ["b/two.md:2: runbook id 'server-down' is also used by a/one.md"]


# ------------------------------------------------------------------ trees


def test_good_tree_has_no_problems_and_parses() -> None:
    assert problems_of(GOOD_TREE) == []
    tree = parse_tree(GOOD_TREE, "t.yaml", runbook_ids={"server-down"})
    assert tree.start == "scope" and list(tree.nodes) == ["scope", "blocked"]
    assert tree.nodes["blocked"].answers[0].key == "yes"  # YAML 1.1 would have made it True
    assert tree.outcomes["blocked.yes"].severity == "P1"


def test_unquoted_yes_no_keys_stay_words() -> None:
    tree = parse_tree(GOOD_TREE.replace('key: "yes"', "key: yes").replace('key: "no"', "key: no"))
    assert [a.key for a in tree.nodes["blocked"].answers] == ["yes", "no"]


def test_malformed_yaml_reports_its_line() -> None:
    text = GOOD_TREE.replace("    question: Is work blocked?", "    question: [Is work blocked?")
    problem = only(problems_of(text), "not valid YAML")
    assert 16 <= problem.line <= 18


def test_dangling_next_target_names_the_answer_and_suggests() -> None:
    problem = only(problems_of(GOOD_TREE.replace("next: blocked", "next: blockd")), "does not exist")
    assert problem.line == 11
    assert "answer 'production' goes to node 'blockd'" in problem.message and "did you mean 'blocked'" in problem.message


def test_dangling_outcome_reference() -> None:
    problem = only(problems_of(GOOD_TREE.replace("outcome: wait", "outcome: later", 1)), "outcome 'later'")
    assert problem.line == 14


def test_missing_start_node() -> None:
    problem = only(problems_of(GOOD_TREE.replace("start: scope", "start: begin")), "start node")
    assert problem.line == 4


def test_cycle_is_reported_with_its_loop() -> None:
    text = GOOD_TREE.replace("        label: No\n        outcome: wait", "        label: No\n        next: scope")
    problem = only(problems_of(text), "cycle")
    assert "scope → blocked → scope" in problem.message and problem.line == 28


def test_self_loop_is_a_cycle() -> None:
    text = GOOD_TREE.replace("        label: No\n        outcome: wait", "        label: No\n        next: blocked")
    assert "blocked → blocked" in only(problems_of(text), "cycle").message


def test_unreachable_node() -> None:
    text = GOOD_TREE.replace("outcomes:\n", "  - id: orphan\n    question: Lost?\n    answers:\n"
                                           "      - {key: ok, label: OK, outcome: wait}\noutcomes:\n")
    problem = only(problems_of(text), "unreachable")
    assert "'orphan'" in problem.message and problem.line == 29


def test_node_without_answers() -> None:
    text = GOOD_TREE.replace("outcomes:\n", "  - id: empty\n    question: Nothing?\n    answers: []\noutcomes:\n")
    text = text.replace("next: blocked", "next: empty")
    problem = only(problems_of(text), "no answers")
    assert problem.line == 29
    assert any("unreachable" in p.message and "'blocked'" in p.message for p in problems_of(text))


def test_duplicate_node_id() -> None:
    text = GOOD_TREE.replace("  - id: blocked", "  - id: scope")
    problem = only(problems_of(text), "used twice")
    assert problem.line == 15 and "first on line 6" in problem.message


def test_duplicate_answer_key_and_outcome_id() -> None:
    text = GOOD_TREE.replace("key: single", "key: production")
    assert only(problems_of(text), "answer key 'production' is used twice").line == 12
    text = GOOD_TREE + "  - id: wait\n    title: Again\n    severity: P4\n"
    assert only(problems_of(text), "outcome id 'wait' is used twice").line == 35


def test_answer_needs_exactly_one_target() -> None:
    text = GOOD_TREE.replace("        next: blocked", "        next: blocked\n        outcome: wait")
    assert only(problems_of(text), "exactly one of").line == 9


def test_unknown_runbook_reference_suggests_the_close_one() -> None:
    problem = only(problems_of(GOOD_TREE, runbook_ids={"server-dwn", "disk-full"}), "not in the library")
    assert problem.line == 24 and "'server-down'" in problem.message and "did you mean 'server-dwn'" in problem.message


def test_runbook_reference_resolves_against_runbooks_in_the_same_set() -> None:
    assert validate({"t.yaml": GOOD_TREE, "server-down.md": GOOD_RUNBOOK}) == []


def test_unknown_note_placeholder() -> None:
    problem = only(problems_of(GOOD_TREE.replace("Blocked? {blocked}", "Blocked? {blokd}")), "{blokd}")
    assert problem.line == 34


def test_more_answers_than_number_keys() -> None:
    answers = "".join(f"      - {{key: a{i}, label: A{i}, outcome: wait}}\n" for i in range(10))
    text = GOOD_TREE.replace("      - key: single\n        label: One user\n        outcome: wait\n", answers)
    assert "at most 9" in only(problems_of(text), "answers;").message


def test_quoted_yes_is_accepted_for_page() -> None:
    tree = parse_tree(GOOD_TREE.replace("page: yes", 'page: "Yes"').replace("page: no", "page: 'false'"))
    assert tree.outcomes["blocked.yes"].page is True and tree.outcomes["wait"].page is False


def test_tree_missing_fields_and_bad_outcome_values() -> None:
    text = GOOD_TREE.replace("version: 1\n", "").replace("severity: P4", "severity: P9").replace("page: no", "page: maybe")
    messages = " | ".join(p.message for p in problems_of(text))
    assert "'version' is missing" in messages and "P1, P2, P3, P4" in messages and "yes or no" in messages


def test_parse_tree_raises_with_every_problem() -> None:
    text = GOOD_TREE.replace("next: blocked", "next: nowhere").replace("Blocked? {blocked}", "{bad}")
    with pytest.raises(RunbookFormatError) as caught:
        parse_tree(text, "t.yaml")
    assert len(caught.value.problems) >= 2 and "t.yaml:11:" in str(caught.value)


def test_broken_tree_is_not_loaded_but_reported() -> None:
    bundle = load_texts({"t.yaml": GOOD_TREE.replace("next: blocked", "next: nowhere"), "s.md": GOOD_RUNBOOK})
    assert "triage" not in bundle.trees and "server-down" in bundle.runbooks and bundle.problems


def test_problem_prints_as_path_line_message() -> None:
    assert str(Problem("pack/t.yaml", 12, "cycle: a → a")) == "pack/t.yaml:12: cycle: a → a"


# ------------------------------------------------------------------ walking


@pytest.fixture()
def tree():  # type: ignore[no-untyped-def]
    return parse_tree(GOOD_TREE, "t.yaml", runbook_ids={"server-down"})


def test_walk_by_key_label_and_number_reach_the_same_outcome(tree) -> None:  # type: ignore[no-untyped-def]
    for answers in (["production", "yes"], ["A production system", "YES, BLOCKED"], ["1", "1"], [" 1 ", "yes"]):
        result = walk(tree, answers)
        assert result.outcome is not None and result.outcome.id == "blocked.yes", answers
        assert result.outcome.page and result.outcome.severity == "P1" and result.outcome.runbook == "server-down"
        assert [s.node_id for s in result.path] == ["scope", "blocked"]


def test_note_is_filled_from_the_answers(tree) -> None:  # type: ignore[no-untyped-def]
    note = walk(tree, ["production", "yes"]).note
    assert note == "Scope A production system; blocked Yes, blocked; sev P1; page yes; rb server-down"
    note = walk(tree, ["single"]).note
    assert note == "Answers: Production or one user? → One user. Blocked? (not asked)"


def test_walk_to_json_shape(tree) -> None:  # type: ignore[no-untyped-def]
    data = walk(tree, ["2"]).to_dict()
    assert data["outcome"] == {"id": "wait", "title": "Next business day", "severity": "P4", "page": False,
                               "runbook": None}
    assert data["path"] == [{"node": "scope", "question": "Production or one user?", "answer": "single",
                             "label": "One user"}]
    assert data["pending"] is None


def test_partial_walk_returns_the_pending_question(tree) -> None:  # type: ignore[no-untyped-def]
    result = walk(tree, ["production"])
    assert result.outcome is None and result.pending is not None and result.pending.id == "blocked"
    assert walk(tree, []).pending.id == "scope"  # type: ignore[union-attr]


def test_wrong_answer_lists_the_choices(tree) -> None:  # type: ignore[no-untyped-def]
    for bad in ("maybe", "3", "0", "-1"):
        with pytest.raises(WalkError) as caught:
            walk(tree, [bad])
        assert "1 = production, 2 = single" in str(caught.value)


def test_extra_answers_after_an_outcome_are_an_error(tree) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WalkError, match="not used: no"):
        walk(tree, ["single", "no"])


def test_note_template_cannot_reach_attributes() -> None:
    text = GOOD_TREE.replace("Blocked? {blocked}", "{0.__class__} {severity.__doc__} {}")
    tree = parse_tree(text.replace('"Answers: {answers}. ', '"'), runbook_ids={"server-down"})
    assert walk(tree, ["single"]).note == "{0.__class__} {severity.__doc__} {}"


def test_runbook_to_dict_is_json_ready() -> None:
    import json

    data = parse_runbook(GOOD_RUNBOOK, "rb.md").to_dict()
    assert json.loads(json.dumps(data))["reviewed-on"] == "2026-01-05"
    assert data["tags"] == ["server", "outage"] and data["id"] == "server-down"


def test_absurdly_deep_nesting_is_a_problem_not_a_crash() -> None:
    assert "nested far too deeply" in only(problems_of("a: " + "[" * 20000), "deeply").message
    with pytest.raises(RunbookFormatError, match="deeply"):
        parse_runbook("---\nid: " + "{a: " * 20000 + "\n---\nbody\n")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_YAMLISH = st.text(alphabet=st.sampled_from(list("-:[]{}&*!|>'\"#\n ?,abyesno0123PX\t\\%@`")), max_size=200)


@settings(max_examples=300, deadline=None)
@given(front=_YAMLISH, tree=_YAMLISH)
def test_any_text_gives_problems_never_a_crash(front: str, tree: str) -> None:
    problems = validate({"f.md": "---\n" + front + "\n---\nbody\n", "t.yaml": tree})
    assert all(p.line >= 1 and p.path in ("f.md", "t.yaml") for p in problems)

"""Runbooks and trees are bounded: size, tree nodes and table cells, each refused with file:line."""
from __future__ import annotations

import time

import pytest
import yaml

from oncall_desktop.core.runbooks.runbooks import (
    MAX_TABLE_CELLS,
    MAX_TEXT_CHARS,
    RunbookFormatError,
    parse_runbook,
    viewable_markdown,
)
from oncall_desktop.core.runbooks.trees import MAX_TREE_NODES, parse_tree
from oncall_desktop.services.runbooks.library import load_library

FRONT = "---\nid: big\ntitle: Big\nseverity: P3\nversion: 1\nowner: lead\nreviewed-on: 2026-01-01\n---\n"


def tree(nodes: int, outcomes: int = 1) -> str:
    """A chain of ``nodes`` questions in flow style (about 70 characters a node)."""
    lines = ["id: big", "title: Big tree", "version: 1", "start: n0", "nodes:"]
    for i in range(nodes):
        target = f"next: n{i + 1}" if i + 1 < nodes else "outcome: o0"
        lines.append(f"- {{id: n{i}, question: Q{i}, answers: [{{key: y, label: Y, {target}}}]}}")
    lines.append("outcomes:")
    lines += [f"- {{id: o{i}, title: Done, note: done}}" for i in range(outcomes)]
    return "\n".join(lines) + "\n"


def table(rows: int, cols: int = 8) -> str:
    row = "| " + " | ".join(f"c{i}" for i in range(cols)) + " |\n"
    return row + "|" + "---|" * cols + "\n" + row * rows


def test_bundled_content_is_well_inside_every_bound() -> None:
    library = load_library()
    assert not library.refused and len(library.runbooks) >= 12
    assert max(len(r.body) for r in library.runbooks.values()) < MAX_TEXT_CHARS // 20
    assert max(len(t.nodes) for t in library.trees.values()) < MAX_TREE_NODES // 20


def test_a_runbook_over_256_kb_is_refused_with_its_file_and_line() -> None:
    text = FRONT + "# Big\n\n" + ("some words " * 10 + "\n\n") * (MAX_TEXT_CHARS // 100)
    assert len(text) > MAX_TEXT_CHARS
    with pytest.raises(RunbookFormatError) as err:
        parse_runbook(text, "big.md")
    assert str(err.value) == "big.md:1: file is over 262,144 characters; split it up"


def test_a_runbook_whose_tables_pass_the_viewer_bound_is_refused_at_the_row() -> None:
    body = "# Big\n\n" + table(MAX_TABLE_CELLS // 8)          # 250 rows of 8 cells, plus the header's 8
    with pytest.raises(RunbookFormatError) as err:
        parse_runbook(FRONT + body, "t.md")
    # front matter is lines 1–8, '# Big' line 9, the header line 11, its rule line 12: row 250 is line 262
    assert str(err.value).startswith("t.md:262: the tables hold 2,008 cells, more than the 2,000 the viewer shows")
    assert parse_runbook(FRONT + "# Ok\n\n" + table(100), "ok.md").id == "big"


def test_a_10000_node_tree_is_refused_quickly_at_its_501st_node() -> None:
    started = time.perf_counter()
    with pytest.raises(RunbookFormatError) as err:
        parse_tree(tree(3_000), "big.yaml")                    # 220 KB: under the size bound
    assert time.perf_counter() - started < 0.5
    assert str(err.value) == ("big.yaml:506: the tree has 501 nodes, more than the 500 a tree may have; split it "
                              "into smaller trees (an outcome can open a runbook that names the next tree)")
    assert len(parse_tree(tree(MAX_TREE_NODES), "ok.yaml").nodes) == MAX_TREE_NODES


def test_too_many_outcomes_are_refused_too() -> None:
    with pytest.raises(RunbookFormatError, match="the tree has 501 outcomes"):
        parse_tree(tree(2, outcomes=MAX_TREE_NODES + 1), "o.yaml")


def test_without_libyaml_the_reader_still_refuses(monkeypatch) -> None:
    monkeypatch.delattr(yaml, "CSafeLoader")
    with pytest.raises(RunbookFormatError, match=r"o\.yaml:506: the tree has 501 nodes"):
        parse_tree(tree(MAX_TREE_NODES + 1), "o.yaml")


def test_the_viewer_text_cuts_long_tables_and_says_so() -> None:
    text = "# T\n\n" + table(1_000) + "\nafter the table\n\n```\n| a | b |\n|---|---|\n```\n"
    shown = viewable_markdown(text)
    lines = shown.split("\n")
    assert sum(1 for line in lines if line.startswith("| c0")) == MAX_TABLE_CELLS // 8       # header + 249 rows
    assert "*… 751 more table row(s) not shown" in shown and "after the table" in shown
    assert shown.endswith("```\n| a | b |\n|---|---|\n```\n")            # code is not a table
    assert viewable_markdown("# short\n\n" + table(3)) == "# short\n\n" + table(3)
    long = viewable_markdown("x" * (MAX_TEXT_CHARS + 10))
    assert long.startswith("x" * MAX_TEXT_CHARS) and long.endswith("longer than 262,144 characters.*")


def test_import_refuses_a_huge_tree_with_its_line_and_list_stays_fast(capsys, tmp_path) -> None:
    from tests.cli_run import run

    ws = str(tmp_path / "ws")
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "big.yaml").write_text(tree(3_000), encoding="utf-8")
    code, out, _ = run(capsys, "--workspace", ws, "runbooks", "import", str(folder))
    assert code == 1 and f"{folder / 'big.yaml'}:506: the tree has 501 nodes" in out
    started = time.perf_counter()
    code, out, _ = run(capsys, "--workspace", ws, "runbooks", "list")
    assert code == 0 and "REFUSED" not in out and time.perf_counter() - started < 2


def test_a_huge_tree_stored_before_the_bound_does_not_slow_listing(workspace) -> None:
    # an older workspace may hold one: store it past validation, as the old code allowed
    workspace.runbooks._append("tree", "big", tree(10_000), "lead", "stored before the bound")
    started = time.perf_counter()
    summary = workspace.runbooks.summaries()
    assert time.perf_counter() - started < 1
    assert summary["refused"] and "over 262,144 characters" in summary["refused"][0]["problems"][0]
    assert len(summary["runbooks"]) >= 12                      # the bundled content still lists

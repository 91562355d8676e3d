"""CLI contract for runbooks, trees and the team pack: the shapes scripts depend on."""
from __future__ import annotations

import json
from pathlib import Path

from tests.cli_run import run

GOOD = """---
id: printer-jam
title: Practice printer jammed
severity: P4
version: 1
owner: Service desk lead
reviewed-on: 2026-02-01
---
# Printer jammed
Clear the tray.
"""


def test_validate_exit_codes_and_path_line_message(capsys, tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text(GOOD, encoding="utf-8")
    assert run(capsys, "runbooks", "validate", str(good)) == (0, "", "")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: t\ntitle: T\nversion: 1\nnodes:\n  - id: a\n    question: Q?\n    answers: []\n"
                   "outcomes: []\n", encoding="utf-8")
    code, out, _ = run(capsys, "runbooks", "validate", str(good), str(bad))
    assert code == 1
    lines = out.splitlines()
    assert lines == [f"{bad}:5: node 'a' has no answers; the walker would be stuck on it"]
    code, out, _ = run(capsys, "runbooks", "validate", str(tmp_path / "missing.md"))
    assert code == 1 and out.startswith(f"{tmp_path / 'missing.md'}:1: ")


def test_search_json_best_first_with_typos(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "--workspace", str(tmp_path / "ws"), "runbooks", "search", "ransomwear", "--json")
    hits = json.loads(out)
    assert code == 0 and hits[0]["id"] == "ransomware-suspected" and hits[0]["score"] == 1.0
    assert all(set(h) == {"id", "title", "score"} for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_tree_walk_json_and_event_log(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    code, out, _ = run(capsys, "--workspace", ws, "tree", "walk", "after-hours-triage",
                       "--answers", "yes", "--json")
    result = json.loads(out)
    assert code == 0 and set(result) >= {"outcome", "path", "note"}
    assert result["outcome"]["severity"] == "P1" and result["outcome"]["page"] is True
    assert [s["answer"] for s in result["path"]] == ["yes"]
    assert result["note"] and "{" not in result["note"]
    code, out, _ = run(capsys, "--workspace", ws, "events", "--kind", "tree.walked", "--json")
    assert [e["subject"] for e in json.loads(out)] == ["after-hours-triage"]


def test_tree_walk_wrong_answer_is_one_readable_line(capsys, tmp_path: Path) -> None:
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "tree", "walk", "after-hours-triage",
                         "--answers", "maybe")
    assert code == 1 and out == ""
    assert err.startswith("oncall-desktop: 'maybe' is not an answer") and err.count("\n") == 1


def test_tree_walk_on_a_page_records_the_outcome(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    run(capsys, "--workspace", ws, "demo")
    run(capsys, "--workspace", ws, "sync", "--once")
    code, out, _ = run(capsys, "--workspace", ws, "tree", "walk", "after-hours-triage", "--answers", "yes",
                       "--page", "1", "--json")
    assert code == 0
    applied = json.loads(out)["applied"]
    assert applied["page"] == 1 and applied["ticket"] == "local:1" and applied["key"] == "triage:1:after-hours-triage:yes"
    code, out, _ = run(capsys, "--workspace", ws, "events", "--kind", "tree.applied", "--json")
    assert json.loads(out)[0]["data"]["note"] == applied["note"]


def test_import_export_round_trip_and_refusal(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "printer-jam.md").write_text(GOOD, encoding="utf-8")
    (folder / "broken.md").write_text("no front matter\n", encoding="utf-8")
    code, out, _ = run(capsys, "--workspace", ws, "runbooks", "import", str(folder))
    assert code == 1 and "nothing was imported" in out and f"{folder / 'broken.md'}:1:" in out
    (folder / "broken.md").unlink()
    code, out, _ = run(capsys, "--workspace", ws, "runbooks", "import", str(folder), "--json")
    assert code == 0 and json.loads(out)[0] | {"saved_at": ""} == {
        "kind": "runbook", "id": "printer-jam", "version": 1, "saved_at": "", "saved_by": "",
        "note": f"imported from {folder}"}
    assert run(capsys, "--workspace", ws, "runbooks", "export", str(tmp_path / "out"))[0] == 0
    assert (tmp_path / "out" / "printer-jam.md").read_text(encoding="utf-8") == GOOD


def test_pack_sync_and_status(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    code, out, _ = run(capsys, "--workspace", ws, "pack", "status", "--json")
    assert json.loads(out)["active"] is False
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.toml").write_text('name = "Acme"\nversion = "7"\n', encoding="utf-8")
    (pack / "printer-jam.md").write_text(GOOD, encoding="utf-8")
    code, out, _ = run(capsys, "--workspace", ws, "pack", "sync", str(pack), "--json")
    assert code == 0 and json.loads(out)["state"] == "updated"
    code, out, _ = run(capsys, "--workspace", ws, "pack", "status", "--json")
    status = json.loads(out)
    assert (status["name"], status["version"], status["documents"], status["active"]) == ("Acme", "7", 1, True)
    (pack / "pack.toml").write_text('name = "Acme"\n', encoding="utf-8")
    code, out, _ = run(capsys, "--workspace", ws, "pack", "sync")
    assert code == 1 and "still using Acme 7" in out and "pack/pack.toml:1:" in out

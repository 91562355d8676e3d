"""``rules test FILE.jsonl``: one decision a line, in order; a bad line is one error naming it."""
from __future__ import annotations

import json

from tests.cli_run import run


def test_one_decision_a_line_in_order(capsys, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in [
        {"title": "Email down for all users", "id": "x:1"},
        {"title": "Printer low on toner", "id": "x:2"},
        {"title": "Ransomware note on the file server", "id": "x:3"},
    ]) + "\n\n")
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(path), "--json")
    assert code == 0, err
    lines = [json.loads(x) for x in out.splitlines()]
    assert [d["page"] for d in lines] == [True, False, True]
    assert lines[2]["severity"] == "P1"
    code, out, _ = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(path))
    assert code == 0 and out.startswith("1: P2 PAGES — Email down for all users\n")


def test_a_bad_line_is_one_line_naming_it_and_prints_no_decisions(capsys, tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"title": "Server down"}\n{"titel": "x"}\n')
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(path), "--json")
    assert code == 1 and out == ""
    assert "t.jsonl line 2: unknown ticket field(s): titel" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    path.write_text('{"title": "Server down"}\n{"title": \n')
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(path), "--json")
    assert code == 1 and out == "" and "t.jsonl line 2: not valid JSON" in err


def test_the_size_is_bounded(capsys, monkeypatch, tmp_path) -> None:
    from oncall_desktop.commands import psa

    monkeypatch.setattr(psa, "MAX_TEST_LINES", 2)
    path = tmp_path / "t.jsonl"
    path.write_text('{"title": "a"}\n{"title": "b"}\n{"title": "c"}\n')
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(path), "--json")
    assert code == 1 and out == "" and "more than 2 tickets; split the file" in err
    empty = tmp_path / "e.jsonl"
    empty.write_text("\n")
    code, _, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(empty))
    assert code == 1 and "holds no tickets" in err

"""CLI contract: ``connect`` (secret on stdin), ``rules test|load|show``.

The HTTP fake answers as Redmine's "Rest_Users" page documents
(https://www.redmine.org/projects/redmine/wiki/Rest_Users: GET /users/current.json).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from oncall_desktop.commands.cli import main

KEY = "cli-secret-7d1e"


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_connect_reads_the_secret_from_stdin_and_tests_it(capsys, monkeypatch, tmp_path, httpserver,
                                                          memory_keyring) -> None:
    httpserver.expect_request("/users/current.json", headers={"X-Redmine-API-Key": KEY}).respond_with_json(
        {"user": {"id": 1, "login": "oncall"}})
    ws = str(tmp_path / "ws")
    code, out, err = run(capsys, monkeypatch, "--workspace", ws, "connect", "redmine", "--url",
                         httpserver.url_for("/"), "--option", "project=ops", stdin=KEY + "\n")
    assert code == 0, err
    assert "Saved: Redmine at http://" in out and "as oncall." in out
    assert list(memory_keyring.secrets.values()) == [KEY]
    assert KEY not in out + err


def test_connect_with_a_wrong_key_says_so_and_exits_1(capsys, monkeypatch, tmp_path, httpserver) -> None:
    httpserver.expect_request("/users/current.json").respond_with_data("", status=401)
    code, out, err = run(capsys, monkeypatch, "--workspace", str(tmp_path / "ws"), "connect", "redmine", "--url",
                         httpserver.url_for("/"), stdin="nope\n")
    assert code == 1
    assert "Test connection failed (auth)" in err and "credentials were rejected" in err


def test_connect_without_a_secret_is_a_usage_error(capsys, monkeypatch, tmp_path) -> None:
    code, _, err = run(capsys, monkeypatch, "--workspace", str(tmp_path / "ws"), "connect", "freshdesk",
                       "--url", "acme", stdin="")
    assert code == 2 and "api key on standard input" in err


def test_connect_with_missing_options_names_them(capsys, monkeypatch, tmp_path) -> None:
    code, _, err = run(capsys, monkeypatch, "--workspace", str(tmp_path / "ws"), "connect", "connectwise",
                       "--url", "na.myconnectwise.net", "--user", "pub", "--company", "acme", stdin="priv\n")
    assert code == 1 and "needs the option 'client_id'" in err


def test_rules_test_judges_one_ticket(capsys, monkeypatch, tmp_path) -> None:
    ws = str(tmp_path / "ws")
    ticket = tmp_path / "t.json"
    ticket.write_text(json.dumps({"title": "Ransomware on the file server", "client": "Acme"}))
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "rules", "test", str(ticket), "--json")
    assert code == 0
    assert json.loads(out) == {"page": True, "severity": "P1",
                               "reasons": ["security incident ('ransomware', +10)", "a shared system ('file server', +2)",
                                           "triage score 12 (pages at 4, P1 at 9): P1"]}
    ticket.write_text(json.dumps({"title": "Printer low on toner"}))
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "rules", "test", str(ticket), "--json")
    assert json.loads(out) == {"page": False, "severity": "P4", "reasons": [
        "lowered: one user or one device ('printer', −3)", "triage score -3 (pages at 4, P1 at 9): no floor",
        "not paged: P4 is below the paging threshold P2"]}


def test_rules_test_bad_ticket_is_one_line(capsys, monkeypatch, tmp_path) -> None:
    ticket = tmp_path / "t.json"
    ticket.write_text('{"titel": "x"}')
    code, _, err = run(capsys, monkeypatch, "--workspace", str(tmp_path / "ws"), "rules", "test", str(ticket))
    assert code == 1 and "unknown ticket field(s): titel" in err and "Traceback" not in err
    ticket.write_text('{"title": ')
    code, _, err = run(capsys, monkeypatch, "--workspace", str(tmp_path / "ws"), "rules", "test", str(ticket))
    assert code == 1 and "line 1: not valid JSON" in err


@pytest.mark.parametrize("use_stdin", [False, True])
def test_rules_load_show_and_a_rejected_file(capsys, monkeypatch, tmp_path, use_stdin) -> None:
    ws = str(tmp_path / "ws")
    good = tmp_path / "rules.toml"
    good.write_text('page_at = "P1"\n\n[[rule]]\nkind = "priority"\n')
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "rules", "load", str(good))
    assert code == 0 and "Loaded 1 rule(s) from rules.toml; pages at P1" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('page_at = "P1"\n\n[[rule]]\nkind = "keywordz"\n')
    code, _, err = run(capsys, monkeypatch, "--workspace", ws, "rules", "load", str(bad))
    assert code == 1 and "bad.toml line 4: rule 1: unknown rule kind 'keywordz'" in err
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "rules", "show")
    assert out == good.read_text()
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "rules", "show", "--json")
    assert json.loads(out) == {"version": 1, "page_at": "P1", "rules": [{"kind": "priority", "enabled": True}]}
    if use_stdin:
        ticket = '{"title": "Server down", "priority": 2}'
        code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "rules", "test", "-", "--json", stdin=ticket)
        assert json.loads(out)["page"] is False  # P2 is below the stricter P1 threshold loaded above
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "rules", "reset")
    assert code == 0 and Path(ws).exists()


def test_requests_prints_this_apps_use_and_sets_the_budget(capsys, monkeypatch, tmp_path) -> None:
    ws = str(tmp_path / "ws")
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "requests")
    assert code == 0 and out.startswith("0 of 240 requests in the last hour. Next check in 60 s")
    code, out, err = run(capsys, monkeypatch, "--workspace", ws, "requests", "--budget", "9")
    assert code != 0 and out == "" and "between 10 and 2000" in err and "Traceback" not in err
    code, out, _ = run(capsys, monkeypatch, "--workspace", ws, "requests", "--budget", "120", "--json")
    report = json.loads(out)
    assert code == 0 and (report["budget"], report["scope"], report["used_last_hour"]) == (120, "all", 0)

"""CLI contract of billing: time add | report --json | export, clients load."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli_run import run

ROOT = Path(__file__).resolve().parents[2]

CLIENTS = """
[default]
time_zone = "UTC"

[clients.acme]
name = "Acme Dental"
time_zone = "America/Chicago"

[[clients.acme.agreements]]
name = "After-hours 2026"
effective_from = 2026-01-01
multiplier = 2.0
minimum_minutes = 60
normal_rate_cents = 15000
"""


@pytest.fixture
def ws(tmp_path: Path, capsys) -> str:
    ws_dir = str(tmp_path / "ws")
    clients = tmp_path / "clients.toml"
    clients.write_text(CLIENTS, encoding="utf-8")
    code, out, err = run(capsys, "--workspace", ws_dir, "clients", "load", str(clients))
    assert code == 0, err
    assert out.strip() == f"Loaded 1 clients from {clients}: Acme Dental"
    return ws_dir


def test_add_then_report_json_has_exactly_the_contract_keys(capsys, ws: str) -> None:
    # 23:00–23:38 Chicago on a Tuesday (05:00 UTC Wednesday): after hours, 38 → 45 → minimum 60
    code, out, err = run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:1", "--client", "acme",
                         "--start", "2026-03-11T04:00:00Z", "--end", "2026-03-11T04:38:00Z")
    assert code == 0, err
    assert "38 min on local:1 (acme), billable 60 min at 2×" in out
    # 16:40–17:50 Chicago: split at closing time into a normal and an after-hours entry
    code, _, err = run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:2", "--client", "Acme Dental",
                       "--start", "2026-03-11T21:40:00Z", "--end", "2026-03-11T22:50:00Z")
    assert code == 0, err
    code, _, err = run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:3", "--client", "acme",
                       "--start", "2026-03-12T04:00:00Z", "--end", "2026-03-12T04:20:00Z", "--flag", "no-charge")
    assert code == 0, err
    code, out, err = run(capsys, "--workspace", ws, "time", "report", "--from", "2026-03-01T00:00:00Z",
                         "--to", "2026-04-01T00:00:00Z", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [list(r) for r in rows] == [["ticket", "client", "start", "end", "worked_minutes", "after_hours_minutes",
                                        "billable_minutes", "multiplier", "reasons", "sync"]] * 4
    assert rows[0] == {"ticket": "local:1", "client": "acme", "start": "2026-03-11T04:00:00Z",
                       "end": "2026-03-11T04:38:00Z", "worked_minutes": 38, "after_hours_minutes": 38,
                       "billable_minutes": 60, "multiplier": 2.0,
                       "reasons": ["rounded 38 → 45", "minimum call-out 60"], "sync": "pending"}
    assert [(r["ticket"], r["worked_minutes"], r["billable_minutes"], r["multiplier"]) for r in rows[1:]] == [
        ("local:2", 20, 30, 1.0), ("local:2", 50, 60, 2.0), ("local:3", 20, 0, 1.0)]
    assert rows[3]["reasons"] == ["NO CHARGE flag on ticket"]
    assert isinstance(rows[1]["multiplier"], float)
    # only the period asked for
    code, out, _ = run(capsys, "--workspace", ws, "time", "report", "--from", "2026-03-12T00:00:00Z",
                       "--to", "2026-03-13T00:00:00Z", "--json")
    assert [r["ticket"] for r in json.loads(out)] == ["local:3"]


def test_sync_state_follows_the_outbox(capsys, ws: str) -> None:
    run(capsys, "--workspace", ws, "ticket", "add", "--title", "Server down", "--client", "Acme Dental")
    run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:1", "--client", "acme",
        "--start", "2026-03-11T04:00:00Z", "--end", "2026-03-11T04:38:00Z")
    run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:99", "--client", "acme",
        "--start", "2026-03-11T05:00:00Z", "--end", "2026-03-11T05:10:00Z")
    code, _, err = run(capsys, "--workspace", ws, "sync", "--once")
    assert code == 0, err
    _, out, _ = run(capsys, "--workspace", ws, "time", "report", "--from", "2026-03-11T00:00:00Z",
                    "--to", "2026-03-12T00:00:00Z", "--json")
    assert [(r["ticket"], r["sync"]) for r in json.loads(out)] == [("local:1", "synced"), ("local:99", "failed")]
    _, out, _ = run(capsys, "--workspace", ws, "time", "report", "--from", "2026-03-11T00:00:00Z",
                    "--to", "2026-03-12T00:00:00Z")
    assert "2 entries: worked 48 min, billable 120 min" in out


def test_export_csv_for_invoicing(capsys, ws: str, tmp_path: Path) -> None:
    run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:1", "--client", "acme",
        "--start", "2026-03-11T04:00:00Z", "--end", "2026-03-11T04:38:00Z")
    run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:2", "--client", "Other Co",
        "--start", "2026-03-11T04:00:00Z", "--end", "2026-03-11T04:10:00Z")
    target = tmp_path / "march.csv"
    code, out, err = run(capsys, "--workspace", ws, "time", "export", "--from", "2026-03-01T00:00:00Z",
                         "--to", "2026-04-01T00:00:00Z", "-o", str(target))
    assert code == 0, err
    assert out.strip() == f"Wrote 2 entries to {target}"
    rows = list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))
    assert [r["client"] for r in rows] == ["Other Co", "acme"]
    acme = rows[1]
    assert (acme["worked_minutes"], acme["billable_minutes"], acme["rate_class"], acme["amount_cents"]) == (
        "38", "60", "after_hours", "30000")  # 60 min × 150.00/h × 2
    assert acme["reasons"] == "rounded 38 → 45; minimum call-out 60" and acme["sync"] == "pending"
    assert acme["agreement"] == "After-hours 2026" and acme["key"].endswith("-after_hours")
    code, _, _ = run(capsys, "--workspace", ws, "time", "export", "--from", "2026-03-01T00:00:00Z",
                     "--to", "2026-04-01T00:00:00Z", "-o", str(tmp_path / "one.csv"), "--client", "acme")
    assert code == 0 and len((tmp_path / "one.csv").read_text(encoding="utf-8").splitlines()) == 2


def test_errors_are_one_readable_line(capsys, ws: str, tmp_path: Path) -> None:
    code, _, err = run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:1", "--client", "acme",
                       "--start", "yesterday", "--end", "2026-03-11T04:38:00Z")
    assert code == 1 and "'yesterday' is not a date-time" in err and "Traceback" not in err
    code, _, err = run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:1", "--client", "acme",
                       "--start", "2026-03-11T05:00:00Z", "--end", "2026-03-11T04:00:00Z")
    assert code == 1 and "is not after the start" in err
    code, _, err = run(capsys, "--workspace", ws, "time", "add", "--ticket", "local:1", "--client", "acme",
                       "--start", "2026-03-11T04:00:00Z", "--end", "2026-03-11T05:00:00Z", "--flag", "free")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "--workspace", ws, "time", "report", "--from", "2026-04-01T00:00:00Z",
                       "--to", "2026-03-01T00:00:00Z", "--json")
    assert code == 1 and "swap --from and --to" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[default]\ntime_zone = "UTC"\n[clients.x]\nmultipler = 1.5\n', encoding="utf-8")
    code, _, err = run(capsys, "--workspace", ws, "clients", "load", str(bad))
    assert code == 1 and "line 4" in err and "did you mean" in err and "Traceback" not in err
    code, _, err = run(capsys, "--workspace", ws, "clients", "load", str(tmp_path / "missing.toml"))
    assert code == 1 and "cannot read the clients file" in err


def test_docs_example_loads(capsys, tmp_path: Path) -> None:
    text = (ROOT / "docs" / "billing.md").read_text(encoding="utf-8")
    example = text.split("```toml", 1)[1].split("```", 1)[0]
    path = tmp_path / "clients.toml"
    path.write_text(example, encoding="utf-8")
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "clients", "load", str(path), "--json")
    assert code == 0, err
    assert json.loads(out) == {"clients": ["acme", "kanzlei-weber"], "default_agreement": "workspace default"}

"""CLI: handoff write|show, check, maintenance add|list|cancel, insights (JSON shapes and exit codes)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.cli_run import run

UTC = timezone.utc


def stamp(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@pytest.fixture
def ws(tmp_path: Path, capsys) -> str:
    path = str(tmp_path / "ws")
    assert run(capsys, "--workspace", path, "demo")[0] == 0
    return path


def test_maintenance_add_list_and_cancel(capsys, ws) -> None:
    now = datetime.now(UTC)
    code, out, err = run(capsys, "--workspace", ws, "maintenance", "add", "--client", "Acme Dental",
                         "--start", stamp(now - timedelta(minutes=5)), "--end", stamp(now + timedelta(hours=2)),
                         "--note", "SQL patching", "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["state"] == "active" and added["clients"] == ["Acme Dental"] and added["note"] == "SQL patching"
    code, out, _ = run(capsys, "--workspace", ws, "maintenance", "list", "--json")
    listed = json.loads(out)
    assert [w["id"] for w in listed] == [added["id"]]
    assert set(listed[0]) == {"id", "start", "end", "clients", "systems", "note", "state", "created_by",
                              "created_at", "label"}
    # the demo's Acme outage is suppressed, with the reason, and shows in `now --json`
    code, out, _ = run(capsys, "--workspace", ws, "sync", "--once", "--json")
    assert json.loads(out)["suppressed"] == 1
    code, out, _ = run(capsys, "--workspace", ws, "now", "--json")
    now_json = json.loads(out)
    assert "SQL patching" in now_json["suppressed"][0]["reason"]
    assert run(capsys, "--workspace", ws, "maintenance", "cancel", str(added["id"]))[0] == 0
    code, out, _ = run(capsys, "--workspace", ws, "maintenance", "list", "--json")
    assert json.loads(out) == []


def test_maintenance_errors_are_one_line(capsys, ws) -> None:
    code, _, err = run(capsys, "--workspace", ws, "maintenance", "add", "--start", "2026-11-25T22:00:00Z",
                       "--end", "2026-11-26T02:00:00Z")
    assert code == 2 and "at least one --client or --system" in err
    code, _, err = run(capsys, "--workspace", ws, "maintenance", "add", "--client", "Acme", "--start", "tonight",
                       "--end", "2026-11-26T02:00:00Z")
    assert code == 1 and "'tonight' is not a date-time" in err and "Traceback" not in err
    code, _, err = run(capsys, "--workspace", ws, "maintenance", "add", "--client", "Acme",
                       "--start", "2026-11-26T02:00:00Z", "--end", "2026-11-25T22:00:00Z")
    assert code == 1 and "ends" in err and "before it starts" in err


def test_handoff_write_then_show_and_mark_read(capsys, ws) -> None:
    code, out, err = run(capsys, "--workspace", ws, "handoff", "write", "--note", "quiet night", "--json")
    assert code == 0, err
    written = json.loads(out)
    assert written["author"] == "Ana Souza" and written["notes"] == "quiet night"
    assert "Handoff from Ana Souza" in written["text"]
    # Ben reads it on the same workspace (e.g. a shared desk machine)
    from oncall_desktop.services.app.workspace import Workspace

    w = Workspace(ws)
    w.store.set_setting("me", "Ben Okafor")
    w.close()
    code, out, _ = run(capsys, "--workspace", ws, "handoff", "show", "--json")
    shown = json.loads(out)
    assert shown["pending"] is True and shown["handoff"]["id"] == written["id"]
    code, out, _ = run(capsys, "--workspace", ws, "handoff", "show", "--mark-read", "--json")
    assert json.loads(out)["handoff"]["read_by"] == "Ben Okafor"
    code, out, _ = run(capsys, "--workspace", ws, "handoff", "show", "--json")
    assert json.loads(out)["pending"] is False
    code, out, _ = run(capsys, "--workspace", ws, "events", "--json")
    kinds = [e["kind"] for e in json.loads(out)]
    assert "handoff.written" in kinds and "handoff.read" in kinds


def test_handoff_show_when_none(capsys, tmp_path) -> None:
    code, out, _ = run(capsys, "--workspace", str(tmp_path / "empty"), "handoff", "show", "--json")
    assert code == 0 and json.loads(out)["handoff"] is None


def test_check_json_items_and_exit_code(capsys, ws) -> None:
    code, out, _ = run(capsys, "--workspace", ws, "check", "--json")
    report = json.loads(out)
    assert [i["key"] for i in report["items"]] == ["notifications", "ticket_system", "runbooks", "backup", "disk",
                                                   "autostart", "qt_library"]
    assert all(set(i) == {"key", "title", "ok", "detail", "fix"} for i in report["items"])
    qt = report["items"][-1]
    assert qt["ok"] is True and "0 lost per Qt call" in qt["detail"]  # the same probe --selftest runs
    # tests run without a session bus: the notification item fails, so the exit code says "not ready"
    assert report["ok"] is False and code == 1
    notif = report["items"][0]
    assert notif["ok"] is False and notif["fix"]
    code, out, _ = run(capsys, "--workspace", ws, "events", "--kind", "readiness.checked", "--json")
    assert len(json.loads(out)) == 1


def test_insights_json_matches_the_log(capsys, tmp_path) -> None:
    from oncall_desktop.services.app.workspace import Workspace

    path = tmp_path / "ws"
    w = Workspace(path)
    t = datetime(2026, 11, 3, 22, 0, tzinfo=UTC)  # a Tuesday night
    w.store.log("page.opened", "local:1", {"page": 1}, at=t)
    w.store.log("page.acknowledged", "local:1", {"page": 1}, at=t + timedelta(minutes=3))
    w.store.log("page.resolved", "local:1", {"page": 1, "outcome": "no action needed"}, at=t + timedelta(minutes=9))
    w.store.log("page.opened", "local:2", {"page": 2}, at=t + timedelta(days=1))
    w.close()
    csv_file = tmp_path / "insights.csv"
    code, out, err = run(capsys, "--workspace", str(path), "insights", "--from", "2026-11-01T00:00:00Z",
                         "--to", "2026-12-01T00:00:00Z", "--tz", "UTC", "--csv", str(csv_file), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["totals"]["pages"] == 2 and data["totals"]["median_ack_minutes"] == 3.0
    assert data["totals"]["false_alarm_rate"] == 1.0
    assert data["heatmap"]["counts"][1][22] == 1 and data["heatmap"]["counts"][2][22] == 1
    assert data["ack_by_week"] == [{"week": "2026-W45", "week_start": "2026-11-02", "count": 1,
                                    "median_minutes": 3.0, "p90_minutes": 3.0}]
    assert csv_file.read_text().startswith("table,row,column,value\n")
    code, out, _ = run(capsys, "--workspace", str(path), "insights", "--from", "2026-11-01T00:00:00Z",
                       "--to", "2026-12-01T00:00:00Z", "--tz", "UTC")
    assert out.startswith("On-call review 2026-11-01 to 2026-11-30 (UTC)")
    code, _, err = run(capsys, "--workspace", str(path), "insights", "--from", "2026-12-01T00:00:00Z",
                       "--to", "2026-11-01T00:00:00Z")
    assert code == 1 and "swap --from and --to" in err


def test_demo_history_gives_insights_a_month(capsys, tmp_path) -> None:
    path = str(tmp_path / "ws")
    code, out, _ = run(capsys, "--workspace", path, "demo", "--history")
    assert code == 0 and "past pages written" in out
    code, out, _ = run(capsys, "--workspace", path, "insights", "--json")
    data = json.loads(out)
    assert data["totals"]["pages"] > 40 and data["totals"]["after_hours_minutes"] > 0
    assert data["totals"]["amount_cents"] and len(data["top_issues"]) == 5
    assert len({r["person"] for r in data["people"]}) >= 3
    # idempotent: a second run writes nothing more
    code, out, _ = run(capsys, "--workspace", path, "demo", "--history")
    assert "; 0 past pages written" in out

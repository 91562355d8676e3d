"""The CLI contract: shapes scripts depend on, one-line errors, exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from oncall_desktop import __version__
from oncall_desktop.commands.cli import main
from tests.cli_run import run


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"oncall-desktop {__version__}"


def test_ticket_add_and_events(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    code, out, _ = run(capsys, "--workspace", ws, "ticket", "add", "--title", "Server down", "--client", "Acme",
                       "--priority", "1", "--contact", "bob@acme.example", "--body", "SRV01 dark", "--json")
    assert code == 0
    ticket = json.loads(out)
    assert ticket["id"] == "local:1" and ticket["priority"] == 1 and ticket["client"] == "Acme"
    assert set(ticket) == {"id", "source", "remote_id", "client", "title", "body", "priority", "status",
                           "contact", "created", "updated"}
    code, out, _ = run(capsys, "--workspace", ws, "events", "--json")
    events = json.loads(out)
    assert [e["kind"] for e in events] == ["ticket.created"]
    assert set(events[0]) == {"id", "at", "kind", "subject", "data"}


def test_now_json_after_demo_and_sync(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert run(capsys, "--workspace", ws, "demo")[0] == 0
    code, out, _ = run(capsys, "--workspace", ws, "sync", "--once", "--json")
    assert code == 0
    assert json.loads(out) == {"fetched": 2, "paged": 1, "suppressed": 0, "errors": []}
    code, out, _ = run(capsys, "--workspace", ws, "now", "--json")
    report = json.loads(out)
    assert {e["schedule"] for e in report["on_call"]} >= {"Primary"}
    page = report["pages"][0]
    assert page["state"] == "pending" and page["client"] == "Acme Dental"
    assert page["ticket"] == "local:1" and "P1" in page["reason"]


def test_demo_is_idempotent(capsys, tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    run(capsys, "--workspace", ws, "demo")
    first = run(capsys, "--workspace", ws, "events", "--json")[1]
    run(capsys, "--workspace", ws, "demo")
    assert run(capsys, "--workspace", ws, "events", "--json")[1] == first


@pytest.mark.parametrize("argv, code, needle", [
    (["bogus"], 2, "unknown subcommand 'bogus'"),
    (["ticket"], 2, "needs an action"),
    (["ticket", "add"], 2, "--title"),
    (["ticket", "add", "--title", "x", "--priority", "9"], 2, "invalid choice"),
])
def test_usage_errors_are_one_line(capsys, tmp_path: Path, argv, code, needle) -> None:
    got, out, err = run(capsys, "--workspace", str(tmp_path), *argv)
    assert got == code
    assert needle in err and len(err.strip().splitlines()) == 1


def test_workspace_errors_are_one_line(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "ws"
    bad.mkdir()
    (bad / "workspace.sqlite3").write_bytes(b"garbage" * 50)
    code, _, err = run(capsys, "--workspace", str(bad), "now")
    assert code == 1 and "not an oncall-desktop workspace" in err and len(err.strip().splitlines()) == 1


def test_tray_without_display_says_what_to_do(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "oncall_desktop", "--workspace", str(tmp_path / "ws")],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 1
    assert "no display found" in out.stderr and "xvfb-run" in out.stderr
    assert "Traceback" not in out.stderr


def test_selftest_passes_in_a_clean_process(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "DBUS_SESSION_BUS_ADDRESS": "disabled:"}
    out = subprocess.run([sys.executable, "-m", "oncall_desktop", "--selftest"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("selftest ok") and "rendered" in out.stdout
    assert out.stderr == ""


def test_a_closed_pipe_is_not_an_error_message(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "oncall_desktop", "--workspace", str(ws), "demo"], check=True,
                   capture_output=True, timeout=60)
    # ten years of nightly backup shifts is far more than a pipe buffer, so `head` leaves mid-write
    command = (f"'{sys.executable}' -m oncall_desktop --workspace '{ws}' rotation shifts --schedule Backup "
               f"--from 2026-01-01T00:00:00Z --to 2036-01-01T00:00:00Z --json | head -c 10; "
               "echo \" status=${PIPESTATUS[0]}\"")
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert out.stdout.endswith(" status=141\n"), out.stdout[-200:] + out.stderr
    assert "Broken pipe" not in out.stderr and "Traceback" not in out.stderr

"""Files the app writes are its user's alone: exports, handoffs, runbook folders (0600 / 0700)."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from oncall_desktop.core.shift.handoff import Handoff
from oncall_desktop.services.storage.paths import private_dir, write_private
from tests.cli_run import run
from tests.services.runbooks.test_runbook_store import runbook


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_private_creates_and_tightens(tmp_path: Path) -> None:
    fresh = write_private(tmp_path / "a.csv", "x")
    assert _mode(fresh) == 0o600 and fresh.read_text() == "x"
    loose = tmp_path / "b.csv"
    loose.write_text("old")
    loose.chmod(0o644)
    write_private(loose, "new")
    assert _mode(loose) == 0o600 and loose.read_text() == "new"
    assert _mode(private_dir(tmp_path / "deep" / "er")) == 0o700


def test_cli_exports_are_private(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ws = str(tmp_path / "ws")
    assert run(capsys, "--workspace", ws, "demo")[0] == 0
    ics, csv_file, insights = tmp_path / "shifts.ics", tmp_path / "time.csv", tmp_path / "insights.csv"
    code, _, err = run(capsys, "--workspace", ws, "rotation", "export", "--schedule", "Primary", "-o", str(ics))
    assert code == 0, err
    code, _, err = run(capsys, "--workspace", ws, "time", "export", "--from", "2026-03-01T00:00:00Z",
                       "--to", "2026-04-01T00:00:00Z", "-o", str(csv_file))
    assert code == 0, err
    code, _, err = run(capsys, "--workspace", ws, "insights", "--csv", str(insights))
    assert code == 0, err
    assert [_mode(p) for p in (ics, csv_file, insights)] == [0o600] * 3


def test_handoff_files_and_runbook_exports_are_private(workspace, tmp_path: Path) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    workspace.store.set_setting("handoff_folder", str(folder))
    stored = workspace.handoffs.write(Handoff(author="Ana", written_at=workspace.clock.now(), notes="quiet"))
    assert _mode(folder / f"handoff-{stored.handoff.id}.json") == 0o600
    workspace.runbooks.save("runbook", runbook())
    written = workspace.runbooks.export_folder(tmp_path / "runbooks")
    assert written and {_mode(p) for p in written} == {0o600}
    assert _mode(tmp_path / "runbooks") == 0o700

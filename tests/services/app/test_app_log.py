"""The log file: rotated, private, no secrets; ``oncall-desktop log`` shows its tail."""
from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from oncall_desktop.services.app import app_log
from oncall_desktop.services.platform import credentials
from oncall_desktop.services.psa import ticket_systems
from oncall_desktop.services.storage.store import Store
from tests.cli_run import run


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "logs"
    monkeypatch.setenv("ONCALL_LOG_DIR", str(folder))
    yield folder
    app_log.uninstall()
    app_log.FILTER.secrets.clear()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_install_writes_a_private_file_in_the_log_folder(log_dir: Path) -> None:
    path = app_log.install()
    assert path == log_dir / "oncall-desktop.log"
    logging.getLogger("oncall_desktop.test").info("poll finished: %d tickets", 3)
    assert "INFO oncall_desktop.test: poll finished: 3 tickets" in path.read_text()
    assert _mode(path) == 0o600 and _mode(log_dir) == 0o700


def test_secrets_never_reach_the_file(log_dir: Path) -> None:
    path = app_log.install()
    app_log.add_secret("hunter2-very-secret")
    log = logging.getLogger("oncall_desktop.test")
    log.warning("GET https://ana:pa55word@psa.example/api?token=abc123&page=2 failed")
    log.warning("headers: %s", {"Authorization": "Bearer eyJhbGciOi.xyz", "Accept": "json"})
    log.warning("apikey=K-998877 api_key: 'Q-1' password=x1y2")
    try:
        raise RuntimeError("login refused for hunter2-very-secret")
    except RuntimeError:
        log.exception("background task failed")
    text = path.read_text()
    for secret in ("pa55word", "abc123", "eyJhbGciOi", "K-998877", "Q-1", "x1y2", "hunter2-very-secret"):
        assert secret not in text
    assert "https://***@psa.example/api?token=***&page=2" in text
    assert "'Accept': 'json'" in text and "RuntimeError: login refused for ***" in text


def test_the_keyring_secret_of_this_workspace_is_masked(log_dir: Path, tmp_path: Path) -> None:
    store = Store.open(tmp_path / "ws")
    store.set_setting(ticket_systems.SETTING, {"kind": "redmine", "url": "https://rm.example", "user": "",
                                               "company": "", "options": {}})
    conn = ticket_systems.load(store)
    credentials.set_secret(conn.kind, conn.account, "rm-key-5f3e2a")
    assert app_log.remember_workspace_secrets(store) == 1
    path = app_log.install()
    logging.getLogger("x").error("redmine answered 401 for key rm-key-5f3e2a")
    assert "rm-key-5f3e2a" not in path.read_text()
    store.close()


def test_rotation_keeps_five_private_files(log_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_log, "MAX_BYTES", 2000)
    path = app_log.install()
    for n in range(400):
        logging.getLogger("x").info("line %d %s", n, "." * 40)
    files = sorted(log_dir.iterdir())
    assert [f.name for f in files] == ["oncall-desktop.log"] + [f"oncall-desktop.log.{n}" for n in range(1, 6)]
    assert {_mode(f) for f in files} == {0o600}
    assert all(f.stat().st_size <= 2100 for f in files) and path.exists()


def test_cli_log_shows_the_tail(log_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = str(tmp_path / "ws")
    code, out, err = run(capsys, "--workspace", ws, "log")
    assert code == 0 and err == ""
    assert out == f"No log yet: the tray app writes {log_dir / 'oncall-desktop.log'} once it has run.\n"
    app_log.install()
    for n in range(10):
        logging.getLogger("x").info("event %d", n)
    code, out, _ = run(capsys, "--workspace", ws, "log", "--lines", "3")
    assert code == 0
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == ["event 7", "event 8", "event 9"]
    code, _, err = run(capsys, "--workspace", ws, "log", "--lines", "0")
    assert code == 2 and "--lines must be at least 1" in err

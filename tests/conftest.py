"""Shared fixtures: a temp workspace, an in-memory keyring, a fake clock, offscreen Qt."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import keyring
import keyring.backend
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")
# the app's log file goes to a folder of the test run's, never the user's own log folder
os.environ.setdefault("ONCALL_LOG_DIR", __import__("tempfile").mkdtemp(prefix="oncall-test-log-"))


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Secrets kept in a dict for the test session: never on disk."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.secrets:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.secrets[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def fake_clock():
    from oncall_desktop.core.time.clock import FakeClock

    return FakeClock(datetime(2026, 11, 25, 22, 10, tzinfo=timezone.utc))


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    return tmp_path / "ws"


class SilentBackend:
    """A notification backend that records instead of showing (unit tests)."""

    name = "recorder"

    def __init__(self, available: bool = True) -> None:
        self.sent: list = []
        self._available = available

    def available(self) -> tuple[bool, str]:
        return (True, "") if self._available else (False, "switched off in the test")

    def send(self, note) -> None:
        self.sent.append(note)


@pytest.fixture
def recorder() -> SilentBackend:
    return SilentBackend()


@pytest.fixture
def workspace(workspace_dir: Path, fake_clock, recorder):
    from oncall_desktop.services.app.workspace import Workspace
    from oncall_desktop.services.paging.notifier import Notifier

    ws = Workspace(workspace_dir, fake_clock, notifier=Notifier(backends=[recorder]))
    yield ws
    ws.close()

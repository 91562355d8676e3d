"""A keyring kept in one JSON file, for e2e tests that run the app as separate processes.

Why: ``connect`` (one process) stores the API key in the keyring and the tray
app (another process) reads it back.  The test desktop has no GNOME Keyring or
KWallet, and the unit tests' in-memory keyring dies with its process.  So the
test's child processes get ``PYTHON_KEYRING_BACKEND=tests.e2e.file_keyring.FileKeyring``
(keyring's documented way to choose a backend) and ``ONCALL_E2E_KEYRING`` naming
a file in the test's temporary folder.  Plain text on purpose and only ever
under a test's tmp_path: the product itself never stores secrets like this.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
import keyring.errors

FILE_VARIABLE = "ONCALL_E2E_KEYRING"
BACKEND = f"{__name__}.FileKeyring"


class FileKeyring(keyring.backend.KeyringBackend):
    """Secrets in the JSON file named by ``$ONCALL_E2E_KEYRING`` (tests only)."""

    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        name = os.environ.get(FILE_VARIABLE)
        if not name:
            raise keyring.errors.KeyringError(f"{FILE_VARIABLE} is not set: the e2e keyring has no file")
        return Path(name)

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\n{username}"] = password
        self.path.write_text(json.dumps(data), encoding="utf-8")
        self.path.chmod(0o600)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("not found")
        self.path.write_text(json.dumps(data), encoding="utf-8")


def environment(folder: Path) -> dict[str, str]:
    """The variables that make a child process use a keyring file in ``folder``."""
    repo = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (repo, os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHON_KEYRING_BACKEND": BACKEND, FILE_VARIABLE: str(folder / "keyring.json"), "PYTHONPATH": path}

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from oncall_desktop.services.platform import credentials
from oncall_desktop.services.platform.credentials import CredentialError

TOKEN = "s3cr3t-token-that-must-never-touch-disk-8f2a"


def test_round_trip_through_the_keyring(memory_keyring) -> None:
    credentials.set_secret("redmine", "admin", TOKEN)
    assert credentials.get_secret("redmine", "admin") == TOKEN
    assert memory_keyring.secrets == {("oncall-desktop", "redmine:admin"): TOKEN}
    credentials.delete_secret("redmine", "admin")
    assert credentials.get_secret("redmine", "admin") is None


def test_secret_never_reaches_the_workspace(tmp_path: Path, workspace) -> None:
    credentials.set_secret("freshdesk", "support", TOKEN)
    workspace.store.set_setting("ticket_system", {"kind": "freshdesk", "url": "https://x.freshdesk.com"})
    workspace.store.log("connect", "freshdesk", {"user": "support"})
    workspace.close()
    for path in workspace.directory.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_no_keyring_is_a_plain_error() -> None:
    keyring.set_keyring(FailKeyring())
    with pytest.raises(CredentialError, match="No usable keyring"):
        credentials.set_secret("redmine", "admin", TOKEN)
    assert credentials.keyring_available()[0] is False


def test_empty_secret_is_refused() -> None:
    with pytest.raises(CredentialError, match="empty"):
        credentials.set_secret("redmine", "admin", "")

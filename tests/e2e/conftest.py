from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.desktop import start_desktop
from tests.e2e.imap_server import start_imap_server
from tests.e2e.redmine import start_redmine

ARTIFACTS = Path(os.environ.get("ONCALL_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output"))


@pytest.fixture
def artifacts(request) -> Path:
    path = ARTIFACTS / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def desktop(tmp_path: Path):
    d = start_desktop(tmp_path / "desktop")
    yield d
    d.close()


@pytest.fixture(scope="session")
def redmine():
    """A real Redmine on 127.0.0.1 for the session (see tests/e2e/redmine.py)."""
    server = start_redmine()
    yield server
    server.close()


@pytest.fixture(scope="session")
def imap_server():
    """A private dovecot on 127.0.0.1 for the session (see tests/e2e/imap_server.py)."""
    server = start_imap_server()
    yield server
    server.stop()


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.desktop import start_desktop

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


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)

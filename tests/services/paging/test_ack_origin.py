"""Every acknowledgement's event says where it came from: window, tray, notification button or CLI."""
from __future__ import annotations

import pytest

from oncall_desktop.services.paging.pages import PageError
from tests.cli_run import run
from tests.services.paging.test_pages import demo_workspace, open_p1


@pytest.fixture
def ws(workspace_dir, fake_clock, recorder):
    w = demo_workspace(workspace_dir, fake_clock, recorder)
    yield w
    w.close()


def _origins(ws) -> list[str]:
    return [e["data"].get("origin") for e in ws.store.events(kind="page.acknowledged")]


def test_the_window_is_the_default_origin(ws) -> None:
    ws.acknowledge(open_p1(ws))
    assert _origins(ws) == ["window"]


def test_the_tray_passes_its_origin(ws) -> None:
    open_p1(ws)
    ws.acknowledge(None, origin="tray")  # "Acknowledge latest"
    assert _origins(ws) == ["tray"]


def test_an_unknown_origin_is_refused_and_nothing_changes(ws) -> None:
    page_id = open_p1(ws)
    with pytest.raises(PageError, match="unknown acknowledgement origin 'script'"):
        ws.acknowledge(page_id, origin="script")
    assert ws.pages.get(page_id).state == "pending" and _origins(ws) == []


def test_the_cli_records_cli(capsys, ws) -> None:
    open_p1(ws)
    code, _, err = run(capsys, "--workspace", str(ws.directory), "ack", "local:1")
    assert code == 0, err
    assert _origins(ws) == ["cli"]

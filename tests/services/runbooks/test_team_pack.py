"""Team pack: folder and URL sources, ETag 304, offline cache, broken packs refused whole."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from oncall_desktop.services.runbooks.team_pack import TeamPackError, check_source, unpack_zip

MANIFEST = 'name = "Acme MSP pack"\nversion = "{version}"\n'
RUNBOOK = """---
id: pack-wifi-down
title: Guest Wi-Fi down
tags: [wifi]
severity: P3
version: 1
owner: Network lead
reviewed-on: 2026-03-01
---
# Guest Wi-Fi down

## First checks
1. {step}
"""
TREE = """id: pack-wifi-triage
title: Wi-Fi triage
version: 1
nodes:
  - id: guests
    question: Only guests affected?
    answers:
      - key: "yes"
        label: Only guests
        outcome: {title: Next business day, severity: P4, page: no, runbook: pack-wifi-down, note: "{guests}"}
      - key: "no"
        label: Staff too
        outcome: {title: Now, severity: P2, page: yes, runbook: internet-down, note: "{guests}"}
"""
ROTATION = """[[schedule]]
name = "Pack primary"
time_zone = "Europe/London"

[[schedule.layers]]
name = "Weekly"
members = ["Ana Souza", "Ben Okafor"]
start = 2026-01-05T09:00:00
turn_length = "weekly"
"""


def pack_files(version: str = "1", step: str = "Restart the guest SSID.", tree: str = TREE) -> dict[str, str]:
    return {"pack.toml": MANIFEST.format(version=version), "runbooks/wifi.md": RUNBOOK.format(step=step),
            "trees/wifi.yaml": tree}


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def zipped(files: dict[str, str], top: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(top + name, text)
    return buffer.getvalue()


def test_folder_pack_activates_runbooks_trees_and_rotation(workspace, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "pack", {**pack_files(), "rotation.toml": ROTATION})
    result = workspace.team_pack.sync(str(folder))
    assert result.state == "updated", result.message
    status = workspace.team_pack.status()
    assert (status.name, status.version, status.documents) == ("Acme MSP pack", "1", 2)
    assert status.synced_at == "2026-11-25T22:10:00Z" == status.checked_at
    library = workspace.runbooks.library()
    assert library.origin["pack-wifi-down"] == "team pack" and "pack-wifi-triage" in library.trees
    assert workspace.runbooks.search("wifi guest")[0].id == "pack-wifi-down"
    assert "Pack primary" in [s.name for s in workspace.directory_service.schedules()]
    assert workspace.team_pack.sync().state == "unchanged"


def test_broken_pack_is_refused_whole_and_previous_stays(workspace, tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "pack", pack_files("1"))
    assert workspace.team_pack.sync(str(folder)).state == "updated"
    broken_tree = TREE.replace("runbook: internet-down", "runbook: internet-dwon")
    write_folder(folder, pack_files("2", step="A new step.", tree=broken_tree))
    result = workspace.team_pack.sync()
    assert result.state == "refused"
    assert "still using Acme MSP pack 1" in result.message
    assert [(p.path, p.line) for p in result.problems] == [("pack/trees/wifi.yaml", 13)]
    assert "did you mean 'internet-down'" in result.problems[0].message
    assert workspace.team_pack.status().version == "1"
    assert "Restart the guest SSID." in workspace.runbooks.runbook("pack-wifi-down").body
    assert "pack.refused" in [e["kind"] for e in workspace.store.events()]
    assert workspace.team_pack.status().last_problem.startswith("team pack refused: 1 problem")


def test_pack_without_manifest_or_with_bad_rotation_is_refused(workspace, tmp_path: Path) -> None:
    files = pack_files()
    del files["pack.toml"]
    files["rotation.toml"] = "[[schedule]]\nname = 'x'\nbogus = 1\n"
    result = workspace.team_pack.sync(str(write_folder(tmp_path / "p", files)))
    assert result.state == "refused" and not workspace.team_pack.status().active
    paths = [p.path for p in result.problems]
    assert "pack/pack.toml" in paths and "pack/rotation.toml" in paths


def test_url_pack_uses_etag_304_and_survives_offline(workspace, httpserver) -> None:
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(zipped(pack_files(), top="acme-pack-main/"), headers={"ETag": '"v1"'},
                        content_type="application/zip")

    httpserver.expect_request("/pack.zip").respond_with_handler(handler)
    url = httpserver.url_for("/pack.zip")
    assert workspace.team_pack.sync(url).state == "updated"
    assert workspace.team_pack.sync().state == "unchanged"
    assert seen == [None, '"v1"']
    httpserver.stop()  # the laptop goes offline
    try:
        result = workspace.team_pack.sync()
    finally:
        httpserver.start()
    assert result.state == "offline" and "using the cached pack" in result.message
    assert workspace.runbooks.runbook("pack-wifi-down").title == "Guest Wi-Fi down"
    assert workspace.team_pack.status().version == "1"


def test_url_answering_garbage_or_404_is_refused(workspace, httpserver) -> None:
    httpserver.expect_request("/bad.zip").respond_with_data(b"<html>login</html>", content_type="text/html")
    result = workspace.team_pack.sync(httpserver.url_for("/bad.zip"))
    assert result.state == "refused" and "did not return a .zip" in result.message
    httpserver.expect_request("/gone.zip").respond_with_data("", status=404)
    assert "HTTP 404" in workspace.team_pack.sync(httpserver.url_for("/gone.zip")).message


def test_zip_paths_cannot_escape_and_plain_http_is_refused() -> None:
    files = unpack_zip(zipped({"../evil.md": "x", "ok/pack.toml": "y", "ok/.hidden.md": "z"}))
    assert files == {"ok/pack.toml": "y"}
    with pytest.raises(TeamPackError, match="must use https"):
        check_source("http://packs.example.com/pack.zip")
    assert check_source("https://packs.example.com/pack.zip").startswith("https://")


def test_sync_without_source_says_what_to_do(workspace) -> None:
    with pytest.raises(TeamPackError, match="no team pack is set up"):
        workspace.team_pack.sync()


def _bad_crc(data: bytes, name: str) -> bytes:
    """The zip with one byte of ``name``'s stored data flipped: its CRC no longer matches."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = bytearray(data)
    broken[offset + 3] ^= 0x20
    return bytes(broken)


def test_a_zip_with_a_bad_crc_is_one_line_and_changes_nothing(workspace, httpserver, tmp_path: Path) -> None:
    assert workspace.team_pack.sync(str(write_folder(tmp_path / "pack", pack_files()))).state == "updated"
    before = (workspace.team_pack.files(), workspace.team_pack.status().version)
    damaged = _bad_crc(zipped(pack_files(version="2")), "runbooks/wifi.md")
    with pytest.raises(TeamPackError) as err:
        unpack_zip(damaged)
    assert "damaged" in str(err.value) and "\n" not in str(err.value)
    httpserver.expect_request("/crc.zip").respond_with_data(damaged, content_type="application/zip")
    result = workspace.team_pack.sync(httpserver.url_for("/crc.zip"))
    assert result.state == "refused" and "the team pack zip is damaged (runbooks/wifi.md" in result.message
    assert (workspace.team_pack.files(), workspace.team_pack.status().version) == before


def test_a_download_over_the_limit_is_refused(workspace, httpserver, monkeypatch) -> None:
    monkeypatch.setattr("oncall_desktop.services.runbooks.team_pack.MAX_DOWNLOAD_BYTES", 64 * 1024)
    httpserver.expect_request("/big.zip").respond_with_data(b"PK" + b"\0" * 200_000, content_type="application/zip")
    result = workspace.team_pack.sync(httpserver.url_for("/big.zip"))
    assert result.state == "refused" and "far larger than a pack should be" in result.message


def test_a_trickling_pack_server_is_given_up_on_at_the_deadline(workspace, monkeypatch) -> None:
    import socket
    import threading
    import time

    monkeypatch.setattr("oncall_desktop.services.runbooks.team_pack.DEADLINE", 0.8)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            while not stop.wait(0.2):
                try:
                    conn.sendall(b"P")
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        result = workspace.team_pack.sync(f"http://127.0.0.1:{listener.getsockname()[1]}/pack.zip")
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert time.monotonic() - started < 0.8 + 0.75
    assert result.state == "offline" and "did not answer within 0.8 s" in result.message


def test_a_pack_url_with_a_password_is_refused_and_never_stored(workspace) -> None:
    with pytest.raises(TeamPackError) as err:
        workspace.team_pack.set_source("https://lead:hunter2@packs.example.com/pack.zip")
    assert "hunter2" not in str(err.value) and "keyring" in str(err.value)
    assert workspace.team_pack.source() == ""
    assert not any("hunter2" in str(e) for e in workspace.store.events())


def test_a_pack_redirected_to_plain_http_elsewhere_is_refused(workspace, httpserver) -> None:
    httpserver.expect_request("/pack.zip").respond_with_data(
        "", status=302, headers={"Location": "http://packs.example.com/pack.zip"})
    result = workspace.team_pack.sync(httpserver.url_for("/pack.zip"))
    assert result.state == "refused" and "not encrypted" in result.message

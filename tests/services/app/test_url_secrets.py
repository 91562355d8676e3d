"""URLs that would put a secret, or a plain-http hop, into the workspace are refused when saved.

Settings and the append-only event log are copied, backed up and attached to
bug reports, so ``user:password@`` must never reach them: the check is made on
the bytes of the sqlite file itself. The calendar download also gets the
overall deadline every other request has.
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from oncall_desktop.core.rotation.model import RotationError
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.ticket_systems import Connection, check
from oncall_desktop.services.storage.store import DB_NAME

SECRET = "hunter2-d41d8c"


def _db_bytes(workspace, directory: Path) -> bytes:
    workspace.store.db.conn.execute("PRAGMA wal_checkpoint(FULL)")
    return b"".join(p.read_bytes() for p in directory.glob(DB_NAME + "*"))


@pytest.mark.parametrize("url", [f"https://admin:{SECRET}@redmine.example.com",
                                 f"admin:{SECRET}@redmine.example.com"])
def test_a_connection_url_with_a_password_is_refused_and_nothing_is_written(workspace, workspace_dir, url,
                                                                          memory_keyring):
    events_before = len(workspace.store.events())
    with pytest.raises(TicketSystemError) as err:
        workspace.connect("redmine", url=url, secret="the-api-key")
    assert err.value.kind is ErrorKind.CONFIG
    assert SECRET not in str(err.value) and "keyring" in str(err.value) and "redmine.example.com" in str(err.value)
    assert len(workspace.store.events()) == events_before
    assert workspace.connection().kind == "local"
    assert memory_keyring.secrets == {}
    assert SECRET.encode() not in _db_bytes(workspace, workspace_dir)


@pytest.mark.parametrize("kind, extra", [("redmine", {}), ("freshdesk", {}),
                                         ("jira", {"user": "me@example.com"}),
                                         ("connectwise", {"user": "pub", "company": "acme",
                                                          "options": {"client_id": "g"}})])
def test_plain_http_beyond_this_computer_is_refused_when_saved(kind, extra):
    with pytest.raises(TicketSystemError) as err:
        check(Connection(kind=kind, url="http://help.example.com", **extra))
    assert err.value.kind is ErrorKind.CONFIG and "not encrypted" in str(err.value)
    check(Connection(kind=kind, url="http://127.0.0.1:8080", **extra))
    check(Connection(kind=kind, url="https://help.example.com", **extra))


def test_a_stored_url_with_a_password_is_never_echoed():
    conn = Connection(kind="redmine", url=f"https://admin:{SECRET}@redmine.example.com")
    assert SECRET not in conn.describe()


def test_a_calendar_url_with_a_password_is_refused_and_nothing_is_written(workspace, workspace_dir):
    events_before = len(workspace.store.events())
    with pytest.raises(RotationError) as err:
        workspace.rotation.import_ics(f"https://me:{SECRET}@calendar.example.com/oncall.ics", "Primary")
    assert SECRET not in str(err.value) and "keyring" in str(err.value)
    assert len(workspace.store.events()) == events_before and workspace.rotation.sources() == []
    assert SECRET.encode() not in _db_bytes(workspace, workspace_dir)


def test_a_trickling_calendar_server_is_given_up_on_at_the_deadline(workspace, monkeypatch):
    from oncall_desktop.services.psa import deadline

    real = deadline.get_within
    monkeypatch.setattr(deadline, "get_within", lambda url, **kw: real(url, **kw, deadline=0.8))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: 100000\r\n\r\n")
            while not stop.wait(0.2):
                try:
                    conn.sendall(b"B")
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(RotationError) as err:
            workspace.rotation.import_ics(f"http://127.0.0.1:{listener.getsockname()[1]}/c.ics", "Primary")
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert time.monotonic() - started < 0.8 + 0.75
    assert "did not answer within 0.8 s" in str(err.value) and "nothing was imported" in str(err.value)


def test_the_cli_refuses_a_url_with_a_password_in_one_line(capsys, monkeypatch, tmp_path, memory_keyring):
    import io

    from oncall_desktop.commands.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("the-api-key\n"))
    code = main(["--workspace", str(tmp_path / "ws"), "connect", "redmine", "--url",
                 f"https://admin:{SECRET}@redmine.example.com"])
    out, err = capsys.readouterr()
    assert code != 0 and SECRET not in out + err and "keyring" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert memory_keyring.secrets == {}
    assert SECRET.encode() not in b"".join(p.read_bytes() for p in (tmp_path / "ws").glob(DB_NAME + "*"))

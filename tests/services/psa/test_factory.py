"""Connection config → adapter: secrets only from the keyring, readable CONFIG errors, cursors per source.

The HTTP fakes answer like Redmine's "Rest_Users" page
(https://www.redmine.org/projects/redmine/wiki/Rest_Users: GET /users/current.json → {"user": {...}})
and "Rest_Issues" (GET /issues.json → {"issues", "total_count", "offset", "limit"}).
"""
from __future__ import annotations

import socket

import pytest

from oncall_desktop.services.platform import credentials
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.factory import Unusable, build
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.retry import RetryPolicy
from oncall_desktop.services.psa.ticket_systems import SYSTEMS, Connection, check, secret_for

KEY = "redmine-api-key-0b1c"
FAST = HttpOptions(timeout=(1.0, 2.0), policy=RetryPolicy(attempts=1), sleep=lambda s: None)


def _conn(kind: str) -> Connection:
    extra = {"connectwise": {"client_id": "cid"}, "autotask": {"integration_code": "IC"}}.get(kind, {})
    return Connection(kind=kind, url="https://help.example.com", user="tech@example.com", company="acme",
                      options=extra)


@pytest.mark.parametrize("kind", [k for k in SYSTEMS if k != "local"])
def test_every_vendor_builds_and_its_name_is_its_ticket_source(kind) -> None:
    # the poller files cursors under system.name; tickets carry the vendor as source: they must agree
    system = build(_conn(kind), secret="s3cret")
    assert system.name == kind
    assert getattr(system, "vendor", kind) == kind
    for verb in ("poll", "add_note", "log_time", "find_time_entry", "test_connection"):
        assert callable(getattr(system, verb))


def test_secret_comes_from_the_keyring_at_build_time(memory_keyring) -> None:
    conn = Connection(kind="redmine", url="https://redmine.example.com")
    credentials.set_secret("redmine", conn.account, KEY)
    system = build(conn)
    assert system.http.session.headers["X-Redmine-API-Key"] == KEY


def test_missing_secret_is_a_config_error_that_says_what_to_do() -> None:
    conn = Connection(kind="freshdesk", url="acme")
    with pytest.raises(TicketSystemError) as exc:
        secret_for(conn)
    assert exc.value.kind is ErrorKind.CONFIG
    assert "No api key is stored for Freshdesk at acme" in str(exc.value)
    assert "Settings → Ticket system" in str(exc.value) and "oncall-desktop connect freshdesk" in str(exc.value)


@pytest.mark.parametrize(("conn", "needle"), [
    (Connection(kind="nosuch", url="x"), "not a ticket system"),
    (Connection(kind="redmine", url=""), "needs its address"),
    (Connection(kind="jira", url="https://a.atlassian.net"), "needs the e-mail"),
    (Connection(kind="connectwise", url="x", user="pub", company="acme"), "needs the option 'client_id'"),
    (Connection(kind="connectwise", url="x", user="pub", options={"client_id": "c"}), "Company ID"),
    (Connection(kind="redmine", url="x", options={"projct": "a"}), "has no option projct"),
])
def test_incomplete_connections_name_the_missing_field(conn, needle) -> None:
    with pytest.raises(TicketSystemError) as exc:
        check(conn)
    assert exc.value.kind is ErrorKind.CONFIG and needle in str(exc.value)


def test_number_options_are_checked() -> None:
    conn = Connection(kind="redmine", url="x", options={"activity_id": "nine"})
    with pytest.raises(TicketSystemError, match="'activity_id' must be a whole number"):
        build(conn, secret="k")


def test_workspace_builds_the_configured_system_and_never_stores_the_secret(workspace, memory_keyring) -> None:
    assert workspace.ticket_system() is workspace.book
    workspace.connect("redmine", url="https://redmine.example.com", secret=KEY, options={"project": "ops"})
    system = workspace.ticket_system()
    assert system.name == "redmine" and system.project == "ops"
    assert workspace.poller.source == "redmine"
    stored = workspace.store.get_setting("ticket_system")
    assert stored == {"kind": "redmine", "url": "https://redmine.example.com", "user": "", "company": "",
                      "options": {"project": "ops"}}
    assert memory_keyring.secrets == {("oncall-desktop", "redmine:https://redmine.example.com"): KEY}
    workspace.close()
    for path in workspace.directory.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_without_a_secret_polls_fail_readably_and_the_snapshot_still_works(workspace) -> None:
    workspace.store.set_setting("ticket_system", {"kind": "redmine", "url": "https://r.example.com"})
    assert isinstance(workspace.ticket_system(), Unusable)
    result = workspace.poller.poll_once()
    assert result.errors and "No api key is stored for Redmine" in result.errors[0]
    snap = workspace.snapshot()
    assert snap.status.ticket_system == "Redmine at https://r.example.com"
    assert "No api key" in snap.offline_reason


def test_switching_servers_forgets_the_old_cursor(workspace) -> None:
    workspace.connect("redmine", url="https://a.example.com", secret=KEY)
    for key in ("redmine", "redmine#mine"):  # the desk's cursor and the off-call poll's
        workspace.store.db.conn.execute("INSERT INTO cursors (source, cursor, at) VALUES (?, '2026-01-01T00:00:00Z', "
                                        "'x')", (key,))
    workspace.connect("redmine", url="https://a.example.com", secret=KEY, options={"project": "ops"})
    assert workspace.poller._cursor("redmine") == "2026-01-01T00:00:00Z"  # same server: keep going
    workspace.connect("redmine", url="https://b.example.com", secret=KEY)
    assert workspace.poller._cursor("redmine") is None
    assert workspace.poller._cursor("redmine#mine") is None


def test_polls_the_configured_redmine_and_keeps_its_cursor(workspace, httpserver) -> None:
    httpserver.expect_request("/issues.json").respond_with_json({
        "issues": [{"id": 7, "subject": "Mail server down", "description": "nothing sends",
                    "project": {"id": 1, "name": "Acme"}, "priority": {"id": 5, "name": "Immediate"},
                    "status": {"id": 1, "name": "New"}, "author": {"id": 3, "name": "Bob"},
                    "created_on": "2026-11-25T22:00:00Z", "updated_on": "2026-11-25T22:05:00Z"}],
        "total_count": 1, "offset": 0, "limit": 100})
    workspace.connect("redmine", url=httpserver.url_for("/"), secret=KEY)
    result, notes = workspace.poll()
    assert (result.fetched, result.paged) == (1, 1)
    assert notes[0]["title"].startswith("P1 · Acme: Mail server down")
    assert workspace.poller._cursor() == "2026-11-25T22:05:00Z"
    assert httpserver.log[0][0].headers["X-Redmine-API-Key"] == KEY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_test_connection_tells_the_failures_apart(workspace, httpserver) -> None:
    httpserver.expect_request("/users/current.json", headers={"X-Redmine-API-Key": KEY}).respond_with_json(
        {"user": {"id": 1, "login": "oncall"}})
    httpserver.expect_request("/users/current.json").respond_with_data("", status=401)
    httpserver.expect_request("/nothing-here/users/current.json").respond_with_data("Not Found", status=404)
    good = Connection(kind="redmine", url=httpserver.url_for("/"))
    assert workspace.test_connection(good, KEY) == f"Connected to Redmine at {httpserver.host}:{httpserver.port} as oncall."

    def kind_of(conn: Connection, secret: str) -> tuple[ErrorKind, str]:
        with pytest.raises(TicketSystemError) as exc:
            workspace.test_connection(conn, secret)
        return exc.value.kind, str(exc.value)

    kind, text = kind_of(good, "wrong")
    assert kind is ErrorKind.AUTH and "credentials were rejected" in text
    kind, text = kind_of(Connection(kind="redmine", url=httpserver.url_for("/nothing-here/")), KEY)
    assert kind is ErrorKind.NOT_FOUND and "Check the URL" in text
    kind, text = kind_of(Connection(kind="redmine", url=f"http://127.0.0.1:{_free_port()}"), KEY)
    assert kind is ErrorKind.NETWORK and "refused the connection" in text
    kind, text = kind_of(Connection(kind="redmine", url=f"https://{httpserver.host}:{httpserver.port}"), KEY)
    assert kind is ErrorKind.TLS and "TLS certificate" in text

"""A stored :class:`Connection` → the adapter that speaks to it.

Why one factory: Settings' "Test connection", the poller and the CLI must
build adapters the same way, with the secret read from the keyring at the
last moment (never kept in settings, never passed on a command line).
Option values typed into a form arrive as text; they are converted here, with
a CONFIG error naming the field when one cannot be.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from oncall_desktop.services.platform.credentials import CredentialError
from oncall_desktop.services.psa.base import ErrorKind, HasPeopleDirectory, TicketSystem, TicketSystemError
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.ticket_systems import LOCAL, Connection, check, secret_for


def _int(conn: Connection, name: str) -> int | None:
    value = conn.options.get(name)
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise TicketSystemError(ErrorKind.CONFIG, f"{conn.info.title}: option '{name}' must be a whole number, "
                                f"not {value!r}.") from None


def _text(conn: Connection, name: str, default: str = "") -> str:
    return str(conn.options.get(name) or default).strip()


def build(conn: Connection, *, secret: str | None = None, local: Any = None,
          domain_clients: Mapping[str, str] | None = None, http: HttpOptions = HttpOptions()) -> TicketSystem:
    """The adapter for ``conn``; ``secret`` defaults to the keyring's.

    ``local`` is the workspace's local book (returned for kind "local");
    ``domain_clients`` maps mail domains to clients for the IMAP inbox.
    """
    check(conn)
    if conn.kind == LOCAL:
        if local is None:
            raise TicketSystemError(ErrorKind.CONFIG, "the local book needs an open workspace")
        return local  # type: ignore[no-any-return]
    key = secret if secret else secret_for(conn)
    mapping = conn.options.get("mapping") or None
    makers: dict[str, Callable[[], Any]] = {
        "connectwise": lambda: _connectwise(conn, key, mapping, http),
        "autotask": lambda: _autotask(conn, key, mapping, http),
        "halopsa": lambda: _halopsa(conn, key, mapping, http),
        "freshdesk": lambda: _freshdesk(conn, key, mapping, http),
        "jira": lambda: _jira(conn, key, mapping, http),
        "redmine": lambda: _redmine(conn, key, mapping, http),
        "imap": lambda: _imap(conn, key, mapping, domain_clients, http),
    }
    system = makers[conn.kind]()
    if isinstance(system, HasPeopleDirectory):  # person → vendor user overrides for reassignment (psa/people.py)
        from oncall_desktop.services.psa.people import overrides_from

        system.people = overrides_from(conn.options.get("people"))
    return system  # type: ignore[no-any-return]


def _connectwise(conn: Connection, key: str, mapping: Any, http: HttpOptions) -> Any:
    from oncall_desktop.services.psa.vendors.connectwise import ConnectWiseAdapter

    return ConnectWiseAdapter(conn.url, company=conn.company, user=conn.user, secret=key,
                              client_id=_text(conn, "client_id"), member=_text(conn, "member"),
                              conditions=_text(conn, "conditions"), mapping=mapping, options=http)


def _autotask(conn: Connection, key: str, mapping: Any, http: HttpOptions) -> Any:
    from oncall_desktop.services.psa.vendors.autotask import AutotaskAdapter

    return AutotaskAdapter(conn.url, user=conn.user, secret=key, integration_code=_text(conn, "integration_code"),
                           mapping=mapping, options=http)


def _halopsa(conn: Connection, key: str, mapping: Any, http: HttpOptions) -> Any:
    from oncall_desktop.services.psa.vendors.halopsa import HaloPSAAdapter

    return HaloPSAAdapter(conn.url, client_id=conn.user, secret=key, tenant=conn.company, mapping=mapping,
                          options=http)


def _freshdesk(conn: Connection, key: str, mapping: Any, http: HttpOptions) -> Any:
    from oncall_desktop.services.psa.vendors.freshdesk import FreshdeskAdapter

    return FreshdeskAdapter(conn.url, secret=key, agent_id=_int(conn, "agent_id"), mapping=mapping, options=http)


def _jira(conn: Connection, key: str, mapping: Any, http: HttpOptions) -> Any:
    from oncall_desktop.services.psa.vendors.jira import JiraAdapter

    return JiraAdapter(conn.url, user=conn.user, secret=key, jql_scope=_text(conn, "jql_scope"),
                       client_field=_text(conn, "client_field") or None, mapping=mapping, options=http)


def _redmine(conn: Connection, key: str, mapping: Any, http: HttpOptions) -> Any:
    from oncall_desktop.services.psa.vendors.redmine import RedmineAdapter

    return RedmineAdapter(conn.url, secret=key, project=_text(conn, "project") or None,
                          activity_id=_int(conn, "activity_id"), mapping=mapping, options=http)


def _imap(conn: Connection, key: str, mapping: Any, domain_clients: Mapping[str, str] | None,
          http: HttpOptions) -> Any:
    from oncall_desktop.services.psa.vendors.imap import ImapAdapter

    host = conn.url.split("://", 1)[-1].rstrip("/")
    return ImapAdapter(host, user=conn.user, secret=key, port=_int(conn, "port"),
                       security=_text(conn, "security", "ssl"), mailbox=_text(conn, "mailbox", "INBOX"),
                       domain_clients=domain_clients, mapping=mapping, clock=http.clock)


class Unusable:
    """Stands in for a system that cannot be built (no secret, bad option).

    Why not raise: the snapshot, the tray and the poller must keep working and
    *say* what is wrong; every poll raises the same readable CONFIG error, so
    it shows as the offline reason until Settings is fixed.
    """

    def __init__(self, conn: Connection, error: TicketSystemError) -> None:
        self.name = conn.kind
        self.error = error

    def poll(self, since: str | None) -> Any:
        raise self.error

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        raise self.error

    def log_time(self, entry: Any) -> str:
        raise self.error

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        raise self.error

    def test_connection(self) -> str:
        raise self.error


def build_or_unusable(conn: Connection, **kw: Any) -> Any:
    """``build``, but a configuration problem becomes an :class:`Unusable` stand-in."""
    try:
        return build(conn, **kw)
    except TicketSystemError as exc:
        if exc.kind is not ErrorKind.CONFIG:
            raise
        return Unusable(conn, exc)
    except CredentialError as exc:  # a keyring that cannot be read is a configuration problem too
        return Unusable(conn, TicketSystemError(ErrorKind.CONFIG, str(exc)))

"""Which ticket system this workspace polls, and how to reach it (never the secret).

Why split config from secret: the workspace file is copied, backed up and
attached to bug reports; a password in it would leak with it.  The settings
row ``ticket_system`` keeps kind, URL, user, company and options; the secret
goes to the OS keyring through ``credentials`` under the account
``<kind>:<user or URL>``, so two Redmine servers never share a key.

:data:`SYSTEMS` is the one table Settings, the CLI and the factory agree on:
the display name, what the secret is called, and which extra options each
vendor needs (with a short help text for the form).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from oncall_desktop.services.psa.base import (
    USERINFO_REFUSED,
    ErrorKind,
    TicketSystemError,
    has_userinfo,
    plain_http_beyond_loopback,
    redact_url,
)

if TYPE_CHECKING:  # the CLI builds its parser from SYSTEMS: keep keyring and sqlite-utils out of that
    from oncall_desktop.services.storage.store import Store

SETTING = "ticket_system"
LOCAL = "local"


@dataclass(frozen=True)
class SystemInfo:
    """How one kind of system is set up in Settings and on the command line."""

    kind: str
    title: str
    url_hint: str
    secret_label: str = "Password"
    user_label: str = "User"
    needs_user: bool = False
    company_label: str = ""
    #: extra option → help text (shown as a form field, passed to the adapter)
    options: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    #: a sample of the vendor's priority names, to seed the priority table
    priorities: tuple[str, ...] = ()


SYSTEMS: dict[str, SystemInfo] = {s.kind: s for s in (
    SystemInfo(LOCAL, "Local book", "", secret_label=""),
    SystemInfo("connectwise", "ConnectWise Manage", "https://api-na.myconnectwise.net",
               secret_label="Private key", user_label="Public key", needs_user=True, company_label="Company ID",
               options={"client_id": "clientId from developer.connectwise.com (required)",
                        "conditions": "extra ticket conditions, e.g. board/name=\"Help Desk\"",
                        "member": "your member identifier (for time entries)"},
               required=("client_id",),
               priorities=("Priority 1 - Emergency Response", "Priority 2 - Quick Response",
                           "Priority 3 - Normal Response", "Priority 4 - Schedule Maintenance")),
    SystemInfo("autotask", "Autotask PSA", "https://webservices5.autotask.net", secret_label="Secret",
               user_label="API user (user name)", needs_user=True,
               options={"integration_code": "the API tracking identifier (required)"},
               required=("integration_code",), priorities=("Critical", "High", "Medium", "Low")),
    SystemInfo("halopsa", "HaloPSA", "https://acme.halopsa.com", secret_label="Client secret",
               user_label="Client ID", needs_user=True, company_label="Tenant",
               priorities=("Critical", "High", "Medium", "Low")),
    SystemInfo("freshdesk", "Freshdesk", "acme (or https://acme.freshdesk.com)", secret_label="API key",
               options={"agent_id": "your agent id (for time entries)"},
               priorities=("Urgent", "High", "Medium", "Low")),
    SystemInfo("jira", "Jira Service Management", "https://acme.atlassian.net", secret_label="API token",
               user_label="E-mail", needs_user=True,
               options={"jql_scope": "extra JQL, e.g. project = HELP", "client_field": "field id holding the client"},
               priorities=("Highest", "High", "Medium", "Low", "Lowest")),
    SystemInfo("redmine", "Redmine", "https://redmine.example.com", secret_label="API key",
               options={"project": "project identifier to watch (empty: all)",
                        "activity_id": "time entry activity id"},
               priorities=("Immediate", "Urgent", "High", "Normal", "Low")),
    SystemInfo("imap", "Shared inbox (IMAP)", "imap.example.com", secret_label="Password",
               user_label="Mailbox user", needs_user=True,
               options={"security": "ssl (993), starttls (143) or plain (this computer only)",
                        "port": "port if not the usual one", "mailbox": "folder, default INBOX"},
               priorities=("1 (highest)", "3 (normal)", "5 (lowest)")),
)}


@dataclass(frozen=True)
class Connection:
    """A configured ticket system, as stored in the workspace (secret excluded)."""

    kind: str = LOCAL
    url: str = ""
    user: str = ""
    company: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def info(self) -> SystemInfo:
        return SYSTEMS[self.kind]

    @property
    def account(self) -> str:
        """The keyring account the secret is filed under (user, else the URL)."""
        return self.user or self.url

    def describe(self) -> str:
        if self.kind == LOCAL:
            return "Local book (tickets kept in this workspace)"
        who = f" as {self.user}" if self.user else ""
        return f"{self.info.title} at {redact_url(self.url)}{who}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "url": self.url, "user": self.user, "company": self.company,
                "options": dict(self.options)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Connection:
        if not data:
            return cls()
        return cls(kind=str(data.get("kind") or LOCAL), url=str(data.get("url") or ""),
                   user=str(data.get("user") or ""), company=str(data.get("company") or ""),
                   options=dict(data.get("options") or {}))


def check(conn: Connection) -> Connection:
    """The connection, or a CONFIG error saying which field to fill in."""
    if conn.kind not in SYSTEMS:
        raise TicketSystemError(ErrorKind.CONFIG, f"'{conn.kind}' is not a ticket system oncall-desktop knows; "
                                f"choose one of: {', '.join(SYSTEMS)}")
    info = conn.info
    if conn.kind == LOCAL:
        return conn
    if not conn.url.strip():
        raise TicketSystemError(ErrorKind.CONFIG, f"{info.title} needs its address (e.g. {info.url_hint}).")
    # settings and the append-only event log are copied and attached to bug reports: no secret in the URL
    if has_userinfo(conn.url):
        raise TicketSystemError(ErrorKind.CONFIG, f"{info.title}: the address {redact_url(conn.url)} "
                                f"{USERINFO_REFUSED}.")
    if conn.kind != "imap" and plain_http_beyond_loopback(conn.url):
        raise TicketSystemError(ErrorKind.CONFIG, f"{info.title}: {conn.url} is not encrypted (http://); use "
                                "https:// — plain http is only allowed to this computer (localhost, 127.0.0.1).")
    if info.needs_user and not conn.user.strip():
        raise TicketSystemError(ErrorKind.CONFIG, f"{info.title} needs the {info.user_label.lower()} as well.")
    if info.company_label == "Company ID" and not conn.company.strip():
        raise TicketSystemError(ErrorKind.CONFIG, f"{info.title} needs the {info.company_label} you sign in with.")
    allowed = set(info.options) | {"mapping", "people"}  # people: person → vendor user for reassignment
    unknown = sorted(set(conn.options) - allowed)
    if unknown:
        raise TicketSystemError(ErrorKind.CONFIG, f"{info.title} has no option {', '.join(unknown)}; "
                                f"known: {', '.join(sorted(allowed))}")
    for name in info.required:
        if not str(conn.options.get(name) or "").strip():
            raise TicketSystemError(ErrorKind.CONFIG, f"{info.title} needs the option '{name}': "
                                    f"{info.options[name]}.")
    return conn


def load(store: Store) -> Connection:
    return Connection.from_dict(store.get_setting(SETTING))


def save(store: Store, conn: Connection, secret: str | None = None) -> Connection:
    """Check and store the connection; the secret (if given) goes to the keyring only.

    The keyring is written first: if it is unusable nothing in the workspace
    changes, so the app never points at a system it cannot sign in to.
    """
    check(conn)
    if secret:
        from oncall_desktop.services.platform import credentials

        credentials.set_secret(conn.kind, conn.account, secret)
    with store.transaction():
        previous = load(store)
        if (previous.kind, previous.url) != (conn.kind, conn.url):
            # another server: its cursor means nothing here, start over
            # (the desk's cursor and the off-call poll's, ``<kind>#mine``)
            store.db.conn.execute("DELETE FROM cursors WHERE source IN (?, ?)", (conn.kind, f"{conn.kind}#mine"))
        store.set_setting(SETTING, conn.to_dict())
        store.log("ticket_system.connected", conn.kind, {"url": conn.url, "user": conn.user})
    return conn


def secret_for(conn: Connection) -> str:
    """The stored secret, or a CONFIG error that says how to provide it."""
    from oncall_desktop.services.platform import credentials

    secret = credentials.get_secret(conn.kind, conn.account)
    if not secret:
        raise TicketSystemError(ErrorKind.CONFIG, f"No {conn.info.secret_label.lower()} is stored for "
                                f"{conn.describe()}. Enter it in Settings → Ticket system, or run "
                                f"'oncall-desktop connect {conn.kind} --url {redact_url(conn.url)}' and type it in.")
    return secret

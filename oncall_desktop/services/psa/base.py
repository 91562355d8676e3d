"""The one protocol every ticket system speaks, and its typed errors.

Why a protocol and not a base class: adapters differ in everything but these
four verbs, and the poller, clock and outbox must not care which vendor is
behind them.  Writes (notes, time entries) are only ever called by the outbox,
which relies on ``find_time_entry`` to never post the same entry twice.

What only some systems can do is declared here too, one runtime-checkable
protocol per capability (``Reassigns``, ``HasPeopleDirectory``, ``FindsNotes``,
``ListsNotes``, ``ChecksConnection``, ``Closes``, ``NamesItsSource``, ``Vendored``).  A caller
asks ``isinstance(system, Reassigns)`` rather than probing for a name, and an
adapter that has a capability names it among its bases, so mypy checks its
method against the declaration (and refuses to build an adapter that names one
it does not implement).  tests/services/psa/test_capabilities.py lists which
vendor has which.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

from oncall_desktop.core.tickets.tickets import Ticket

#: The only hosts a connection may reach without TLS (plain IMAP, http:// calendars and team packs):
#: nothing then crosses a network.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: The longest ``Retry-After`` honoured (seconds): a server asking for days gets retried after this.
MAX_RETRY_AFTER = 3600.0
#: Why a URL with ``user:password@`` in it is refused: settings and the event log are not secret.
USERINFO_REFUSED = ("has a user name or password in it; put the password in the password field "
                    "(it is kept in the keyring) and give the address without it")


class ErrorKind(enum.Enum):
    AUTH = "auth"                  # wrong or expired credentials
    NETWORK = "network"            # no route, DNS, refused, timeout
    TLS = "tls"                    # certificate problems
    RATE_LIMIT = "rate_limit"      # 429 after our retries ran out
    BAD_RESPONSE = "bad_response"  # garbage, unexpected shape, 5xx
    NOT_FOUND = "not_found"        # wrong URL or ticket gone
    REJECTED = "rejected"          # the system refused our input (4xx with reasons)
    CONFIG = "config"              # the adapter is not set up (missing URL, secret)


class TicketSystemError(Exception):
    """A failure talking to a ticket system, worded for the person on call.

    ``uncertain`` marks failures after which a write may or may not have been
    applied remotely (a timeout after sending a POST): the outbox must look the
    idempotency key up before retrying.
    """

    def __init__(self, kind: ErrorKind, message: str, *, uncertain: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.uncertain = uncertain
        # however a server asked, never park work for longer than this
        self.retry_after = None if retry_after is None else min(retry_after, MAX_RETRY_AFTER)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class PollResult:
    """Tickets changed since the cursor, and the cursor to use next time."""

    tickets: Sequence[Ticket]
    cursor: str | None
    skipped: Sequence[str] = ()
    """One readable line per item of the answer that could not be read and was left out (a broken mail)."""


@dataclass(frozen=True)
class TimeEntryRequest:
    """A finished, billed piece of work to record on a ticket.

    ``key`` is the idempotency key: the adapter stamps it into the remote
    entry's notes so ``find_time_entry(key)`` can prove it already exists.
    """

    ticket_remote_id: str
    key: str
    start: datetime
    end: datetime
    worked_minutes: int
    billable_minutes: int
    multiplier: float = 1.0
    billable: bool = True
    note: str = ""
    person: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class TicketSystem(Protocol):
    """What the app needs from any ticket system."""

    name: str

    def poll(self, since: str | None) -> PollResult:
        """Tickets updated after ``since`` (an opaque cursor; None = first poll)."""
        ...

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        """Add an internal note to a ticket."""
        ...

    def log_time(self, entry: TimeEntryRequest) -> str:
        """Post a time entry; returns the remote entry id."""
        ...

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        """The remote id of the entry stamped with ``key``, or None."""
        ...


# ------------------------------------------------------- optional capabilities --

@runtime_checkable
class Reassigns(Protocol):
    """Gives a ticket to another person: how an escalation reaches the backup's own app.

    Without it the team cannot share pages through the system (services/paging/ack_clock.py):
    every app runs every page, and a reassignment is refused with a sentence.
    """

    def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
        """Make ``person`` (ours; ``email`` helps find the vendor's user) the ticket's assignee."""
        ...


@runtime_checkable
class PollsAssigned(Protocol):
    """Reads only the tickets assigned to one person, changed since a cursor: an off-call app's cheap poll.

    Why: an off-call app needs only what concerns its tech (a hand-over, an
    escalation), and one small filtered request costs the team's shared limit
    far less than the whole desk (services/paging/poller.py, scope ``mine``).
    """

    def poll_assigned(self, since: str | None, person: str) -> PollResult:
        """Tickets assigned to ``person`` (ours) that changed since ``since`` (all open ones when None)."""
        ...


@runtime_checkable
class HasPeopleDirectory(Protocol):
    """Maps our people to the vendor's users (the connection option ``people``; psa/people.py)."""

    people: Mapping[str, str]


@runtime_checkable
class FindsNotes(Protocol):
    """Finds the note stamped with an outbox key, so a note whose delivery is in doubt is not sent twice."""

    def find_note(self, remote_id: str, key: str) -> str | None:
        """The remote id of the note stamped with ``key`` (``stamp``), or None."""
        ...


@runtime_checkable
class ListsNotes(Protocol):
    """Lists a ticket's notes: the outbox looks a stamped key up in them (as with ``FindsNotes``)."""

    def notes(self, remote_id: str) -> Sequence[str]:
        """The text of every note on the ticket, oldest first."""
        ...


@runtime_checkable
class ChecksConnection(Protocol):
    """Signs in and says so: Settings' "Test connection" and the pre-shift check."""

    def test_connection(self) -> str:
        """A sentence for the person ("Connected to … as …"); raises TicketSystemError."""
        ...


@runtime_checkable
class Closes(Protocol):
    """Holds a connection (an HTTP session) that must be let go when the system is replaced."""

    def close(self) -> None:
        ...


@runtime_checkable
class NamesItsSource(Protocol):
    """Says itself which ``Ticket.source`` its tickets carry (else the vendor's, else its name)."""

    source: str


@runtime_checkable
class Vendored(Protocol):
    """A REST adapter's vendor key (``RestAdapter.vendor``): its tickets' ``Ticket.source`` and mapping table."""

    vendor: str


def stamp(key: str, text: str) -> str:
    """Put the idempotency key into a note in a form people can read past."""
    return f"{text} [oncall-key:{key}]" if text else f"[oncall-key:{key}]"


def has_stamp(text: str | None, key: str) -> bool:
    return bool(text) and f"[oncall-key:{key}]" in text  # type: ignore[operator]


def _split(url: str) -> tuple[str, ...]:
    text = (url or "").strip()
    return tuple(urlsplit(text if "://" in text else "//" + text))


def has_userinfo(url: str) -> bool:
    """True when ``url`` carries ``user@`` or ``user:password@`` before its host."""
    return "@" in _split(url)[1]


def redact_url(url: str) -> str:
    """``url`` without its ``user:password@`` part, for messages and logs (else unchanged)."""
    if not has_userinfo(url):
        return url
    scheme, netloc, path, query, fragment = _split(url)
    text = urlunsplit((scheme, netloc.rpartition("@")[2], path, query, fragment))
    return text if scheme else text.removeprefix("//")


def plain_http_beyond_loopback(url: str) -> bool:
    """True for an ``http://`` URL whose host is not this computer (:data:`LOCAL_HOSTS`)."""
    parts = urlsplit((url or "").strip())
    return parts.scheme.lower() == "http" and (parts.hostname or "") not in LOCAL_HOSTS

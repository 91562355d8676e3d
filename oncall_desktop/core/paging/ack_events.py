"""What goes into the ack clock and what comes out of it, as plain data.

The state machine in :mod:`oncall_desktop.core.paging.ack` consumes *events* (a button
pressed, a deadline passed, what another app did as the ticket system shows
it) and emits *effects* (a note for the ticket, whom to notify, a timer to
start); the services run the effects, durably through the outbox, and decide
nothing themselves.  Kept apart as frozen values with no rules in them, they
can be built, stored, compared and replayed by the services and the tests
without knowing the rules, and the rules can change without touching them.

:class:`AckPolicy` (how long people get) is the third input of every
transition and plain validated settings too, so it lives here with
:class:`AckError`, which it raises.  Nothing here imports the state machine
(:mod:`oncall_desktop.core.paging.ack`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class AckError(ValueError):
    """An event that makes no sense for the page's state; the message says why."""


# ------------------------------------------------------------------ policy --

def _positive_minutes(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 24 * 60:
        raise AckError(f"{what} must be a whole number of minutes from 1 to 1440, not {value!r}")
    return value


@dataclass(frozen=True)
class AckPolicy:
    """How long people get, per client and severity.

    The ack window is chosen as: an exact ``by_client_severity`` entry, else
    the *shortest* of the matching ``by_client`` / ``by_severity`` entries
    (never wait longer than any rule promises), else ``ack_minutes``.
    """

    ack_minutes: int = 15
    by_client: Mapping[str, int] = field(default_factory=dict)
    by_severity: Mapping[str, int] = field(default_factory=dict)
    by_client_severity: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    stale_minutes: int = 30
    stale_by_client: Mapping[str, int] = field(default_factory=dict)
    renotify_minutes: int = 5
    levels: int = 3
    zone: str = "UTC"

    def __post_init__(self) -> None:
        for name in ("by_client", "by_severity", "by_client_severity", "stale_by_client"):
            if not isinstance(getattr(self, name), Mapping):
                raise AckError(f"{name} must map names to minutes, such as {{\"Acme\": 10}}")
        for client, table in self.by_client_severity.items():
            if not isinstance(table, Mapping):
                raise AckError(f"by_client_severity[{client!r}] must map severities to minutes, such as {{\"P1\": 5}}")
        _positive_minutes(self.ack_minutes, "ack_minutes")
        _positive_minutes(self.stale_minutes, "stale_minutes")
        _positive_minutes(self.renotify_minutes, "renotify_minutes")
        for name in ("by_client", "by_severity", "stale_by_client"):
            for key, value in getattr(self, name).items():
                _positive_minutes(value, f"{name}[{key!r}]")
        for client, table in self.by_client_severity.items():
            for key, value in table.items():
                _positive_minutes(value, f"by_client_severity[{client!r}][{key!r}]")
        if isinstance(self.levels, bool) or not isinstance(self.levels, int) or not 1 <= self.levels <= 9:
            raise AckError(f"levels must be 1–9 (1 on call, 2 backup, 3 lead), not {self.levels!r}")
        try:
            object.__setattr__(self, "_tz", ZoneInfo(self.zone))
        except (ZoneInfoNotFoundError, ValueError):
            raise AckError(f"unknown time zone {self.zone!r}; use an IANA name such as Europe/Berlin") from None

    def ack_window(self, client: str, severity: str) -> timedelta:
        exact = self.by_client_severity.get(client, {}).get(severity)
        if exact is not None:
            return timedelta(minutes=exact)
        found = [m for m in (self.by_client.get(client), self.by_severity.get(severity)) if m is not None]
        return timedelta(minutes=min(found) if found else self.ack_minutes)

    def renotify_after(self) -> timedelta:
        """How long until a still-unanswered page is shown again."""
        return timedelta(minutes=self.renotify_minutes)

    def stale_after(self, client: str) -> timedelta:
        return timedelta(minutes=self.stale_by_client.get(client, self.stale_minutes))

    def clock(self, at: datetime) -> str:
        """``HH:MM`` in the team's zone, for notes people read in the PSA."""
        return f"{at.astimezone(self._tz):%H:%M}"  # type: ignore[attr-defined]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ack_minutes": self.ack_minutes,
            "by_client": dict(self.by_client),
            "by_severity": dict(self.by_severity),
            "by_client_severity": {k: dict(v) for k, v in self.by_client_severity.items()},
            "stale_minutes": self.stale_minutes,
            "stale_by_client": dict(self.stale_by_client),
            "renotify_minutes": self.renotify_minutes,
            "levels": self.levels,
            "zone": self.zone,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AckPolicy:
        allowed = set(cls().to_dict())
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise AckError(f"unknown ack policy setting(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        return cls(**{k: data[k] for k in data})


# ----------------------------------------------------------------- effects --

@dataclass(frozen=True)
class Note:
    """An internal note for the ticket (queued through the outbox)."""

    text: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "note", "text": self.text}


@dataclass(frozen=True)
class Notify:
    """Interrupt ``person`` (their app, via the ticket system) at ``level``."""

    person: str
    level: int

    def to_json(self) -> dict[str, Any]:
        return {"type": "notify", "person": self.person, "level": self.level}


@dataclass(frozen=True)
class AssignTicket:
    """Reassign the ticket in the PSA where the vendor supports it."""

    person: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "assign", "person": self.person}


@dataclass(frozen=True)
class StartTimer:
    """Start the work timer for ``person`` (billing starts at acknowledgement)."""

    person: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "start_timer", "person": self.person}


@dataclass(frozen=True)
class StopTimer:
    """Stop any running work timer on this page."""

    def to_json(self) -> dict[str, Any]:
        return {"type": "stop_timer"}


Effect = Note | Notify | AssignTicket | StartTimer | StopTimer


# ------------------------------------------------------------------ events --

@dataclass(frozen=True)
class Acknowledge:
    """``take_ticket``: assign the ticket to ``by`` even when they already hold the page.

    The service sets it when the ticket system shows the ticket assigned to
    someone else, so the other apps (polling it) learn who took the page.
    """

    by: str
    take_ticket: bool = False


@dataclass(frozen=True)
class Resolve:
    """``outcome`` "no action needed" marks a false alarm (Insights counts them)."""

    by: str
    outcome: str = "fixed"


@dataclass(frozen=True)
class Escalate:
    """The "Escalate now" button; ``by`` is empty when a script does it."""

    by: str | None = None


@dataclass(frozen=True)
class Timeout:
    """The stored deadline has passed."""


@dataclass(frozen=True)
class Unack:
    by: str


@dataclass(frozen=True)
class Reassign:
    to: str
    by: str


@dataclass(frozen=True)
class Snooze:
    minutes: int


@dataclass(frozen=True)
class Renotify:
    """The re-notification instant (``renotify_at``) has passed."""


@dataclass(frozen=True)
class StaleCheck:
    timer_running: bool


@dataclass(frozen=True)
class RemoteAcknowledge:
    """Someone took the page in another app: the ticket system shows it assigned to ``by``.

    ``at`` is when that happened as far as this app can tell (default: now).
    """

    by: str
    at: datetime | None = None


@dataclass(frozen=True)
class RemoteResolve:
    """The ticket was closed in the ticket system (by ``by``, when known)."""

    by: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class Handover:
    """The ticket system shows the page handed to ``to`` (an escalation made by another app, or to me).

    The page continues at ``to``'s level in the chain (the current level when
    ``to`` is not in it) with a fresh window counted from ``at``, the moment
    of the hand-over — not a new level-1 page.
    """

    to: str
    at: datetime | None = None


Event = (Acknowledge | Resolve | Escalate | Timeout | Unack | Reassign | Snooze | Renotify | StaleCheck
         | RemoteAcknowledge | RemoteResolve | Handover)
REMOTE_EVENTS = (RemoteAcknowledge, RemoteResolve, Handover)

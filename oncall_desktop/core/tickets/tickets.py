"""Tickets and pages: the two nouns every feature speaks.

A :class:`Ticket` is what a ticket system holds, normalised so rules never see
vendor shapes.  A :class:`Page` is one decision to interrupt a person about a
ticket; its state machine lives in ``ack.py``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from oncall_desktop.core.time.clock import UTC, as_utc, iso, parse_instant

#: The JSON form of a ticket uses exactly these names (scripts depend on them).
TICKET_FIELDS = (
    "id", "source", "remote_id", "client", "title", "body",
    "priority", "status", "contact", "created", "updated",
)

PAGE_STATES = ("pending", "acknowledged", "escalated", "resolved")
#: Severity names, most urgent first: a ticket's priority 1–4 is ``SEVERITIES[priority - 1]``.
SEVERITIES = ("P1", "P2", "P3", "P4")


class TicketError(ValueError):
    """Input that cannot become a ticket; the message says what to fix."""


@dataclass(frozen=True)
class Ticket:
    """A ticket normalised from any system.

    ``priority`` is 1–4 with 1 most urgent; every adapter maps its vendor's
    scale onto this so rules compare like with like.
    """

    title: str
    source: str = "local"
    remote_id: str = ""
    client: str = "unknown"
    body: str = ""
    priority: int = 3
    status: str = "new"
    contact: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    id: str = ""
    #: Who the ticket system says holds it (display name); internal, not in the JSON contract:
    #: the poller compares it with the last one seen to page the person a ticket was escalated to.
    assignee: str = ""
    #: False when the source said no priority (``priority`` is then only the default): the rules must
    #: not read it as the client's word.  Internal, like ``assignee``; the JSON form shows ``priority``.
    priority_given: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not self.title.strip():
            raise TicketError("a ticket needs a non-empty title")
        if isinstance(self.priority, bool) or not isinstance(self.priority, int) or not 1 <= self.priority <= 4:
            raise TicketError(f"priority must be a whole number 1–4 (1 most urgent), not {self.priority!r}")
        if not self.id and self.remote_id:
            object.__setattr__(self, "id", f"{self.source}:{self.remote_id}")
        # adapters already hand over aware UTC: skip the conversion then (a 10k-ticket poll builds 20k times)
        created, updated = self.created, self.updated
        if created is not None and created.tzinfo is not UTC:
            object.__setattr__(self, "created", as_utc(created))
        if updated is not None and updated.tzinfo is not UTC:
            object.__setattr__(self, "updated", as_utc(updated))

    def stamped(self, now: datetime) -> Ticket:
        """Fill missing times with ``now`` (input rarely carries them)."""
        created = self.created or now
        return replace(self, created=created, updated=self.updated or created)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "remote_id": self.remote_id,
            "client": self.client,
            "title": self.title,
            "body": self.body,
            "priority": self.priority,
            "status": self.status,
            "contact": self.contact,
            "created": iso(self.created) if self.created else None,
            "updated": iso(self.updated) if self.updated else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], now: datetime) -> Ticket:
        """Build from the JSON form; only ``title`` is required.

        Unknown keys are refused rather than ignored: a typo such as
        ``priorty`` would otherwise silently page at the wrong level.
        """
        if not isinstance(data, Mapping):
            raise TicketError("a ticket must be a JSON object such as {\"title\": \"Server down\"}")
        unknown = sorted(set(data) - set(TICKET_FIELDS))
        if unknown:
            raise TicketError(f"unknown ticket field(s): {', '.join(unknown)}; allowed: {', '.join(TICKET_FIELDS)}")
        if "title" not in data:
            raise TicketError("a ticket needs a title")
        kwargs: dict[str, Any] = {}
        for key in ("title", "source", "client", "body", "status", "contact", "id"):
            if data.get(key) is not None:
                if not isinstance(data[key], str):
                    raise TicketError(f"ticket field '{key}' must be text")
                kwargs[key] = data[key]
        if data.get("remote_id") is not None:
            kwargs["remote_id"] = str(data["remote_id"])
        if data.get("priority") is not None:
            kwargs["priority"] = _priority(data["priority"])
        else:
            kwargs["priority_given"] = False
        for key in ("created", "updated"):
            if data.get(key) is not None:
                try:
                    kwargs[key] = parse_instant(str(data[key]))
                except ValueError as exc:
                    raise TicketError(f"ticket field '{key}': {exc}") from None
        return cls(**kwargs).stamped(now)

    @classmethod
    def adopt(cls, state: dict[str, Any]) -> Ticket:
        """A ticket whose state is ``state``, taken as it is: values an adapter's mapping made valid.

        Why: ``__post_init__`` costs about as much as the whole mapping of a
        ticket, and a first poll maps 10,000.  The caller guarantees every
        field by name, a non-empty ``title``, an ``int`` ``priority`` 1–4,
        aware UTC times (or None) and the ``id`` (``source:remote_id``);
        ``make_ticket``'s test compares every field with ``Ticket(...)``.
        Input from people or files goes through ``Ticket(...)`` / :meth:`from_json`.
        """
        ticket = object.__new__(cls)
        ticket.__dict__.update(state)
        return ticket


def _priority(value: Any) -> int:
    if isinstance(value, str) and value.strip().upper().lstrip("P").isdigit():
        value = int(value.strip().upper().lstrip("P"))
    if isinstance(value, bool) or not isinstance(value, int):
        raise TicketError(f"priority must be a whole number 1–4, not {value!r}")
    return value


@dataclass(frozen=True)
class Page:
    """One interruption of one person about one ticket.

    ``reason`` is the human sentence shown in the notification ("P1 at client
    Acme"); a page without a reason is a bug, so it is required.
    """

    ticket_id: str
    reason: str
    created: datetime
    state: str = "pending"
    level: int = 1
    person: str = ""
    severity: str = "P3"
    ack_deadline: datetime | None = None
    sla_deadline: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    resolved_at: datetime | None = None
    id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.state not in PAGE_STATES:
            raise ValueError(f"unknown page state {self.state!r}")
        if not self.reason:
            raise ValueError("a page needs a reason")

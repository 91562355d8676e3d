"""What a rule change would have done to past tickets: pages gained, pages lost, priorities changed.

Why a replay and not only ``rules test``: a lead changing a weight wants to
know what last month would have looked like — which nights would have been
quieter, and which real pages would have been missed.  Each ticket is judged
again at the instant it arrived, with the context the store still holds for
that instant (services/paging/replay_service.py builds it), and the new
decision is set beside what the app did then.  This module is the pure part:
comparing, and saying the result in words and as JSON.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oncall_desktop.core.paging.escalation import Decision
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import iso

#: A replay judges at most this many tickets (each with the context of its own instant).
MAX_REPLAY_TICKETS = 5000

GAINED, LOST, PRIORITY = "gained", "lost", "priority"
_HEADINGS = {GAINED: "Pages gained", LOST: "Pages lost", PRIORITY: "Priority changed"}

#: What the store cannot give back, said with every replay.
NOT_RECONSTRUCTED = (
    "a ticket is judged with its words and priority as last seen (an edit after it arrived is not undone)",
    "a ticket closed since is judged with the status 'new'",
    "client tiers and production systems are today's; the store keeps no history of them",
    "a re-opened ticket, or one escalated to you later, is judged only as it first arrived",
    "tickets stored before this version count their priority as given by the ticket system",
)


class ReplayError(ValueError):
    """A period or rules file a replay cannot use; the message says what to change."""


@dataclass(frozen=True)
class Then:
    """What the app did when the ticket arrived, as the event log holds it."""

    paged: bool
    severity: str = ""
    reason: str = ""
    suppressed: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"paged": self.paged}
        if self.paged:
            out.update(severity=self.severity, reason=self.reason)
        if self.suppressed:
            out["suppressed"] = self.suppressed
        return out


@dataclass(frozen=True)
class Change:
    """One ticket whose decision would differ: ``kind`` is gained, lost or priority."""

    kind: str
    ticket: Ticket
    arrived: datetime
    then: Then
    now: Decision

    def to_json(self) -> dict[str, Any]:
        return {"change": self.kind,
                "ticket": {"id": self.ticket.id, "client": self.ticket.client, "title": self.ticket.title},
                "arrived": iso(self.arrived), "then": self.then.to_json(), "now": self.now.to_json()}


def change_of(ticket: Ticket, arrived: datetime, then: Then, now: Decision) -> Change | None:
    """The change from ``then`` to ``now``, or None when the ticket would be treated the same."""
    if now.page and not then.paged:
        return Change(GAINED, ticket, arrived, then, now)
    if then.paged and not now.page:
        return Change(LOST, ticket, arrived, then, now)
    if then.paged and now.page and then.severity != now.severity:
        return Change(PRIORITY, ticket, arrived, then, now)
    return None


@dataclass(frozen=True)
class Replay:
    """Every ticket of a period judged again; ``changes`` are the ones that would differ, in arrival order."""

    start: datetime
    end: datetime
    rules: str
    judged: int
    paged_then: int
    paged_now: int
    changes: tuple[Change, ...]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)

    def to_json(self) -> dict[str, Any]:
        """The ``rules replay --json`` contract (docs/triage.md)."""
        return {"from": iso(self.start), "to": iso(self.end), "rules": self.rules, "judged": self.judged,
                "limit": MAX_REPLAY_TICKETS, "paged_then": self.paged_then, "paged_now": self.paged_now,
                "counts": {kind: self.count(kind) for kind in (GAINED, LOST, PRIORITY)},
                "changes": [c.to_json() for c in self.changes], "not_reconstructed": list(NOT_RECONSTRUCTED)}

    def text(self) -> str:
        """The plain-text report a lead reads: totals first, then each change with the new reasons."""
        lines = [f"Replayed {self.judged} ticket(s) that arrived {_when(self.start)} to {_when(self.end)} "
                 f"with {self.rules}.",
                 f"Paged then {self.paged_then}, would page now {self.paged_now}: {self.count(GAINED)} gained, "
                 f"{self.count(LOST)} lost, {self.count(PRIORITY)} priority changed."]
        if not self.changes:
            lines.append("Nothing would change.")
        for kind in (GAINED, LOST, PRIORITY):
            mine = [c for c in self.changes if c.kind == kind]
            if not mine:
                continue
            lines += ["", f"{_HEADINGS[kind]} ({len(mine)})"]
            for c in mine:
                lines.append(f"  {c.ticket.id} · {c.ticket.client} · {c.ticket.title} (arrived {_when(c.arrived)})")
                then = f"paged {c.then.severity}" if c.then.paged else (
                    f"not paged ({c.then.suppressed})" if c.then.suppressed else "not paged")
                now = f"pages {c.now.severity}" if c.now.page else f"would not page ({c.now.severity})"
                lines.append(f"    then: {then}; now: {now}, because")
                lines += [f"      - {reason}" for reason in c.now.reasons]
        lines += ["", "Judged with today's client tiers and each ticket as last seen; docs/triage.md says what "
                  "a replay cannot reconstruct."]
        return "\n".join(lines)


def _when(at: datetime) -> str:
    return iso(at).replace("T", " ")[:16] + " UTC"

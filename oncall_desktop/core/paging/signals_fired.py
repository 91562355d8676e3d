"""Which triage signals counted for a ticket: what a page is remembered by, and judged by later.

Why its own record: the tech's verdict on a page ("no action needed", "false
alarm", "fixed") is only useful for tuning the rules if it is kept beside the
signal kinds that made the page — Insights counts false alarms per kind and
per client from these.  The kinds are read with the same reader and weights
the triage rule used (``triage_signals.read`` / ``score``), so they are the
kinds its reasons listed, never a guess from the reason text.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from oncall_desktop.core.paging.escalation import RuleSet
from oncall_desktop.core.paging.escalation_rules import TriageRule
from oncall_desktop.core.paging.triage_signals import Reading, read, score
from oncall_desktop.core.tickets.tickets import Ticket


@dataclass(frozen=True)
class Signal:
    """One triage kind that counted: its weight then, and the words in the ticket that fired it."""

    kind: str
    weight: int
    words: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "weight": self.weight, "words": self.words}

    @classmethod
    def from_json(cls, data: Any) -> Signal | None:
        """A stored signal, or None for a record this version cannot read (skipped, never fatal)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("kind"), str):
            return None
        weight = data.get("weight")
        return cls(str(data["kind"]), weight if isinstance(weight, int) and not isinstance(weight, bool) else 0,
                   str(data.get("words") or ""))


def fired_signals(rules: RuleSet, ticket: Ticket) -> list[Signal]:
    """The kinds each active triage rule of ``rules`` counted for ``ticket`` (its client's weights), in order.

    A kind two triage rules both counted is listed once, with the first rule's weight.
    """
    out: dict[str, Signal] = {}
    reading: Reading | None = None
    for rule in rules.active:
        if not isinstance(rule, TriageRule):
            continue
        if reading is None:
            reading = read(f"{ticket.title}\n{ticket.body}".lower())
        for kind, weight, shown in score(reading, rule.weights_for(ticket.client))[1]:
            out.setdefault(kind, Signal(kind, weight, shown))
    return list(out.values())

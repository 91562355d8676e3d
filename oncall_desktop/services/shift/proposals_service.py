"""From the techs' verdicts to a rule change a lead accepts in one click (Insights, ``insights proposals``).

Why every proposal is replayed before it is shown: "lower the weight of
'offline' at Harbor" is only worth a click if it would really have kept
those false alarms quiet, and kept every page the techs said they needed.
So each candidate (core/shift/feedback.py) is tried at each lower weight on
the very tickets behind the verdicts, judged again at their arrival as
``rules replay`` does; the smallest change that stops at least half of the
false alarms still paging today, and loses no needed page, is proposed.
Accepting writes it into the workspace's rules through :class:`RulesStore`
(with a comment saying why and when), so ``rules undo`` takes it back exactly.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from oncall_desktop.core.paging.escalation import RuleSet
from oncall_desktop.core.paging.escalation_rules import TriageRule
from oncall_desktop.core.paging.rules_toml import parse_rules, with_triage_weight
from oncall_desktop.core.shift.feedback import (
    FALSE_SHARE,
    MIN_EVIDENCE,
    Candidate,
    Proposal,
    candidates,
    rates_by_client,
    rates_by_kind,
    verdicts,
)
from oncall_desktop.core.time.clock import as_utc, iso
from oncall_desktop.services.paging.replay_service import arrivals_of, decide_now
from oncall_desktop.services.paging.rules_store import RulesStore

if TYPE_CHECKING:
    from oncall_desktop.services.app.workspace import Workspace

#: The verdicts proposals are drawn from, unless a period is given: the last 90 days.
PROPOSAL_DAYS = 90


class ProposalError(ValueError):
    """A proposal that cannot be accepted (no such number); the message says what to do."""


@dataclass(frozen=True)
class Feedback:
    """The verdicts of a period: false-alarm rates per kind and per client, and the proposals they back."""

    start: datetime
    end: datetime
    verdicts: int
    by_kind: list[dict[str, Any]]
    by_client: list[dict[str, Any]]
    proposals: list[Proposal]

    def to_json(self) -> dict[str, Any]:
        """The ``insights proposals --json`` contract (docs/triage.md)."""
        return {"from": iso(self.start), "to": iso(self.end), "verdicts": self.verdicts,
                "min_evidence": MIN_EVIDENCE, "false_share": FALSE_SHARE, "by_kind": self.by_kind,
                "by_client": self.by_client, "proposals": [p.to_json() for p in self.proposals]}

    def text(self) -> str:
        lines = [f"Verdicts on {self.verdicts} page(s) opened {iso(self.start)[:10]} to {iso(self.end)[:10]}."]
        if self.by_kind:
            lines.append("False alarms by signal kind:")
            lines += [f"  {r['label']} ({r['kind']}): {r['false_alarms']} of {r['pages']} ({_percent(r['rate'])})"
                      for r in self.by_kind]
        if self.by_client:
            lines.append("False alarms by client:")
            lines += [f"  {r['client']}: {r['false_alarms']} of {r['pages']} ({_percent(r['rate'])})"
                      for r in self.by_client]
        if not self.proposals:
            lines.append(f"No proposal: none has {MIN_EVIDENCE} or more pages with {_percent(FALSE_SHARE)} false "
                         "alarms that a lower weight would have kept quiet.")
            return "\n".join(lines)
        lines.append("Proposals:")
        lines += [f"  {p.number}. {p.text()}" for p in self.proposals]
        lines.append("Accept one with 'insights accept N'; take it back with 'rules undo'.")
        return "\n".join(lines)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f} %"


def period(ws: Workspace, start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """``[start, end)``, by default the :data:`PROPOSAL_DAYS` up to now."""
    end = as_utc(end) if end else ws.clock.now()
    start = as_utc(start) if start else end - timedelta(days=PROPOSAL_DAYS)
    if end <= start:
        raise ProposalError(f"--from ({iso(start)}) is not before --to ({iso(end)}); swap them")
    return start, end


def feedback(ws: Workspace, start: datetime | None = None, end: datetime | None = None) -> Feedback:
    """The period's verdicts, their rates and the proposals a replay backs, numbered from 1."""
    start, end = period(ws, start, end)
    found = verdicts(ws.store.events(since=start), start, end)
    rules = RulesStore(ws.store).rules()
    triage = next((r for r in rules.active if isinstance(r, TriageRule)), None)
    proposals: list[Proposal] = []
    if triage is not None:
        def weight_of(client: str | None, kind: str) -> int:
            return int(triage.weights_for(client or "").get(kind, 0))

        needed = tuple(dict.fromkeys(v.ticket for v in found if not v.false_alarm))
        text = rules_text(ws)
        backed = [p for p in (_backed(ws, c, rules, text, needed, weight_of(c.client, c.kind))
                              for c in candidates(found, weight_of)) if p is not None]
        # the change that quiets most false alarms first; then the cleanest evidence
        backed.sort(key=lambda p: (-p.stopped, -p.candidate.false_alarms / p.candidate.pages,
                                   p.candidate.client or "", p.candidate.kind))
        proposals = [replace(p, number=n) for n, p in enumerate(backed, 1)]
    return Feedback(start, end, len(found), rates_by_kind(found), rates_by_client(found), proposals)


def _backed(ws: Workspace, candidate: Candidate, rules: RuleSet, text: str, needed: tuple[str, ...],
            weight: int) -> Proposal | None:
    """The candidate at the weight a replay of its tickets supports, or None when no lower weight helps."""
    arrivals = arrivals_of(ws, tuple(dict.fromkeys((*candidate.false_tickets, *needed))))
    today = decide_now(ws, arrivals, rules)
    still = [t for t in candidate.false_tickets if t in today and today[t].page]
    kept = [t for t in needed if t in today and today[t].page]
    if not still:
        return None  # the rules in use already keep them quiet
    best: tuple[int, int] | None = None
    for lower in range(weight - 1, -1, -1):
        after = decide_now(ws, arrivals, parse_rules(with_triage_weight(text, candidate.kind, lower, candidate.client, "")))
        stopped = sum(1 for t in still if not after[t].page)
        lost = sum(1 for t in kept if not after[t].page)
        if lost == 0 and 2 * stopped >= len(still) and (best is None or stopped > best[1]):
            best = (lower, stopped)
    if best is None:
        return None
    return Proposal(0, candidate, weight, best[0], best[1], 0, len(kept))


def rules_text(ws: Workspace) -> str:
    """The workspace's rules as TOML to edit: the lead's text, or the built-ins written out (no editor hint)."""
    store = RulesStore(ws.store)
    text = store.text()
    if store.is_default() and text.startswith("#"):
        text = text.split("\n", 1)[1]
    return text


def accept(ws: Workspace, proposal: Proposal) -> str:
    """Write ``proposal`` into the workspace's rules, with a comment saying why and when; returns what changed."""
    c = proposal.candidate
    now = iso(ws.clock.now())
    text = with_triage_weight(rules_text(ws), c.kind, proposal.weight_to, c.client, proposal.comment(now))
    RulesStore(ws.store).save_text(text, f"insights proposal {proposal.number}", why=proposal.text())
    scope = f" for {c.client}" if c.client else ""
    return f"{c.kind} weight {proposal.weight_from} → {proposal.weight_to}{scope}"


def accept_number(ws: Workspace, number: int, start: datetime | None = None, end: datetime | None = None) -> Proposal:
    """Accept proposal ``number`` of :func:`feedback` for the same period (``insights accept N``)."""
    found = feedback(ws, start, end).proposals
    if not 1 <= number <= len(found):
        listed = f"1 to {len(found)}" if found else "none now"
        raise ProposalError(f"there is no proposal {number} (the proposals are {listed}; see 'insights proposals')")
    accept(ws, found[number - 1])
    return found[number - 1]

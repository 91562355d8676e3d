"""The techs' verdicts on their pages, per signal kind and per client, and the rule changes they suggest.

Why from the event log: a page's ``page.opened`` names the triage signals
that counted (``core/paging/signals_fired.py``) and its ``page.resolved`` the
tech's outcome — "no action needed" or "false alarm" when it woke them for
nothing.  Counting those per kind and per client shows which words page for
nothing where.  A *candidate* is a kind that paged at least
:data:`MIN_EVIDENCE` times (at one client, or across several) with at least
:data:`FALSE_SHARE` of them false alarms; whether lowering its weight would
really have helped, and at what cost, is for a replay of those very tickets
to say (services/shift/proposals_service.py) — only then is it proposed.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oncall_desktop.core.paging.signals_fired import Signal
from oncall_desktop.core.paging.triage_words import LABELS
from oncall_desktop.core.shift.analytics import is_false_alarm
from oncall_desktop.core.time.clock import parse_instant

#: Fewer verdicts than this on a kind (at a client) never make a proposal: one bad night is not a pattern.
MIN_EVIDENCE = 5
#: At least this share of those pages must have been false alarms.
FALSE_SHARE = 0.8


@dataclass(frozen=True)
class Verdict:
    """One resolved page as its tech judged it."""

    page: str
    ticket: str
    client: str
    at: datetime
    false_alarm: bool
    outcome: str
    signals: tuple[Signal, ...]


def verdicts(events: Iterable[Mapping[str, Any]], start: datetime, end: datetime) -> list[Verdict]:
    """The verdicts on pages opened in ``[start, end)`` and resolved by a tech here (not elsewhere).

    The signals and client are the resolution's own (this version writes
    them there), else the opening's; records without them still count per client.
    """
    opened: dict[str, tuple[datetime, str, Mapping[str, Any]]] = {}
    out: list[Verdict] = []
    seen: set[str] = set()
    for event in events:
        kind, data = event.get("kind"), event.get("data")
        if not isinstance(data, Mapping) or data.get("page") is None:
            continue
        page = str(data["page"])
        try:
            at = parse_instant(str(event.get("at")))
        except ValueError:
            continue
        if kind == "page.opened":
            opened[page] = (at, str(event.get("subject") or ""), data)
        elif kind == "page.resolved" and page in opened and page not in seen:
            opened_at, ticket, first = opened[page]
            outcome = str(data.get("outcome") or "")
            if not start <= opened_at < end or not outcome:
                continue
            seen.add(page)
            raw = data.get("signals") if isinstance(data.get("signals"), list) else first.get("signals")
            signals = tuple(s for s in (Signal.from_json(r) for r in (raw if isinstance(raw, list) else ())) if s)
            out.append(Verdict(page, ticket, str(data.get("client") or first.get("client") or "unknown"), opened_at,
                               is_false_alarm(outcome), outcome, signals))
    return out


def _row(group: Sequence[Verdict]) -> dict[str, Any]:
    false = sum(v.false_alarm for v in group)
    return {"pages": len(group), "false_alarms": false, "rate": round(false / len(group), 3) if group else None}


def rates_by_kind(found: Sequence[Verdict]) -> list[dict[str, Any]]:
    """False-alarm rate per signal kind that raised a page (kinds with most false alarms first)."""
    groups: dict[str, list[Verdict]] = defaultdict(list)
    for v in found:
        for s in v.signals:
            if s.weight > 0:
                groups[s.kind].append(v)
    rows = [{"kind": k, "label": LABELS.get(k, k), **_row(g)} for k, g in groups.items()]
    return sorted(rows, key=lambda r: (-r["false_alarms"], -r["pages"], r["kind"]))


def rates_by_client(found: Sequence[Verdict]) -> list[dict[str, Any]]:
    """False-alarm rate per client (clients with most false alarms first)."""
    groups: dict[str, list[Verdict]] = defaultdict(list)
    for v in found:
        groups[v.client].append(v)
    rows = [{"client": c, **_row(g)} for c, g in groups.items()]
    return sorted(rows, key=lambda r: (-r["false_alarms"], -r["pages"], r["client"]))


@dataclass(frozen=True)
class Candidate:
    """A kind paging for nothing, at one client (``client``) or at several (``client`` None)."""

    kind: str
    client: str | None
    words: str
    pages: int
    false_alarms: int
    false_tickets: tuple[str, ...]
    clients: tuple[str, ...]


def candidates(found: Sequence[Verdict], weight_of: Any) -> list[Candidate]:
    """Kinds with enough evidence of paging for nothing; ``weight_of(client, kind)`` is the weight in use now.

    A kind whose weight is no longer positive raises nothing any more and is
    skipped.  Per client first; a kind across clients only when its false
    alarms are spread over two or more and no one client alone qualifies.
    """
    per: dict[tuple[str, str], list[Verdict]] = defaultdict(list)
    overall: dict[str, list[Verdict]] = defaultdict(list)
    for v in found:
        for s in v.signals:
            if s.weight > 0:
                per[(v.client, s.kind)].append(v)
                overall[s.kind].append(v)
    out: list[Candidate] = []
    done: set[str] = set()
    for (client, kind), group in sorted(per.items()):
        made = _candidate(kind, client, group, weight_of(client, kind))
        if made is not None:
            out.append(made)
            done.add(kind)
    for kind, group in sorted(overall.items()):
        spread = {v.client for v in group if v.false_alarm}
        if kind in done or len(spread) < 2:
            continue
        made = _candidate(kind, None, group, min(weight_of(c, kind) for c in spread))
        if made is not None:
            out.append(made)
    return sorted(out, key=lambda c: (-c.false_alarms, c.client or "", c.kind))


def _candidate(kind: str, client: str | None, group: Sequence[Verdict], weight: int) -> Candidate | None:
    false = [v for v in group if v.false_alarm]
    if weight <= 0 or len(group) < MIN_EVIDENCE or len(false) < FALSE_SHARE * len(group):
        return None
    words = Counter(s.words for v in false for s in v.signals if s.kind == kind).most_common(1)[0][0]
    return Candidate(kind, client, words, len(group), len(false), tuple(v.ticket for v in false),
                     tuple(sorted({v.client for v in false})))


@dataclass(frozen=True)
class Proposal:
    """A candidate a replay backed: set ``kind``'s weight to ``weight_to`` (for ``client``, or everyone)."""

    number: int
    candidate: Candidate
    weight_from: int
    weight_to: int
    stopped: int
    lost: int
    needed_checked: int

    @property
    def where(self) -> str:
        c = self.candidate
        return f"at {c.client}" if c.client else f"at {len(c.clients)} clients"

    def text(self) -> str:
        """The proposal in a lead's words, with what the replay of those pages found."""
        c = self.candidate
        share = "all false alarms" if c.false_alarms == c.pages else f"{c.false_alarms} of them false alarms"
        scope = f"for tickets from {c.client}" if c.client else "for every client"
        change = ("stop counting it" if self.weight_to == 0 else "count it less") + \
            f" {scope} ({c.kind} weight {self.weight_from} → {self.weight_to})"
        lost = "no page you needed would be lost" if not self.lost else \
            f"{self.lost} page(s) you needed would be lost too"
        return (f"'{c.words}' ({LABELS.get(c.kind, c.kind)}) woke you {c.pages} times {self.where}, {share}: "
                f"{change}? Replayed, {self.stopped} of those {c.false_alarms} false alarms would not have paged; "
                f"{lost} (of {self.needed_checked} checked).")

    def comment(self, accepted: str) -> str:
        """The TOML comment that goes into the rules with the change: why, and when."""
        c = self.candidate
        return (f"Accepted from Insights {accepted}: '{c.words}' ({c.kind}) paged {c.pages} times {self.where}, "
                f"{c.false_alarms} false alarms; weight {self.weight_from} → {self.weight_to}.")

    def to_json(self) -> dict[str, Any]:
        c = self.candidate
        return {"number": self.number, "kind": c.kind, "client": c.client, "words": c.words, "pages": c.pages,
                "false_alarms": c.false_alarms, "clients": list(c.clients), "weight_from": self.weight_from,
                "weight_to": self.weight_to, "stopped": self.stopped, "lost": self.lost,
                "needed_checked": self.needed_checked, "text": self.text()}

"""Which tickets wake somebody up, and why.

A page at 3 AM is only bearable when the technician can see *why* it fired, so
every :class:`Decision` carries human reasons ("P1 at client Acme (gold
tier)", "subject contains 'ransomware'") and a suppression is a visible reason,
never silence.

How a decision is made (the order of rules matters, the list is the user's):

* severity starts at P4; the ``priority`` rule lowers it to the vendor's own
  priority (leave that rule out if a PSA's priorities cannot be trusted);
* ``triage``, ``keywords``, ``production`` and ``repeat_caller`` rules set a
  floor: the severity becomes at least as urgent as the rule says (``triage``
  reads the words for kind, scope, impact, security and state, and lists each
  signal that raised or lowered its score; see ``triage_signals``);
* ``tier`` and ``unanswered`` rules *raise* the severity found so far by N
  levels — so they act on whatever the rules above them concluded;
* the ticket pages when the final severity is at or above ``page_at``;
* the ``maintenance`` rule then turns a page into "suppressed: …" when an
  active window covers the ticket (wherever that rule sits in the list).

Everything here is pure and fast: keyword patterns are compiled once per rule,
context lookups once per :class:`Context`, texts lower-cased once per ticket,
verdicts of the triage kept per text and per reading.  What a poll costs is
measured in ``bench/poll.py``: a first poll of 10,000 new five-word tickets
spends about 90 ms of CPU in the rules, most of it reading words, and tickets
of a few lines cost several times that; a repeat poll much less.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from oncall_desktop.core.paging.escalation_rules import (
    Batch,
    KeywordRule,
    MaintenanceRule,
    PriorityRule,
    ProductionRule,
    RepeatCallerRule,
    Rule,
    RuleError,
    TierRule,
    TriageRule,
    UnansweredRule,
    level_name,
    rule_from_dict,
    severity_level,
)
from oncall_desktop.core.paging.maintenance import MaintenanceWindow, Terms
from oncall_desktop.core.tickets.tickets import SEVERITIES, Ticket
from oncall_desktop.core.time.clock import UTC, as_utc

RULESET_VERSION = 1


# ---------------------------------------------------------------- decision --

@dataclass(frozen=True)
class Decision:
    """The verdict on one ticket, with every reason shown to the technician."""

    page: bool
    severity: str
    reasons: list[str]
    suppressed_by: str | None = None

    @classmethod
    def _made(cls, page: bool, severity: str, reasons: list[str], suppressed_by: str | None = None) -> Decision:
        """``Decision(...)`` for :func:`evaluate`, whose values need no checks (a frozen init costs 1 µs × 10,000)."""
        decision = object.__new__(cls)
        held = decision.__dict__  # four stores: a third cheaper than update() with keywords
        held["page"] = page
        held["severity"] = severity
        held["reasons"] = reasons
        held["suppressed_by"] = suppressed_by
        return decision

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"page": self.page, "severity": self.severity, "reasons": list(self.reasons)}
        if self.suppressed_by is not None:
            out["suppressed"] = self.suppressed_by
        return out


# ----------------------------------------------------------------- context --

@dataclass(frozen=True)
class Context:
    """What the rules need to know beyond the ticket itself.

    * ``tiers`` — client → tier / SLA plan name (``{"Acme": "gold"}``);
    * ``production`` — client → production system names or keywords; the key
      ``"*"`` applies to every client;
    * ``recent_by_contact`` — contact → that contact's recent tickets (the
      ticket being judged may be among them; it is skipped by id);
    * ``maintenance`` — maintenance windows (inactive ones are ignored);
    * ``first_seen`` — ticket id → when we first saw it (falls back to the
      ticket's ``created``), for the "unanswered" rule;
    * ``display_tz`` — the technician's zone, used only in reason texts.

    Names are compared case-insensitively: a PSA saying "ACME" and a settings
    page saying "Acme" mean the same client.
    """

    tiers: Mapping[str, str] = field(default_factory=dict)
    production: Mapping[str, Sequence[str]] = field(default_factory=dict)
    recent_by_contact: Mapping[str, Sequence[Ticket]] = field(default_factory=dict)
    maintenance: Sequence[MaintenanceWindow] = ()
    first_seen: Mapping[str, datetime] = field(default_factory=dict)
    display_tz: tzinfo = UTC
    _tiers: dict[str, str] = field(init=False, repr=False, compare=False)
    _production: dict[str, Terms] = field(init=False, repr=False, compare=False)
    _production_any: Terms = field(init=False, repr=False, compare=False)
    _recent: dict[str, tuple[list[datetime], list[str]]] = field(init=False, repr=False, compare=False)
    _windows: tuple[tuple[MaintenanceWindow, str], ...] = field(init=False, repr=False, compare=False)
    _plans: dict[int, tuple[RuleSet, tuple[Any, ...]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "_tiers", {k.casefold(): v for k, v in self.tiers.items()})
        everyone = tuple(self.production.get("*", ()))
        set_(self, "_production_any", Terms(everyone))
        set_(self, "_production", {
            k.casefold(): Terms(tuple(v) + everyone) for k, v in self.production.items() if k != "*"
        })
        # a poll's context holds every contact in the poll (10,000 in a big first poll), most with one ticket
        calls: dict[str, list[tuple[datetime, str]]] = {}
        for contact, tickets in self.recent_by_contact.items():
            if contact.strip():
                mine = [(t.created, t.id) for t in tickets if t.created is not None]
                key = contact.casefold()
                if key in calls:
                    calls[key].extend(mine)
                elif mine:
                    calls[key] = mine
        recent: dict[str, tuple[list[datetime], list[str]]] = {}
        for key, pairs in calls.items():
            if len(pairs) == 1:
                recent[key] = ([pairs[0][0]], [pairs[0][1]])
            else:
                pairs.sort()
                recent[key] = ([at for at, _ in pairs], [tid for _, tid in pairs])
        set_(self, "_recent", recent)
        set_(self, "_plans", {})
        set_(self, "maintenance", tuple(self.maintenance))
        set_(self, "_windows", tuple((w, w.label(self.display_tz)) for w in self.maintenance))

    def tier_of(self, client: str) -> str | None:
        return self._tiers.get(client.casefold()) if self._tiers else None

    # what a rule asks before a poll, to leave itself out when it could match nothing
    @property
    def has_tiers(self) -> bool:
        return bool(self._tiers)

    @property
    def has_production(self) -> bool:
        return bool(self._production or self._production_any)

    @property
    def has_recent_calls(self) -> bool:
        return bool(self._recent)

    def plan(self, rules: RuleSet) -> tuple[Any, ...]:
        """The ``judge`` of each of ``rules``' active rules that can match in this context, in order.

        A rule that needs what this context lacks (no tiers, no production
        systems, no recent calls; maintenance acts after the loop) would
        answer ``None`` for every ticket: it is left out once per poll, not
        asked 10,000 times.
        """
        cached = self._plans.get(id(rules))
        if cached is not None and cached[0] is rules:
            return cached[1]
        steps = tuple(rule.judge for rule in rules.active if rule.can_match(self))
        self._plans[id(rules)] = (rules, steps)
        return steps

    def production_terms(self, client: str) -> Terms:
        return self._production.get(client.casefold(), self._production_any)

    def called_within(self, ticket: Ticket, at: datetime, window: timedelta) -> bool:
        """Whether the ticket's contact opened *another* ticket in [at − window, at]."""
        times_ids = self._recent.get(ticket.contact.casefold())
        if times_ids is None:
            return False
        times, ids = times_ids
        # a ticket without an id is among its contact's tickets as ("", its created): skip that entry once
        own = ticket.created if not ticket.id else None
        i = bisect_left(times, at - window)
        while i < len(times) and times[i] <= at:
            if ids[i] != ticket.id:
                return True
            if not ticket.id:  # an id-less entry: itself once, any other is a second call
                if times[i] != own:
                    return True
                own = None
            i += 1
        return False

    def suppressing(self, ticket: Ticket, now: datetime) -> str | None:
        """The label of the first active window covering the ticket."""
        for window, label in self._windows:
            if window.active(now) and window.matches(ticket):
                return label
        return None


# ------------------------------------------------------------------- rules --

# ---------------------------------------------------------------- rule set --

@dataclass(frozen=True)
class RuleSet:
    """An ordered list of rules and the severity at which a ticket pages."""

    rules: tuple[Rule, ...]
    page_at: int = 2
    active: tuple[Rule, ...] = field(init=False, repr=False, compare=False)
    suppresses: bool = field(init=False, repr=False, compare=False)
    #: severity level → the "not paged" reason for it (said 10,000 times a big poll)
    below: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        severity_level(self.page_at, "page_at")
        object.__setattr__(self, "active", tuple(r for r in self.rules if r.enabled))
        object.__setattr__(self, "suppresses", any(isinstance(r, MaintenanceRule) for r in self.active))
        object.__setattr__(self, "below", ("",) + tuple(
            f"not paged: {name} is below the paging threshold {SEVERITIES[self.page_at - 1]}" for name in SEVERITIES))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": RULESET_VERSION,
            "page_at": level_name(self.page_at),
            "rules": [r.to_dict() for r in self.rules],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        if not isinstance(data, Mapping):
            raise RuleError("rules must be an object with 'page_at' and a list 'rules'")
        unknown = sorted(set(data) - {"version", "page_at", "rules"})
        if unknown:
            raise RuleError(f"unknown setting(s) {', '.join(unknown)}; allowed: version, page_at, rules", key=unknown[0])
        version = data.get("version", RULESET_VERSION)
        if version != RULESET_VERSION:
            raise RuleError(f"rules file version {version!r} is not supported (expected {RULESET_VERSION})", key="version")
        raw = data.get("rules", [])
        if not isinstance(raw, (list, tuple)):
            raise RuleError("'rules' must be a list of rules", key="rules")
        return cls(
            rules=tuple(rule_from_dict(item, i) for i, item in enumerate(raw)),
            page_at=severity_level(data.get("page_at", "P2"), "page_at"),
        )


def default_rules() -> RuleSet:
    """Rules from practice: a sensible start every MSP then tunes."""
    return RuleSet(
        rules=(
            PriorityRule(),
            TriageRule(),
            # words that page whatever the triage reads; off until a lead lists words worth that
            KeywordRule(words=("ransomware",), severity=1, enabled=False),
            ProductionRule(severity=2),
            RepeatCallerRule(within_minutes=30, severity=1),
            TierRule(raise_by={"gold": 1}),
            UnansweredRule(after_minutes=60, raise_levels=1),
            MaintenanceRule(),
        ),
        page_at=2,
    )


# ---------------------------------------------------------------- evaluate --

def evaluate(ticket: Ticket, rules: RuleSet, context: Context, now: datetime) -> Decision:
    """Judge one ticket at ``now``; see the module docstring for the order."""
    return evaluate_all((ticket,), rules, context, now)[0]


def evaluate_all(tickets: Iterable[Ticket], rules: RuleSet, context: Context, now: datetime) -> list[Decision]:
    """:func:`evaluate` for each of ``tickets``, in order.

    Why a batch form: a first poll judges 10,000 tickets, and each rule then
    walks them in one call, with what is the same for all of them (the plan,
    the threshold, whether anything can suppress) looked up once.
    """
    if now.tzinfo is not UTC:
        now = as_utc(now)
    tickets = tickets if isinstance(tickets, (list, tuple)) else list(tickets)
    tier_of = context.tier_of
    batch = Batch(tickets, [tier_of(t.client) for t in tickets] if context.has_tiers else [None] * len(tickets))
    for judge in context.plan(rules):
        judge(batch, context, now)
    page_at, below = rules.page_at, rules.below
    suppresses = rules.suppresses and bool(context.maintenance)
    made = Decision._made
    out: list[Decision] = []
    for ticket, severity, reasons in zip(tickets, batch.severity, batch.reasons, strict=True):
        page, label = False, None
        if reasons and severity <= page_at:
            label = context.suppressing(ticket, now) if suppresses else None
            if label is None:
                page = True
            else:
                reasons.append(f"suppressed: {label}")
        else:
            reasons.append(below[severity] if reasons else "not paged: no rule matched")
        out.append(made(page, SEVERITIES[severity - 1], reasons, label))
    return out

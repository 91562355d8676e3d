"""Which tickets wake somebody up, and why.

A page at 3 AM is only bearable when the technician can see *why* it fired, so
every :class:`Decision` carries human reasons ("P1 at client Acme (gold
tier)", "subject contains 'ransomware'") and a suppression is a visible reason,
never silence.

How a decision is made (the order of rules matters, the list is the user's):

* severity starts at P4; the ``priority`` rule lowers it to the vendor's own
  priority (leave that rule out if a PSA's priorities cannot be trusted);
* ``keywords``, ``production`` and ``repeat_caller`` rules set a floor: the
  severity becomes at least as urgent as the rule says;
* ``tier`` and ``unanswered`` rules *raise* the severity found so far by N
  levels — so they act on whatever the rules above them concluded;
* the ticket pages when the final severity is at or above ``page_at``;
* the ``maintenance`` rule then turns a page into "suppressed: …" when an
  active window covers the ticket (wherever that rule sits in the list).

Everything here is pure and fast: keyword patterns are compiled once per rule,
context lookups once per :class:`Context`, texts lower-cased once per ticket,
so a 10,000-ticket poll costs tens of milliseconds of CPU.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar, Mapping, Sequence

from oncall_desktop.clock import UTC, as_utc
from oncall_desktop.maintenance import MaintenanceWindow, Terms
from oncall_desktop.tickets import Ticket

SEVERITIES = ("P1", "P2", "P3", "P4")
RULESET_VERSION = 1


class RuleError(ValueError):
    """A rule that cannot be used.

    ``index`` is the rule's position (0-based) and ``key`` the offending field,
    so the TOML reader can point at the exact line.
    """

    def __init__(self, message: str, index: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index
        self.key = key


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
        decision.__dict__.update(page=page, severity=severity, reasons=reasons, suppressed_by=suppressed_by)
        return decision

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"page": self.page, "severity": self.severity, "reasons": list(self.reasons)}
        if self.suppressed_by is not None:
            out["suppressed"] = self.suppressed_by
        return out


# ----------------------------------------------------------------- context --

class Facts:
    """One ticket with what every rule asks about it, looked up once."""

    __slots__ = ("ticket", "subject", "body", "text", "tier")

    def __init__(self, ticket: Ticket, tier: str | None) -> None:
        self.ticket = ticket
        self.subject = ticket.title.lower()
        self.body = ticket.body.lower()
        #: subject and body in one string: most tickets match no word at all,
        #: and one substring scan per word proves that.
        self.text = f"{self.subject}\n{self.body}"
        self.tier = tier


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

    def plan(self, rules: RuleSet) -> tuple[Any, ...]:
        """The ``apply`` of each of ``rules``' active rules that can match in this context, in order.

        A rule that needs what this context lacks (no tiers, no production
        systems, no recent calls; maintenance acts after the loop) would
        answer ``None`` for every ticket: it is left out once per poll, not
        asked 10,000 times.
        """
        cached = self._plans.get(id(rules))
        if cached is not None and cached[0] is rules:
            return cached[1]
        steps = tuple(rule.apply for rule in rules.active if rule.can_match(self))
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
        i = bisect_left(times, at - window)
        while i < len(times) and times[i] <= at:
            if not ticket.id or ids[i] != ticket.id:
                return True
            i += 1
        return False

    def suppressing(self, ticket: Ticket, now: datetime) -> str | None:
        """The label of the first active window covering the ticket."""
        for window, label in self._windows:
            if window.active(now) and window.matches(ticket):
                return label
        return None


# ------------------------------------------------------------------- rules --

def severity_level(value: Any, where: str = "severity") -> int:
    """``"P2"``, ``"p2"`` or ``2`` → 2; anything else is a :class:`RuleError`."""
    if isinstance(value, str) and value.strip().upper() in SEVERITIES:
        return int(value.strip()[1])
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
        return value
    raise RuleError(f"{where} must be one of P1, P2, P3, P4 (P1 most urgent), not {value!r}", key=where)


def _name(level: int) -> str:
    return f"P{level}"


@dataclass(frozen=True)
class _Rule:
    """Shared plumbing: ``enabled``, dict round-trip, field validation."""

    kind: ClassVar[str] = ""
    doc: ClassVar[str] = ""
    enabled: bool = True

    def apply(self, facts: Facts, ctx: Context, now: datetime, severity: int) -> tuple[int, str] | None:
        """Return (new severity, reason) when the rule matches, else ``None``."""
        return None

    def can_match(self, ctx: Context) -> bool:
        """False when :meth:`apply` answers ``None`` for every ticket in ``ctx`` (then it is not asked)."""
        return type(self).apply is not _Rule.apply

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            if f.init:
                value = getattr(self, f.name)
                if f.name in ("severity",):
                    value = _name(value)
                elif isinstance(value, tuple):
                    value = list(value)
                elif isinstance(value, Mapping):
                    value = dict(value)
                out[f.name] = value
        return out

    @classmethod
    def _check_keys(cls, data: Mapping[str, Any]) -> None:
        allowed = {f.name for f in fields(cls) if f.init} | {"kind"}
        for key in data:
            if key not in allowed:
                raise RuleError(
                    f"'{cls.kind}' rules have no setting '{key}'; allowed: {', '.join(sorted(allowed))}", key=key
                )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> _Rule:
        cls._check_keys(data)
        return cls(enabled=_bool(data, "enabled", True))


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise RuleError(f"'{key}' must be true or false, not {value!r}", key=key)
    return value


def _minutes(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7 * 24 * 60:
        raise RuleError(f"'{key}' must be a whole number of minutes between 1 and 10080, not {value!r}", key=key)
    return value


def _levels(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3:
        raise RuleError(f"'{key}' must be a number of levels 0–3, not {value!r}", key=key)
    return value


def _words(data: Mapping[str, Any], key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if key not in data:
        if default is None:
            raise RuleError(f"this rule needs '{key}', a list such as [\"down\", \"outage\"]", key=key)
        return default
    value = data[key]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise RuleError(f"'{key}' must be a list of non-empty texts such as [\"down\", \"outage\"]", key=key)
    if not value and default is None:
        raise RuleError(f"'{key}' is empty; list at least one word", key=key)
    return tuple(v.strip() for v in value)


@dataclass(frozen=True)
class PriorityRule(_Rule):
    """Trust the ticket system's own priority as the starting severity."""

    kind: ClassVar[str] = "priority"
    _said: dict[tuple[int, str, str | None], str] = field(default_factory=dict, init=False, repr=False,
                                                         compare=False, hash=False)

    def apply(self, facts: Facts, ctx: Context, now: datetime, severity: int) -> tuple[int, str] | None:
        ticket = facts.ticket
        tier = facts.tier
        slot = (ticket.priority, ticket.client, tier)
        reason = self._said.get(slot)
        if reason is None:  # a handful of clients × four priorities: say each once
            where = f"{ticket.client} ({tier} tier)" if tier else ticket.client
            reason = self._said[slot] = f"{SEVERITIES[ticket.priority - 1]} at client {where}"
        return min(severity, ticket.priority), reason


_FIELD_NAMES = {"subject": "subject", "title": "subject", "body": "body"}


@dataclass(frozen=True)
class KeywordRule(_Rule):
    """Whole-word, case-insensitive words in the subject and/or body."""

    kind: ClassVar[str] = "keywords"
    words: tuple[str, ...] = ()
    severity: int = 2
    where: tuple[str, ...] = ("subject", "body")
    _terms: Terms = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_terms", Terms(self.words))

    def apply(self, facts: Facts, ctx: Context, now: datetime, severity: int) -> tuple[int, str] | None:
        text = facts.text
        for word in self._terms.lowered:
            if word in text:
                break
        else:
            return None
        for place in self.where:
            word = self._terms.find(facts.subject if place == "subject" else facts.body)
            if word is not None:
                return min(severity, self.severity), f"{place} contains '{word}'"
        return None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeywordRule:
        cls._check_keys(data)
        where = _words(data, "where", ("subject", "body"))
        bad = [w for w in where if w.casefold() not in _FIELD_NAMES]
        if bad:
            raise RuleError(f"'where' can name subject and/or body, not {', '.join(bad)}", key="where")
        return cls(
            enabled=_bool(data, "enabled", True),
            words=_words(data, "words"),
            severity=severity_level(data.get("severity", "P2")),
            where=tuple(dict.fromkeys(_FIELD_NAMES[w.casefold()] for w in where)),
        )


@dataclass(frozen=True)
class ProductionRule(_Rule):
    """A ticket naming one of the client's production systems (from the context)."""

    kind: ClassVar[str] = "production"
    severity: int = 2

    def apply(self, facts: Facts, ctx: Context, now: datetime, severity: int) -> tuple[int, str] | None:
        client = facts.ticket.client
        terms = ctx.production_terms(client)
        if not terms:
            return None
        name = terms.find(facts.subject) or terms.find(facts.body)
        if name is None:
            return None
        return min(severity, self.severity), f"mentions production system '{name}' at {client}"

    def can_match(self, ctx: Context) -> bool:
        return bool(ctx._production or ctx._production_any)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProductionRule:
        cls._check_keys(data)
        return cls(enabled=_bool(data, "enabled", True), severity=severity_level(data.get("severity", "P2")))


@dataclass(frozen=True)
class TierRule(_Rule):
    """Clients on a better plan get their tickets raised by N levels."""

    kind: ClassVar[str] = "tier"
    raise_by: Mapping[str, int] = field(default_factory=dict)
    _raise: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_raise", {k.casefold(): v for k, v in self.raise_by.items()})

    def apply(self, facts: Facts, ctx: Context, now: datetime, severity: int) -> tuple[int, str] | None:
        client = facts.ticket.client
        tier = facts.tier
        if tier is None:
            return None
        steps = self._raise.get(tier.casefold(), 0)
        new = max(1, severity - steps)
        if new == severity:
            return None
        return new, f"{tier}-tier client {client}: raised {_name(severity)} → {_name(new)}"

    def can_match(self, ctx: Context) -> bool:
        return bool(ctx._tiers)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TierRule:
        cls._check_keys(data)
        raw = data.get("raise_by", {})
        if not isinstance(raw, Mapping):
            raise RuleError("'raise_by' must map a tier to levels, such as { gold = 1 }", key="raise_by")
        return cls(
            enabled=_bool(data, "enabled", True),
            raise_by={str(k): _levels(v, "raise_by") for k, v in raw.items()},
        )


@dataclass(frozen=True)
class RepeatCallerRule(_Rule):
    """The same contact opening another ticket within N minutes is an emergency."""

    kind: ClassVar[str] = "repeat_caller"
    within_minutes: int = 30
    severity: int = 1
    _window: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_window", timedelta(minutes=self.within_minutes))

    def apply(self, facts: Facts, ctx: Context, now: datetime, severity: int) -> tuple[int, str] | None:
        ticket = facts.ticket
        if not ticket.contact or not ctx.called_within(ticket, ticket.created or now, self._window):
            return None
        return min(severity, self.severity), f"same contact called twice within {self.within_minutes} min"

    def can_match(self, ctx: Context) -> bool:
        return bool(ctx._recent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RepeatCallerRule:
        cls._check_keys(data)
        return cls(
            enabled=_bool(data, "enabled", True),
            within_minutes=_minutes(data, "within_minutes", 30),
            severity=severity_level(data.get("severity", "P1")),
        )


@dataclass(frozen=True)
class UnansweredRule(_Rule):
    """A ticket left untouched past a threshold is raised by N levels."""

    kind: ClassVar[str] = "unanswered"
    after_minutes: int = 60
    raise_levels: int = 1
    statuses: tuple[str, ...] = ("new",)
    _statuses: frozenset[str] = field(init=False, repr=False, compare=False)
    _after: timedelta = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_statuses", frozenset(s.casefold() for s in self.statuses))
        object.__setattr__(self, "_after", timedelta(minutes=self.after_minutes))

    def apply(self, facts: Facts, ctx: Context, now: datetime, severity: int) -> tuple[int, str] | None:
        ticket = facts.ticket
        if ticket.status.casefold() not in self._statuses:  # most tickets: not waiting at all
            return None
        first = (ctx.first_seen.get(ticket.id) if ticket.id else None) or ticket.created
        if first is None or now - first < self._after:
            return None
        age = now - first
        new = max(1, severity - self.raise_levels)
        minutes = int(age.total_seconds() // 60)
        change = f"raised {_name(severity)} → {_name(new)}" if new != severity else f"already {_name(new)}"
        return new, f"unanswered for {minutes} min (over {self.after_minutes}): {change}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UnansweredRule:
        cls._check_keys(data)
        return cls(
            enabled=_bool(data, "enabled", True),
            after_minutes=_minutes(data, "after_minutes", 60),
            raise_levels=_levels(data.get("raise_levels", 1), "raise_levels"),
            statuses=_words(data, "statuses", ("new",)),
        )


@dataclass(frozen=True)
class MaintenanceRule(_Rule):
    """Active maintenance windows (from the context) suppress matching pages."""

    kind: ClassVar[str] = "maintenance"


RULE_KINDS: dict[str, type[_Rule]] = {
    cls.kind: cls
    for cls in (PriorityRule, KeywordRule, ProductionRule, TierRule, RepeatCallerRule, UnansweredRule, MaintenanceRule)
}

Rule = _Rule


def rule_from_dict(data: Mapping[str, Any], index: int | None = None) -> Rule:
    """Build one rule; a :class:`RuleError` names the rule's position."""
    try:
        if not isinstance(data, Mapping):
            raise RuleError("a rule must be a table/object with a 'kind'")
        kind = data.get("kind")
        if kind not in RULE_KINDS:
            raise RuleError(
                f"unknown rule kind {kind!r}; use one of: {', '.join(RULE_KINDS)}", key="kind"
            )
        return RULE_KINDS[kind].from_dict(data)
    except RuleError as exc:
        where = f"rule {index + 1}: " if index is not None else ""
        raise RuleError(where + exc.message, index=index, key=exc.key) from None


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
            "page_at": _name(self.page_at),
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


DEFAULT_URGENT_WORDS = ("ransomware", "breach", "breached", "hacked", "compromised")
DEFAULT_OUTAGE_WORDS = ("down", "outage", "urgent", "emergency", "security", "offline", "crashed")


def default_rules() -> RuleSet:
    """Rules from practice: a sensible start every MSP then tunes."""
    return RuleSet(
        rules=(
            PriorityRule(),
            KeywordRule(words=DEFAULT_URGENT_WORDS, severity=1),
            KeywordRule(words=DEFAULT_OUTAGE_WORDS, severity=2),
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
    if now.tzinfo is not UTC:
        now = as_utc(now)
    facts = Facts(ticket, context.tier_of(ticket.client))
    severity = 4
    reasons: list[str] = []
    for apply in context.plan(rules):
        hit = apply(facts, context, now, severity)
        if hit is not None:
            severity, reason = hit
            reasons.append(reason)
    page = severity <= rules.page_at and bool(reasons)
    name = SEVERITIES[severity - 1]
    if page and rules.suppresses and context.maintenance:
        label = context.suppressing(ticket, now)
        if label is not None:
            reasons.append(f"suppressed: {label}")
            return Decision._made(False, name, reasons, label)
    if not page:
        reasons.append(rules.below[severity] if reasons else "not paged: no rule matched")
    return Decision._made(page, name, reasons)

"""The kinds of escalation rule, and how each reads its settings.

Each rule judges a whole :class:`Batch` of tickets in one call: a first poll
judges 10,000 tickets, and walking a column in a rule's own loop costs a
fraction of calling every rule once per ticket.  The order rules run in, and
what each does to the severity, is described in ``escalation.py``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from oncall_desktop.core.paging.maintenance import Terms
from oncall_desktop.core.paging.triage_context import aside_said
from oncall_desktop.core.paging.triage_signals import KINDS, Reading, read, score
from oncall_desktop.core.paging.triage_words import LABELS, WEIGHTS
from oncall_desktop.core.tickets.tickets import SEVERITIES, Ticket

if TYPE_CHECKING:
    from oncall_desktop.core.paging.escalation import Context



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


class Batch:
    """The tickets being judged, as columns, with each one's severity and reasons so far.

    Lower-cased texts are made once per ticket, not once per rule; ``texts``
    holds subject and body in one string, because most tickets match no word
    at all and one substring scan per word proves that.  Subjects and bodies
    on their own are made only when a rule asks (the built-in rules with an
    empty context never do: a first poll does not lower 20,000 strings twice).
    """

    __slots__ = ("tickets", "tiers", "_subjects", "_bodies", "texts", "severity", "reasons")

    def __init__(self, tickets: Sequence[Ticket], tiers: Sequence[str | None]) -> None:
        self.tickets = tickets
        self.tiers = tiers
        self._subjects: list[str] | None = None
        self._bodies: list[str] | None = None
        # one lower() of the joined text: no case mapping reaches across the line break
        self.texts = [f"{t.title}\n{t.body}".lower() for t in tickets]
        #: every ticket starts at P4; rules lower (more urgent) or raise it
        self.severity = [4] * len(tickets)
        self.reasons: list[list[str]] = [[] for _ in tickets]

    @property
    def subjects(self) -> list[str]:
        if self._subjects is None:
            self._subjects = [t.title.lower() for t in self.tickets]
        return self._subjects

    @property
    def bodies(self) -> list[str]:
        if self._bodies is None:
            self._bodies = [t.body.lower() for t in self.tickets]
        return self._bodies


def severity_level(value: Any, where: str = "severity") -> int:
    """``"P2"``, ``"p2"`` or ``2`` → 2; anything else is a :class:`RuleError`."""
    if isinstance(value, str) and value.strip().upper() in SEVERITIES:
        return int(value.strip()[1])
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
        return value
    raise RuleError(f"{where} must be one of P1, P2, P3, P4 (P1 most urgent), not {value!r}", key=where)


def level_name(level: int) -> str:
    return f"P{level}"


@dataclass(frozen=True)
class _Rule:
    """Shared plumbing: ``enabled``, dict round-trip, field validation."""

    kind: ClassVar[str] = ""
    doc: ClassVar[str] = ""
    enabled: bool = True

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        """For each ticket the rule matches: change its severity in ``batch`` and add the reason."""

    def can_match(self, ctx: Context) -> bool:
        """False when :meth:`judge` would match no ticket in ``ctx`` (then it is not asked)."""
        return type(self).judge is not _Rule.judge

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            if f.init:
                value = getattr(self, f.name)
                if f.name in ("severity",):
                    value = level_name(value)
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

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        said, severity, reasons, tiers = self._said, batch.severity, batch.reasons, batch.tiers
        for i, ticket in enumerate(batch.tickets):
            if not ticket.priority_given:  # the default is nobody's word: say nothing, start at P4
                continue
            priority, tier = ticket.priority, tiers[i]
            slot = (priority, ticket.client, tier)
            reason = said.get(slot)
            if reason is None:  # a handful of clients × four priorities: say each once
                where = f"{ticket.client} ({tier} tier)" if tier else ticket.client
                reason = said[slot] = f"{SEVERITIES[priority - 1]} at client {where}"
            if priority < severity[i]:
                severity[i] = priority
            reasons[i].append(reason)


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

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        words, confirm, level = self._terms.lowered, self._terms.confirm, self.severity
        places = [(place, batch.subjects if place == "subject" else batch.bodies) for place in self.where]
        severity, reasons = batch.severity, batch.reasons
        for i, text in enumerate(batch.texts):
            for word in words:  # most tickets hold none of the words: a substring scan proves it
                if word in text:
                    break
            else:
                continue
            for place, column in places:  # one is there: which place has it as a whole word?
                found = confirm(column[i])
                if found is not None:
                    if level < severity[i]:
                        severity[i] = level
                    reasons[i].append(f"{place} contains '{found}'")
                    break

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

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        level, severity, reasons = self.severity, batch.severity, batch.reasons
        subjects, bodies = batch.subjects, batch.bodies
        for i, ticket in enumerate(batch.tickets):
            client = ticket.client
            terms = ctx.production_terms(client)
            if not terms:
                continue
            name = terms.find(subjects[i]) or terms.find(bodies[i])
            if name is None:
                continue
            if level < severity[i]:
                severity[i] = level
            reasons[i].append(f"mentions production system '{name}' at {client}")

    def can_match(self, ctx: Context) -> bool:
        return ctx.has_production

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

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        severity, reasons = batch.severity, batch.reasons
        for i, tier in enumerate(batch.tiers):
            if tier is None:
                continue
            was = severity[i]
            new = max(1, was - self._raise.get(tier.casefold(), 0))
            if new != was:
                severity[i] = new
                client = batch.tickets[i].client
                reasons[i].append(f"{tier}-tier client {client}: raised {level_name(was)} → {level_name(new)}")

    def can_match(self, ctx: Context) -> bool:
        return ctx.has_tiers

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

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        level, severity, reasons = self.severity, batch.severity, batch.reasons
        for i, ticket in enumerate(batch.tickets):
            if ticket.contact and ctx.called_within(ticket, ticket.created or now, self._window):
                if level < severity[i]:
                    severity[i] = level
                reasons[i].append(f"same contact called twice within {self.within_minutes} min")

    def can_match(self, ctx: Context) -> bool:
        return ctx.has_recent_calls

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

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        statuses, first_seen, severity, reasons = self._statuses, ctx.first_seen, batch.severity, batch.reasons
        for i, ticket in enumerate(batch.tickets):
            if ticket.status.casefold() not in statuses:  # most tickets: not waiting at all
                continue
            first = (first_seen.get(ticket.id) if ticket.id else None) or ticket.created
            if first is None or now - first < self._after:
                continue
            was = severity[i]
            new = severity[i] = max(1, was - self.raise_levels)
            minutes = int((now - first).total_seconds() // 60)
            change = f"raised {level_name(was)} → {level_name(new)}" if new != was else f"already {level_name(new)}"
            reasons[i].append(f"unanswered for {minutes} min (over {self.after_minutes}): {change}")

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


#: what one triage rule has said: ticket text → (level, reasons), and the same keyed by what the words said
#: (tickets with other words often read alike: "server down" and "the server is down again")
_Said = tuple[dict[str, tuple[int, tuple[str, ...]]], dict[object, tuple[int, tuple[str, ...]]]]
#: (weights, page score, P1 score) → what a triage rule with them said: shared by the rule sets built each poll
_TRIAGE_VERDICTS: dict[tuple[tuple[tuple[str, int], ...], int, int], _Said] = {}
#: how many verdicts each of those keeps (a first poll's worth; then it starts again)
VERDICTS_KEPT = 50_000
_NO_VERDICT: tuple[int, tuple[str, ...]] = (4, ())


@dataclass(frozen=True)
class TriageRule(_Rule):
    """What the ticket's words say: kind of ticket, scope, impact, security, state (``triage_signals``).

    Each signal kind found adds its weight (lowering kinds subtract); the sum
    sets a floor: P2 at ``page_score``, P1 at ``p1_score``, P3 above zero.
    ``weights`` overrides the built-in weight of a kind; 0 switches it off.
    ``client_weights`` overrides them again for one client (``{ "Harbor" =
    { outage = 0 } }``): what a lead accepts from Insights when one client's
    words keep paging for nothing.  Every kind that counted is a reason, so
    the tech reads why.
    """

    kind: ClassVar[str] = "triage"
    page_score: int = 4
    p1_score: int = 9
    weights: Mapping[str, int] = field(default_factory=dict)
    client_weights: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    _weights: dict[str, int] = field(init=False, repr=False, compare=False)
    _said: _Said = field(init=False, repr=False, compare=False, hash=False)
    #: client (case-folded) → the rule judging its tickets, with that client's weights, and the reason saying so
    _by_client: dict[str, tuple[TriageRule, str]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        weights = {**WEIGHTS, **self.weights}
        object.__setattr__(self, "_weights", weights)
        object.__setattr__(self, "_by_client", {
            client.casefold(): (TriageRule(page_score=self.page_score, p1_score=self.p1_score,
                                           weights={**self.weights, **own}),
                                f"triage weights for {client}: "
                                + ", ".join(f"{k} {v}" for k, v in sorted(own.items())))
            for client, own in self.client_weights.items() if own})
        # the poller builds its rule set anew each poll: verdicts are kept per set of parameters, not per
        # instance, so the tickets a poll sees again are not scored and worded again
        key = (tuple(sorted(weights.items())), self.page_score, self.p1_score)
        if key not in _TRIAGE_VERDICTS and len(_TRIAGE_VERDICTS) >= 8:
            _TRIAGE_VERDICTS.clear()
        object.__setattr__(self, "_said", _TRIAGE_VERDICTS.setdefault(key, ({}, {})))

    def judge(self, batch: Batch, ctx: Context, now: datetime) -> None:
        if self._by_client:
            self._judge_by_client(batch)
            return
        by_text, severity, reasons = self._said[0], batch.severity, batch.reasons
        for i, text in enumerate(batch.texts):
            verdict = by_text.get(text)
            if verdict is None:
                verdict = self._new_verdict(text)
            level, why = verdict
            if why:
                if level < severity[i]:
                    severity[i] = level
                reasons[i].extend(why)

    def _judge_by_client(self, batch: Batch) -> None:
        """:meth:`judge` when some clients have their own weights: each ticket by its client's rule."""
        severity, reasons, by_client = batch.severity, batch.reasons, self._by_client
        for i, text in enumerate(batch.texts):
            own = by_client.get(batch.tickets[i].client.casefold())
            rule = own[0] if own else self
            verdict = rule._said[0].get(text) or rule._new_verdict(text)
            level, why = verdict
            if why:
                if level < severity[i]:
                    severity[i] = level
                reasons[i].extend(why)
                if own:
                    reasons[i].append(own[1])

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if not self.client_weights:  # the common case: the file a lead reads has no empty table in it
            del out["client_weights"]
        else:
            out["client_weights"] = {client: dict(own) for client, own in self.client_weights.items()}
        return out

    def weights_for(self, client: str) -> Mapping[str, int]:
        """The weights this rule judges ``client``'s tickets with (its own, where the rules give it some)."""
        own = self._by_client.get(client.casefold())
        return (own[0] if own else self)._weights

    def _new_verdict(self, text: str) -> tuple[int, tuple[str, ...]]:
        """The verdict on a text not judged before (kept by text, and by what its words said)."""
        by_text, by_reading = self._said
        found, negated, put_aside = read(text)
        if found or negated or put_aside:
            # all a verdict depends on, kinds in the order found; a reading's phrases are the index's
            # own strings, so a reading seen before compares by identity
            heard = (*found, *found.values(), None, *negated, *negated.values(), None, *put_aside.items()) \
                if negated or put_aside else (*found, *found.values())
            verdict = by_reading.get(heard)
            if verdict is None:
                if len(by_reading) >= VERDICTS_KEPT - 1:  # room for this reading in both its forms
                    by_reading.clear()
                verdict = by_reading[heard] = self._verdict_for(Reading(found, negated, put_aside), by_reading)
        else:
            verdict = _NO_VERDICT
        if len(by_text) >= VERDICTS_KEPT:
            by_text.clear()
        by_text[text] = verdict
        return verdict

    def kept(self) -> tuple[int, int]:
        """How many verdicts this rule's parameters keep now: (by ticket text, by what the words said).

        Each is bounded by :data:`VERDICTS_KEPT`: a poll's worth, never a night's growth.
        """
        by_text, by_reading = self._said
        return len(by_text), len(by_reading)

    def _verdict_for(self, reading: Reading,
                     by_reading: dict[object, tuple[int, tuple[str, ...]]]) -> tuple[int, tuple[str, ...]]:
        """The verdict on a reading whatever order its kinds were found in (kept under that form too)."""
        # KINDS first: no order-of-finding form is alike
        alike = (KINDS, *map(reading.found.get, KINDS), *reading.negated.items(), None, *reading.set_aside.items())
        verdict = by_reading.get(alike)
        if verdict is None:
            verdict = by_reading[alike] = self._verdict(reading)
        return verdict

    def _verdict(self, reading: Reading) -> tuple[int, tuple[str, ...]]:
        total, parts = score(reading, self._weights)
        why = [f"{LABELS[k]} ('{shown}', +{w})" if w > 0 else f"lowered: {LABELS[k]} ('{shown}', −{-w})" if w else
               f"not counted twice: {LABELS[k]} ('{shown}' counted already)" for k, w, shown in parts]
        why += [f"not counted: {LABELS[k]} ('{shown}' after a negation)" for k, shown in reading.negated.items()
                if k not in reading.found and self._weights.get(k, 0)]
        why += [f"not counted: {LABELS[k]} ('{shown}', {aside_said(marker)})"
                for k, (shown, marker) in reading.set_aside.items() if k not in reading.negated and self._weights.get(k, 0)]
        if not why:
            return 4, ()
        level = 1 if total >= self.p1_score else 2 if total >= self.page_score else 3 if total > 0 else 4
        verdict = level_name(level) if level < 4 else "no floor"
        why.append(f"triage score {total} (pages at {self.page_score}, P1 at {self.p1_score}): {verdict}")
        return level, tuple(why)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TriageRule:
        cls._check_keys(data)
        weights = _weights(data.get("weights", {}), "weights")
        raw = data.get("client_weights", {})
        if not isinstance(raw, Mapping):
            raise RuleError("'client_weights' must map a client to its weights, such as "
                            "{ \"Acme\" = { outage = 0 } }", key="client_weights")
        client_weights = {str(client): _weights(own, "client_weights", f" for {client}") for client, own in raw.items()}
        scores: dict[str, int] = {}
        for key in ("page_score", "p1_score"):
            value = data.get(key, getattr(cls, key))
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
                raise RuleError(f"'{key}' must be a whole number from 1 to 50, not {value!r}", key=key)
            scores[key] = value
        if scores["p1_score"] < scores["page_score"]:
            raise RuleError("'p1_score' must be at least 'page_score'", key="p1_score")
        return cls(enabled=_bool(data, "enabled", True), weights=weights, client_weights=client_weights, **scores)


def _weights(raw: Any, key: str, whose: str = "") -> dict[str, int]:
    """A ``{ kind = weight }`` table of the triage rule, checked kind by kind."""
    if not isinstance(raw, Mapping):
        raise RuleError(f"'{key}'{whose} must map a signal kind to a number, such as {{ outage = 2 }}", key=key)
    bad = [k for k in raw if k not in KINDS]
    if bad:
        raise RuleError(f"unknown signal kind '{bad[0]}' in '{key}'{whose}; kinds: {', '.join(KINDS)}", key=key)
    weights: dict[str, int] = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, int) or not -20 <= v <= 20:
            raise RuleError(f"weight of '{k}'{whose} must be a whole number from -20 to 20, not {v!r}", key=key)
        weights[str(k)] = v
    return weights


def triage_parameter_sets() -> int:
    """How many sets of triage parameters have verdicts kept (at most eight: a lead trying rule files)."""
    return len(_TRIAGE_VERDICTS)


RULE_KINDS: dict[str, type[_Rule]] = {
    cls.kind: cls
    for cls in (PriorityRule, KeywordRule, ProductionRule, TierRule, RepeatCallerRule, UnansweredRule, MaintenanceRule,
                TriageRule)
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

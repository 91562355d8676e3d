"""Escalation rules as a TOML file a lead can edit by hand.

Why TOML: leads keep rules in the team pack next to runbooks and review them
in diffs; comments explain *why* a word pages.  A bad rule is rejected with
the file's line number and the reason, never half-applied.  Example::

    # Page when the decision's severity is P2 or more urgent.
    page_at = "P2"

    [[rule]]                      # the PSA's own priority is the starting point
    kind = "priority"

    [[rule]]
    kind = "keywords"             # whole words, any case: "download" is not "down"
    words = ["ransomware", "breach", "hacked"]
    severity = "P1"
    where = ["subject", "body"]

    [[rule]]
    kind = "keywords"
    words = ["down", "outage", "urgent", "security"]
    severity = "P2"

    [[rule]]
    kind = "production"           # systems listed per client in the workspace
    severity = "P2"

    [[rule]]
    kind = "repeat_caller"        # the same contact twice is an emergency
    within_minutes = 30
    severity = "P1"

    [[rule]]
    kind = "tier"                 # raise by N levels; acts on the rules above it
    raise_by = { gold = 1 }

    [[rule]]
    kind = "unanswered"
    after_minutes = 60
    raise_levels = 1
    statuses = ["new"]

    [[rule]]
    kind = "maintenance"          # active windows suppress, visibly

Every rule also takes ``enabled = false`` to switch it off without deleting it.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import replace
from typing import Any

from oncall_desktop.core.paging.escalation import RuleSet
from oncall_desktop.core.paging.escalation_rules import RuleError, TriageRule

_HEADER = re.compile(r"^\s*\[\[\s*rule\s*\]\]")
_TOP_KEYS = {"version", "page_at", "rule"}


class RulesFileError(ValueError):
    """A rules file that cannot be used; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def parse_rules(text: str, source: str = "rules.toml") -> RuleSet:
    """Read a rules file; raise :class:`RulesFileError` naming line and reason."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _decode_line(str(exc))
        if line is None and "end of document" in str(exc):
            line = len(text.rstrip().splitlines()) or 1
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc)) or "invalid TOML"
        where = f"{source} line {line}" if line else source
        raise RulesFileError(
            f"{where}: this is not valid TOML ({reason}); check quotes, brackets and commas", line
        ) from None
    lines = text.splitlines()
    headers = [i + 1 for i, raw in enumerate(lines) if _HEADER.match(raw)]
    unknown = sorted(set(doc) - _TOP_KEYS)
    if unknown:
        key = unknown[0]
        hint = "; write each rule as a [[rule]] table" if key in ("rules", "rule_") else ""
        line = _key_line(lines, key, 1, headers[0] if headers else len(lines) + 1)
        raise RulesFileError(
            f"{_at(source, line)}unknown setting '{key}'; allowed at the top: page_at, version, [[rule]]{hint}", line
        )
    rules = doc.get("rule", [])
    if not isinstance(rules, list):
        line = _key_line(lines, "rule", 1, len(lines) + 1)
        raise RulesFileError(f"{_at(source, line)}'rule' must be written as [[rule]] tables", line)
    data: dict[str, Any] = {"rules": rules}
    for key in ("version", "page_at"):
        if key in doc:
            data[key] = doc[key]
    try:
        return RuleSet.from_dict(data)
    except RuleError as exc:
        line = _error_line(lines, headers, exc)
        raise RulesFileError(f"{_at(source, line)}{exc.message}", line) from None


def dump_rules(rules: RuleSet) -> str:
    """Write a rule set back as TOML that :func:`parse_rules` reads unchanged."""
    data = rules.to_dict()
    out = [f"version = {data['version']}", f"page_at = {_value(data['page_at'])}"]
    for rule in data["rules"]:
        out.append("")
        out.append("[[rule]]")
        out.extend(f"{key} = {_value(value)}" for key, value in rule.items())
    return "\n".join(out) + "\n"


def with_triage_weight(text: str, kind: str, weight: int, client: str | None, comment: str) -> str:
    """``text`` with one weight of its first enabled triage rule set (for one client, or for all), commented.

    The lead's own file is kept: only the rule's ``weights`` (or
    ``client_weights``) line is written anew, the old one left above it as a
    comment, ``comment`` above both.  Should the file say the weights in a
    way this cannot edit in place (a ``[rule.weights]`` table), the rules are
    written out whole instead, ``comment`` first.  Either way the result is
    checked to read as exactly the intended rules.  Raises
    :class:`RulesFileError` when the rules have no enabled triage rule.
    """
    rules = parse_rules(text)
    index = next((i for i, r in enumerate(rules.rules) if isinstance(r, TriageRule) and r.enabled), None)
    if index is None:
        raise RulesFileError("the rules have no enabled triage rule whose weights could change")
    rule = rules.rules[index]
    assert isinstance(rule, TriageRule)
    key = "client_weights" if client else "weights"
    if client:
        own = next((c for c in rule.client_weights if c.casefold() == client.casefold()), client)
        value: dict[str, Any] = {c: dict(w) for c, w in rule.client_weights.items()}
        value[own] = {**value.get(own, {}), kind: weight}
        changed = replace(rule, client_weights=value)
    else:
        value = {**rule.weights, kind: weight}
        changed = replace(rule, weights=value)
    wanted = replace(rules, rules=(*rules.rules[:index], changed, *rules.rules[index + 1:]))
    notes = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines = text.splitlines()
    headers = [i + 1 for i, raw in enumerate(lines) if _HEADER.match(raw)]
    start = headers[index]
    stop = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1
    new_line = f"{key} = {_value(value)}"
    at = _key_line(lines, key, start + 1, stop)
    if at is not None:
        lines[at - 1:at] = [*notes, f"# was: {lines[at - 1].strip()}", new_line]
    else:
        after = _key_line(lines, "kind", start + 1, stop) or start
        lines[after:after] = [*notes, new_line]
    edited = "\n".join(lines) + "\n"
    try:
        if parse_rules(edited) == wanted:
            return edited
    except RulesFileError:
        pass
    return "\n".join(notes) + "\n# (the rules were written out whole: the old layout could not be edited in place)\n" \
        + dump_rules(wanted)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _at(source: str, line: int | None) -> str:
    return f"{source} line {line}: " if line else f"{source}: "


def _decode_line(message: str) -> int | None:
    found = re.search(r"at line (\d+)", message)
    return int(found.group(1)) if found else None


def _key_line(lines: list[str], key: str, start: int, stop: int) -> int | None:
    """First line in [start, stop) that assigns ``key`` (1-based)."""
    name = re.escape(key)
    pattern = re.compile(rf"^\s*(?:[\"']?{name}[\"']?\s*[=.]|\[\s*rule\s*\.\s*{name}\s*\])")
    for number in range(start, min(stop, len(lines) + 1)):
        if pattern.match(lines[number - 1]):
            return number
    return None


def _error_line(lines: list[str], headers: list[int], exc: RuleError) -> int | None:
    if exc.index is None:
        stop = headers[0] if headers else len(lines) + 1
        return _key_line(lines, exc.key, 1, stop) if exc.key else None
    if exc.index >= len(headers):
        return None
    start = headers[exc.index]
    stop = headers[exc.index + 1] if exc.index + 1 < len(headers) else len(lines) + 1
    found = _key_line(lines, exc.key, start + 1, stop) if exc.key else None
    return found or start

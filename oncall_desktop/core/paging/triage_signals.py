"""Read a ticket's words into triage signals: which kinds fired, on which phrase, and the score.

Why tokens and a phrase index rather than one regular expression per phrase:
a first poll reads 10,000 tickets, and a thousand alternatives tried at every
character would cost milliseconds a ticket.  Here a ticket is split into words
once (one C-level ``findall``), and only words that can start a phrase are
looked at further, so a ticket costs a few microseconds.  Results are cached
per text: the same tickets come back every poll.

The phrases themselves live in ``triage_words``; this module only expands the
notation there, matches, and scores.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product

from oncall_desktop.core.paging.triage_words import MACROS, NEGATABLE, NEGATORS, NOT_AFTER, ONLY_WITH, PHRASES

__all__ = ["KINDS", "Reading", "read", "score"]

#: Every signal kind, in the order reasons are listed.
KINDS: tuple[str, ...] = tuple(PHRASES)

_GAP = ".."  # up to five other words
_GAP_WORDS = 5
_WORD = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")

#: (the rest of the phrase, its kind) for each word that can start one
_Entry = tuple[tuple[str, ...], str]


def _forms(word: str) -> tuple[str, ...]:
    """``crash*`` → crash, crashes, crashed, crashing (and the like); other words as they are."""
    if not word.endswith("*"):
        return (word,)
    base = word[:-1]
    out = [base, base + "s", base + "es", base + "ed", base + "d", base + "ing", base + "er", base + "ers",
           base + "ly", base + "al", base + "ion", base + "ions", base + "ity", base + "ies", base + "y"]
    if base.endswith("e"):
        out += [base[:-1] + "ing", base[:-1] + "ion", base[:-1] + "ions"]
    if base.endswith("y"):
        out += [base[:-1] + "ies", base[:-1] + "ied"]
    if len(base) > 2 and base[-1] not in "aeiouwy" and base[-2] in "aeiou":
        out += [base + base[-1] + "ed", base + base[-1] + "ing"]
    return tuple(dict.fromkeys(out))


def _expand(phrase: str) -> list[tuple[str, ...]]:
    """One notation phrase → every word sequence it stands for."""
    slots: list[list[tuple[str, ...]]] = []
    for part in phrase.split():
        if part.startswith("{") and part.endswith("}"):
            slots.append([tuple(w for alt in _forms_of(a) for w in alt) for a in MACROS[part[1:-1]]])
        elif part == _GAP:
            slots.append([(_GAP,)])
        else:
            slots.append([(f,) for f in _forms(part)])
    return [tuple(w for seq in combo for w in seq) for combo in product(*slots)]


def _forms_of(alternative: str) -> list[tuple[str, ...]]:
    """A macro alternative ("log in", "access*") as word tuples; starred words take one form each."""
    return [tuple(combo) for combo in product(*(_forms(w) for w in alternative.split()))]


def _tokens_of(text: str) -> list[str]:
    return _WORD.findall(text.replace("’", "'"))


def _index() -> dict[str, list[_Entry]]:
    index: dict[str, list[_Entry]] = {}
    for kind, phrases in PHRASES.items():
        for phrase in phrases:
            for words in _expand(phrase):
                words = tuple(t for w in words for t in (_tokens_of(w) if w != _GAP else [_GAP]))
                if words:
                    index.setdefault(words[0], []).append((words[1:], kind))
    return {first: list(dict.fromkeys(entries)) for first, entries in index.items()}


_INDEX: dict[str, list[_Entry]] = _index()


def _match(tokens: list[str], at: int, rest: tuple[str, ...]) -> int:
    """Where ``rest`` ends when it follows from ``tokens[at]`` on (``..`` skips up to five words); else -1."""
    for k, word in enumerate(rest):
        if word == _GAP:
            tail = rest[k + 1:]
            for skip in range(_GAP_WORDS + 1):
                end = _match(tokens, at + skip, tail)
                if end >= 0:
                    return end
            return -1
        if at >= len(tokens) or tokens[at] != word:
            return -1
        at += 1
    return at


@dataclass(frozen=True)
class Reading:
    """What one ticket's words say: kind → the words that first fired it; negated hits kept apart."""

    found: Mapping[str, str]
    negated: Mapping[str, str]


_EMPTY = Reading({}, {})
#: where a reply's quoted history starts: older news than the message itself
_QUOTED = re.compile(r"^(?:>.*|-{2,} ?original message ?-{2,}.*|on .{4,80} wrote:\s*)$", re.MULTILINE)
_CACHE: dict[str, Reading] = {}
_CACHE_MAX = 50_000


def read(lowered_text: str) -> Reading:
    """The signals in ``lowered_text`` (already ``str.lower()``-ed, subject and body together)."""
    cached = _CACHE.get(lowered_text)
    if cached is not None:
        return cached
    text = lowered_text
    if ">" in text or "wrote:" in text or "original message" in text:
        cut = _QUOTED.search(text)
        if cut is not None and cut.start() > text.find("\n"):  # never the subject line itself
            text = text[:cut.start()]
    tokens = _tokens_of(text)
    index = _INDEX
    found: dict[str, str] = {}
    negated: dict[str, str] = {}
    for i, token in enumerate(tokens):
        entries = index.get(token)
        if entries is None:
            continue
        for rest, kind in entries:
            if kind in found:
                continue
            end = _match(tokens, i + 1, rest) if rest else i + 1
            if end < 0:
                continue
            shown = " ".join(tokens[i:end])
            before = tokens[max(0, i - 2):i]
            if not rest and before and before[-1] in NOT_AFTER.get(token, ()):
                continue
            if kind in NEGATABLE and any(w in NEGATORS for w in before):
                negated.setdefault(kind, shown)
                continue
            found[kind] = shown
    reading = Reading(found, negated) if found or negated else _EMPTY
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[lowered_text] = reading
    return reading


def score(reading: Reading, weights: Mapping[str, int]) -> tuple[int, list[tuple[str, int, str]]]:
    """The sum of the fired kinds' weights, and (kind, weight, phrase) for each, in :data:`KINDS` order.

    A kind with weight 0 is switched off: it neither counts nor shows.  A kind
    in ``ONLY_WITH`` counts only beside its partner (security advice lowers a
    security hit; in a ticket about a dead server it says nothing).
    """
    total, parts = 0, []
    for kind in KINDS:
        shown = reading.found.get(kind)
        if shown is None or (kind in ONLY_WITH and ONLY_WITH[kind] not in reading.found):
            continue
        weight = weights.get(kind, 0)
        if weight:
            total += weight
            parts.append((kind, weight, shown))
    return total, parts

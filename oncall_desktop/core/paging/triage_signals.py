"""Read a ticket's words into triage signals: which kinds fired, on which phrase, and the score.

Why words and a phrase index rather than one regular expression per phrase:
a first poll reads 10,000 tickets nobody has read before, and a thousand
alternatives tried at every character would cost milliseconds a ticket.  Here
a ticket is split into words once, and only words that can start a phrase are
looked at further, so a ticket costs a few microseconds:

* the split is C-level work: the text's bytes mapped to word characters or
  spaces in one ``translate`` and cut with ``split`` (a regular expression's
  ``findall`` cost four times that on tickets of a few lines);
* each word that starts a phrase knows, per kind, which phrases can follow
  it, keyed by the next word, so 'all' (hundreds of phrases) costs one
  look-up; most words fire their kind alone and need none;
* kinds are read independently of each other: for each, the first word where
  one of its phrases fits decides.

The phrases themselves live in ``triage_words``; this module only expands the
notation there, matches, and scores.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import product
from typing import NamedTuple

from oncall_desktop.core.paging.triage_context import (
    CONTEXTUAL,
    KIND_CONTEXTS,
    SENTENCE_ENDS,
    aside,
    contexts,
)
from oncall_desktop.core.paging.triage_words import MACROS, NEGATABLE, NEGATORS, NOT_AFTER, NOT_WITH, ONLY_WITH, PHRASES

__all__ = ["KINDS", "Reading", "phrase_index", "read", "score", "tokens_of", "words_of"]

#: Every signal kind, in the order reasons are listed.
KINDS: tuple[str, ...] = tuple(PHRASES)

_GAP = ".."  # up to five other words
_GAP_WORDS = 5
#: what a word is: letters and digits, joined by single quotes or hyphens ("can't", "wi-fi")
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


#: byte → itself for a character a word can hold, else a space (every byte of a non-ASCII character too)
_KEPT = bytes(c if c in b"abcdefghijklmnopqrstuvwxyz0123456789'-" else 0x20 for c in range(256))
#: a quote or hyphen that joins nothing: not between two letters or digits
#: (a quote or hyphen first, so the search skips to the next one at C speed; the look-behind sees the character
#: before it)
_LONE = re.compile(r"['\-](?:(?![a-z0-9])|(?<![a-z0-9].))")


def words_of(text: str) -> list[str]:
    """The words of ``text``: what ``_WORD.findall`` finds, with a typographic apostrophe read as ``'``.

    Every character no word can hold becomes a space, a quote or hyphen that
    joins no two letters does too, and ``split`` cuts the rest: the same words
    as the regular expression finds, in a quarter of the time.
    """
    if "’" in text:
        text = text.replace("’", "'")
    plain = text.encode("utf-8", "surrogatepass").translate(_KEPT).decode("ascii")
    if "'" in plain or "-" in plain:
        plain = _LONE.sub(" ", plain)
    return plain.split()


#: as ``_KEPT``, with a sentence's end kept as ``BREAK`` or ``QUESTION``
_KEPT_ENDS = bytes(c if c in b"abcdefghijklmnopqrstuvwxyz0123456789'-?" else 0x7C if c in b".!;:\n" else 0x20
                   for c in range(256))


def tokens_of(text: str) -> list[str]:
    """The words of ``text`` as :func:`words_of` finds them, each sentence followed by its end (``|`` or ``?``).

    Sentences are what lets a word be read in its context: "in case of a
    breach" is a what-if, "restarted the server" a step already taken, and
    a phrase never runs on from one sentence into the next.
    """
    if "’" in text:
        text = text.replace("’", "'")
    plain = text.encode("utf-8", "surrogatepass").translate(_KEPT_ENDS).decode("ascii")
    if "'" in plain or "-" in plain:
        plain = _LONE.sub(" ", plain)
    if "?" in plain:
        plain = plain.replace("?", " ? ")
    return plain.replace("|", " | ").split()


def phrase_index() -> dict[str, list[_Entry]]:
    """Every phrase as (first word → the rest of it, its kind), in the order :func:`read` tries them.

    The order is what makes a reason say 'all users' rather than 'all': at one
    word, the first phrase of a kind that fits is the one shown.
    """
    index: dict[str, list[_Entry]] = {}
    for kind, phrases in PHRASES.items():
        for phrase in phrases:
            for words in _expand(phrase):
                words = tuple(t for w in words for t in (words_of(w) if w != _GAP else [_GAP]))
                if words:
                    index.setdefault(words[0], []).append((words[1:], kind))
    return {first: list(dict.fromkeys(entries)) for first, entries in index.items()}


def _match(tokens: list[str], at: int, rest: tuple[str, ...]) -> int:
    """Where ``rest`` ends when it follows from ``tokens[at]`` on (``..`` skips up to five words); else -1."""
    for k, word in enumerate(rest):
        if word == _GAP:
            tail = rest[k + 1:]
            for skip in range(_GAP_WORDS + 1):
                if skip and (at + skip > len(tokens) or tokens[at + skip - 1] in SENTENCE_ENDS):
                    break  # a gap stays in its sentence
                end = _match(tokens, at + skip, tail)
                if end >= 0:
                    return end
            return -1
        if at >= len(tokens) or tokens[at] != word:
            return -1
        at += 1
    return at


#: a phrase to try after its first word: (its place in the index, the words after the first, those words as a
#: list when there is no gap in them (compared with a slice of the ticket's at once), the words a phrase with a
#: gap needs (when the ticket lacks one, the phrase is not walked), the phrase as shown when it has no gap)
_Try = tuple[int, tuple[str, ...], list[str] | None, frozenset[str], str]
#: one kind's phrases at one first word, when more than the word alone can decide: (kind, negatable, words
#: the word alone must not follow, the phrases to try keyed by the next word, the ones for any other next word)
_Group = tuple[str, bool, frozenset[str] | None, dict[str, tuple[_Try, ...]], tuple[_Try, ...]]


class _Plan(NamedTuple):
    """What one word that starts a phrase can fire, split by how much has to be looked at."""

    word: str  # the word itself, one string for every ticket: verdicts keyed by what fired compare it at once
    free: tuple[str, ...]  # kinds the word alone fires, no negation possible: most of them
    guarded: tuple[tuple[int, str], ...]  # (place, kind) the word alone fires unless a negation is before it
    groups: tuple[_Group, ...]  # kinds whose phrases go on past the word
    #: the words that must come next for any of ``groups`` to fit, when each needs one ("the" + "whole",
    #: "system", …): most times "the" is followed by none of them, and the word is passed at once
    nexts: frozenset[str] | None




def _plan(entries: list[_Entry], first: str) -> _Plan:
    """The entries of one first word, grouped by kind, each kind's in index order."""
    mine: dict[str, list[_Try]] = {}
    for place, (rest, kind) in enumerate(entries):
        plain = None if _GAP in rest else list(rest)
        mine.setdefault(kind, []).append((place, rest, plain, frozenset(rest) - {_GAP}, " ".join((first, *rest))))
    blockers = NOT_AFTER.get(first)
    free: list[str] = []
    guarded: list[tuple[int, str]] = []
    groups: list[_Group] = []
    for kind, tries in mine.items():
        negatable = kind in NEGATABLE
        if tries[0][1] == () and blockers is None:  # the word alone fits first, whatever follows
            if negatable:
                guarded.append((tries[0][0], kind))
            else:
                free.append(kind)
            continue
        any_next = tuple(t for t in tries if not t[1] or t[1][0] == _GAP)
        by_next = {t[1][0]: tuple(u for u in tries if not u[1] or u[1][0] in (_GAP, t[1][0]))
                   for t in tries if t[1] and t[1][0] != _GAP}
        groups.append((kind, negatable, blockers, by_next, any_next))
    needs_next = all(not any_next for _, _, _, _, any_next in groups)
    nexts = frozenset(w for group in groups for w in group[3]) if needs_next else None
    return _Plan(first, tuple(free), tuple(guarded), tuple(groups), nexts)


_PLANS: dict[str, _Plan] = {first: _plan(entries, first) for first, entries in phrase_index().items()}


class Reading(NamedTuple):
    """What one ticket's words say: kind → the words that first fired it; negated hits and hits set aside apart.

    ``set_aside`` holds, for a kind that did not fire, its first hit that
    :func:`~oncall_desktop.core.paging.triage_context.aside` set aside and the word that did it: (phrase, word).
    """

    found: Mapping[str, str]
    negated: Mapping[str, str]
    set_aside: Mapping[str, tuple[str, str]] = {}


_EMPTY = Reading({}, {})
#: where a reply's quoted history starts: older news than the message itself
_QUOTED = re.compile(r"^(?:>.*|-{2,} ?original message ?-{2,}.*|on .{4,80} wrote:\s*)$", re.MULTILINE)


def read(lowered_text: str) -> Reading:
    """The signals in ``lowered_text`` (already ``str.lower()``-ed, subject and body together).

    For each kind, the first word (in text order) where one of its phrases
    fits, with neither a negation in the two words before it nor a context
    that sets it aside (:func:`aside`), decides.  A negated hit is kept apart
    as negated, a hit set aside as set aside, and the reading goes on.  Among
    kinds negated at the same word, the one whose phrase comes first in the
    index is listed first.

    The context is looked at last, and only where a ticket has a word of one:
    each kind's first hit is found as if no context mattered, then a hit
    that its context sets aside is put aside and its kind read on from there.
    """
    text = lowered_text
    if ">" in text or "wrote:" in text or "original message" in text:
        cut = _QUOTED.search(text)
        if cut is not None and cut.start() > text.find("\n"):  # never the subject line itself
            text = text[:cut.start()]
    tokens = tokens_of(text)
    plans, negators = _PLANS, NEGATORS
    found: dict[str, str] = {}
    negated: dict[str, str] = {}
    negated_at: dict[str, tuple[int, int]] | None = None  # kind → (word, place in the index) of its negated hit
    last = len(tokens) - 1
    vocabulary: set[str] | None = None  # the ticket's words, made when a phrase with a gap is tried
    for i, token in enumerate(tokens):
        plan = plans.get(token)
        if plan is None:
            continue
        word, free, guarded, groups, nexts = plan
        for kind in free:
            if kind not in found:
                found[kind] = word
        if not guarded and (not groups or nexts is not None and (i == last or tokens[i + 1] not in nexts)):
            continue
        negative: bool | None = None  # whether a negation is in the two words before: asked once a kind fits
        held: list[tuple[int, str, str]] | None = None  # negated here, put in index order below
        for place, kind in guarded:
            if kind in found:
                continue
            if negative is None:
                negative = (i > 0 and tokens[i - 1] in negators) or (i > 1 and tokens[i - 2] in negators)
            if not negative:
                found[kind] = word
            elif kind not in negated:
                held = [(place, kind, word)] if held is None else [*held, (place, kind, word)]
        for kind, negatable, blockers, by_next, any_next in groups:
            if kind in found:
                continue
            hit = _fits(tokens, i, blockers, by_next, any_next, vocabulary)
            if hit is None:
                continue
            place, _, shown, vocabulary = hit
            if negatable:
                if negative is None:
                    negative = (i > 0 and tokens[i - 1] in negators) or (i > 1 and tokens[i - 2] in negators)
                if negative:
                    if kind not in negated:
                        held = [(place, kind, shown)] if held is None else [*held, (place, kind, shown)]
                    continue
            found[kind] = shown
        if held is not None:
            if negated_at is None:
                negated_at = {}
            for place, kind, shown in sorted(held):
                negated[kind] = shown
                negated_at[kind] = (i, place)
    if not found:
        return Reading(found, negated) if negated else _EMPTY
    if CONTEXTUAL.isdisjoint(found):
        return Reading(found, negated)
    present = contexts(tokens)
    listening = [k for k in found if KIND_CONTEXTS.get(k, 0) & present] if present else None
    if not listening:
        return Reading(found, negated)
    put_aside: dict[str, tuple[str, str]] = {}
    before = len(negated)
    for kind in listening:
        at, end = _hit_at(tokens, kind, found[kind])
        marker = aside(tokens, at, end, kind, present)
        if marker:
            put_aside[kind] = (found.pop(kind), marker)
            if negated_at is None:
                negated_at = {}
            _read_on(tokens, at + 1, kind, present, found, negated, negated_at, put_aside)
    if len(negated) > before and negated_at is not None:  # negated while reading on: in text order with the others again
        negated = {k: negated[k] for k in sorted(negated, key=negated_at.__getitem__)}
    if put_aside:
        return Reading(found, negated, {k: v for k, v in put_aside.items() if k not in found})
    return Reading(found, negated)


def _hit_at(tokens: list[str], kind: str, shown: str) -> tuple[int, int]:
    """Where the hit :func:`read` found for ``kind``, shown as ``shown``, starts and ends.

    The first place its words stand that no negation or blocking word before
    disqualifies: where the same words stood earlier, they would have fitted
    there, so only what is before them can have kept them from counting.
    """
    words = shown.split() if " " in shown else None
    size, first = (len(words), words[0]) if words else (1, shown)
    blockers = NOT_AFTER.get(first) if size == 1 else None
    at = -1
    while True:
        at = tokens.index(first, at + 1)
        if size > 1 and tokens[at:at + size] != words:
            continue
        if blockers is not None and at and tokens[at - 1] in blockers:
            continue
        if kind in NEGATABLE and ((at > 0 and tokens[at - 1] in NEGATORS) or (at > 1 and tokens[at - 2] in NEGATORS)):
            continue
        return at, at + size


def _fits(tokens: list[str], i: int, blockers: frozenset[str] | None, by_next: dict[str, tuple[_Try, ...]],
          any_next: tuple[_Try, ...], vocabulary: set[str] | None) -> tuple[int, int, str, set[str] | None] | None:
    """The first of one kind's phrases that fits at ``tokens[i]``: (its place, its end, as shown, vocabulary)."""
    tried = by_next.get(tokens[i + 1], any_next) if by_next and i < len(tokens) - 1 else any_next
    for place, rest, plain, need, shown in tried:
        if not rest:
            if blockers is None or not i or tokens[i - 1] not in blockers:
                return place, i + 1, shown, vocabulary
        elif plain is not None:
            if tokens[i + 1:i + 1 + len(plain)] == plain:
                return place, i + 1 + len(plain), shown, vocabulary
        else:
            if vocabulary is None:
                vocabulary = set(tokens)
            if need <= vocabulary:
                end = _match(tokens, i + 1, rest)
                if end >= 0:
                    return place, end, " ".join(tokens[i:end]), vocabulary
    return None


def _read_on(tokens: list[str], start: int, kind: str, present: int, found: dict[str, str], negated: dict[str, str],
             negated_at: dict[str, tuple[int, int]], put_aside: dict[str, tuple[str, str]]) -> None:
    """Read ``kind`` on from ``tokens[start]`` after its hit was set aside, as :func:`read` reads every kind."""
    firsts = _FIRSTS[kind]
    vocabulary: set[str] | None = None
    for i in range(start, len(tokens)):
        how = firsts.get(tokens[i])
        if how is None:
            continue
        place, group = how
        if group is None:  # the word alone fits
            end, shown, negatable = i + 1, tokens[i], place >= 0
        else:
            _, negatable, blockers, by_next, any_next = group
            hit = _fits(tokens, i, blockers, by_next, any_next, vocabulary)
            if hit is None:
                continue
            place, end, shown, vocabulary = hit
        if negatable and ((i > 0 and tokens[i - 1] in NEGATORS) or (i > 1 and tokens[i - 2] in NEGATORS)):
            if kind not in negated:
                negated[kind] = shown
                negated_at[kind] = (i, place)
            continue
        marker = aside(tokens, i, end, kind, present)
        if marker:
            put_aside.setdefault(kind, (shown, marker))
            continue
        found[kind] = shown
        return


def _firsts() -> dict[str, dict[str, tuple[int, _Group | None]]]:
    """Kind → the words that start one of its phrases → how: (negated hit's place or -1, None) when the word
    alone fires it, (0, its group) when its phrases go on past the word."""
    out: dict[str, dict[str, tuple[int, _Group | None]]] = {kind: {} for kind in KINDS}
    for first, plan in _PLANS.items():
        for kind in plan.free:
            out[kind][first] = (-1, None)
        for place, kind in plan.guarded:
            out[kind][first] = (place, None)
        for group in plan.groups:
            out[group[0]][first] = (0, group)
    return out


_FIRSTS = _firsts()


def score(reading: Reading, weights: Mapping[str, int]) -> tuple[int, list[tuple[str, int, str]]]:
    """The sum of the fired kinds' weights, and (kind, weight, phrase) for each, in :data:`KINDS` order.

    A kind with weight 0 is switched off: it neither counts nor shows.  Words
    that already raised the score raise it once: a second raising kind they
    fire is listed with weight 0 ("disruption" is broken now, not also
    impact).  A kind
    in ``ONLY_WITH`` counts only beside its partner (security advice lowers a
    security hit; in a ticket about a dead server it says nothing), one in
    ``NOT_WITH`` never beside those (a feature named beside lost data).
    """
    total, parts = 0, []
    raised: set[str] = set()
    for kind in KINDS:
        shown = reading.found.get(kind)
        if shown is None or (kind in ONLY_WITH and ONLY_WITH[kind] not in reading.found) or \
                (kind in NOT_WITH and not NOT_WITH[kind].isdisjoint(reading.found)):
            continue
        weight = weights.get(kind, 0)
        if weight > 0:
            if shown in raised:  # the same words are one piece of evidence: they raise once
                parts.append((kind, 0, shown))
                continue
            raised.add(shown)
        if weight:
            total += weight
            parts.append((kind, weight, shown))
    return total, parts

"""The context a triage hit is read in: its sentence, what comes before and after it.

Why a phrase list alone is not enough: "data breach" is news in "we have had
a data breach" and not in "what should we do in case of a data breach?";
"server" is the broken thing in "the server is down" and only what the writer
worked on in "we restarted the server".  Ticket writers say what happened in
one sentence and what they guess, tried or ask in others, so the sentence is
the unit read here: :func:`aside` names the word that sets a hit aside, and
``triage_signals`` keeps the hit apart and reads its kind on.

Pure and cheap: a ticket's words are looked at only around a hit, and only
for the contexts whose words the ticket holds (:func:`contexts`).
"""
from __future__ import annotations

from oncall_desktop.core.paging.triage_words import (
    ASKING,
    ASKING_WITH,
    EVERYONE,
    GUESSING,
    NARROW_KINDS,
    PLANNED,
    SPECULABLE,
    STEP_KINDS,
    STEPS,
    SUPPOSABLE,
    SUPPOSING,
)

__all__ = ["BREAK", "CONTEXTUAL", "KIND_CONTEXTS", "QUESTION", "SENTENCE_ENDS", "aside", "aside_said", "contexts"]

#: the token a sentence ends with: '.', '!', ';', ':' or a line's end; ``QUESTION`` for '?'
BREAK, QUESTION = "|", "?"
SENTENCE_ENDS = frozenset((BREAK, QUESTION))

def aside(tokens: list[str], at: int, end: int, kind: str, present: int = -1) -> str:
    """The word that puts the hit ``tokens[at:end]`` of ``kind`` aside, or ``""`` when it counts.

    * a security, data-loss, outage or impact hit in a what-if or a question
      is not news: a word of :data:`SUPPOSING` before it in its sentence ("in
      case of a breach", "to prevent data loss"), a question mark ending the
      sentence ("what happens if the server fails?") or a first word that
      asks ("how to handle a suspicious login"), or a plan right after it
      ("ransomware protection", "outage notifications");
    * a broken thing, lost data, an impact, a system or a feature named after
      a guess in its sentence is the guessed cause ("it might be due to server
      overload"), while what broke before the guess counts ("the platform
      crashed, which may be due to…"); a security hit, guessed at or not, counts;
    * a security hit right after a step looked for it is the search
      ("scanned the pc for malware");
    * one user's or one device's phrase in a sentence that speaks of
      everyone is everyone's ("no one can log in to their pc");
    * a shared system, a system, a scope or a feature named beside a step the
      writer took is what they worked on, not what is broken: a word of
      :data:`STEPS` up to three words before or two after ("restarted the
      server", "servers were rebooted").

    ``present`` is :func:`contexts` of the ticket, when known: a context none
    of whose words the ticket holds is not looked for.
    """
    role = KIND_CONTEXTS.get(kind, 0) & present
    if not role:
        return ""
    if role & _BEFORE:
        roles, ends = _ROLES, SENTENCE_ENDS
        k, stop = at - 1, at - 4  # back to the sentence's start; a step counts only three words back
        floor = -1 if role & _SENTENCE or role & _ASK else max(stop, -1)  # steps alone: three words back
        while k > floor:
            word = tokens[k]
            if word in ends:
                break
            heard = roles.get(word, 0) & role
            if heard and (heard != _STEP or k > stop):
                return word
            k -= 1
        if role & _ASK:
            first = tokens[k + 1]  # the sentence's first word
            if first in ASKING or first in ASKING_WITH and k + 2 < at and tokens[k + 2] in _ASKED:
                return first
    elif role & _ASK:
        k = at - 1
        while k >= 0 and tokens[k] not in SENTENCE_ENDS:
            k -= 1
        first = tokens[k + 1]
        if first in ASKING or first in ASKING_WITH and k + 2 < at and tokens[k + 2] in _ASKED:
            return first
    if role & _PLAN and end < len(tokens) and tokens[end] in PLANNED:
        return tokens[end]
    if role & _SCAN and at > 1 and tokens[at - 1] == "for":  # "scanned it for malware"
        for k in range(at - 2, max(at - 5, -1), -1):
            if tokens[k] in SENTENCE_ENDS:
                break
            if tokens[k] in STEPS:
                return tokens[k]
    if role & _AFTER:
        k, stop, size = end, end + 2, len(tokens)
        if not role & (_QUESTION | _EVERYONE):
            size = min(size, stop)  # steps alone: two words on
        while k < size:
            word = tokens[k]
            if word in SENTENCE_ENDS:
                return QUESTION if word == QUESTION and role & _QUESTION else ""
            if role & _EVERYONE and word in EVERYONE or role & _STEP and k < stop and word in STEPS:
                return word
            k += 1
    return ""


def contexts(tokens: list[str]) -> int:
    """Which contexts the words of a ticket can make (a bit each); 0 for most short tickets."""
    if _CONTEXT_WORDS.isdisjoint(tokens):
        return 0
    present = 0
    for word in _CONTEXT_WORDS.intersection(tokens):
        present |= _PRESENCE[word]
    return present


#: what a word can do to a hit beside it: a bit for each context
_WHAT_IF, _GUESS, _EVERYONE, _STEP, _ASK, _PLAN, _QUESTION, _SCAN = 1, 2, 4, 8, 16, 32, 64, 128
_BEFORE = _WHAT_IF | _GUESS | _EVERYONE | _STEP  # the contexts looked for before a hit, in its sentence
_SENTENCE = _WHAT_IF | _GUESS | _EVERYONE  # those looked for as far back as the sentence starts
_AFTER = _QUESTION | _EVERYONE | _STEP  # and after it
_ROLES: dict[str, int] = {}
for _words, _bit in ((SUPPOSING, _WHAT_IF), (GUESSING, _GUESS), (EVERYONE, _EVERYONE), (STEPS, _STEP)):
    for _word in _words:
        _ROLES[_word] = _ROLES.get(_word, 0) | _bit
#: which contexts a word in a ticket makes possible
_PRESENCE: dict[str, int] = dict(_ROLES)
for _words, _bit in ((ASKING | ASKING_WITH, _ASK), (PLANNED, _PLAN), (frozenset((QUESTION,)), _QUESTION), (STEPS, _SCAN)):
    for _word in _words:
        _PRESENCE[_word] = _PRESENCE.get(_word, 0) | _bit
#: which contexts each kind listens to
KIND_CONTEXTS: dict[str, int] = {}
for _kinds, _bit in ((SUPPOSABLE, _WHAT_IF | _ASK | _PLAN | _QUESTION), (SPECULABLE, _GUESS),
                     (NARROW_KINDS, _EVERYONE), (STEP_KINDS, _STEP), (frozenset(("security",)), _SCAN)):
    for _kind in _kinds:
        KIND_CONTEXTS[_kind] = KIND_CONTEXTS.get(_kind, 0) | _bit
_ASKED = frozenset(("you", "we", "i"))
#: a ticket with none of these words has no context that sets a hit aside: it is read without looking around
_CONTEXT_WORDS = frozenset(_PRESENCE)

#: kinds whose hits :func:`aside` may set aside
CONTEXTUAL: frozenset[str] = frozenset(KIND_CONTEXTS)


def aside_said(marker: str) -> str:
    """Why a hit was set aside, in words: the word of its context that did it (a decision's reason)."""
    if marker == QUESTION:
        return "in a question"
    if marker in STEPS:
        return f"a step taken: '{marker}'"
    if marker in EVERYONE:
        return f"everyone's: '{marker}'"
    return f"a what-if or a plan: '{marker}'"

"""A vendor's status name read by what it means, the way a technician reads it.

Why: every MSP renames its statuses per board ("New (not responded)", "New
(Email connector)", "Waiting on client", "Waiting Customer", "Customer
Responded", ">Closed"), so a table of exact names misses most of them, and a
miss became the default status ``open``.  The "unanswered" escalation rule
only looks at ``new`` tickets: a "New (not responded)" ticket read as ``open``
was never raised, however long it waited.

Our statuses (see ``services/psa/mapping.py``): ``new`` (nobody has answered
yet), ``open`` (with us: in progress, or the customer has just answered),
``pending`` (waiting on the customer, a supplier or a date), ``resolved``,
``closed``.  The rules are tried in that order of strength — a closing word
wins over everything, then a resolving one, then "new", then waiting, then
in-progress — because composite names put the stronger word anywhere:
"Closed - waiting confirmation", "In Progress – Awaiting Contact Reply",
"New - Customer Responded".  A name with none of these words (a bare id,
"To Do", "Backlog") has no meaning here: None, so the caller's next key or
default decides.  So does a bare "Open", which is a fresh ticket's first status in
Jira's classic workflow and in Freshdesk as often as it means "being worked on".
"""
from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[^\w']+")

_CLOSED = frozenset({"closed", "close", "cancelled", "canceled", "cancel", "rejected", "duplicate", "abandoned",
                     "void", "spam", "merged", "archived", "declined", "invalid"})
_RESOLVED = frozenset({"resolved", "completed", "complete", "fixed", "solved", "done", "finished"})
# nobody on our side has touched it
_NEW_PHRASES = ("not responded", "no response", "not started", "not yet responded", "awaiting assignment",
                "waiting for assignment", "awaiting triage", "needs triage", "waiting for support", "awaiting support",
                "awaiting first response", "waiting for first response")
_NEW_WORDS = frozenset({"new", "unanswered", "unassigned", "untriaged", "unacknowledged", "triage", "untouched",
                        "submitted"})
# back with us although the name says "waiting"
_OURS_PHRASES = ("customer responded", "client responded", "customer replied", "client replied", "user responded",
                 "user replied", "contact replied", "contact responded", "customer updated", "client updated",
                 "customer note added", "awaiting tech", "waiting on tech", "waiting for tech", "awaiting agent",
                 "waiting on agent", "waiting for agent", "waiting on us", "awaiting engineer",
                 "waiting on engineer", "waiting for engineer", "awaiting technician", "waiting on technician")
_WAITING_WORDS = frozenset({"waiting", "awaiting", "pending", "hold", "onhold", "feedback", "deferred", "parked",
                            "snoozed", "paused", "blocked", "suspended", "approval"})
_WAITING_PHRASES = ("with user", "with requester", "with customer", "with client", "with supplier", "with vendor",
                    "with third party", "with 3rd party", "needs info", "need info", "more info", "info requested",
                    "waiting customer")
# "open" alone is not here: it is the first status of a fresh ticket in Jira's classic workflow and in
# Freshdesk, so it says nothing of whether anyone has answered (the caller's next key decides)
_OPEN_WORDS = frozenset({"reopened", "progress", "working", "assigned", "acknowledged",
                         "escalated", "escalate", "dispatched", "scheduled", "responded", "replied", "investigating",
                         "active", "wip", "started", "updated", "accepted", "ongoing", "indeterminate"})
_OPEN_PHRASES = ("re opened", "in work", "enter time", "work in progress")


def _phrase(text: str, phrases: tuple[str, ...]) -> bool:
    return any(f" {phrase} " in text for phrase in phrases)


def status_meaning(name: object) -> str | None:
    """``new``, ``open``, ``pending``, ``resolved`` or ``closed`` for a status name; None when it says nothing."""
    if name is None:
        return None
    words = [w for w in _SEPARATORS.split(str(name).casefold().replace("_", " ")) if w]
    if not words or all(w.isdigit() for w in words):
        return None
    text = f" {' '.join(words)} "
    seen = set(words)
    if seen & _CLOSED and not _phrase(text, ("not closed", "pending close", "pending closure")):
        return "closed"
    if seen & _RESOLVED or _phrase(text, ("pending close", "pending closure")):
        return "resolved"
    if _phrase(text, _NEW_PHRASES) or words[0] in _NEW_WORDS or seen & (_NEW_WORDS - {"new"}):
        return "new"
    if _phrase(text, _OURS_PHRASES):
        return "open"
    if seen & _WAITING_WORDS or _phrase(text, _WAITING_PHRASES):
        return "pending"
    if seen & _OPEN_WORDS or _phrase(text, _OPEN_PHRASES):
        return "open"
    return None

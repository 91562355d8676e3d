"""Vendor priority/status/client → our :class:`Ticket`, configurable per workspace.

Why a table and not code per vendor: every MSP renames its priorities
("Priority 1 - Emergency Response", "P1 - Business down"), so the defaults
below are only a start; a workspace overrides them with a plain dict such as::

    {"priorities": {"Sev A": 1, "7": 2}, "statuses": {"Waiting on client": "pending"},
     "default_priority": 3, "clients": {"12": "Acme Ltd"}}

Keys are matched case-insensitively against the vendor's id *and* name, so
either may be used; a status name not in the table is read by its words
(``core/tickets/status_words.py``: "Waiting on client" is ``pending``).  Our scale: priority 1–4, 1 most urgent; status one of
:data:`STATUSES`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from oncall_desktop.core.tickets.status_words import status_meaning
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import UTC, iso, parse_instant
from oncall_desktop.services.platform.gc_pause import gc_paused
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest, stamp

STATUSES = ("new", "open", "pending", "resolved", "closed")
_LEADING_LEVEL = re.compile(r"^\s*(?:p|priority|sev|severity)\s*[-_ ]?\s*([1-9])\b")

R = TypeVar("R")


class _Memo(dict):  # type: ignore[type-arg]
    """keys → ``work(*keys)``, computed on the first miss (a hit costs one C dict lookup)."""

    __slots__ = ("work",)

    def __init__(self, work: Callable[..., Any]) -> None:
        super().__init__()
        self.work = work

    def __missing__(self, keys: tuple[object, ...]) -> Any:
        value = self[keys] = self.work(*keys)
        return value


@dataclass(frozen=True)
class FieldMap:
    """One vendor's translation table (already merged with workspace overrides)."""

    priorities: Mapping[str, int] = field(default_factory=dict)
    statuses: Mapping[str, str] = field(default_factory=dict)
    clients: Mapping[str, str] = field(default_factory=dict)
    default_priority: int = 3
    default_status: str = "open"
    # memoised lookups: a poll of 10,000 tickets repeats a handful of vendor values
    _seen_priority: _Memo = field(init=False, repr=False, compare=False, hash=False)
    _seen_status: _Memo = field(init=False, repr=False, compare=False, hash=False)
    _seen_client: _Memo = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_seen_priority", _Memo(self._priority))
        object.__setattr__(self, "_seen_status", _Memo(self._status))
        object.__setattr__(self, "_seen_client", _Memo(self._client))

    def priority(self, *keys: object) -> int:
        return self.priority_of(keys)

    def status(self, *keys: object) -> str:
        return self.status_of(keys)

    def client(self, *keys: object) -> str:
        return self.client_of(keys)

    # the same, for a tuple of keys already built
    def priority_of(self, keys: tuple[object, ...]) -> int:
        try:
            return self._seen_priority[keys]  # type: ignore[no-any-return]
        except TypeError:  # an unhashable vendor value: just compute it
            return self._priority(*keys)

    def status_of(self, keys: tuple[object, ...]) -> str:
        try:
            return self._seen_status[keys]  # type: ignore[no-any-return]
        except TypeError:
            return self._status(*keys)

    def client_of(self, keys: tuple[object, ...]) -> str:
        try:
            return self._seen_client[keys]  # type: ignore[no-any-return]
        except TypeError:
            return self._client(*keys)

    def _priority(self, *keys: object) -> int:
        """First key found in the table; else a leading "P1"/"Priority 2" in a name; else the default."""
        for key in keys:
            hit = self.priorities.get(_norm(key))
            if hit is not None:
                return hit
        for key in keys:
            match = _LEADING_LEVEL.match(_norm(key))
            if match:
                return min(4, int(match.group(1)))
        return self.default_priority

    def _status(self, *keys: object) -> str:
        """The first key that says something: found in the table, or read by its words; else the default.

        Why the words: statuses are renamed per board ("New (not responded)", "Waiting on client"), and
        a miss read as the default ``open`` hid a new ticket from the "unanswered" rule.  Keys come
        most specific first (a status's name before its category), so the name's meaning wins.
        """
        for key in keys:
            hit = self.statuses.get(_norm(key))
            if hit is None:
                hit = status_meaning(key)
            if hit is not None:
                return hit
        return self.default_status

    def unnamed(self, keys: Iterable[object]) -> list[object]:
        """The keys the workspace gave no client name for (the ones worth looking up)."""
        return [key for key in keys if key not in (None, "") and _norm(key) not in self.clients]

    def _client(self, *keys: object) -> str:
        """A configured display name for the first key that has one, else the first non-empty key."""
        for key in keys:
            hit = self.clients.get(_norm(key))
            if hit:
                return hit
        for key in keys:
            if key not in (None, ""):
                return str(key)
        return "unknown"


def _norm(key: object) -> str:
    return "" if key is None else str(key).strip().lower()


_DEFAULTS: dict[str, FieldMap] = {
    # ConnectWise ships "Priority 1 - Emergency Response" … "Priority 4 - Schedule Maintenance";
    # the leading-number rule covers renamed ones that keep the number.
    "connectwise": FieldMap(
        priorities={"priority 1 - emergency response": 1, "priority 2 - quick response": 2,
                    "priority 3 - normal response": 3, "priority 4 - schedule maintenance": 4,
                    "do not respond": 4},
        statuses={"new": "new", "new (email connector)": "new", "in progress": "open",
                  "waiting customer": "pending", "waiting on client": "pending",
                  "completed": "resolved", "closed": "closed", ">closed": "closed"}),
    # Autotask's default ticket priority picklist: 1 High, 2 Medium, 3 Low, 4 Critical (confirm per
    # tenant with GET /Tickets/entityInformation/fields).  A ticket carries only the status id, so the
    # system statuses Autotask ships are listed by id: 1 New, 5 Complete, 7 Waiting Customer, 8 In Progress,
    # 9 Waiting Materials, 10 Dispatched, 11 Escalate, 12 Waiting Vendor, 13 Waiting Approval; higher ids
    # are each tenant's own (name them in the workspace's mapping).
    "autotask": FieldMap(
        priorities={"4": 1, "critical": 1, "1": 2, "high": 2, "2": 3, "medium": 3, "3": 4, "low": 4},
        statuses={"1": "new", "new": "new", "5": "closed", "complete": "closed",
                  "7": "pending", "waiting customer": "pending", "8": "open", "9": "pending", "10": "open",
                  "11": "open", "12": "pending", "13": "pending"}),
    # HaloPSA's default priorities 1 Critical … 4 Low; status 1 New, 9 Closed (other ids are per tenant:
    # the adapter reads their names from GET /api/status, and the names are read by meaning).
    "halopsa": FieldMap(
        priorities={"1": 1, "2": 2, "3": 3, "4": 4, "critical": 1, "high": 2, "medium": 3, "low": 4},
        statuses={"1": "new", "new": "new", "9": "closed", "closed": "closed"}),
    # Freshdesk v2 fixed enums: priority 1 Low … 4 Urgent; status 2 Open, 3 Pending, 4 Resolved, 5 Closed;
    # an Open ticket no agent has answered (its embedded stats say so) comes as "open (not responded)".
    "freshdesk": FieldMap(
        priorities={"4": 1, "3": 2, "2": 3, "1": 4},
        statuses={"open (not responded)": "new", "2": "open", "3": "pending", "4": "resolved", "5": "closed"}),
    # Jira's default priority scheme, plus the older Blocker … Trivial names; statuses by category key.
    "jira": FieldMap(
        priorities={"highest": 1, "blocker": 1, "critical": 1, "high": 2, "major": 2,
                    "medium": 3, "low": 4, "lowest": 4, "minor": 4, "trivial": 4},
        statuses={"new": "new", "indeterminate": "open", "done": "closed"}),
    # Redmine's default enumerations: Low, Normal, High, Urgent, Immediate; default statuses.
    "redmine": FieldMap(
        priorities={"immediate": 1, "urgent": 1, "high": 2, "normal": 3, "low": 4},
        statuses={"new": "new", "in progress": "open", "feedback": "pending",
                  "resolved": "resolved", "closed": "closed", "rejected": "closed"}),
    # Mail: X-Priority 1–5 and Importance; a sender's "urgent" flag is cheap, so at most P2.
    "imap": FieldMap(
        priorities={"1": 2, "2": 2, "3": 3, "4": 4, "5": 4, "high": 2, "urgent": 2, "normal": 3, "low": 4},
        statuses={}, default_status="new"),
}


def field_map(vendor: str, overrides: Mapping[str, Any] | None = None) -> FieldMap:
    """The vendor's defaults with the workspace's overrides laid on top.

    Raises ``TicketSystemError(kind=CONFIG)`` naming the bad entry, so Settings
    can show it next to the field.
    """
    if vendor not in _DEFAULTS:
        raise TicketSystemError(ErrorKind.CONFIG, f"unknown ticket system '{vendor}'; "
                                f"choose one of: {', '.join(sorted(_DEFAULTS))}")
    base = _DEFAULTS[vendor]
    if not overrides:
        return base
    unknown = sorted(set(overrides) - {"priorities", "statuses", "clients", "default_priority", "default_status"})
    if unknown:
        raise TicketSystemError(ErrorKind.CONFIG, f"priority mapping for {vendor}: unknown setting(s) "
                                f"{', '.join(unknown)}; allowed: priorities, statuses, clients, "
                                "default_priority, default_status")
    priorities = dict(base.priorities)
    for key, value in _table(overrides, "priorities", vendor).items():
        priorities[_norm(key)] = _level(value, f"priorities → '{key}'", vendor)
    statuses = dict(base.statuses)
    for key, value in _table(overrides, "statuses", vendor).items():
        statuses[_norm(key)] = _status(value, f"statuses → '{key}'", vendor)
    clients = dict(base.clients)
    clients.update({_norm(k): str(v) for k, v in _table(overrides, "clients", vendor).items()})
    return replace(base, priorities=priorities, statuses=statuses, clients=clients,
                   default_priority=_level(overrides.get("default_priority", base.default_priority),
                                           "default_priority", vendor),
                   default_status=_status(overrides.get("default_status", base.default_status),
                                          "default_status", vendor))


def _table(overrides: Mapping[str, Any], name: str, vendor: str) -> Mapping[str, Any]:
    table = overrides.get(name) or {}
    if not isinstance(table, Mapping):
        raise TicketSystemError(ErrorKind.CONFIG, f"priority mapping for {vendor}: '{name}' must be a table "
                                "of vendor value → our value")
    return table


def _level(value: Any, where: str, vendor: str) -> int:
    if isinstance(value, str) and value.strip().upper().lstrip("P").isdigit():
        value = int(value.strip().upper().lstrip("P"))
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise TicketSystemError(ErrorKind.CONFIG, f"priority mapping for {vendor}: {where} is {value!r}; "
                                "use 1–4 (1 most urgent)")
    return value


def _status(value: Any, where: str, vendor: str) -> str:
    if value not in STATUSES:
        raise TicketSystemError(ErrorKind.CONFIG, f"priority mapping for {vendor}: {where} is {value!r}; "
                                f"use one of {', '.join(STATUSES)}")
    return str(value)


# -- building tickets ----------------------------------------------------------

def instant(value: object) -> datetime | None:
    """A vendor timestamp (ISO 8601, ``Z`` or ``+0000``; naive = UTC) or None, as aware UTC."""
    if type(value) is str and value:
        try:  # the common case: Python 3.11 reads "Z", offsets and fractions itself
            parsed = _fromisoformat(value)
        except ValueError:
            return parse_instant(value)  # spaces, a lower-case "z", or the error in words
        zone = parsed.tzinfo
        if zone is UTC:
            return parsed
        if zone is None:
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            return parse_instant(value)  # the same error in words
    if value is None or value == "":
        return None
    return parse_instant(str(value))


_fromisoformat = datetime.fromisoformat


def make_ticket(source: str, fmap: FieldMap, *, remote_id: object, title: object, body: object = "",
                priority: Sequence[object] = (), status: Sequence[object] = (),
                client: Sequence[object] = (), contact: object = "", created: object = None,
                updated: object = None, assignee: object = "") -> Ticket:
    """One normalised ticket; raises KeyError/ValueError on data no ticket can come from.

    Why it is written for speed (a type test before each ``str()``, the field
    map's memos read with the caller's tuples, no second check of what is
    checked here): a first poll maps 10,000 tickets.
    """
    if remote_id is None or remote_id == "":
        raise ValueError("it has no id")
    rid = remote_id if type(remote_id) is str else str(remote_id)
    text = title.strip() if type(title) is str else ("" if title is None else str(title).strip())
    try:  # the field map's memos, read directly: three method calls per ticket were a fifth of this function
        level = fmap._seen_priority[priority]
        name = fmap._seen_client[client]
        state = fmap._seen_status[status]
    except TypeError:  # a list of keys, or an unhashable vendor value
        level = fmap.priority_of(tuple(priority))
        name = fmap.client_of(tuple(client))
        state = fmap.status_of(tuple(status))
    values = {
        "title": text or "(no subject)", "source": source, "remote_id": rid, "client": name,
        "body": body if type(body) is str else ("" if body is None else str(body)),
        "priority": level, "status": state,
        "contact": contact if type(contact) is str else ("" if contact is None else str(contact)),
        "created": instant(created), "updated": instant(updated),
        "assignee": assignee if type(assignee) is str else ("" if assignee is None else str(assignee)),
        "id": f"{source}:{rid}", "priority_given": True,
    }
    # what Ticket would check is already true (title, aware-UTC times, the id), except where a
    # hand-built FieldMap gives an odd priority: then Ticket(...) says what is wrong
    if type(level) is int and 0 < level < 5 and rid:
        return Ticket.adopt(values)
    return Ticket(**values)


@dataclass(frozen=True)
class Expect:
    """The JSON types a vendor's ticket object has where ``to_ticket`` reads it.

    Why: a string where a number belongs ("priority": "high") would otherwise
    map silently to the default priority — or fail deep inside as
    ``'str' object has no attribute 'get'`` — and either hides a P1.  Paths
    are dotted (``fields.status``); a missing key or null passes (the
    adapters have defaults for those); ``numbers`` also accept digit strings.
    """

    numbers: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    id_key: str = "id"

    def problem(self, item: Mapping[str, Any]) -> str | None:
        """What is wrong with ``item``'s types, in words, or None."""
        for path in self.objects:
            value = _at(item, path)
            if value is not None and not isinstance(value, Mapping):
                return f"`{path}` is {_shown(value)}, expected an object"
        for path in self.numbers:
            value = _at(item, path)
            if value is not None and not _is_number(value):
                return f"`{path}` is {_shown(value)}, expected a number"
        return None


def _at(item: Mapping[str, Any], path: str) -> Any:
    node: Any = item
    for step in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(step)
    return node


def _is_number(value: object) -> bool:
    if type(value) is int:
        return True
    return type(value) is str and value.strip().isdigit()


def _shown(value: object) -> str:
    """A vendor value as a person reads it in a message: short, and its type when it is no scalar."""
    if isinstance(value, (list, tuple)):
        return f"a list ({len(value)} items)"
    if isinstance(value, Mapping):
        return "an object"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…'"


def _which(item: object, index: int, id_key: str) -> str:
    """"ticket #3 in the answer (id 12)": where to look, and the id when the item names it plainly."""
    ident = item.get(id_key) if isinstance(item, Mapping) else None
    if type(ident) in (int, str) and ident != "" and len(str(ident)) <= 40:
        return f"ticket #{index + 1} in the answer ({id_key} {ident})"
    return f"ticket #{index + 1} in the answer"


def convert_all(items: Iterable[R], convert: Callable[[R], Ticket], system: str,
                expect: Expect | None = None) -> list[Ticket]:
    """Convert every item or fail loudly: skipping one could hide the P1.

    The failure is one line naming the ticket and, where ``expect`` can tell,
    the field and what it held.
    """
    out: list[Ticket] = []
    id_key = expect.id_key if expect is not None else "id"
    with gc_paused():  # 10,000 new tickets in a first poll, and no cycles among them
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise TicketSystemError(ErrorKind.BAD_RESPONSE, f"{system}: ticket #{index + 1} in the answer is "
                                        f"{_shown(item)}, expected an object. The system may be a different "
                                        "version than expected; please report this.")
            wrong = expect.problem(item) if expect is not None else None
            if wrong is None:
                try:
                    out.append(convert(item))
                    continue
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    what = f"{_which(item, index, id_key)} could not be read ({type(exc).__name__}: {exc})"
            else:
                what = f"{_which(item, index, id_key)}: {wrong}"
            raise TicketSystemError(ErrorKind.BAD_RESPONSE, f"{system}: {what}. The system may be a different "
                                    "version than expected; please report this.")
    return out


def next_cursor(tickets: Iterable[Ticket], since: str | None) -> str | None:
    """The largest ``updated`` seen (ISO, whole seconds) — never behind ``since``.

    Seconds are truncated, and adapters query with ``>=``: tickets sharing the
    cursor's second come again next poll (the poller de-duplicates by
    id+updated) rather than being lost.
    """
    best = parse_instant(since) if since else None
    for ticket in tickets:
        if ticket.updated is not None and (best is None or ticket.updated > best):
            best = ticket.updated
    return iso(best) if best is not None else None


def entry_text(entry: TimeEntryRequest) -> str:
    """The note of a time entry: what was done, the billing facts, and the idempotency stamp."""
    parts = [entry.note.strip()] if entry.note.strip() else []
    if entry.billable_minutes != entry.worked_minutes or entry.multiplier != 1.0:
        parts.append(f"(billable {entry.billable_minutes} min at {entry.multiplier:g}×)")
    if not entry.billable:
        parts.append("(no charge)")
    return stamp(entry.key, " ".join(parts))


class NameCache:
    """Vendor id → display name (companies), fetched once per id per session.

    Why: ticket lists carry only a company id; asking for each name every poll
    would spend the vendor's request budget on data that almost never changes.
    """

    def __init__(self, fetch: Callable[[list[str]], Mapping[str, str]]) -> None:
        self._fetch = fetch
        self._known: dict[str, str] = {}

    def lookup(self, ids: Iterable[object]) -> dict[str, str]:
        wanted = {str(i) for i in ids if i not in (None, "")}
        missing = sorted(wanted - self._known.keys())
        if missing:
            found = self._fetch(missing)
            for key in missing:
                self._known[key] = str(found.get(key) or "")
        return {key: self._known[key] for key in wanted if self._known.get(key)}

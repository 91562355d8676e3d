"""Our people (rotation display names) → a ticket system's users, for reassignment.

Why a module of its own: each vendor looks users up differently (Redmine by
name, Jira by a free-text query, Freshdesk by e-mail …), but the *choice* —
which of the answers is the person we mean, and what to say when none or two
are — must be the same everywhere, or the tech at 3 AM learns seven ways a
reassignment can fail.

How a person is found, most precise first:

1. a per-workspace override, the connection option ``people``
   (``{"Chloé Martin": "chloe@msp.example"}`` — an e-mail, a login, or a
   vendor user id in digits), for names that differ between the rotation and
   the ticket system;
2. the person's e-mail from the workspace's ``people`` table, where the vendor
   can look users up by e-mail;
3. the display name, compared without regard to case.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError


@dataclass(frozen=True)
class Target:
    """Whom to look for: the display name plus whatever identifies them better."""

    person: str
    email: str = ""
    login: str = ""
    user_id: str = ""

    @property
    def query(self) -> str:
        """The best single search term (vendors with one search box)."""
        return self.user_id or self.email or self.login or self.person


def target(person: str, email: str = "", overrides: Mapping[str, str] | None = None) -> Target:
    """The :class:`Target` for ``person``, with the workspace's override applied."""
    name = person.strip()
    override = ""
    for key, value in (overrides or {}).items():
        if str(key).strip().casefold() == name.casefold():
            override = str(value).strip()
            break
    if override.isdigit():
        return Target(name, email.strip(), user_id=override)
    if "@" in override:
        return Target(name, override)
    return Target(name, email.strip(), login=override)


def overrides_from(value: Any) -> dict[str, str]:
    """The ``people`` connection option as a clean dict; anything else is a CONFIG error in words."""
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        raise TicketSystemError(ErrorKind.CONFIG, "Settings → Ticket system: 'people' must be a table of "
                                "person → ticket system user (e-mail, login or user id), e.g. "
                                '{"Chloé Martin": "chloe@msp.example"}.')
    return {str(k).strip(): str(v).strip() for k, v in value.items() if str(k).strip() and str(v).strip()}


def choose_id(candidates: Iterable[Any], want: Target, *, system: str, where: str, **how: Any) -> int:
    """The numeric ``id`` of the one candidate :func:`choose` picks; a BAD_RESPONSE in words if it has none."""
    value = choose(candidates, want, system=system, where=where, **how).get("id")
    if type(value) is int or (type(value) is str and value.strip().isdigit()):
        return int(value)
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "…"
    raise TicketSystemError(ErrorKind.BAD_RESPONSE, f"{system}: the user found for '{want.person}' {where} has "
                            f"`id` {shown}, expected a number; the system may be a different version than "
                            "expected.")


def choose(candidates: Iterable[Any], want: Target, *, system: str, where: str,
           id_of: Callable[[Any], object], name_of: Callable[[Any], object],
           email_of: Callable[[Any], object] = lambda c: None,
           login_of: Callable[[Any], object] = lambda c: None) -> Any:
    """The one candidate that is ``want``; a REJECTED error in words when none or several are.

    The most precise identifier the target has decides (id, then e-mail, then
    login, then name): a search that also matched a colleague with a similar
    name must not reassign the ticket to the wrong person.
    """
    items = [c for c in candidates if isinstance(c, Mapping)]

    def same(value: object, wanted: str) -> bool:
        return value not in (None, "") and str(value).strip().casefold() == wanted.casefold()

    if want.user_id:
        found = [c for c in items if str(id_of(c)) == want.user_id]
    else:
        found = []
        if want.email:
            found = [c for c in items if same(email_of(c), want.email)]
        if not found and want.login:
            found = [c for c in items if same(login_of(c), want.login) or same(name_of(c), want.login)]
        if not found:
            found = [c for c in items if same(name_of(c), want.person)]
    unique = {str(id_of(c)): c for c in found}
    if len(unique) == 1:
        return next(iter(unique.values()))
    if not unique:
        raise unknown(system, want, where)
    raise TicketSystemError(ErrorKind.REJECTED, f"{system}: {len(unique)} users match '{want.person}' {where}, "
                            "so the ticket was not reassigned. Map the person to their e-mail or login in "
                            "Settings → Ticket system → people.")


def unknown(system: str, want: Target, where: str) -> TicketSystemError:
    """The readable refusal for a person the ticket system does not know."""
    shown = want.person + (f" ({want.query})" if want.query != want.person else "")
    return TicketSystemError(ErrorKind.REJECTED, f"{system}: no user '{shown}' can be assigned {where}, so the "
                             "ticket was not reassigned (the escalation note was still written). Check that they "
                             f"have an account in {system} with the same name, or map the person to their e-mail "
                             "or login in Settings → Ticket system → people.")


class AssigneeNames:
    """Vendor user id → display name for the tickets' assignees, best effort, remembered.

    Why not :class:`mapping.NameCache`: a company name that cannot be read
    fails the poll (the client decides who pays), but an assignee's name is
    only needed to notice "assigned to me"; failing the poll over it could
    hide the P1.  So a lookup failure leaves the id in place for this poll and
    is tried again next poll; names found (and users that no longer exist) are
    remembered for the session.
    """

    def __init__(self, fetch: Callable[[list[str]], Mapping[str, str]]) -> None:
        self._fetch = fetch
        self._known: dict[str, str] = {}
        self.problem = ""  # the last lookup failure in words ('' when the last one worked)

    def lookup(self, ids: Iterable[object]) -> dict[str, str]:
        wanted = {str(i) for i in ids if i not in (None, "", 0, "0")}
        missing = sorted(wanted - self._known.keys())
        if missing:
            try:
                found = self._fetch(missing)
            except TicketSystemError as exc:
                self.problem = str(exc)
            else:
                self.problem = ""
                for key in missing:
                    self._known[key] = str(found.get(key) or "")
        return {key: self._known[key] for key in wanted if self._known.get(key)}

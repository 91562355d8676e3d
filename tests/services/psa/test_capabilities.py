"""Which ticket system can do what: one row per vendor module, checked against the adapters.

The poller, the ack clock and the outbox ask ``isinstance(system, Reassigns)`` and the like
(services/psa/base.py), so an adapter that lost ``assign`` by accident would quietly stop
handing escalations over.  Each row says what the vendor can do; the test holds every adapter
to it: the capability is named among the adapter's bases (so mypy checks its signature), the
adapter itself implements every member (not the protocol's empty stub), and ``isinstance``
answers exactly the row, no more.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest

from oncall_desktop.services.psa import vendors
from oncall_desktop.services.psa.base import (
    ChecksConnection,
    Closes,
    FindsNotes,
    HasPeopleDirectory,
    ListsNotes,
    NamesItsSource,
    PollsAssigned,
    Reassigns,
    TicketSystem,
    Vendored,
)

CAPABILITIES = (Reassigns, HasPeopleDirectory, FindsNotes, ListsNotes, ChecksConnection, Closes, NamesItsSource,
                Vendored, PollsAssigned)

#: a REST vendor (services/psa/http.py: RestAdapter): reassigns through its API, maps people to its users,
#: holds an HTTP session, and its vendor key is its tickets' source
REST = {Reassigns, HasPeopleDirectory, ChecksConnection, Closes, Vendored}

TABLE = {
    "autotask": REST | {PollsAssigned},  # assignedResourceID eq: an off-call app's one small query
    "connectwise": REST,
    "freshdesk": REST,
    "halopsa": REST,
    "jira": REST | {PollsAssigned},      # JQL assignee = accountId
    "redmine": REST,
    "imap": {ChecksConnection},                       # a shared inbox: read-only, no users to give tickets to
    "local": {Reassigns, ListsNotes, ChecksConnection},  # the workspace's own book
}


def adapter_of(module_name: str) -> type:
    """The one ticket-system class a vendor module defines."""
    module = importlib.import_module(f"{vendors.__name__}.{module_name}")
    found = [c for c in vars(module).values()
             if isinstance(c, type) and c.__module__ == module.__name__ and TicketSystem in c.__mro__]
    assert len(found) == 1, f"{module_name}: expected one TicketSystem class, found {found}"
    return found[0]


def members(capability: type) -> set[str]:
    """What a capability asks for: its methods and its attributes."""
    own = vars(capability)
    return set(own.get("__annotations__", {})) | {n for n, v in own.items() if callable(v) and not n.startswith("_")}


def test_the_table_lists_every_vendor_module() -> None:
    assert sorted(m.name for m in pkgutil.iter_modules(vendors.__path__)) == sorted(TABLE)


@pytest.mark.parametrize("vendor", sorted(TABLE))
def test_each_vendor_has_exactly_its_capabilities(vendor: str) -> None:
    cls = adapter_of(vendor)
    declared = {c for c in CAPABILITIES if c in cls.__mro__}
    assert declared == TABLE[vendor], f"{cls.__name__} names {declared} among its bases"
    for capability in TABLE[vendor]:
        for name in members(capability):
            value = getattr(cls, name, None)
            assert value is not None, f"{cls.__name__} has no {name} ({capability.__name__})"
            assert value is not vars(capability).get(name), \
                f"{cls.__name__}.{name} is {capability.__name__}'s empty declaration, not an implementation"
    adapter = cls.__new__(cls)  # what the callers' isinstance sees (no connection needed for that)
    assert {c for c in CAPABILITIES if isinstance(adapter, c)} == TABLE[vendor]
    assert isinstance(adapter, TicketSystem)


def test_a_capability_is_recognised_by_shape_too() -> None:
    """A system outside the vendors (a test fake, a plug-in) qualifies by having the method."""
    class Desk:
        name = "desk"

        def assign(self, remote_id: str, person: str, *, email: str = "") -> None:
            pass

    class Inbox:
        name = "inbox"

    assert isinstance(Desk(), Reassigns) and not isinstance(Inbox(), Reassigns)

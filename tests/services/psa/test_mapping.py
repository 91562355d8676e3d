"""Vendor priority/status/client mapping, workspace overrides, cursor and entry text."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.mapping import (
    NameCache,
    convert_all,
    entry_text,
    field_map,
    instant,
    make_ticket,
    next_cursor,
)


@pytest.mark.parametrize("vendor, keys, expected", [
    ("freshdesk", (4,), 1), ("freshdesk", (1,), 4),                       # 4 Urgent … 1 Low
    ("autotask", (4,), 1), ("autotask", (1,), 2), ("autotask", (3,), 4),  # 4 Critical, 1 High, 3 Low
    ("connectwise", ("Priority 1 - Emergency Response",), 1),
    ("connectwise", ("Priority 3 - Normal Response", 8), 3),
    ("connectwise", ("P2 - Site down",), 2),                               # renamed but numbered
    ("jira", ("Highest",), 1), ("jira", ("Lowest",), 4), ("jira", ("Major",), 2),
    ("redmine", (4, "Urgent"), 1), ("redmine", (2, "Normal"), 3),
    ("halopsa", (1,), 1), ("imap", ("1",), 2),
    ("jira", ("Whatever",), 3),                                            # unknown: default
])
def test_default_priorities(vendor, keys, expected):
    assert field_map(vendor).priority(*keys) == expected


def test_statuses_and_clients():
    fd = field_map("freshdesk")
    assert [fd.status(s) for s in (2, 3, 4, 5, 99)] == ["open", "pending", "resolved", "closed", "open"]
    # a name that says nothing by its words: the status category decides (names read by meaning: test_status_names.py)
    assert field_map("jira").status("Selected for Development", "indeterminate") == "open"
    assert fd.client(None, 12) == "12" and fd.client(None, "") == "unknown"


def test_workspace_overrides_win_and_match_case_insensitively():
    fmap = field_map("connectwise", {"priorities": {"SEV A": 1, "Priority 1 - Emergency Response": "P2"},
                                     "statuses": {"Waiting on Vendor": "pending"}, "default_priority": 4,
                                     "clients": {"AcmeLtd": "Acme"}})
    assert fmap.priority("sev a") == 1
    assert fmap.priority("Priority 1 - Emergency Response") == 2
    assert fmap.priority("nothing known") == 4
    assert fmap.status("WAITING ON VENDOR") == "pending"
    assert fmap.client("Acme Ltd (legal name)", "acmeltd") == "Acme"
    assert fmap.unnamed(["AcmeLtd", 7, None]) == [7]
    assert field_map("connectwise").priority("sev a") == 3  # defaults untouched


@pytest.mark.parametrize("overrides, words", [
    ({"priorities": {"x": 5}}, "priorities → 'x' is 5"),
    ({"statuses": {"x": "done"}}, "statuses → 'x' is 'done'"),
    ({"priorties": {}}, "unknown setting(s) priorties"),
    ({"priorities": ["x"]}, "must be a table"),
])
def test_bad_overrides_are_named(overrides, words):
    with pytest.raises(TicketSystemError) as err:
        field_map("jira", overrides)
    assert err.value.kind is ErrorKind.CONFIG and words in str(err.value)


def test_unknown_vendor():
    with pytest.raises(TicketSystemError) as err:
        field_map("servicenow")
    assert "choose one of" in str(err.value)


def test_instants():
    utc = timezone.utc
    assert instant("2024-05-01T22:10:00Z") == datetime(2024, 5, 1, 22, 10, tzinfo=utc)
    assert instant("2024-05-01T22:10:00.000+0000") == datetime(2024, 5, 1, 22, 10, tzinfo=utc)
    assert instant("2024-05-02T00:10:00+02:00") == datetime(2024, 5, 1, 22, 10, tzinfo=utc)
    assert instant("2024-05-01T22:10:00") == datetime(2024, 5, 1, 22, 10, tzinfo=utc)  # naive = UTC (Halo)
    assert instant(None) is None and instant("") is None
    with pytest.raises(ValueError):
        instant("yesterday")


def ticket(rid: str, updated: str | None) -> Ticket:
    return make_ticket("x", field_map("jira"), remote_id=rid, title="t", updated=updated)


def test_cursor_is_max_updated_and_never_goes_back():
    tickets = [ticket("1", "2026-01-05T08:00:00Z"), ticket("2", "2026-01-05T08:30:00.900Z"), ticket("3", None)]
    assert next_cursor(tickets, None) == "2026-01-05T08:30:00Z"  # truncated: the same second comes again
    assert next_cursor(tickets, "2026-01-06T00:00:00Z") == "2026-01-06T00:00:00Z"
    assert next_cursor([], "2026-01-05T00:00:00Z") == "2026-01-05T00:00:00Z"
    assert next_cursor([], None) is None


def test_make_ticket_needs_an_id_and_tolerates_an_empty_title():
    assert make_ticket("x", field_map("jira"), remote_id=1, title="  ").title == "(no subject)"
    with pytest.raises(TicketSystemError) as err:
        convert_all([{"id": 1}, {}], lambda raw: make_ticket("x", field_map("jira"), remote_id=raw.get("id"), title="t"), "Jira")
    assert "ticket #2" in str(err.value) and err.value.kind is ErrorKind.BAD_RESPONSE


def test_entry_text_carries_billing_facts_and_stamp():
    start = datetime(2026, 1, 5, 22, 0, tzinfo=timezone.utc)
    entry = TimeEntryRequest(ticket_remote_id="1", key="k", start=start, end=start, worked_minutes=50,
                             billable_minutes=60, multiplier=1.5, note=" Fixed ")
    assert entry_text(entry) == "Fixed (billable 60 min at 1.5×) [oncall-key:k]"
    plain = TimeEntryRequest(ticket_remote_id="1", key="k", start=start, end=start, worked_minutes=60,
                             billable_minutes=60, billable=False)
    assert entry_text(plain) == "(no charge) [oncall-key:k]"


def test_name_cache_fetches_each_id_once():
    asked: list[list[str]] = []

    def fetch(ids: list[str]) -> dict[str, str]:
        asked.append(ids)
        return {"1": "Acme"}

    cache = NameCache(fetch)
    assert cache.lookup([1, 2, None]) == {"1": "Acme"}
    assert cache.lookup(["1", "2"]) == {"1": "Acme"}
    assert asked == [["1", "2"]]

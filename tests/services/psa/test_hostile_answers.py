"""Answers of the wrong JSON types, through the adapters' poll paths: one line with context each.

A string where a number belongs, a string or list where an object belongs, an
item that is no object, a count that is no number: each names the system, the
ticket (position and id) and the field, instead of ``invalid literal for int()``
or ``'str' object has no attribute 'get'`` — and never maps a P1 silently to
the default priority.
"""
from __future__ import annotations

import pytest

from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.mapping import Expect, convert_all
from oncall_desktop.services.psa.vendors.connectwise import ConnectWiseAdapter
from oncall_desktop.services.psa.vendors.freshdesk import FreshdeskAdapter
from oncall_desktop.services.psa.vendors.jira import JiraAdapter
from oncall_desktop.services.psa.vendors.redmine import RedmineAdapter
from tests.services.psa.test_freshdesk import fd_ticket
from tests.services.psa.test_redmine_fake import issue

SINCE = "2026-01-05T08:00:00Z"


def _line(call) -> str:
    with pytest.raises(TicketSystemError) as err:
        call()
    assert err.value.kind is ErrorKind.BAD_RESPONSE
    text = str(err.value)
    assert "\n" not in text and "invalid literal" not in text and "has no attribute" not in text
    return text


@pytest.fixture
def desk(httpserver, options):
    adapter = FreshdeskAdapter(httpserver.url_for("/"), secret="APIKEY", options=options)
    yield adapter
    adapter.close()


@pytest.fixture
def redmine(httpserver, options):
    adapter = RedmineAdapter(httpserver.url_for("/"), secret="KEY", options=options)
    yield adapter
    adapter.close()


def test_freshdesk_priority_as_a_word_names_the_ticket_and_field(httpserver, desk):
    tickets = [dict(fd_ticket(n, SINCE, company=None), responder_id=None) for n in (11, 12)]  # no look-ups
    tickets[1]["priority"] = "high"
    httpserver.expect_request("/api/v2/tickets").respond_with_json(tickets)
    text = _line(lambda: desk.poll(SINCE))
    assert text.startswith("Freshdesk: ticket #2 in the answer (id 12): `priority` is 'high', expected a number")


def test_freshdesk_item_that_is_no_object(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets").respond_with_json(["not a ticket"])
    assert "ticket #1 in the answer is 'not a ticket', expected an object" in _line(lambda: desk.poll(None))


def test_redmine_status_as_a_string_and_a_count_that_is_no_number(httpserver, redmine):
    httpserver.expect_request("/issues.json").respond_with_json(
        {"issues": [dict(issue(7, SINCE), status="New")], "total_count": 1, "offset": 0, "limit": 100})
    assert "ticket #1 in the answer (id 7): `status` is 'New', expected an object" in _line(lambda: redmine.poll(SINCE))
    httpserver.clear()
    httpserver.expect_request("/issues.json").respond_with_json(
        {"issues": [issue(7, SINCE)], "total_count": "lots", "offset": 0, "limit": 100})
    assert "`total_count` is 'lots', expected a number" in _line(lambda: redmine.poll(SINCE))


def test_jira_fields_as_a_list(httpserver, options):
    httpserver.expect_request("/rest/api/3/search/jql", method="POST").respond_with_json(
        {"issues": [{"id": "10001", "key": "OPS-1", "fields": ["summary"]}], "isLast": True})
    jira = JiraAdapter(httpserver.url_for("/"), user="me@example.com", secret="T", options=options)
    try:
        text = _line(lambda: jira.poll(SINCE))
    finally:
        jira.close()
    assert "ticket #1 in the answer (key OPS-1): `fields` is a list (1 items), expected an object" in text


def test_connectwise_id_as_a_word(httpserver, options):
    httpserver.expect_request("/v4_6_release/apis/3.0/service/tickets").respond_with_json(
        [{"id": "twelve", "summary": "x", "_info": {"lastUpdated": SINCE}}])
    cw = ConnectWiseAdapter(httpserver.url_for("/"), company="acme", user="pub", secret="priv", client_id="g",
                            options=options)
    try:
        text = _line(lambda: cw.poll(SINCE))
    finally:
        cw.close()
    assert "`id` is 'twelve', expected a number" in text


def test_a_value_is_shown_short():
    text = _line(lambda: convert_all([{"id": 1, "priority": "x" * 500}], lambda t: None,  # type: ignore[arg-type]
                                     "T", Expect(numbers=("priority",))))
    assert len(text) < 250


def test_deeply_nested_json_through_an_adapter(httpserver, desk):
    httpserver.expect_request("/api/v2/tickets").respond_with_data("[" * 100_000 + "]" * 100_000,
                                                                  content_type="application/json")
    assert "nested far deeper" in _line(lambda: desk.poll(SINCE))

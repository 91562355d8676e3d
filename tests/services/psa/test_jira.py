"""Jira Cloud / JSM adapter against an HTTP fake.

Payload shapes follow Atlassian's REST v3 reference: "Search for issues using JQL enhanced search
(POST /rest/api/3/search/jql)" ({issues, nextPageToken, isLast}), "Get issue worklogs" /
"Add worklog" (/rest/api/3/issue/{key}/worklog, ADF comment), "Get current user" (/rest/api/3/myself),
and JSM "Create request comment" (/rest/servicedeskapi/request/{key}/comment).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncall_desktop.core.tickets.adf_text import adf_to_text
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError, TimeEntryRequest
from oncall_desktop.services.psa.vendors.jira import JiraAdapter, adf
from tests.services.psa.fakes import answer_live, save_then_stall, stall

SEARCH = "/rest/api/3/search/jql"


def jira_issue(key: str, updated: str, priority: str = "Highest", category: str = "new") -> dict:
    """An issue as returned by the enhanced JQL search with the requested fields."""
    return {"id": "10001", "key": key, "self": f"https://acme.atlassian.net/rest/api/3/issue/{key}", "fields": {
        "summary": f"{key}: mail server down", "updated": updated, "created": "2026-01-04T10:00:00.000+0000",
        "description": adf("Users cannot send mail\nsince 8:00"),
        "priority": {"id": "1", "name": priority},
        "status": {"name": "Waiting for support", "statusCategory": {"id": 2, "key": category, "name": "To Do"}},
        "reporter": {"accountId": "5b10", "emailAddress": "kim@acme.example", "displayName": "Kim"},
        "project": {"id": "10000", "key": "ACME", "name": "Acme Ltd"},
        "customfield_10002": [{"id": "1", "name": "Acme Holdings"}]}}


@pytest.fixture
def jira(httpserver, options):
    adapter = JiraAdapter(httpserver.url_for("/"), user="me@msp.example", secret="TOKEN", page_size=2,
                          jql_scope="project = ACME", client_field="customfield_10002", options=options)
    yield adapter
    adapter.close()


def test_poll_follows_next_page_token_to_is_last(httpserver, jira):
    httpserver.expect_ordered_request(SEARCH, method="POST").respond_with_json(
        {"issues": [jira_issue("ACME-3", "2026-01-05T08:59:10.000+0000"),
                    jira_issue("ACME-2", "2026-01-05T08:40:00.000+0000", "Low")],
         "nextPageToken": "tok-2", "isLast": False})
    httpserver.expect_ordered_request(SEARCH, method="POST").respond_with_json(
        {"issues": [jira_issue("ACME-1", "2026-01-05T08:30:00.000+0000", category="done")], "isLast": True})
    result = jira.poll("2026-01-05T08:30:00Z")
    assert [(t.remote_id, t.priority, t.status) for t in result.tickets] == [
        ("ACME-3", 1, "new"), ("ACME-2", 4, "new"), ("ACME-1", 1, "closed")]
    first = result.tickets[0]
    assert first.client == "Acme Holdings" and first.contact == "kim@acme.example"
    assert first.body == "Users cannot send mail\nsince 8:00"
    assert result.cursor == "2026-01-05T08:59:10Z"
    bodies = [r.get_json() for r, _ in httpserver.log]
    # 30 minutes old cursor + 2 minutes of clock-skew margin, zone-free relative JQL
    assert bodies[0]["jql"] == '(project = ACME) AND updated >= "-32m" ORDER BY updated DESC'
    assert "nextPageToken" not in bodies[0] and bodies[1]["nextPageToken"] == "tok-2"


def test_first_poll_reads_unresolved(httpserver, jira):
    httpserver.expect_request(SEARCH, method="POST").respond_with_json({"issues": [], "isLast": True})
    jira.poll(None)
    assert httpserver.log[0][0].get_json()["jql"] == "(project = ACME) AND statusCategory != Done ORDER BY updated DESC"


def test_search_is_retried_after_429_and_500(httpserver, jira, sleeps):
    httpserver.expect_ordered_request(SEARCH, method="POST").respond_with_data("", status=429, headers={"Retry-After": "4"})
    httpserver.expect_ordered_request(SEARCH, method="POST").respond_with_data("", status=500)
    httpserver.expect_ordered_request(SEARCH, method="POST").respond_with_json({"issues": [], "isLast": True})
    jira.poll(None)
    assert sleeps == [4.0, 1.0]


@pytest.mark.parametrize("body, status, kind", [
    ("<html>maintenance</html>", 200, ErrorKind.BAD_RESPONSE),
    ('{"errorMessages": [], "errors": {}}', 401, ErrorKind.AUTH),
    ('{"errorMessages": ["The requested API has been removed."]}', 410, ErrorKind.REJECTED),
])
def test_failures(httpserver, jira, body, status, kind):
    httpserver.expect_request(SEARCH, method="POST").respond_with_data(body, status=status)
    with pytest.raises(TicketSystemError) as err:
        jira.poll(None)
    assert err.value.kind is kind


def test_search_timeout_is_retried_then_network_error(httpserver, jira, sleeps):
    httpserver.expect_request(SEARCH, method="POST").respond_with_handler(stall())
    with pytest.raises(TicketSystemError) as err:
        jira.poll(None)
    assert err.value.kind is ErrorKind.NETWORK and len(sleeps) == 2


def test_internal_note_goes_through_service_desk(httpserver, jira):
    httpserver.expect_request("/rest/servicedeskapi/request/ACME-3/comment", method="POST").respond_with_json(
        {"id": "1"}, status=201)
    jira.add_note("ACME-3", "Acknowledged")
    assert httpserver.log[0][0].get_json() == {"body": "Acknowledged", "public": False}


def test_connection(httpserver, jira):
    httpserver.expect_request("/rest/api/3/myself").respond_with_json({"accountId": "5b10", "displayName": "Sam"})
    assert jira.test_connection() == f"Connected to Jira at {jira.http.host} as Sam."


ENTRY = TimeEntryRequest(ticket_remote_id="ACME-3", key="w1", start=datetime(2026, 1, 5, 22, 10, tzinfo=timezone.utc),
                         end=datetime(2026, 1, 5, 22, 55, tzinfo=timezone.utc), worked_minutes=45,
                         billable_minutes=45, note="Restarted postfix")


def test_worklog_payload(httpserver, jira):
    httpserver.expect_request("/rest/api/3/issue/ACME-3/worklog", method="POST",
                              query_string={"adjustEstimate": "leave"}).respond_with_json({"id": "100028"}, status=201)
    assert jira.log_time(ENTRY) == "100028"
    body = httpserver.log[0][0].get_json()
    assert body["started"] == "2026-01-05T22:10:00.000+0000" and body["timeSpentSeconds"] == 2700
    assert adf_to_text(body["comment"]) == "Restarted postfix [oncall-key:w1]"


def test_committed_worklog_that_times_out_is_found_not_reposted(httpserver, jira):
    stored: list[dict] = []
    commit_then_stall = save_then_stall(
        stored, lambda body: {"id": "100030", "comment": body["comment"], "timeSpentSeconds": 2700}, lambda saved: saved[-1])
    httpserver.expect_request("/rest/api/3/issue/ACME-3/worklog", method="POST").respond_with_handler(commit_then_stall)
    httpserver.expect_request("/rest/api/3/issue/ACME-3/worklog", method="GET").respond_with_handler(answer_live(
        lambda: {"startAt": 0, "maxResults": 100, "total": len(stored), "worklogs": stored}))
    assert jira.log_time(ENTRY) == "100030"
    assert len(stored) == 1


def test_an_off_call_poll_searches_only_my_issues(httpserver, jira) -> None:
    """JQL ``assignee = accountId`` narrows the same search; the account comes from "Find users"
    (GET /rest/api/3/user/search?query=) once, then is remembered."""
    httpserver.expect_request("/rest/api/3/user/search", query_string={"query": "Ana Souza"}).respond_with_json(
        [{"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Ana Souza", "active": True}])
    httpserver.expect_request(SEARCH, method="POST").respond_with_json({"issues": [], "isLast": True})
    assert jira.poll_assigned(None, "Ana Souza").tickets == []
    assert jira.poll_assigned(None, "Ana Souza").tickets == []
    searches = [r for r, _ in httpserver.log if r.path == SEARCH]
    assert len(httpserver.log) == 3 and len(searches) == 2
    assert searches[-1].get_json()["jql"] == (
        '(project = ACME) AND assignee = "5b10ac8d82e05b22cc7d4ef5" AND statusCategory != Done ORDER BY updated DESC')

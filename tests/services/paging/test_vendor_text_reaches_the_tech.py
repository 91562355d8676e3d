"""HTML and Atlassian Document Format from a ticket system reach the tech as plain text.

The whole path, as in test_intake.py: the real adapter against pytest-httpserver, the poller, the
rules, the page row the window's Now tab lists (``services/app/now.page_rows``) and the pop-up.  The answers follow the vendors'
documentation: HaloPSA "Tickets" (``GET /api/tickets`` → ``{record_count, tickets}``, ``details`` is
the editor's HTML) and Jira Cloud "Search for issues using JQL enhanced search"
(``POST /rest/api/3/search/jql`` → ``{issues, isLast}``, ``description`` an ADF document:
https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/).
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from oncall_desktop.services.app.now import page_rows
from oncall_desktop.services.paging.intake import Intake
from oncall_desktop.services.paging.maintenance_service import MaintenanceService
from oncall_desktop.services.paging.notifier import Notifier
from oncall_desktop.services.paging.pages import PageService
from oncall_desktop.services.paging.poller import Poller
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.vendors.halopsa import HaloPSAAdapter
from oncall_desktop.services.psa.vendors.jira import JiraAdapter
from oncall_desktop.services.storage.directory import Directory
from oncall_desktop.services.storage.store import Store

ON_CALL = "Bea Lopes"
OPTIONS = HttpOptions(timeout=(2.0, 5.0))
MARKUP = ("<", ">", "&nbsp;", "&amp;", '"type"')


@pytest.fixture
def store(tmp_path, fake_clock):
    opened = Store.open(tmp_path / "ws", fake_clock)
    opened.set_setting("me", "Ana Souza")
    yield opened
    opened.close()


def intake_for(store: Store, system: Any, recorder: Any) -> Intake:
    pages = PageService(store)
    notifier = Notifier(backends=[recorder])
    holder: dict[str, Poller] = {}
    intake = Intake(store, store.clock, poller=lambda: holder["poller"], pages=pages, notifier=lambda: notifier,
                    directory=Directory(store), maintenance=MaintenanceService(store), me=lambda: "Ana Souza",
                    on_call=lambda: ON_CALL, caught_up=lambda page, ticket: (page, ""),
                    take_over=lambda page, ticket: page, before=[], after=[], deliver=lambda: None)
    holder["poller"] = Poller(store, system, intake.open_page, intake.context, intake.assigned_to_me)
    return intake


def poll_once(store: Store, system: Any, recorder: Any) -> None:
    """One poll through the whole path; the one ticket pages."""
    try:
        result, _ = intake_for(store, system, recorder).poll()
    finally:
        system.close()
    assert (result.fetched, result.paged, result.errors) == (1, 1, [])


def stored_body(store: Store, ticket_id: str) -> str:
    return str(store.db.conn.execute("SELECT body FROM tickets WHERE id = ?", (ticket_id,)).fetchone()[0])


def shown(store: Store, recorder: Any) -> list[str]:
    """Everything the tech reads: the pop-ups' title and text, and the open pages' rows in the window."""
    rows = page_rows(SimpleNamespace(store=store))  # type: ignore[arg-type]  # it reads only the store
    return ([n.title for n in recorder.sent] + [n.body for n in recorder.sent]
            + [f"{r['client']} {r['title']} {r['reason']}" for r in rows])


def test_halopsa_html_details_are_plain_text_to_the_rules_the_window_and_the_pop_up(
        httpserver, store, recorder) -> None:
    httpserver.expect_request("/auth/token", method="POST").respond_with_json({"access_token": "T", "expires_in": 3600})
    details = ('<p>Since 9&nbsp;am the <b>mail server is down</b> for everyone.</p>'
               '<p>Call Lou on x204<br>before&nbsp;10</p><style>p{margin:0}</style>')
    httpserver.expect_request("/api/tickets").respond_with_json({"record_count": 1, "tickets": [{
        "id": 88, "summary": "Mail server down", "details": details, "status_id": 1, "priority_id": 1,
        "client_id": 12, "client_name": "Acme Ltd", "user_email": "lou@acme.example",
        "dateoccurred": "2026-11-25T22:05:00Z", "lastactiondate": "2026-11-25T22:06:00Z"}]})
    poll_once(store, HaloPSAAdapter(httpserver.url_for("/"), client_id="cid", secret="s", options=OPTIONS), recorder)
    assert stored_body(store, "halopsa:88") == ("Since 9 am the mail server is down for everyone.\n\n"
                                                 "Call Lou on x204\nbefore 10")
    texts = shown(store, recorder)
    assert "Acme Ltd Mail server down" in texts[-1] and recorder.sent[0].title == "P1 · Acme Ltd: Mail server down"
    assert "('everyone', +2)" in recorder.sent[0].body  # a word only the HTML details hold, read as text
    assert texts and not [t for t in texts if any(m in t for m in MARKUP)]


def test_jira_adf_description_is_plain_text_to_the_rules_the_window_and_the_pop_up(
        httpserver, store, recorder) -> None:
    doc = {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [
            {"type": "mention", "attrs": {"id": "5b10", "text": "@Priya Raman"}},
            {"type": "text", "text": " the VPN is "}, {"type": "text", "text": "down", "marks": [{"type": "strong"}]},
            {"type": "text", "text": " & nobody can log in"}]},
        {"type": "bulletList", "content": [{"type": "listItem", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Berlin office"}]}]}]}]}
    httpserver.expect_request("/rest/api/3/search/jql", method="POST").respond_with_json({"isLast": True, "issues": [{
        "id": "10001", "key": "OPS-12", "fields": {
            "summary": "VPN down", "description": doc, "updated": "2026-11-25T22:06:00.000+0000",
            "created": "2026-11-25T22:05:00.000+0000", "priority": {"id": "1", "name": "Highest"},
            "status": {"name": "Waiting for support", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}},
            "reporter": {"accountId": "5b10", "emailAddress": "kim@acme.example", "displayName": "Kim"},
            "project": {"id": "10000", "key": "OPS", "name": "Acme Ltd"}}}]})
    poll_once(store, JiraAdapter(httpserver.url_for("/"), user="me@msp.example", secret="TOKEN", options=OPTIONS),
              recorder)
    assert stored_body(store, "jira:OPS-12") == "@Priya Raman the VPN is down & nobody can log in\n\n- Berlin office"
    texts = shown(store, recorder)
    assert recorder.sent[0].title == "P1 · Acme Ltd: VPN down"
    assert "('nobody', +2)" in recorder.sent[0].body  # a word only the ADF description holds
    assert texts and not [t for t in texts if any(m in t for m in MARKUP)]

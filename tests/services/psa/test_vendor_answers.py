"""Vendor answers as vendors send them: renamed statuses, HTML text fields, Atlassian Document Format.

Shapes follow each vendor's documentation: ConnectWise Manage "Service → Tickets" (a ticket's
``status {id, name}`` is a per-board name; ``initialDescription`` of an e-mail-connector ticket
keeps the mail's HTML), HaloPSA "Tickets" (``details`` is the editor's HTML), Freshdesk "View a
Ticket" (``description`` HTML next to ``description_text``), Jira REST v3 "Get issue" (the
``description`` is an ADF document: https://developer.atlassian.com/cloud/jira/platform/apis/document/
structure/, with the node types of its examples) and the Redmine "Rest_Issues" issue.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from oncall_desktop.core.paging.escalation import Context, RuleSet, evaluate
from oncall_desktop.core.paging.escalation_rules import PriorityRule, UnansweredRule
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.vendors import connectwise, freshdesk, halopsa, jira, redmine

NOW = datetime(2026, 1, 5, 23, 10, tzinfo=timezone.utc)


def cw(status: str, description: str = "Firewall down") -> dict:
    return {"id": 41, "summary": "Firewall down", "initialDescription": description,
            "status": {"id": 523, "name": status, "_info": {"status_href": "https://na.myconnectwise.net/…"}},
            "priority": {"id": 8, "name": "Priority 3 - Normal Response"},
            "company": {"id": 250, "identifier": "AcmeLtd", "name": "Acme Ltd"},
            "_info": {"lastUpdated": "2026-01-05T21:00:00Z", "dateEntered": "2026-01-05T21:00:00Z"}}


def test_a_renamed_new_status_is_new_and_the_unanswered_rule_raises_it():
    """MSP boards rename "New": "New (not responded)" must stay new, or "unanswered" never fires."""
    ticket = connectwise.to_ticket(cw("New (not responded)"), field_map("connectwise"))
    assert ticket.status == "new"
    rules = RuleSet(rules=(PriorityRule(), UnansweredRule(after_minutes=60, raise_levels=1)), page_at=2)
    decision = evaluate(ticket, rules, Context(first_seen={ticket.id: NOW - timedelta(minutes=75)}), NOW)
    assert decision.severity == "P2" and any("unanswered for 75 min" in r for r in decision.reasons)


def test_a_freshdesk_open_ticket_no_agent_answered_is_raised_by_the_unanswered_rule():
    """Freshdesk's Open (2) with the ``stats`` of "View a Ticket" (include=stats) showing no agent reply."""
    raw = {"id": 20, "subject": "Printer offline", "status": 2, "priority": 2, "requester_id": 1,
           "created_at": "2026-01-05T21:00:00Z", "updated_at": "2026-01-05T21:00:00Z",
           "stats": {"agent_responded_at": None, "requester_responded_at": None, "first_responded_at": None,
                     "status_updated_at": "2026-01-05T21:00:00Z", "reopened_at": None, "resolved_at": None,
                     "closed_at": None, "pending_since": None}}
    rules = RuleSet(rules=(PriorityRule(), UnansweredRule(after_minutes=60, raise_levels=1)), page_at=2)
    ticket = freshdesk.to_ticket(raw, field_map("freshdesk"), {})
    decision = evaluate(ticket, rules, Context(first_seen={ticket.id: NOW - timedelta(minutes=75)}), NOW)
    assert ticket.status == "new" and any("unanswered for 75 min" in r for r in decision.reasons)
    answered = {**raw, "stats": {**raw["stats"], "first_responded_at": "2026-01-05T21:20:00Z",
                                 "agent_responded_at": "2026-01-05T21:20:00Z"}}
    ticket = freshdesk.to_ticket(answered, field_map("freshdesk"), {})
    decision = evaluate(ticket, rules, Context(first_seen={ticket.id: NOW - timedelta(minutes=75)}), NOW)
    assert ticket.status == "open" and not any("unanswered" in r for r in decision.reasons)


def test_connectwise_board_statuses_by_meaning():
    fmap = field_map("connectwise")
    read = {name: connectwise.to_ticket(cw(name), fmap).status
            for name in ("New (Email)", "Customer Responded", "Waiting on client", "Scheduled", "Re-Opened",
                         "Closed (resolved)")}
    assert read == {"New (Email)": "new", "Customer Responded": "open", "Waiting on client": "pending",
                    "Scheduled": "open", "Re-Opened": "open", "Closed (resolved)": "closed"}


def test_workspace_table_still_wins_over_the_words():
    fmap = field_map("connectwise", {"statuses": {"New (not responded)": "pending"}})
    assert connectwise.to_ticket(cw("New (not responded)"), fmap).status == "pending"


def test_jira_service_management_statuses_by_name_before_category():
    """JSM's default workflow: "Waiting for customer" is in the in-progress category but is waiting."""
    fmap = field_map("jira")

    def issue(name: str, category: str) -> dict:
        return {"key": "HELP-7", "fields": {"summary": "VPN", "status": {
            "name": name, "statusCategory": {"key": category}}, "updated": "2026-01-05T21:00:00.000+0000"}}

    assert jira.to_ticket(issue("Waiting for customer", "indeterminate"), fmap).status == "pending"
    assert jira.to_ticket(issue("Waiting for support", "new"), fmap).status == "new"
    assert jira.to_ticket(issue("Open", "new"), fmap).status == "new"                 # classic workflow's first
    assert jira.to_ticket(issue("Escalated", "indeterminate"), fmap).status == "open"
    assert jira.to_ticket(issue("Canceled", "done"), fmap).status == "closed"


def test_redmine_custom_status_names():
    fmap = field_map("redmine")
    base = {"id": 9, "subject": "Backup", "project": {"id": 1, "name": "Acme"}, "updated_on": "2026-01-05T21:00:00Z"}
    assert redmine.to_ticket({**base, "status": {"id": 12, "name": "Waiting on client"}}, fmap).status == "pending"
    assert redmine.to_ticket({**base, "status": {"id": 13, "name": "New (not responded)"}}, fmap).status == "new"


def test_halopsa_details_html_is_plain_text():
    raw = {"id": 88, "summary": "Printer on fire", "status_id": 1, "priority_id": 2, "client_name": "Acme Ltd",
           "details": "<p>Smoke from tray&nbsp;2.</p><p>Call Lou on x204<br>before 9&nbsp;am</p>",
           "dateoccurred": "2026-01-05T21:00:00", "lastactiondate": "2026-01-05T21:00:00"}
    assert halopsa.to_ticket(raw, field_map("halopsa")).body == "Smoke from tray 2.\n\nCall Lou on x204\nbefore 9 am"


def test_connectwise_email_connector_html_and_plain_descriptions():
    html = ('<div dir="ltr"><div>The VPN drops every 5 minutes.</div><div><br></div>'
            '<div>Pat &amp; Lou</div></div><style>.x{}</style>')
    fmap = field_map("connectwise")
    assert connectwise.to_ticket(cw("New", html), fmap).body == "The VPN drops every 5 minutes.\n\nPat & Lou"
    plain = "Line 1\n  indented <not a tag> line & more"
    assert connectwise.to_ticket(cw("New", plain), fmap).body == plain


def test_freshdesk_reads_description_when_description_text_is_missing():
    raw = {"id": 20, "subject": "Support needed", "status": 2, "priority": 1, "requester_id": 1,
           "description": "<div>Details about the issue...</div><div>Thanks</div>", "updated_at": "2026-01-05T21:00:00Z"}
    fmap = field_map("freshdesk")
    assert freshdesk.to_ticket(raw, fmap, {}).body == "Details about the issue...\nThanks"
    both = {**raw, "description_text": "Details about the issue... Thanks"}
    assert freshdesk.to_ticket(both, fmap, {}).body == "Details about the issue... Thanks"


def test_jira_adf_description_reads_mentions_lists_code_links_and_tables():
    doc = {"type": "doc", "version": 1, "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Outage"}]},
        {"type": "paragraph", "content": [
            {"type": "mention", "attrs": {"id": "5b10", "text": "@Priya Raman", "accessLevel": ""}},
            {"type": "text", "text": " mail is down since "},
            {"type": "date", "attrs": {"timestamp": "1767571200000"}},
            {"type": "hardBreak"},
            {"type": "text", "text": "see "}, {"type": "inlineCard", "attrs": {"url": "https://status.acme.example"}},
            {"type": "text", "text": " "}, {"type": "emoji", "attrs": {"shortName": ":fire:", "text": "🔥"}},
            {"type": "text", "text": " "}, {"type": "status", "attrs": {"text": "BLOCKED", "color": "red"}}]},
        {"type": "bulletList", "content": [
            {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Outlook"}]}]},
            {"type": "listItem", "content": [{"type": "paragraph", "content": [
                {"type": "text", "text": "OWA", "marks": [{"type": "strong"}]}]}]}]},
        {"type": "codeBlock", "attrs": {"language": "bash"}, "content": [{"type": "text", "text": "postqueue -p"}]},
        {"type": "table", "content": [{"type": "tableRow", "content": [
            {"type": "tableHeader", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Host"}]}]},
            {"type": "tableCell", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "mx1"}]}]}]}]},
        {"type": "mediaSingle", "content": [{"type": "media", "attrs": {"id": "abc", "type": "file"}}]},
    ]}
    raw = {"key": "OPS-12", "fields": {"summary": "Mail down", "description": doc, "status": {"name": "Open"},
                                       "updated": "2026-01-05T21:00:00.000+0000"}}
    assert jira.to_ticket(raw, field_map("jira")).body == (
        "Outage\n\n@Priya Raman mail is down since 2026-01-05\nsee https://status.acme.example 🔥 [BLOCKED]\n\n"
        "- Outlook\n- OWA\n\npostqueue -p\n\nHost\tmx1")


def test_autotask_system_status_ids():
    """Autotask tickets carry only the status id; the system statuses as Autotask ships them (the same ids
    as in public ATWS scripts' lookups, e.g. 9 Waiting Materials, 12 Waiting Vendor, 13 Waiting Approval)."""
    fmap = field_map("autotask")
    assert {sid: fmap.status(sid) for sid in (1, 5, 7, 8, 9, 10, 11, 12, 13)} == {
        1: "new", 5: "closed", 7: "pending", 8: "open", 9: "pending", 10: "open", 11: "open", 12: "pending",
        13: "pending"}

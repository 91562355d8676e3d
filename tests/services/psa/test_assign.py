"""Reassignment (``assign``) and the assignee of polled tickets, per adapter, against HTTP fakes.

Each fake answers in the shape the vendor documents (the page is named in each test):
Redmine REST API wiki "Rest_Users", "Rest_Memberships", "Rest_Issues"; Atlassian Jira Cloud
REST v3 "User search — Find users", "Issues — Assign issue"; Freshdesk API v2 "List All Agents",
"Autocomplete agents", "Update a Ticket"; ConnectWise PSA REST "System → Members",
"Service → Tickets" (PATCH, JSON Patch); Autotask REST "Resources", "ResourceServiceDeskRoles",
"Tickets" (PATCH); HaloPSA API "Agent", "Tickets".
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.retry import RetryPolicy
from oncall_desktop.services.psa.vendors.autotask import AutotaskAdapter
from oncall_desktop.services.psa.vendors.autotask import to_ticket as at_ticket
from oncall_desktop.services.psa.vendors.connectwise import ConnectWiseAdapter
from oncall_desktop.services.psa.vendors.connectwise import to_ticket as cw_ticket
from oncall_desktop.services.psa.vendors.freshdesk import FreshdeskAdapter
from oncall_desktop.services.psa.vendors.halopsa import HaloPSAAdapter
from oncall_desktop.services.psa.vendors.halopsa import to_ticket as halo_ticket
from oncall_desktop.services.psa.vendors.jira import JiraAdapter
from oncall_desktop.services.psa.vendors.jira import to_ticket as jira_ticket
from oncall_desktop.services.psa.vendors.redmine import RedmineAdapter
from oncall_desktop.services.psa.vendors.redmine import to_ticket as redmine_ticket

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
OPTIONS = HttpOptions(timeout=(1.0, 0.5), policy=RetryPolicy(attempts=1), sleep=lambda s: None,
                      rand=lambda: 1.0, clock=FakeClock(NOW))


def calls(httpserver, method: str, path: str) -> list:
    return [r.get_json(silent=True) for r, _ in httpserver.log if r.method == method and r.path == path]


# -- Redmine ---------------------------------------------------------------------

def test_redmine_issue_assignee_is_assigned_to_name() -> None:
    """Rest_Issues: a listed issue carries ``assigned_to: {id, name}`` when someone holds it."""
    raw = {"id": 7, "subject": "DB down", "project": {"id": 1, "name": "Acme"}, "priority": {"id": 5, "name": "Urgent"},
           "status": {"id": 1, "name": "New"}, "author": {"id": 1, "name": "Redmine Admin"},
           "assigned_to": {"id": 5, "name": "Chloé Martin"}, "updated_on": "2026-01-05T08:00:00Z"}
    assert redmine_ticket(raw, field_map("redmine")).assignee == "Chloé Martin"
    assert redmine_ticket({**raw, "assigned_to": None}, field_map("redmine")).assignee == ""
    assert "assignee" not in redmine_ticket(raw, field_map("redmine")).to_json()  # the JSON contract is unchanged


def test_redmine_assign_looks_the_user_up_as_admin_then_puts(httpserver) -> None:
    """Rest_Users: GET /users.json?name= (login, first/last name, mail) → {users: [...]}; PUT → 204."""
    httpserver.expect_request("/users.json", query_string={"name": "chloe@msp.example", "limit": "100"}).respond_with_json(
        {"users": [], "total_count": 0, "offset": 0, "limit": 100})
    httpserver.expect_request("/users.json", query_string={"name": "Chloé Martin", "limit": "100"}).respond_with_json(
        {"users": [{"id": 5, "login": "chloe", "admin": False, "firstname": "Chloé", "lastname": "Martin",
                    "mail": "chloe@other.example", "created_on": "2026-01-01T00:00:00Z"},
                   {"id": 6, "login": "cmartinez", "admin": False, "firstname": "Chloé", "lastname": "Martinez",
                    "mail": "cm@msp.example", "created_on": "2026-01-01T00:00:00Z"}],
         "total_count": 2, "offset": 0, "limit": 100})
    httpserver.expect_request("/issues/42.json", method="PUT").respond_with_data("", status=204)
    with RedmineAdapter(httpserver.url_for("/"), secret="K", options=OPTIONS) as redmine:
        redmine.assign("42", "Chloé Martin", email="chloe@msp.example")
        redmine.assign("42", "Chloé Martin", email="chloe@msp.example")  # again: harmless, the user id is cached
    assert calls(httpserver, "PUT", "/issues/42.json") == [{"issue": {"assigned_to_id": 5}}] * 2
    assert len(calls(httpserver, "GET", "/users.json")) == 2


def test_redmine_assign_without_admin_falls_back_to_project_members(httpserver) -> None:
    """/users.json answers 403 to non-admins; Rest_Memberships lists {user: {id, name}} (and groups)."""
    httpserver.expect_request("/users.json").respond_with_json({}, status=403)
    httpserver.expect_request("/issues/42.json", method="GET").respond_with_json(
        {"issue": {"id": 42, "project": {"id": 3, "name": "Acme"}, "subject": "DB down"}})
    httpserver.expect_request("/projects/3/memberships.json").respond_with_json(
        {"memberships": [{"id": 1, "project": {"id": 3, "name": "Acme"}, "group": {"id": 9, "name": "Techs"},
                          "roles": [{"id": 4, "name": "Developer"}]},
                         {"id": 2, "project": {"id": 3, "name": "Acme"}, "user": {"id": 5, "name": "Chloé Martin"},
                          "roles": [{"id": 4, "name": "Developer"}]}], "total_count": 2, "offset": 0, "limit": 100})
    httpserver.expect_request("/issues/42.json", method="PUT").respond_with_data("", status=204)
    with RedmineAdapter(httpserver.url_for("/"), secret="K", options=OPTIONS) as redmine:
        redmine.assign("42", "chloé martin")
        with pytest.raises(TicketSystemError) as caught:
            redmine.assign("42", "Erin Walsh")
    assert calls(httpserver, "PUT", "/issues/42.json") == [{"issue": {"assigned_to_id": 5}}]
    assert caught.value.kind is ErrorKind.REJECTED
    assert "no user 'Erin Walsh' can be assigned issue #42" in str(caught.value)
    assert "Settings → Ticket system → people" in str(caught.value)


def test_redmine_people_override_with_a_user_id_skips_the_lookup(httpserver) -> None:
    httpserver.expect_request("/issues/42.json", method="PUT").respond_with_data("", status=204)
    with RedmineAdapter(httpserver.url_for("/"), secret="K", options=OPTIONS) as redmine:
        redmine.people = {"Chloé Martin": "17"}
        redmine.assign("42", "Chloé Martin")
    assert calls(httpserver, "PUT", "/issues/42.json") == [{"issue": {"assigned_to_id": 17}}]
    assert not calls(httpserver, "GET", "/users.json")


# -- Jira ------------------------------------------------------------------------

def test_jira_assignee_display_name() -> None:
    """Search results carry ``fields.assignee`` as a user object (or null)."""
    raw = {"key": "OPS-1", "fields": {"summary": "VPN down", "assignee": {"accountId": "5b10a", "displayName": "Ana Souza",
                                                                          "active": True}}}
    assert jira_ticket(raw, field_map("jira")).assignee == "Ana Souza"
    assert jira_ticket({"key": "OPS-2", "fields": {"summary": "x", "assignee": None}}, field_map("jira")).assignee == ""


def test_jira_assign_finds_the_account_by_email_and_puts(httpserver) -> None:
    """"Find users": GET /rest/api/3/user/search?query= → [user]; "Assign issue": PUT …/assignee → 204."""
    httpserver.expect_request("/rest/api/3/user/search", query_string={"query": "chloe@msp.example"}).respond_with_json(
        [{"accountId": "5b10ac8d82e05b22cc7d4ef5", "accountType": "atlassian", "emailAddress": "chloe@msp.example",
          "displayName": "Chloé M.", "active": True}])
    httpserver.expect_request("/rest/api/3/user/search", query_string={"query": "Chloé Martin"}).respond_with_json([])
    httpserver.expect_request("/rest/api/3/issue/OPS-12/assignee", method="PUT").respond_with_data("", status=204)
    with JiraAdapter(httpserver.url_for("/"), user="bot@msp.example", secret="T", options=OPTIONS) as jira:
        jira.assign("OPS-12", "Chloé Martin", email="chloe@msp.example")
    assert calls(httpserver, "PUT", "/rest/api/3/issue/OPS-12/assignee") == [{"accountId": "5b10ac8d82e05b22cc7d4ef5"}]


def test_jira_two_people_with_the_name_is_refused(httpserver) -> None:
    twins = [{"accountId": a, "displayName": "Sam Lee", "active": True} for a in ("a1", "a2")]
    httpserver.expect_request("/rest/api/3/user/search").respond_with_json(twins)
    with JiraAdapter(httpserver.url_for("/"), user="u", secret="T", options=OPTIONS) as jira:
        with pytest.raises(TicketSystemError, match="2 users match 'Sam Lee'") as caught:
            jira.assign("OPS-12", "Sam Lee")
    assert caught.value.kind is ErrorKind.REJECTED
    assert not calls(httpserver, "PUT", "/rest/api/3/issue/OPS-12/assignee")


# -- Freshdesk -------------------------------------------------------------------

def test_freshdesk_assign_by_email_then_by_name(httpserver) -> None:
    """"List All Agents" ?email= → [{id, contact: {name, email}}]; "Autocomplete agents" ?term= → [{id, name, email}]."""
    httpserver.expect_request("/api/v2/agents", query_string={"email": "chloe@msp.example"}).respond_with_json(
        [{"id": 19, "available": True, "contact": {"name": "Chloé Martin", "email": "chloe@msp.example"}}])
    httpserver.expect_request("/api/v2/agents/autocomplete", query_string={"term": "Ben Okafor"}).respond_with_json(
        [{"id": 23, "name": "Ben Okafor", "email": "ben@msp.example"}, {"id": 24, "name": "Ben Okafor-Smith", "email": "b@x"}])
    httpserver.expect_request("/api/v2/tickets/77", method="PUT").respond_with_json({"id": 77, "responder_id": 19})
    with FreshdeskAdapter(httpserver.url_for("/"), secret="K", options=OPTIONS) as desk:
        desk.assign("77", "Chloé Martin", email="chloe@msp.example")
        desk.assign("77", "Ben Okafor")
    assert calls(httpserver, "PUT", "/api/v2/tickets/77") == [{"responder_id": 19}, {"responder_id": 23}]


def test_freshdesk_agent_name_lookup_failure_does_not_fail_the_poll(httpserver) -> None:
    """An assignee's name is a nicety: a 500 on "View an Agent" leaves the id and keeps the tickets."""
    ticket = {"id": 5, "subject": "Down", "status": 2, "priority": 4, "responder_id": 19, "company_id": None,
              "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T08:00:00Z"}
    httpserver.expect_ordered_request("/api/v2/tickets").respond_with_json([ticket])
    httpserver.expect_ordered_request("/api/v2/agents/19").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/api/v2/tickets").respond_with_json([ticket])
    httpserver.expect_ordered_request("/api/v2/agents/19").respond_with_json(
        {"id": 19, "contact": {"name": "Chloé Martin", "email": "chloe@msp.example"}})
    with FreshdeskAdapter(httpserver.url_for("/"), secret="K", options=OPTIONS) as desk:
        assert desk.poll("2026-01-05T07:00:00Z").tickets[0].assignee == "19"
        assert desk.poll("2026-01-05T07:00:00Z").tickets[0].assignee == "Chloé Martin"  # tried again, remembered


# -- ConnectWise -----------------------------------------------------------------

def test_connectwise_owner_and_json_patch(httpserver) -> None:
    """A ticket's ``owner`` is a member reference; PATCH takes an RFC 6902 array; members by ``conditions``."""
    raw = {"id": 9, "summary": "Down", "owner": {"id": 31, "identifier": "CMartin", "name": "Chloé Martin"},
           "_info": {"lastUpdated": "2026-01-05T08:00:00Z"}}
    assert cw_ticket(raw, field_map("connectwise")).assignee == "Chloé Martin"
    assert cw_ticket({**raw, "owner": {"id": 31, "identifier": "CMartin"}}, field_map("connectwise")).assignee == "CMartin"
    api = "/v4_6_release/apis/3.0"
    httpserver.expect_request(f"{api}/system/members").respond_with_json(
        [{"id": 31, "identifier": "CMartin", "firstName": "Chloé", "lastName": "Martin", "officeEmail": "chloe@msp.example"},
         {"id": 32, "identifier": "CDubois", "firstName": "Chloé", "lastName": "Dubois", "officeEmail": "cd@msp.example"}])
    httpserver.expect_request(f"{api}/service/tickets/9", method="PATCH").respond_with_json({"id": 9})
    with ConnectWiseAdapter(httpserver.url_for("/"), company="msp", user="pub", secret="priv", client_id="c",
                            options=OPTIONS) as cw:
        cw.assign("9", "Chloé Martin")
    assert calls(httpserver, "PATCH", f"{api}/service/tickets/9") == [
        [{"op": "replace", "path": "owner", "value": {"id": 31}}]]
    conditions = [r.args["conditions"] for r, _ in httpserver.log if r.path.endswith("/system/members")]
    assert conditions == ['(firstName = "Chloé") and inactiveFlag = false']


# -- Autotask --------------------------------------------------------------------

def test_autotask_resource_role_and_patch(httpserver) -> None:
    """Resources/query by email; the default ResourceServiceDeskRoles row; PATCH /Tickets with both ids."""
    base = "/ATServicesRest/V1.0"
    httpserver.expect_request(f"{base}/Resources/query", method="POST").respond_with_json(
        {"items": [{"id": 29683, "firstName": "Chloé", "lastName": "Martin", "email": "chloe@msp.example",
                    "userName": "cmartin"}], "pageDetails": {"count": 1, "requestCount": 500, "nextPageUrl": None}})
    httpserver.expect_request(f"{base}/ResourceServiceDeskRoles/query", method="POST").respond_with_json(
        {"items": [{"id": 1, "resourceID": 29683, "roleID": 29682800, "isDefault": False, "isActive": True},
                   {"id": 2, "resourceID": 29683, "roleID": 29682833, "isDefault": True, "isActive": True}],
         "pageDetails": {"count": 2, "requestCount": 500, "nextPageUrl": None}})
    httpserver.expect_request(f"{base}/Tickets", method="PATCH").respond_with_json({"itemId": 555})
    with AutotaskAdapter(httpserver.url_for("/"), user="api@msp", secret="s", integration_code="X",
                         options=OPTIONS) as at:
        at.assign("555", "Chloé Martin", email="chloe@msp.example")
    assert calls(httpserver, "PATCH", f"{base}/Tickets") == [
        {"id": 555, "assignedResourceID": 29683, "assignedResourceRoleID": 29682833}]
    query = calls(httpserver, "POST", f"{base}/Resources/query")[0]
    assert query["filter"][0] == {"op": "eq", "field": "email", "value": "chloe@msp.example"}
    held = at_ticket({"id": 555, "title": "Down", "assignedResourceID": 29683}, field_map("autotask"), {},
                     {"29683": "Chloé Martin"})
    assert held.assignee == "Chloé Martin"


# -- HaloPSA ---------------------------------------------------------------------

def test_halopsa_agent_and_ticket_update(httpserver) -> None:
    """GET /api/agent?search= → agents; POST /api/tickets [{id, agent_id}] updates an existing ticket."""
    httpserver.expect_request("/auth/token", method="POST").respond_with_json({"access_token": "t", "expires_in": 3600})
    httpserver.expect_request("/api/agent", query_string={"search": "Chloé Martin"}).respond_with_json(
        [{"id": 12, "name": "Chloé Martin", "email": "chloe@msp.example"}, {"id": 13, "name": "Chloé Martinez"}])
    httpserver.expect_request("/api/tickets", method="POST").respond_with_json([{"id": 88, "agent_id": 12}])
    with HaloPSAAdapter(httpserver.url_for("/"), client_id="c", secret="s", options=OPTIONS) as halo:
        halo.assign("88", "Chloé Martin")
    assert calls(httpserver, "POST", "/api/tickets") == [[{"id": 88, "agent_id": 12}]]
    fmap = field_map("halopsa")
    assert halo_ticket({"id": 88, "summary": "x", "agent_id": 12}, fmap, {"12": "Chloé Martin"}).assignee == "Chloé Martin"
    assert halo_ticket({"id": 88, "summary": "x", "agent_id": 0}, fmap, {}).assignee == ""  # 0 = unassigned

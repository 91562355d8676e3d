"""Status names read by meaning, as a technician reads them.

The names are the ones the systems ship or document: ConnectWise Manage's default service board
statuses (and the "New (not responded)" boards MSPs add), Jira Service Management's default
service-project workflow, HaloPSA's and Autotask's default ticket statuses, Zammad's ticket states
(zammad-documentation api/ticket/states.rst), Intercom's ticket-state categories, the OCSF 1.6
ticket ``status_id`` captions, and a help desk's composite labels ("In Progress – Awaiting Contact
Reply", as in bbeeken/HelpDeskAiAgent's status table), and a HaloPSA tenant's own ("Assigned", "With
Requester", "Updated", "Pending Approval": Wharton's "Financial Operations Ticket Statuses" help page).
"""
from __future__ import annotations

import pytest

from oncall_desktop.core.tickets.status_words import status_meaning

NEW = ["New", "New (not responded)", "New (Email)", "New (Email connector)", "New - Customer Responded",
       "Waiting for support", "Open – Awaiting Assignment", "Unassigned", "submitted", "new"]
WAITING = ["Waiting on client", "Waiting Customer", "Waiting for customer", "Waiting Materials", "Waiting Vendor",
           "On Hold", "With User", "With Requester", "Pending Approval", "With Supplier", "Pending", "pending reminder",
           "waiting_on_customer",
           "In Progress – Awaiting Contact Reply", "In Progress – Awaiting Equipment", "Needs Approval"]
WITH_US = ["Customer Responded", "Customer Note Added", "Assigned", "Updated", "In Progress", "in_progress",
           "Re-Opened", "Reopened",
           "Scheduled", "Dispatched", "Escalate", "Escalated", "Enter Time", "Work In Progress",
           "In Progress – Awaiting Tech Reply", "In Progress – Researching"]
RESOLVED = ["Completed", "Complete", "Resolved", "Done", "pending close"]
CLOSED = [">Closed", "Closed", "Closed (resolved)", "Canceled", "Cancelled", "merged", "Closed – Canceled"]


@pytest.mark.parametrize(("name", "meaning"), [
    *((n, "new") for n in NEW), *((n, "pending") for n in WAITING), *((n, "open") for n in WITH_US),
    *((n, "resolved") for n in RESOLVED), ("Closed – Service Complete", "closed"),
    *((n, "closed") for n in CLOSED),
])
def test_names_mean_what_a_technician_reads(name, meaning):
    assert status_meaning(name) == meaning


@pytest.mark.parametrize("name", ["Open", "To Do", "Backlog", "Selected for Development", "Notified", "7", "", None,
                                  "  ", "Action Required"])
def test_names_that_say_nothing_leave_it_to_the_next_key(name):
    assert status_meaning(name) is None

"""The backup's app pages them when a ticket is escalated to them through the ticket system.

Shared escalation: the app that escalates reassigns the ticket; every
app polls the same system and pages its owner when an open ticket it knew
becomes assigned to them — once per assignment, never for their own doing.
The local book stands in for the PSA here (it reassigns like one).
"""
from __future__ import annotations

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.psa.base import PollResult


def _me(ws, name: str = "Chloé Martin") -> None:
    ws.store.set_setting("me", name)


def test_assignment_to_me_pages_once_with_the_reason(workspace, fake_clock, recorder) -> None:
    _me(workspace)
    t = workspace.book.add(Ticket(title="Exchange outage", client="Acme", priority=1, assignee="Ana Souza"))
    first, _ = workspace.poll()
    assert first.paged == 1  # the rules page the new P1 (for whoever is on call)
    workspace.resolve(workspace.pages.active()[0].id, by="Ana Souza")  # …that page is over; the ticket stays open

    fake_clock.advance(minutes=16)
    workspace.book.assign(t.remote_id, "Chloé Martin")  # Ana's app escalated it to me
    result, notes = workspace.poll()
    assert result.paged == 1
    assert notes[0]["body"].startswith("Paged because escalated to you: assigned to Chloé Martin (was Ana Souza).")
    page = workspace.pages.active()[0]
    assert (page.person, page.reason) == ("Chloé Martin", "escalated to you: assigned to Chloé Martin (was Ana Souza)")
    assert workspace.store.db.conn.execute("SELECT assignee FROM tickets WHERE id = ?", (t.id,)).fetchone()[0] \
        == "Chloé Martin"

    fake_clock.advance(minutes=1)
    workspace.book.add_note(t.remote_id, "still down")  # the ticket changes, the assignment does not
    again, _ = workspace.poll()
    assert again.paged == 0 and len(workspace.store.events(kind="ticket.assigned_to_me")) == 1


def test_a_new_assignment_after_a_handback_pages_again(workspace, fake_clock) -> None:
    _me(workspace)
    t = workspace.book.add(Ticket(title="Exchange outage", client="Acme", priority=1, assignee="Ana Souza"))
    workspace.poll()
    workspace.resolve(workspace.pages.active()[0].id, by="Ana Souza")
    for holder, pages in (("Chloé Martin", 1), ("Ana Souza", 0), ("Chloé Martin", 1)):
        fake_clock.advance(minutes=1)
        workspace.book.assign(t.remote_id, holder)
        result, _ = workspace.poll()
        assert result.paged == pages, holder
        for page in workspace.pages.active():
            workspace.resolve(page.id)


def test_no_page_when_i_acknowledged_it_myself(workspace, fake_clock) -> None:
    """My acknowledgement of someone else's page reassigns the ticket to me: that is not news for me."""
    _me(workspace)
    workspace.book.add(Ticket(title="Exchange outage", client="Acme", priority=1, assignee="Ana Souza"))
    workspace.poll()
    page = workspace.pages.active()[0]
    workspace.pages.reassign(page.id, "Ana Souza", by="dispatcher")  # it is Ana's to acknowledge
    fake_clock.advance(minutes=2)
    workspace.acknowledge(page.id)  # …but I take it
    assert [r.payload["person"] for r in workspace.outbox.rows() if r.kind == "assign"][-1] == "Chloé Martin"
    workspace.deliver_outbox()
    fake_clock.advance(minutes=1)
    result, _ = workspace.poll()
    assert workspace.book.get("1").assignee == "Chloé Martin"
    assert result.paged == 0 and not workspace.store.events(kind="ticket.assigned_to_me")


def test_closed_unknown_or_unpaged_tickets_do_not_page(workspace, fake_clock) -> None:
    _me(workspace)
    closed = workspace.book.add(Ticket(title="Old outage", client="Acme", priority=1, status="closed"))
    routine = workspace.book.add(Ticket(title="Printer jams", client="Acme", priority=4))
    workspace.poll()
    fake_clock.advance(minutes=1)
    workspace.book.assign(closed.remote_id, "Chloé Martin")
    workspace.book.assign(routine.remote_id, "Chloé Martin")  # daytime dispatch, not an escalation
    fresh = workspace.book.add(Ticket(title="VPN down", client="Acme", priority=1, assignee="Chloé Martin"))
    result, _ = workspace.poll()
    assert [p["ticket"].id for p in result.pages] == [fresh.id]  # the new P1 pages by the rules, once
    assert result.pages[0]["reason"] != "" and "escalated" not in result.pages[0]["reason"]
    events = workspace.store.events(kind="ticket.assigned_to_me")
    assert [(e["subject"], e["data"]["pages"]) for e in events] == [(routine.id, False)]


class Remote:
    """A PSA whose users are named by login (ConnectWise-style ``owner.identifier``)."""

    name = "remote"
    source = "remote"
    people = {"Chloé Martin": "CMartin"}

    def __init__(self) -> None:
        self.assignee = "AnaS"

    def poll(self, since):
        return PollResult([Ticket(title="Server down", source="remote", remote_id="7", priority=1,
                                  assignee=self.assignee)], None)


def test_my_login_or_email_count_as_me(workspace) -> None:
    from oncall_desktop.services.paging.poller import Poller

    _me(workspace)
    system = Remote()
    opened: list = []
    poller = Poller(workspace.store, system, lambda t, d: {"ticket": t},
                    assigned_to_me=lambda t, reason, d: opened.append(reason) or {"ticket": t})
    poller.poll_once()
    system.assignee = "CMartin"
    poller.poll_once()
    assert opened == ["escalated to you: assigned to CMartin (was AnaS)"]
    workspace.directory_service.add_person("Chloé Martin", email="chloe@msp.example")
    system.assignee = "AnaS"
    poller.poll_once()
    system.assignee = "CHLOE@msp.example"
    poller.poll_once()
    assert opened[-1] == "escalated to you: assigned to CHLOE@msp.example (was AnaS)" and len(opened) == 2

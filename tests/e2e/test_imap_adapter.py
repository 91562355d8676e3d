"""The shared-inbox adapter against a real IMAP server (Debian's dovecot 2.3) on 127.0.0.1.

Follows RFC 3501 (IMAP4rev1) and RFC 4315 (UIDPLUS, for the UIDs the server
gives appended mail).  Each test reads its own folder, so the tests do not
depend on their order.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from oncall_desktop.core.paging.escalation import Context, default_rules, evaluate
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.vendors.imap import ImapAdapter
from tests.e2e.imap_server import ImapServer
from tests.e2e.redmine import HOST, free_port

CLIENT_DOMAINS = {"acme-corp.example": "Acme"}


def folder() -> str:
    return f"Support-{uuid.uuid4().hex[:8]}"


def adapter_for(server: ImapServer, mailbox: str, *, secret: str | None = None, port: int | None = None) -> ImapAdapter:
    return ImapAdapter(HOST, port=port or server.port, security="plain", user=server.user,
                       secret=server.password if secret is None else secret, mailbox=mailbox,
                       domain_clients=CLIENT_DOMAINS, timeout=5)


def unseen(server: ImapServer, mailbox: str) -> int:
    conn = server.connect()
    try:
        _typ, data = conn.status(mailbox, "(UNSEEN)")
    finally:
        conn.logout()
    return int(data[0].split(b"UNSEEN ")[1].rstrip(b")"))


def test_outage_mail_from_a_client_pages_and_a_newsletter_does_not(imap_server: ImapServer) -> None:
    box = folder()
    imap_server.deliver(mailbox=box, sender="Jane Ops <jane.ops@it.acme-corp.example>",
                        subject="File server FS01: server down, nobody can open files",
                        body="Since 02:40 every share on FS01 times out. Payroll runs at 06:00.")
    imap_server.deliver(mailbox=box, sender="Vendor Weekly <news@mailer.vendorweekly.example>",
                        subject="Vendor Weekly: five tips for tidier backups",
                        body="This month: retention policies, tagging, and a webinar invitation.",
                        headers={"List-Unsubscribe": "<mailto:leave@mailer.vendorweekly.example>",
                                 "Precedence": "bulk"})

    polled = adapter_for(imap_server, box).poll(None)
    by_title = {t.title: t for t in polled.tickets}
    outage = by_title["File server FS01: server down, nobody can open files"]
    newsletter = by_title["Vendor Weekly: five tips for tidier backups"]
    assert (outage.client, outage.contact, outage.source) == ("Acme", "jane.ops@it.acme-corp.example", "imap")
    assert outage.body == "Since 02:40 every share on FS01 times out. Payroll runs at 06:00."
    assert newsletter.client == "mailer.vendorweekly.example", "an unknown sender domain is shown, not invented"

    context = Context(tiers={"Acme": "gold"})
    now = datetime.now(timezone.utc)
    paged = evaluate(outage, default_rules(), context, now)
    assert paged.page and paged.severity == "P1"
    # the mail gives no priority, so the reasons are the words' and the tier's, not a "P3" nobody said
    assert paged.reasons == ["broken now ('down', +2)", "many people or a whole site affected ('nobody', +2)",
                             "a shared system ('file server', +2)",
                             "work, production or customers affected ('payroll', +2)",
                             "triage score 8 (pages at 4, P1 at 9): P2", "gold-tier client Acme: raised P2 → P1"]
    quiet = evaluate(newsletter, default_rules(), context, now)
    assert not quiet.page and quiet.severity == "P4"
    assert quiet.reasons[-1] == "not paged: P4 is below the paging threshold P2"
    assert unseen(imap_server, box) == 2, "polling must not mark the team's mail as read"


def test_uid_cursor_reads_each_mail_once_across_polls(imap_server: ImapServer) -> None:
    box = folder()
    first_uids = [imap_server.deliver(mailbox=box, sender=f"user{n}@acme-corp.example", subject=f"Printer jam {n}")
                  for n in range(105)]  # more than one FETCH batch of 100
    validity = imap_server.uidvalidity(box)
    adapter = adapter_for(imap_server, box)

    first = adapter.poll(None)
    assert sorted(t.title for t in first.tickets) == sorted(f"Printer jam {n}" for n in range(105))
    assert len({t.remote_id for t in first.tickets}) == 105
    assert first.cursor == f"imap:{validity}:{max(first_uids)}"

    idle = adapter.poll(first.cursor)
    assert idle.tickets == [] and idle.cursor == first.cursor

    uid = imap_server.deliver(mailbox=box, sender="ceo@acme-corp.example", subject="Email outage at HQ",
                              headers={"X-Priority": "1 (Highest)"})
    later = adapter.poll(idle.cursor)
    assert [(t.title, t.priority, t.client) for t in later.tickets] == [("Email outage at HQ", 2, "Acme")]
    assert later.cursor == f"imap:{validity}:{uid}"
    assert adapter.poll(later.cursor).tickets == []


def test_new_uidvalidity_starts_over_instead_of_skipping_mail(imap_server: ImapServer) -> None:
    box = folder()
    imap_server.deliver(mailbox=box, sender="a@acme-corp.example", subject="VPN slow")
    imap_server.deliver(mailbox=box, sender="b@acme-corp.example", subject="Scanner offline")
    adapter = adapter_for(imap_server, box)
    before = adapter.poll(None)
    old_validity = imap_server.uidvalidity(box)

    imap_server.recreate(box)  # e.g. the mail admin restored the folder: UIDs start again at 1
    imap_server.deliver(mailbox=box, sender="c@acme-corp.example", subject="Server down in branch office")
    after = adapter.poll(before.cursor)
    new_validity = imap_server.uidvalidity(box)
    assert new_validity != old_validity
    assert [t.title for t in after.tickets] == ["Server down in branch office"]
    assert after.cursor == f"imap:{new_validity}:1"


def test_wrong_password_is_an_auth_error_in_words(imap_server: ImapServer) -> None:
    assert adapter_for(imap_server, "INBOX").test_connection().startswith(f"Connected to {HOST} as {imap_server.user}")
    # dovecot's auth penalty (anvil) then delays the next good login from 127.0.0.1 by ~4 s, once
    wrong = "not-the-password-42"
    with pytest.raises(TicketSystemError) as caught:
        adapter_for(imap_server, "INBOX", secret=wrong).poll(None)
    assert caught.value.kind is ErrorKind.AUTH
    assert imap_server.user in caught.value.message and "Settings" in caught.value.message
    assert wrong not in caught.value.message and imap_server.password not in caught.value.message


def test_nothing_listening_is_a_network_error(imap_server: ImapServer) -> None:
    with pytest.raises(TicketSystemError) as caught:
        adapter_for(imap_server, "INBOX", port=free_port()).poll(None)
    assert caught.value.kind is ErrorKind.NETWORK and "refused" in caught.value.message

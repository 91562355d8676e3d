"""IMAP inbox: message → Ticket mapping and the UID cursor, without a mail server.

Messages follow RFC 5322 (headers, MIME multipart); cursor rules follow RFC 3501 §2.3.1.1
(UIDs only compare within one UIDVALIDITY).  The dovecot e2e lives elsewhere.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.psa.base import ErrorKind, TicketSystem, TicketSystemError
from oncall_desktop.services.psa.mail import message_to_ticket
from oncall_desktop.services.psa.mapping import field_map
from oncall_desktop.services.psa.vendors.imap import ImapAdapter, internal_date, parse_cursor

FMAP = field_map("imap", {"clients": {"acme.example": "Acme Ltd"}})

PLAIN = b"""From: Pat Lee <Pat@Mail.Acme.Example>
To: support@msp.example
Subject: Server down at main office
Date: Mon, 05 Jan 2026 02:10:00 +0100
Message-ID: <abc123@mail.acme.example>
X-Priority: 1 (Highest)
Content-Type: text/plain; charset=utf-8

The file server FS01 is not answering.
"""

MULTIPART = b"""From: news@vendor.example
Subject: =?utf-8?q?Newsletter_=E2=80=93_January?=
Date: Mon, 05 Jan 2026 08:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<p>Hello <b>world</b></p>
--b1--
"""


def test_plain_message_becomes_a_ticket():
    ticket = message_to_ticket(PLAIN, uid=7, uidvalidity=99, fmap=FMAP)
    assert ticket.title == "Server down at main office"
    assert ticket.client == "Acme Ltd"                     # parent domain of mail.acme.example
    assert ticket.contact == "pat@mail.acme.example"
    assert ticket.body == "The file server FS01 is not answering."
    assert ticket.priority == 2                             # X-Priority 1 is capped at P2
    assert ticket.remote_id == "abc123@mail.acme.example" and ticket.id == "imap:abc123@mail.acme.example"
    assert ticket.created == datetime(2026, 1, 5, 1, 10, tzinfo=timezone.utc) == ticket.updated
    assert ticket.status == "new" and ticket.source == "imap"


def test_html_only_newsletter_from_unknown_domain():
    ticket = message_to_ticket(MULTIPART, uid=8, uidvalidity=99, fmap=FMAP)
    assert ticket.title == "Newsletter – January"
    assert ticket.client == "vendor.example"               # unmapped: the domain itself
    assert "Hello" in ticket.body and "<b>" not in ticket.body
    assert ticket.priority == 3
    assert ticket.remote_id == "99-8"                      # no Message-ID: uidvalidity-uid


def test_message_without_subject_or_date():
    ticket = message_to_ticket(b"From: x@y.example\n\nhi\n", uid=1, uidvalidity=1, fmap=FMAP)
    assert ticket.title == "(no subject)" and ticket.updated is None and ticket.body == "hi"


def test_a_mail_that_says_nothing_of_urgency_gives_no_priority():
    """Most mail has no X-Priority, Importance or Priority header: the default is not the client's word."""
    said = message_to_ticket(PLAIN, uid=7, uidvalidity=99, fmap=FMAP)
    silent = message_to_ticket(MULTIPART, uid=8, uidvalidity=99, fmap=FMAP)
    important = message_to_ticket(b"From: x@acme.example\nImportance: high\n\nhelp\n", uid=2, uidvalidity=1,
                                  fmap=FMAP)
    assert said.priority_given and important.priority_given
    assert not silent.priority_given


def test_cursor_parsing():
    assert parse_cursor("imap:99:120") == (99, 120)
    assert parse_cursor(None) is None
    assert parse_cursor("2026-01-05T00:00:00Z") is None
    assert parse_cursor("imap:x:1") is None


class FakeImap:
    """Just enough of imaplib.IMAP4 to drive the cursor logic."""

    def __init__(self, validity: int, messages: dict[int, bytes], password: str = "pw",
                 dates: dict[int, str] | None = None, date_after_body: bool = False) -> None:
        self.validity, self.messages, self.password = validity, messages, password
        self.dates, self.date_after_body = dates or {}, date_after_body
        self.commands: list[tuple] = []
        self.logged_out = False

    def login(self, user: str, password: str):
        import imaplib
        if password != self.password:
            raise imaplib.IMAP4.error("[AUTHENTICATIONFAILED] Authentication failed.")
        return "OK", [b"Logged in"]

    def select(self, mailbox: str, readonly: bool = False):
        self.commands.append(("SELECT", mailbox, readonly))
        return "OK", [str(len(self.messages)).encode()]

    def response(self, code: str):
        return code, [str(self.validity).encode()]

    def uid(self, command: str, *args: str):
        self.commands.append((command, *args))
        if command == "SEARCH":
            if args[0].startswith("UID "):
                low = int(args[0][4:].split(":")[0])
                found = [u for u in self.messages if u >= low] or [max(self.messages)]  # n:* always matches the last
            else:
                found = list(self.messages)
            return "OK", [" ".join(map(str, sorted(found))).encode()]
        wanted = [int(u) for u in args[0].split(",")]
        data: list = []
        for u in wanted:
            date = f' INTERNALDATE "{self.dates[u]}"' if u in self.dates else ""
            head, tail = (f"{u} (UID {u}", f"{date})") if self.date_after_body else (f"{u} (UID {u}{date}", ")")
            data += [(f"{head} BODY[] {{{len(self.messages[u])}}}".encode(), self.messages[u]), tail.encode()]
        return "OK", data

    def logout(self):
        self.logged_out = True
        return "BYE", [b""]


def adapter(fake: FakeImap) -> ImapAdapter:
    return ImapAdapter("127.0.0.1", user="support", secret="pw", security="plain",
                       domain_clients={"acme.example": "Acme Ltd"},
                       clock=FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)), connect=lambda: fake)


def test_poll_first_by_date_then_by_uid_and_restart_on_new_uidvalidity():
    fake = FakeImap(99, {5: PLAIN, 6: MULTIPART})
    box = adapter(fake)
    assert isinstance(box, TicketSystem)
    first = box.poll(None)
    assert [t.client for t in first.tickets] == ["Acme Ltd", "vendor.example"] and first.cursor == "imap:99:6"
    assert ("SELECT", "INBOX", True) in fake.commands and ("SEARCH", "SINCE 29-Dec-2025") in fake.commands
    assert fake.logged_out
    # nothing new: the server still answers UID 6 for "7:*"; it must not come back
    again = box.poll(first.cursor)
    assert again.tickets == [] and again.cursor == "imap:99:6"
    fake.messages[7] = PLAIN.replace(b"abc123", b"def456")
    newer = box.poll(again.cursor)
    assert [t.remote_id for t in newer.tickets] == ["def456@mail.acme.example"] and newer.cursor == "imap:99:7"
    # the server renumbered the mailbox: start again from the date window
    fake.validity = 100
    fresh = box.poll(newer.cursor)
    assert len(fresh.tickets) == 3 and fresh.cursor == "imap:100:7"


def test_internaldate_is_the_received_time_wherever_the_server_puts_it():
    """RFC 3501 §7.4.2: ``INTERNALDATE "05-Jan-2026 10:00:00 +0100"``; dovecot sends it before the literal,
    other servers after it.  A Date header far from it gives way (services/psa/mail.py)."""
    future = PLAIN.replace(b"Mon, 05 Jan 2026 02:10:00 +0100", b"Thu, 01 Jan 2099 00:00:00 +0000")
    for after in (False, True):
        fake = FakeImap(99, {5: future, 6: PLAIN}, dates={5: " 5-Jan-2026 10:00:00 +0100", 6: "05-Jan-2026 02:10:05 +0100"},
                        date_after_body=after)
        first, second = adapter(fake).poll(None).tickets
        assert first.created == datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc) and "2099" in first.body
        assert second.created == datetime(2026, 1, 5, 1, 10, tzinfo=timezone.utc) and "Note" not in second.body
        assert ("FETCH", "5,6", "(UID INTERNALDATE BODY.PEEK[])") in fake.commands


def test_internal_date_parsing():
    assert internal_date(b'1 (UID 4 INTERNALDATE "17-Jul-1996 02:44:25 -0700" BODY[] {3}') == \
        datetime(1996, 7, 17, 9, 44, 25, tzinfo=timezone.utc)
    assert internal_date(b"1 (UID 4 BODY[] {3}") is None
    assert internal_date(b'INTERNALDATE "31-Feb-2026 00:00:00 +0000"') is None   # no such day: no time, no error


def test_wrong_password_is_auth():
    box = ImapAdapter("127.0.0.1", user="support", secret="wrong", security="plain", connect=lambda: FakeImap(1, {1: PLAIN}))
    with pytest.raises(TicketSystemError) as err:
        box.test_connection()
    assert err.value.kind is ErrorKind.AUTH and "wrong" not in str(err.value)


def test_connection_line():
    assert adapter(FakeImap(1, {1: PLAIN})).test_connection() == "Connected to 127.0.0.1 as support; INBOX holds 1 messages."


def test_plain_imap_refused_for_remote_hosts():
    with pytest.raises(TicketSystemError) as err:
        ImapAdapter("imap.example.com", user="u", secret="p", security="plain")
    assert err.value.kind is ErrorKind.CONFIG and "clear text" in str(err.value)


def test_writes_are_not_supported_and_say_why():
    box = adapter(FakeImap(1, {1: PLAIN}))
    with pytest.raises(TicketSystemError) as err:
        box.add_note("x", "hello")
    assert err.value.kind is ErrorKind.CONFIG and "mailbox cannot hold notes" in str(err.value)
    assert box.find_time_entry("x", "k") is None


def test_refused_connection_is_network():
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    box = ImapAdapter("127.0.0.1", port=port, user="u", secret="p", security="plain", timeout=1)
    with pytest.raises(TicketSystemError) as err:
        box.test_connection()
    assert err.value.kind is ErrorKind.NETWORK and "refused" in str(err.value)

"""Hostile mail in the shared inbox: a bad message is skipped or read defensively, never blocks the rest.

The stdlib's structured header parser (``policy.default``) raises IndexError on ``Message-ID: <[``
and takes seconds on a long ``Content-Type``; these tests feed such mail through the fake server.
"""
from __future__ import annotations

import logging
import time

from oncall_desktop.services.psa.mail import message_to_ticket
from oncall_desktop.services.psa.mapping import field_map
from tests.services.psa.test_imap import MULTIPART, PLAIN, FakeImap, adapter

FMAP = field_map("imap", {"clients": {"acme.example": "Acme Ltd"}})

BAD_MESSAGE_ID = b"""From: Pat Lee <pat@acme.example>
Subject: Printer on fire
Message-ID: <[
Content-Type: text/plain

Please help.
"""

# 2,000 nested multiparts: the parser recurses past Python's limit, so this one cannot be read at all
TOO_DEEP = b"From: a@acme.example\n" + b"".join(
    b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i) for i in range(2000)) + b"\nhi\n"


def long_content_type(size: int = 40_000) -> bytes:
    return (b"From: a@acme.example\nSubject: long header\nContent-Type: text/plain" + b";" * size
            + b"\n\nbody text\n")


def test_malformed_message_id_does_not_block_the_inbox():
    fake = FakeImap(99, {5: PLAIN, 6: BAD_MESSAGE_ID, 7: MULTIPART})
    result = adapter(fake).poll(None)
    assert [t.title for t in result.tickets] == ["Server down at main office", "Printer on fire", "Newsletter – January"]
    bad = result.tickets[1]
    assert bad.remote_id == "99-6" and bad.client == "Acme Ltd" and bad.body == "Please help."
    assert result.cursor == "imap:99:7"


def test_unreadable_message_is_skipped_with_a_logged_line_and_the_cursor_moves_on(caplog):
    fake = FakeImap(99, {5: PLAIN, 6: TOO_DEEP, 7: MULTIPART})
    with caplog.at_level(logging.WARNING, logger="oncall_desktop.services.psa.vendors.imap"):
        result = adapter(fake).poll(None)
    assert [t.title for t in result.tickets] == ["Server down at main office", "Newsletter – January"]
    assert result.cursor == "imap:99:7"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "skipped message UID 6 in INBOX" in lines[0] and "\n" not in lines[0]


def test_a_40_kb_content_type_parses_fast():
    raw = long_content_type()
    started = time.perf_counter()
    ticket = message_to_ticket(raw, uid=1, uidvalidity=1, fmap=FMAP)
    assert time.perf_counter() - started < 0.5
    assert ticket.title == "long header" and ticket.body == "body text"


def test_many_parts_with_long_headers_parse_fast():
    parts = b"".join(b"--b\nContent-Type: text/x; " + b";" * 1990 + b"%d\n\nx\n" % i for i in range(1000))
    raw = (b"From: a@acme.example\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
           b"first\n" + parts + b"--b--\n")
    started = time.perf_counter()
    ticket = message_to_ticket(raw, uid=1, uidvalidity=1, fmap=FMAP)
    assert time.perf_counter() - started < 0.5
    assert ticket.body == "first"


def test_header_values_are_bounded():
    raw = b"From: a@acme.example\nSubject: " + b"x" * 50_000 + b"\n\nhi\n"
    ticket = message_to_ticket(raw, uid=1, uidvalidity=1, fmap=FMAP)
    assert 0 < len(ticket.title) <= 2_000


def test_undeclared_utf8_subject_and_attachment_skipped():
    raw = ("From: a@acme.example\nSubject: Störung im Büro\nMIME-Version: 1.0\n"
           "Content-Type: multipart/mixed; boundary=z\n\n"
           "--z\nContent-Type: text/plain; name=a.txt\nContent-Disposition: attachment\n\nnot this\n"
           "--z\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nR3LDvMOfZQ==\n--z--\n"
           ).encode()
    ticket = message_to_ticket(raw, uid=1, uidvalidity=1, fmap=FMAP)
    assert ticket.title == "Störung im Büro" and ticket.body == "Grüße"


def test_message_ids_without_an_at_sign_are_kept_and_punctuation_falls_back_to_the_uid():
    def remote_id(message_id: bytes) -> str:
        raw = b"From: a@acme.example\nMessage-ID: " + message_id + b"\n\nhi\n"
        return message_to_ticket(raw, uid=3, uidvalidity=9, fmap=FMAP).remote_id

    assert remote_id(b"<abc>") == "abc" and remote_id(b"<x@[192.0.2.1]>") == "x@[192.0.2.1]"
    assert remote_id(b"<[") == remote_id(b"<>") == "9-3"


def test_the_skipped_mail_is_in_the_event_log_and_the_sync_result(workspace):
    from oncall_desktop.services.paging.poller import Poller

    fake = FakeImap(99, {5: PLAIN, 6: TOO_DEEP})
    result = Poller(workspace.store, adapter(fake), workspace.intake.open_page).poll_once()
    assert result.fetched == 1
    assert any("skipped message UID 6" in e for e in result.errors)
    events = workspace.store.events(kind="poller.skipped")
    assert len(events) == 1 and "UID 6" in events[0]["data"]["problem"]


def test_an_imap_server_that_trickles_bytes_is_cut_at_the_session_deadline():
    """Socket timeouts are per read: one byte every 0.2 s never trips them, the session deadline does."""
    import socket
    import threading

    from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
    from oncall_desktop.services.psa.vendors.imap import ImapAdapter

    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        conn, _ = server.accept()
        with conn:
            while not stop.wait(0.2):
                try:
                    conn.sendall(b"*")  # a greeting that never ends
                except OSError:
                    return

    threading.Thread(target=trickle, daemon=True).start()
    system = ImapAdapter("127.0.0.1", port=server.getsockname()[1], user="u", secret="s", security="plain",
                         deadline=1.0)
    started = time.monotonic()
    try:
        system.poll(None)
        raise AssertionError("the poll should have been cut")
    except TicketSystemError as exc:
        assert exc.kind is ErrorKind.NETWORK
        assert "did not answer within 1 s" in str(exc)
    finally:
        stop.set()
        server.close()
    assert time.monotonic() - started < 3

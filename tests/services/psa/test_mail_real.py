"""Mail as senders really write it, read into tickets the way a mail client shows it.

Each fixture is the project's own message, written in the shape of a named real sample:
CPython's email test suite (Lib/test/test_email: msg_15.txt, msg_25.txt and
test_defect_handling.py), ProtonMail Bridge's IMAP feature tests (tests/features/imap/message/
import.feature: the 1980 Date, the doubled charset, wrong boundaries), Outlook's and Exchange's
output (ks_c_5601-1987, iso-8859-1 holding windows-1252, "forward as attachment"), Japanese and
Chinese mailers (shift_jis holding CP932, gb2312 holding GBK), monitoring alert mails, and the
WHATWG Encoding Standard's label table (https://encoding.spec.whatwg.org/#names-and-labels).
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from oncall_desktop.services.psa.mail import message_to_ticket, sender_address
from oncall_desktop.services.psa.mapping import field_map

FMAP = field_map("imap", {"clients": {"acme.example": "Acme Ltd"}})
UTC = timezone.utc
ARRIVED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def read(raw: bytes, received: datetime | None = None):
    return message_to_ticket(raw, uid=3, uidvalidity=7, fmap=FMAP, received=received)


def b64(text: str, codec: str) -> bytes:
    return base64.b64encode(text.encode(codec))


# -- structure ---------------------------------------------------------------------------------

def test_multipart_report_without_boundary_reads_its_text():
    """CPython msg_25.txt / test_multipart_no_boundary: a bounce whose Content-Type lost its boundary."""
    raw = b"""Date: Mon, 05 Jan 2026 08:40:00 +0000
From: MAILER-DAEMON@mx.acme.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;

--MTA19.1767602400/mx.acme.example

The mail to backup-alerts@acme.example could not be delivered: mailbox full.

--MTA19.1767602400/mx.acme.example
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme.example

--MTA19.1767602400/mx.acme.example--
"""
    ticket = read(raw)
    assert ticket.body.startswith("The mail to backup-alerts@acme.example could not be delivered")
    assert "--MTA19" not in ticket.body


def test_multipart_with_no_boundary_at_all_is_its_text():
    """A hand-rolled alert script that writes ``multipart/mixed`` and then plain lines."""
    raw = (b"From: cron@nas01.acme.example\nSubject: RAID degraded\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed\n\nVolume 1 on NAS01 is degraded: disk 3 failed.\n")
    assert read(raw).body == "Volume 1 on NAS01 is degraded: disk 3 failed."


def test_declared_boundary_not_the_one_used_falls_back_to_the_one_in_the_body():
    """ProtonMail Bridge "Message with attachment and wrong boundaries": the parts use another boundary."""
    raw = b"""From: alerts@mon.acme.example
Subject: Disk space low
Content-Type: multipart/related; boundary=bc5bd30245232f31

--0f1e2d3c4b5a
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

C: on FS01 has 2 % free =E2=80=93 please act.
--0f1e2d3c4b5a
Content-Type: application/pdf; name=report.pdf
Content-Disposition: attachment; filename=report.pdf

JVBERi0xLjQK
--0f1e2d3c4b5a--
"""
    assert read(raw).body == "C: on FS01 has 2 % free – please act."


def test_same_boundary_for_inner_and_outer_still_finds_the_text():
    """CPython msg_15.txt (Mac Outlook Express): multipart/alternative inside mixed, with one boundary."""
    raw = b"""From: pat@acme.example
Subject: XX
Mime-version: 1.0
Content-type: multipart/mixed;
   boundary="MS_Mac_OE_3071477847_720252_MIME_Part"

> Multipart message with the same boundary twice

--MS_Mac_OE_3071477847_720252_MIME_Part
Content-type: multipart/alternative;
   boundary="MS_Mac_OE_3071477847_720252_MIME_Part"


--MS_Mac_OE_3071477847_720252_MIME_Part
Content-type: text/plain; charset="ISO-8859-1"
Content-transfer-encoding: quoted-printable

The scanner on floor 2 stopped working.

--MS_Mac_OE_3071477847_720252_MIME_Part
Content-type: text/html; charset="ISO-8859-1"

<p>The scanner on floor 2 stopped working.</p>

--MS_Mac_OE_3071477847_720252_MIME_Part--
"""
    assert read(raw).body == "The scanner on floor 2 stopped working."


def test_alert_forwarded_as_attachment_is_read():
    """Outlook "Forward as attachment": a short note, then the alert as a message/rfc822 attachment."""
    raw = b"""From: Pat Lee <pat@acme.example>
Subject: FW: PROBLEM Host Alert: web01 is DOWN
Date: Mon, 05 Jan 2026 08:55:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="_004_outer_"

--_004_outer_
Content-Type: text/plain; charset="us-ascii"

Is this one ours? It keeps coming.

--_004_outer_
Content-Type: message/rfc822
Content-Disposition: attachment; filename="PROBLEM Host Alert web01 is DOWN.eml"

From: nagios@mon.acme.example
Subject: ** PROBLEM Host Alert: web01 is DOWN **
Date: Mon, 05 Jan 2026 08:31:12 +0000
Content-Type: text/plain; charset=utf-8

Host: web01
State: DOWN
Address: 10.0.4.21

--_004_outer_--
"""
    body = read(raw).body
    assert body.startswith("Is this one ours? It keeps coming.")
    assert "---------- Forwarded message ----------" in body
    assert "Subject: ** PROBLEM Host Alert: web01 is DOWN **" in body
    assert "Host: web01\nState: DOWN" in body


def test_forward_that_is_the_whole_message():
    """A relay that wraps the alert as the top-level message/rfc822 body, with no note of its own."""
    raw = (b"From: relay@acme.example\nSubject: Fwd: UPS on battery\nContent-Type: message/rfc822\n\n"
           b"From: ups@pdu01.acme.example\nSubject: UPS on battery\nContent-Type: text/html\n\n"
           b"<p>UPS <b>PDU01</b> is on battery.</p><p>Runtime left: 14&nbsp;min</p>\n")
    body = read(raw).body
    assert body.endswith("UPS PDU01 is on battery.\n\nRuntime left: 14 min")


def test_html_only_outlook_mail_is_readable_text():
    """Outlook/Word HTML (MsoNormal, <o:p>, conditional comments, a <style> in <head>), no text part."""
    raw = b"""From: "Lee, Pat" <pat@acme.example>
Subject: Printer
MIME-Version: 1.0
Content-Type: text/html; charset="windows-1252"
Content-Transfer-Encoding: quoted-printable

<html xmlns:o=3D"urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=3D"Content-Type" content=3D"text/html; charset=3Dwindows-1252">
<style><!-- p.MsoNormal {margin:0cm; font-size:11.0pt;} --></style>
<!--[if gte mso 9]><xml><o:shapedefaults v:ext=3D"edit" spidmax=3D"1026" /></xml><![endif]-->
</head><body lang=3D"EN-GB"><div class=3D"WordSection1">
<p class=3D"MsoNormal">Hi team,<o:p></o:p></p>
<p class=3D"MsoNormal"><o:p>&nbsp;</o:p></p>
<p class=3D"MsoNormal">The printer on 3rd floor shows =93paper jam=94 &amp; won=92t print.<o:p></o:p></p>
<p class=3D"MsoNormal">Thanks,<br>Pat<o:p></o:p></p>
</div></body></html>
"""
    assert read(raw).body == ("Hi team,\n\nThe printer on 3rd floor shows \u201cpaper jam\u201d & won\u2019t print."
                              "\n\nThanks,\nPat")


def test_blank_text_alternative_gives_way_to_the_html_one():
    """Alerting tools that send an empty text/plain next to the real HTML (seen from PRTG and Zabbix media)."""
    raw = b"""From: prtg@mon.acme.example
Subject: [PRTG] Ping on core-sw1 Down
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8


--alt
Content-Type: text/html; charset=utf-8

<table><tr><th>Sensor</th><td>Ping</td></tr><tr><th>Status</th><td>Down (100 % loss)</td></tr></table>
<script>track()</script>
--alt--
"""
    assert read(raw).body == "Sensor\tPing\nStatus\tDown (100 % loss)"


# -- charsets ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("label", "codec", "subject", "text"), [
    # Chinese mailers label GBK text "gb2312"; 堃 and 镕 are GBK, not GB 2312 (WHATWG: gb2312 → GBK)
    ("gb2312", "gbk", "服务器堃宕机", "朱镕的电脑无法开机"),
    # Outlook labels Korean ks_c_5601-1987 but writes Windows-949 (똠 is outside KS X 1001)
    ("ks_c_5601-1987", "cp949", "서버 점검 요청", "똠방 사무실 프린터 고장"),
    # Japanese Windows mail says Shift_JIS and uses the NEC/IBM extensions (①, ㈱): read as CP932
    ("Shift_JIS", "cp932", "①サーバー停止", "㈱アクメのNAS①が応答しません"),
    # Big5 from Taiwanese and Hong Kong senders carries HKSCS characters (WHATWG Big5 includes HKSCS)
    ("big5", "big5hkscs", "伺服器當機", "香港辦公室𨋢故障"),
])
def test_cjk_labels_read_by_their_superset(label, codec, subject, text):
    raw = (b"From: it@acme.example\nSubject: =?" + label.encode() + b"?B?" + b64(subject, codec) + b"?=\n"
           b"Content-Type: text/plain; charset=\"" + label.encode() + b"\"\nContent-Transfer-Encoding: base64\n\n"
           + b64(text, codec) + b"\n")
    ticket = read(raw)
    assert ticket.title == subject and ticket.body == text


def test_iso_8859_1_and_us_ascii_labels_hold_windows_1252():
    """Windows senders label windows-1252 text iso-8859-1 (or us-ascii): 0x80–0x9F are € and curly quotes."""
    latin = (b"From: a@acme.example\nSubject: =?iso-8859-1?Q?=93Down=94?=\nContent-Type: text/plain; "
             b"charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nInvoice =80 120 =96 overdue\n")
    ascii_ = b"From: a@acme.example\nSubject: x\nContent-Type: text/plain; charset=us-ascii\n\nCaf\xe9 \x93open\x94\n"
    ticket = read(latin)
    assert ticket.title == "\u201cDown\u201d" and ticket.body == "Invoice \u20ac 120 \u2013 overdue"
    assert read(ascii_).body == "Caf\u00e9 \u201copen\u201d"


def test_unknown_and_missing_labels_fall_back_without_an_exception():
    """RFC 1428 ``unknown-8bit``, a made-up ``x-user-charset`` and no label at all: UTF-8 if valid, else 1252."""
    utf8 = "Zürich office: VPN down".encode()
    for label in (b"unknown-8bit", b"x-user-charset", b'"x-unknown"'):
        raw = b"From: a@acme.example\nSubject: =?" + label.strip(b'"') + b"?Q?Z=C3=BCrich?=\nContent-Type: text/plain; charset=" \
            + label + b"\n\n" + utf8 + b"\n"
        ticket = read(raw)
        assert ticket.title == "Zürich" and ticket.body == "Zürich office: VPN down", label
    legacy = b"From: a@acme.example\nSubject: x\nContent-Type: text/plain; charset=x-unknown\n\nZ\xfcrich\n"
    assert read(legacy).body == "Zürich"


def test_doubled_charset_parameter_and_undecodable_bytes():
    """ProtonMail Bridge "double charset in content type"; bytes invalid in the charset become U+FFFD."""
    raw = (b"From: a@acme.example\nSubject: s\nContent-Type: text/plain; charset=utf-8; charset=utf-8\n\n"
           b"Backup \xff\xfe failed\n")
    assert read(raw).body == "Backup \ufffd\ufffd failed"


def test_encoded_words_split_inside_a_character_and_raw_utf8_subjects():
    """RFC 2047 §5/§6.2: mailers split a UTF-8 character across two words; RFC 6532 allows raw UTF-8."""
    split = b"From: a@acme.example\nSubject: =?utf-8?q?Server_=E2=80?= =?utf-8?q?=93_down?=\n\nx\n"
    raw8 = "From: a@acme.example\nSubject: Störung – Mailserver\n\nx\n".encode()
    padless = b"From: a@acme.example\nSubject: =?UTF-8?B?" + base64.b64encode("Ausfall ✔".encode()).rstrip(b"=") \
        + b"?=\n\nx\n"
    assert read(split).title == "Server – down"
    assert read(raw8).title == "Störung – Mailserver"
    assert read(padless).title == "Ausfall ✔"


def test_utf7_from_old_exchange_servers():
    """RFC 2152 UTF-7, still labelled so by some Exchange connectors; not in WHATWG but read by mail clients."""
    raw = b"From: a@acme.example\nSubject: s\nContent-Type: text/plain; charset=utf-7\n\nDrucker +AOQ- kaputt\n"
    assert read(raw).body == "Drucker ä kaputt"


# -- sender and time ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "address"), [
    ("alice@example.com <bob@example.com>", "bob@example.com"),       # display name that looks like an address
    ('"alice@example.com" <Bob@Example.com>', "bob@example.com"),
    ('"Pat <pat@old.example>" <pat@acme.example>', "pat@acme.example"),  # angle brackets inside the quotes
    ("pat@acme.example (Pat Lee)", "pat@acme.example"),               # RFC 822 comment form
    ("Pat Lee <pat@acme.example>", "pat@acme.example"),
])
def test_sender_is_the_address_in_angle_brackets(value, address):
    assert sender_address(value) == address


def test_from_header_with_an_address_as_display_name_maps_the_client_by_the_real_address():
    raw = b"From: alice@example.com <bob@acme.example>\nSubject: s\n\nx\n"
    ticket = read(raw)
    assert ticket.contact == "bob@acme.example" and ticket.client == "Acme Ltd"


def test_a_date_in_the_far_future_is_not_the_tickets_time():
    """Spam and devices with a wrong clock send Date: 2099…; the server's INTERNALDATE is believed and said."""
    raw = b"From: a@acme.example\nSubject: s\nDate: Thu, 01 Jan 2099 00:00:00 +0000\n\nUPS alarm\n"
    ticket = read(raw, received=ARRIVED)
    assert ticket.created == ARRIVED == ticket.updated
    assert ticket.body.startswith("UPS alarm\n\nNote: this mail carries the Date 2099-01-01T00:00:00Z")
    assert "when the mail server received it, 2026-01-05T09:00:00Z" in ticket.body


def test_a_date_in_the_far_past_uses_the_received_line_when_the_server_gave_no_internaldate():
    """ProtonMail Bridge import test: Date 01 Jan 1980 with a Received line from 2020; NAS and UPS clocks reset."""
    raw = b"""Received: by mx.acme.example with SMTP id 0123456789abcdef; Mon, 05 Jan 2026 08:59:30 +0000
Received: from nas01 by relay.acme.example; Mon, 05 Jan 2026 08:59:29 +0000
From: nas01@acme.example
Date: 01 Jan 1980 00:00:00 +0000
Subject: Volume degraded

Disk 2 failed.
"""
    ticket = read(raw)
    assert ticket.created == datetime(2026, 1, 5, 8, 59, 30, tzinfo=UTC)
    assert "the Date 1980-01-01T00:00:00Z, far from when it arrived" in ticket.body


def test_an_unreadable_date_says_so_and_a_plausible_one_is_kept():
    unreadable = read(b"From: a@acme.example\nSubject: s\nDate: Tuesday\n\nx\n", received=ARRIVED)
    assert unreadable.created == ARRIVED and "a Date that cannot be read ('Tuesday')" in unreadable.body
    late = read(b"From: a@acme.example\nSubject: s\nDate: Mon, 05 Jan 2026 02:10:00 +0100\n\nx\n", received=ARRIVED)
    assert late.created == datetime(2026, 1, 5, 1, 10, tzinfo=UTC) and late.body == "x"
    undated = read(b"From: a@acme.example\nSubject: s\n\nx\n", received=ARRIVED)
    assert undated.created == ARRIVED and undated.body == "x"


def test_text_split_around_an_inline_picture_is_read_whole():
    """Apple Mail / iOS: multipart/mixed of text, an inline image, and more text (the signature)."""
    raw = b"""From: pat@acme.example
Subject: Switch lights
Content-Type: multipart/mixed; boundary="Apple-Mail=_1"

--Apple-Mail=_1
Content-Type: text/plain; charset=us-ascii

The core switch shows amber lights:

--Apple-Mail=_1
Content-Type: image/jpeg; name=IMG_0042.jpg
Content-Disposition: inline; filename=IMG_0042.jpg
Content-Transfer-Encoding: base64

/9j/4AAQSkZJRgABAQ==
--Apple-Mail=_1
Content-Type: text/plain; charset=us-ascii

Sent from my iPhone
--Apple-Mail=_1--
"""
    assert read(raw).body == "The core switch shows amber lights:\n\nSent from my iPhone"


def test_raw_8bit_subject_is_read_in_the_charset_of_the_text():
    """Old Chinese mailers put GBK bytes straight into the Subject of a multipart mail (no RFC 2047 words)."""
    raw = (b"From: it@acme.example\nSubject: " + "打印机故障".encode("gbk") + b"\nContent-Type: multipart/alternative;"
           b" boundary=b\n\n--b\nContent-Type: text/plain; charset=gb2312\n\n" + "三楼".encode("gbk") + b"\n--b--\n")
    ticket = read(raw)
    assert (ticket.title, ticket.body) == ("打印机故障", "三楼")

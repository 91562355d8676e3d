"""Real-shape mail through a real IMAP server (dovecot on 127.0.0.1): what the tech reads is the text.

The messages have the shapes of tests/services/psa/test_mail_real.py (Outlook HTML-only mail, a
gb2312-labelled GBK mail, an alert forwarded as an attachment, a bounce without a boundary, a
device whose clock says 2099); here they are appended raw with an INTERNALDATE and fetched back by
the adapter, so the server's own framing and INTERNALDATE answer are what is parsed.
"""
from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from oncall_desktop.services.psa.vendors.imap import ImapAdapter
from tests.e2e.imap_server import ImapServer
from tests.e2e.redmine import HOST

# the adapter's first poll looks a week back by INTERNALDATE, so the mail arrived just now; DATE is the sender's
ARRIVED = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=10)
SENT = ARRIVED - timedelta(minutes=2)
DATE = format_datetime(SENT).encode()

HTML_ONLY = b"""From: "Lee, Pat" <pat@acme-corp.example>
Subject: Printer
Date: {DATE}
MIME-Version: 1.0
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p.MsoNormal{margin:0}</style></head><body><p class=3DMsoNormal>The printer shows =93paper jam=
=94.<o:p></o:p></p><p class=3DMsoNormal>Thanks,<br>Pat</p></body></html>
"""

GBK = (b"From: it@acme-corp.example\nSubject: =?gb2312?B?" + base64.b64encode("服务器堃宕机".encode("gbk"))
       + b"?=\nDate: {DATE}\nContent-Type: text/plain; charset=gb2312\n\n"
       + "朱镕的电脑无法开机".encode("gbk") + b"\n")

FORWARD = b"""From: alice@example.com <pat@acme-corp.example>
Subject: FW: PROBLEM web01 is DOWN
Date: Thu, 01 Jan 2099 00:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

Ours?

--outer
Content-Type: message/rfc822
Content-Disposition: attachment; filename="alert.eml"

From: nagios@mon.acme-corp.example
Subject: PROBLEM web01 is DOWN

Host web01 is DOWN
--outer--
"""

NO_BOUNDARY = b"""From: MAILER-DAEMON@mx.acme-corp.example
Subject: Undelivered Mail Returned to Sender
Date: {DATE}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;

--MTA19.1767602400/mx
Content-Type: text/plain

Mailbox full.
--MTA19.1767602400/mx--
"""


def test_real_shapes_of_mail_arrive_as_readable_tickets(imap_server: ImapServer) -> None:
    box = f"Real-{uuid.uuid4().hex[:8]}"
    for raw in (HTML_ONLY, GBK, FORWARD, NO_BOUNDARY):
        imap_server.deliver_raw(raw.replace(b"{DATE}", DATE), mailbox=box, when=ARRIVED)
    adapter = ImapAdapter(HOST, port=imap_server.port, security="plain", user=imap_server.user,
                          secret=imap_server.password, mailbox=box, domain_clients={"acme-corp.example": "Acme"},
                          timeout=5)
    html, gbk, forward, bounce = adapter.poll(None).tickets
    assert html.body == "The printer shows \u201cpaper jam\u201d.\n\nThanks,\nPat" and html.client == "Acme"
    assert (gbk.title, gbk.body) == ("服务器堃宕机", "朱镕的电脑无法开机")
    assert forward.contact == "pat@acme-corp.example" and forward.client == "Acme"
    assert forward.body.startswith("Ours?") and "Host web01 is DOWN" in forward.body
    assert forward.created == ARRIVED and "the Date 2099-01-01T00:00:00Z, far from when it arrived" in forward.body
    assert bounce.body == "Mailbox full."
    assert html.created == SENT and "Note" not in html.body                      # a plausible Date is kept

"""One e-mail message (RFC 5322 / MIME) as a :class:`Ticket`, read the way mail clients read it.

The shared-inbox adapter (``vendors/imap.py``) hands each fetched message here.

Hostile mail: the parser runs with the ``compat32`` policy, whose header
handling is plain string work, because the structured header parser of
``policy.default`` raises on values such as ``Message-ID: <[`` and takes
seconds on a 40 KB ``Content-Type``.  Each header value read is cut to
``_HEADER_LIMIT`` characters and at most ``_PART_LIMIT`` MIME parts are looked
at for the text body.

Real mail, as senders write it:

- **Body**: the first text/plain part that is not an attachment; when there is
  none (or it is blank), the first text/html part as readable text
  (``core/tickets/html_text.py``).  A forwarded message (a ``message/rfc822``
  part, even one marked as an attachment) is read too and added under a
  "Forwarded message" line with its From, Date and Subject.  A multipart whose
  boundary is missing or is not the one its parts use falls back to its text:
  the boundary its first ``--line`` shows is tried, else the whole body is the
  text.
- **Charsets** are read through ``core/tickets/charsets.py`` (the WHATWG label
  table: ``gb2312`` as GBK, ``iso-8859-1`` as windows-1252 …), in bodies and in
  RFC 2047 encoded words; raw 8-bit headers are read as UTF-8, else in the
  message's charset.  Undecodable bytes become U+FFFD.
- **From**: the address inside angle brackets is the sender, whatever the
  display name looks like (``alice@example.com <bob@example.com>`` is bob).
- **Time**: the Date header is the sender's clock.  One more than a day after
  the server received the mail, or more than a week before, is not believed:
  the ticket takes the received time (IMAP INTERNALDATE, else the newest
  ``Received:`` line) and its body says so.
"""
from __future__ import annotations

import email
import re
from datetime import datetime, timedelta
from email.message import Message
from email.policy import Compat32
from email.utils import parseaddr, parsedate_to_datetime

from oncall_desktop.core.tickets.charsets import decode, decode_words
from oncall_desktop.core.tickets.html_text import html_to_text, looks_like_html
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import as_utc, iso
from oncall_desktop.services.psa.mapping import FieldMap

BODY_LIMIT = 20_000
_HEADER_LIMIT = 2_000  # characters of one header value; real Subject/From/Content-Type lines are far shorter
_PART_LIMIT = 50       # MIME parts searched for the text body; the text is among the first few in real mail
_FORWARD_DEPTH = 3     # a forward of a forward of a forward; deeper ones are not opened
#: how far the sender's Date may be from when the server received the mail and still be believed
DATE_AHEAD = timedelta(days=1)
DATE_BEHIND = timedelta(days=7)


class _BoundedPolicy(Compat32):
    """compat32 that cuts every header value, in every MIME part, to ``_HEADER_LIMIT`` as it is read.

    The parser itself reads ``Content-Type`` of each part (to find boundaries); cutting at the
    source keeps that string work small however long the sender made the line.
    """

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return name, value[:_HEADER_LIMIT]


_POLICY = _BoundedPolicy()


def parse_message(raw: bytes) -> Message:
    """The message tree, parsed with the bounded compat32 policy (see the module docstring)."""
    return email.message_from_bytes(raw, policy=_POLICY)


def raw_header(msg: Message, name: str) -> str:
    """The first ``name`` header as text, unparsed and cut to ``_HEADER_LIMIT``; '' when absent.

    Raw 8-bit bytes (no RFC 2047 words) are read as UTF-8 when they are UTF-8, else in the
    message's own charset, else as windows-1252: what mail clients do.
    """
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            text = str(value)[:_HEADER_LIMIT]
            if not text.isascii():  # the parser keeps undecodable bytes surrogate-escaped
                data = text.encode("utf-8", "surrogateescape")
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    text = decode(data, charset_hint(msg))
            return " ".join(text.split())
    return ""


def charset_hint(msg: Message) -> str | None:
    """The charset the message's text is in (its own, else its first text part's): how raw header bytes are meant."""
    for count, part in enumerate(msg.walk()):
        if count >= 10:
            break
        charset = part.get_content_charset()
        if charset and part.get_content_maintype() in ("text", "multipart"):
            return charset
    return None


def header(msg: Message, name: str) -> str:
    """A header's text with RFC 2047 encoded words decoded (in any charset a mail client reads)."""
    return " ".join(decode_words(raw_header(msg, name)).split())


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"\([^()]*\)")
_ANGLE = re.compile(r"<\s*([^<>\s]+@[^<>\s]+?)\s*>")


def sender_address(value: str) -> str:
    """The mailbox of a From value, lower-cased; the address in angle brackets wins over the display name."""
    bare = _COMMENT.sub(" ", _QUOTED.sub(" ", value))
    found = _ANGLE.search(bare)
    if found:
        return found.group(1).strip().lower()
    return parseaddr(value)[1].lower()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode(payload, part.get_content_charset())


class _Found:
    """What the walk over a message's parts found: its inline texts in order, and the forwards.

    Why every inline text and not the first: Apple Mail and phones split a message around an
    inline picture into text, image, text.  A multipart/alternative counts as one text (its plain
    version, or its HTML one when the plain is missing or blank).
    """

    def __init__(self, forwarded: list[Message] | None = None) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.forwarded: list[Message] = [] if forwarded is None else forwarded

    def add(self, kind: str, text: str) -> None:
        (self.html if kind == "html" else self.plain).append(text)

    def text(self) -> str:
        plain = [p.strip() for p in self.plain if p.strip()]
        if plain:
            return "\n\n".join(plain)
        return "\n\n".join(t for t in (html_to_text(h, BODY_LIMIT) for h in self.html) if t)


_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)


def _broken_multipart(part: Message, found: _Found, budget: list[int]) -> None:
    """A multipart the parser could not split: try the boundary its body shows, else read it as text."""
    body = part.get_payload(decode=True)
    if not isinstance(body, bytes):
        return
    line = _BOUNDARY_LINE.search(body)
    if line is not None:
        boundary = line.group(1).decode("ascii", "replace").replace('"', "")
        again = parse_message(b'Content-Type: multipart/mixed; boundary="%s"\n\n' % boundary.encode() + body)
        if again.is_multipart():
            for sub in again.get_payload():
                if isinstance(sub, Message):
                    _walk(sub, found, budget, repair=False)
            return
    text = decode(body, part.get_content_charset())
    found.add("html" if looks_like_html(text) else "plain", text)


def _walk(part: Message, found: _Found, budget: list[int], *, repair: bool = True) -> None:
    if budget[0] <= 0:
        return
    budget[0] -= 1
    kind = part.get_content_type()
    if kind in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            found.forwarded.append(inner[0])
        return
    if part.is_multipart():
        into = _Found(found.forwarded) if kind == "multipart/alternative" else found
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk(sub, into, budget, repair=repair)
        if into is not found:
            found.add("plain", into.text())
        return
    if kind.startswith("multipart/"):
        if repair:
            _broken_multipart(part, found, budget)
        return
    if part.get_content_disposition() == "attachment":
        return
    if kind in ("text/plain", "text/html"):
        found.add(kind[5:], _part_text(part))


def message_body(msg: Message, depth: int = 0, budget: list[int] | None = None) -> str:
    """The readable text of a message, with the messages it forwards (see the module docstring)."""
    budget = budget if budget is not None else [_PART_LIMIT]
    found = _Found()
    _walk(msg, found, budget)
    pieces = [found.text()]
    if depth < _FORWARD_DEPTH:
        for inner in found.forwarded:
            facts = [f"{name}: {value}" for name in ("From", "Date", "Subject") if (value := header(inner, name))]
            pieces.append("\n".join(["---------- Forwarded message ----------", *facts, "",
                                     message_body(inner, depth + 1, budget)]).strip())
    return "\n\n".join(p for p in pieces if p)[:BODY_LIMIT]


def _date(text: str) -> datetime | None:
    try:
        return as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def received_time(msg: Message) -> datetime | None:
    """When the newest ``Received:`` line (the receiving server's own) says the mail arrived."""
    line = raw_header(msg, "Received")
    return _date(line.rpartition(";")[2].strip()) if ";" in line else None


def ticket_time(msg: Message, received: datetime | None) -> tuple[datetime | None, str]:
    """The ticket's time, and a sentence for the body when the mail's own Date was not believed."""
    said_text = raw_header(msg, "Date")
    said = _date(said_text) if said_text else None
    arrived = received or received_time(msg)
    if arrived is None or (said is not None and arrived - DATE_BEHIND <= said <= arrived + DATE_AHEAD):
        return said, ""
    if said is None:
        if not said_text:
            return arrived, ""
        claim = f"a Date that cannot be read ({said_text[:60]!r})"
    else:
        claim = f"the Date {iso(said)}, far from when it arrived"
    return arrived, (f"Note: this mail carries {claim}; the ticket's time is when the mail server received it, "
                     f"{iso(arrived)}.")


_MESSAGE_ID = re.compile(r"<?([^<>\s]+?)>?")


def _domains(address: str) -> list[str]:
    """``a@x.acme.com`` → [x.acme.com, acme.com] (a parent domain may be the one configured)."""
    domain = address.rpartition("@")[2].lower().strip(".")
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or ([domain] if domain else [])


def message_to_ticket(raw: bytes, *, uid: int, uidvalidity: int, fmap: FieldMap,
                      received: datetime | None = None) -> Ticket:
    """One RFC 5322 message → Ticket; ``fmap.clients`` maps sender domains to clients.

    ``received`` is when the server took the mail in (IMAP INTERNALDATE), the
    time believed over a Date header that is far from it.
    """
    msg = parse_message(raw)
    sender = sender_address(header(msg, "From"))
    domains = _domains(sender)
    # a Message-ID of mere punctuation ("<[") cannot tell mails apart: fall back to the UID
    found = _MESSAGE_ID.fullmatch(raw_header(msg, "Message-ID"))
    message_id = found.group(1) if found and any(c.isalnum() for c in found.group(1)) else ""
    when, note = ticket_time(msg, received)
    body = message_body(msg)
    if note:
        body = f"{body[:BODY_LIMIT - len(note) - 2]}\n\n{note}".strip()
    urgency = raw_header(msg, "X-Priority").split(" ")[0] or None
    importance, priority = raw_header(msg, "Importance") or None, raw_header(msg, "Priority") or None
    return Ticket(
        title=header(msg, "Subject") or "(no subject)", source="imap",
        remote_id=message_id or f"{uidvalidity}-{uid}",
        client=fmap.client(*domains) if domains else "unknown", body=body,
        priority=fmap.priority(urgency, importance, priority),
        # most mail says nothing of urgency: the mapped default is then nobody's word, not the client's
        priority_given=any(h is not None for h in (urgency, importance, priority)),
        status=fmap.default_status, contact=sender, created=when, updated=when,
    )

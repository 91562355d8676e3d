"""A shared support inbox as a ticket system (IMAP, stdlib ``imaplib``).

Follows RFC 3501 (IMAP4rev1): ``SELECT`` read-only (never marks mail seen),
``UID SEARCH``/``UID FETCH … BODY.PEEK[]``, and UIDVALIDITY (§2.3.1.1): UIDs
are only comparable while UIDVALIDITY stays the same, so the cursor is
``imap:<uidvalidity>:<last uid>`` and a changed UIDVALIDITY starts over from a
date window.  Each message is fetched with its INTERNALDATE (RFC 3501 §2.3.3, when the
server took it in) and read by ``services/psa/mail.py`` (RFC 5322 and MIME as
mail clients read them: charsets, HTML-only mail, forwards, broken multiparts,
implausible Date headers; ``X-Priority`` / ``Importance`` for urgency).  A
message that still cannot be read is skipped with a logged line naming its
UID; the rest of the batch and the cursor go on.

Mapping: the sender's domain (or a parent domain) → client through the
workspace's ``domain_clients`` table; subject → title, text body → body,
Message-ID → remote id (stable even if the server renumbers UIDs, so the
poller's de-duplication still holds).

Choice for writes: a mailbox has nowhere to keep notes or time entries, so
``add_note``/``log_time`` raise ``TicketSystemError(kind=CONFIG)`` with a
sentence saying so, and ``find_time_entry`` answers None.  Recording them
locally is the local book's job (``local.py``), not a mailbox adapter's.

Security: ``ssl`` (993) or ``starttls`` (143); ``plain`` only to the local
machine (tests, a local relay) because it would send the password in clear.
"""
from __future__ import annotations

import imaplib
import logging
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import Clock, SystemClock
from oncall_desktop.services.psa.base import (
    LOCAL_HOSTS,
    ChecksConnection,
    ErrorKind,
    PollResult,
    TicketSystem,
    TicketSystemError,
    TimeEntryRequest,
)
from oncall_desktop.services.psa.mail import message_to_ticket
from oncall_desktop.services.psa.mapping import field_map

log = logging.getLogger(__name__)

_BATCH = 100
_IMAP_PORT = 143  # imaplib's IMAP4_PORT and IMAP4_SSL_PORT, which its stubs do not declare
_IMAPS_PORT = 993
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


_INTERNALDATE = re.compile(rb'INTERNALDATE "\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})"')


def internal_date(response: bytes) -> datetime | None:
    """The INTERNALDATE in a FETCH response line (RFC 3501 date-time, ``" 5-Jan-2026 02:10:00 +0100"``), as UTC.

    Parsed by hand: ``strptime``'s ``%b`` follows the user's locale, and ``imaplib.Internaldate2tuple``
    answers in local time.
    """
    found = _INTERNALDATE.search(response)
    if found is None:
        return None
    day, month, year, hour, minute, second, sign, zone_h, zone_m = (g.decode("ascii") for g in found.groups())
    if month.title() not in _MONTHS:
        return None
    offset = timedelta(hours=int(zone_h), minutes=int(zone_m)) * (-1 if sign == "-" else 1)
    try:
        local = datetime(int(year), _MONTHS.index(month.title()) + 1, int(day), int(hour), int(minute), int(second),
                         tzinfo=timezone(offset))
    except ValueError:
        return None
    return local.astimezone(timezone.utc)


def parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    """``imap:<uidvalidity>:<uid>`` → (uidvalidity, uid); anything else → None (start over)."""
    if not cursor:
        return None
    parts = cursor.split(":")
    if len(parts) != 3 or parts[0] != "imap" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


#: Seconds one IMAP session (connect, log in, search, fetch) may take in all: socket timeouts are per
#: read, so a server that trickles bytes would otherwise hold a poll for as long as it liked.
SESSION_DEADLINE = 120.0


class _Watchdog:
    """Shuts an IMAP session's socket down when its deadline passes; the blocked read then fails at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._shut()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shut()

    def _shut(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


class _WatchedIMAP4(imaplib.IMAP4):
    def __init__(self, host: str, port: int, timeout: float, watchdog: _Watchdog) -> None:
        self._watchdog = watchdog
        super().__init__(host, port, timeout=timeout)

    def open(self, host: str = "", port: int = _IMAP_PORT, timeout: float | None = None) -> None:
        super().open(host, port, timeout)
        self._watchdog.watch(self.sock)


class _WatchedIMAP4_SSL(imaplib.IMAP4_SSL):  # noqa: N801 — imaplib's spelling
    def __init__(self, host: str, port: int, timeout: float, watchdog: _Watchdog) -> None:
        self._watchdog = watchdog
        super().__init__(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)

    def open(self, host: str = "", port: int | None = _IMAPS_PORT, timeout: float | None = None) -> None:
        super().open(host, port, timeout)
        self._watchdog.watch(self.sock)


class ImapAdapter(TicketSystem, ChecksConnection):
    """A shared inbox polled by UID; read-only."""

    name = "imap"

    def __init__(self, host: str, *, user: str, secret: str, port: int | None = None, security: str = "ssl",
                 mailbox: str = "INBOX", domain_clients: Mapping[str, str] | None = None,
                 mapping: Mapping[str, Any] | None = None, first_poll_days: int = 7, timeout: float = 30.0,
                 clock: Clock | None = None, connect: Callable[[], imaplib.IMAP4] | None = None,
                 deadline: float = SESSION_DEADLINE) -> None:
        if security not in ("ssl", "starttls", "plain"):
            raise TicketSystemError(ErrorKind.CONFIG, f"IMAP security '{security}' is unknown; use ssl, starttls or plain")
        if security == "plain" and host not in LOCAL_HOSTS:
            raise TicketSystemError(ErrorKind.CONFIG, f"IMAP without encryption would send the password to {host} "
                                    "in clear text; choose ssl (port 993) or starttls (port 143).")
        merged = dict(mapping or {})
        merged["clients"] = {**(merged.get("clients") or {}), **(domain_clients or {})}
        self.fmap = field_map("imap", merged)
        self.host, self.user, self._secret = host, user, secret
        self.port = port or (993 if security == "ssl" else 143)
        self.security, self.mailbox = security, mailbox
        self.first_poll_days, self.timeout, self.deadline = first_poll_days, timeout, deadline
        self._watchdog: _Watchdog | None = None
        self.clock = clock or SystemClock()
        self._connect = connect or self._open

    def _open(self) -> imaplib.IMAP4:
        watchdog = self._watchdog or _Watchdog(self.deadline)
        if self.security == "ssl":
            return _WatchedIMAP4_SSL(self.host, self.port, self.timeout, watchdog)
        conn = _WatchedIMAP4(self.host, self.port, self.timeout, watchdog)
        if self.security == "starttls":
            conn.starttls(ssl.create_default_context())
        return conn

    @contextmanager
    def _session(self, what: str) -> Iterator[tuple[imaplib.IMAP4, int, int]]:
        """Log in, select read-only; yield (connection, uidvalidity, message count); always log out."""
        where = f"{self.host}:{self.port}"
        watchdog = self._watchdog = _Watchdog(self.deadline)
        try:
            with self._deadline(watchdog, what, where):
                yield from self._session_in_time(what, where, watchdog)
        finally:
            watchdog.cancel()
            self._watchdog = None

    @contextmanager
    def _deadline(self, watchdog: _Watchdog, what: str, where: str) -> Iterator[None]:
        """A session cut by its deadline says so, whatever error the shut socket raised."""
        try:
            yield
        except TicketSystemError:
            if watchdog.fired:
                raise TicketSystemError(ErrorKind.NETWORK, f"IMAP: could not {what} — {where} did not answer "
                                        f"within {watchdog.seconds:g} s.") from None
            raise

    def _session_in_time(self, what: str, where: str, watchdog: _Watchdog) -> Iterator[tuple[imaplib.IMAP4, int, int]]:
        try:
            conn = self._connect()
            watchdog.watch(getattr(conn, "sock", None))
        except ssl.SSLError as exc:
            raise TicketSystemError(ErrorKind.TLS, f"IMAP: could not {what} — the TLS certificate of {where} was "
                                    f"not accepted ({exc.reason or exc}). Check the host name and security setting.") from None
        except socket.gaierror:
            raise TicketSystemError(ErrorKind.NETWORK, f"IMAP: could not {what} — the name {self.host} could not "
                                    "be found. Check the server name, or the network.") from None
        except ConnectionRefusedError:
            raise TicketSystemError(ErrorKind.NETWORK, f"IMAP: could not {what} — {where} refused the connection. "
                                    "Check the port and security setting.") from None
        except (TimeoutError, OSError, imaplib.IMAP4.error) as exc:
            raise TicketSystemError(ErrorKind.NETWORK, f"IMAP: could not {what} — {where} is unreachable ({exc}). "
                                    "Is this computer online?") from None
        try:
            try:
                conn.login(self.user, self._secret)
            except imaplib.IMAP4.error:
                raise TicketSystemError(ErrorKind.AUTH, f"IMAP: could not {what} — {self.host} rejected the user "
                                        f"name or password for {self.user}. Check them in Settings.") from None
            typ, data = conn.select(self.mailbox, readonly=True)
            if typ != "OK":
                raise TicketSystemError(ErrorKind.NOT_FOUND, f"IMAP: could not {what} — there is no mailbox "
                                        f"'{self.mailbox}' for {self.user}. Check the folder name in Settings.")
            validity = conn.response("UIDVALIDITY")[1]
            if not validity or validity[0] is None:
                raise TicketSystemError(ErrorKind.BAD_RESPONSE, f"IMAP: could not {what} — {self.host} gave no "
                                        "UIDVALIDITY for the mailbox, so new mail cannot be tracked.")
            yield conn, int(validity[0]), int(data[0] or 0)
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise TicketSystemError(ErrorKind.NETWORK, f"IMAP: could not {what} — the connection to {where} "
                                    f"broke ({exc}).") from None
        except imaplib.IMAP4.error as exc:
            raise TicketSystemError(ErrorKind.BAD_RESPONSE, f"IMAP: could not {what} — {self.host} refused a "
                                    f"command ({exc}).") from None
        finally:
            try:
                conn.logout()
            except (OSError, imaplib.IMAP4.error):
                pass

    def poll(self, since: str | None) -> PollResult:
        with self._session("read the inbox") as (conn, validity, _count):
            cursor = parse_cursor(since)
            if cursor is not None and cursor[0] == validity:
                last = cursor[1]
                typ, data = conn.uid("SEARCH", f"UID {last + 1}:*")
            else:
                last = 0
                day = (self.clock.now() - timedelta(days=self.first_poll_days)).date()
                typ, data = conn.uid("SEARCH", f"SINCE {day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}")
            uids = sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > last) if typ == "OK" else []
            tickets: list[Ticket] = []
            skipped: list[str] = []
            for start in range(0, len(uids), _BATCH):
                tickets += self._fetch(conn, uids[start:start + _BATCH], validity, skipped)
        newest = max(uids) if uids else (cursor[1] if cursor and cursor[0] == validity else 0)
        return PollResult(tickets=tickets, cursor=f"imap:{validity}:{newest}", skipped=tuple(skipped))

    def _fetch(self, conn: imaplib.IMAP4, uids: list[int], validity: int, skipped: list[str]) -> list[Ticket]:
        typ, data = conn.uid("FETCH", ",".join(map(str, uids)), "(UID INTERNALDATE BODY.PEEK[])")
        if typ != "OK":
            raise TicketSystemError(ErrorKind.BAD_RESPONSE,
                                    f"IMAP: {self.host} refused to hand out messages {uids[0]}–{uids[-1]}.")
        out: list[Ticket] = []
        for index, item in enumerate(data):
            if not isinstance(item, tuple):
                continue
            # the items before the literal are in item[0]; a server may send some after it, up to the ")"
            after = data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b""
            match = re.search(rb"UID (\d+)", item[0]) or re.search(rb"UID (\d+)", after)
            uid = int(match.group(1)) if match else 0
            received = internal_date(item[0]) or internal_date(after)
            try:
                out.append(message_to_ticket(item[1], uid=uid, uidvalidity=validity, fmap=self.fmap,
                                             received=received))
            except Exception as exc:  # noqa: BLE001 — one unreadable mail must not block the inbox
                line = (f"IMAP: skipped message UID {uid} in {self.mailbox} on {self.host} — it could not be read "
                        f"({type(exc).__name__}: {str(exc)[:200]}).")
                log.warning("%s", line)
                skipped.append(line)
        return out

    def test_connection(self) -> str:
        with self._session("sign in") as (_conn, _validity, count):
            return f"Connected to {self.host} as {self.user}; {self.mailbox} holds {count} messages."

    def _read_only(self) -> TicketSystemError:
        return TicketSystemError(ErrorKind.CONFIG, "A shared mailbox cannot hold notes or time entries. Keep the "
                                 "note in oncall-desktop and bill from the Time tab, or connect a ticket system in "
                                 "Settings to write back.")

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        raise self._read_only()

    def log_time(self, entry: TimeEntryRequest) -> str:
        raise self._read_only()

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        return None

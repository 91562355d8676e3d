"""An overall deadline for one HTTP request, and a size bound for its answer.

Why: ``requests`` timeouts are per socket operation, so a server that sends one
byte a second never trips them and holds the request — and the poll, the Test
connection button, the outbox — for as long as it likes.  Here every request
made inside :func:`within` runs under a watchdog: when the deadline passes it
shuts the request's socket down, which wakes the blocked read at once, and the
caller raises :class:`DeadlineExceeded` ("… did not answer within 30 s").

How the watchdog finds the socket: sessions get a :class:`DeadlineAdapter`
whose connections register themselves with the deadline of the thread that
sends on them.  Only sockets of this request are touched, and never after the
request has finished (a kept-alive connection back in the pool is left alone).

:func:`get_within` is the one-shot GET the team pack and calendar downloads use:
deadline, size bound, and no redirect to plain http beyond this machine.
"""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import ProxyManager

from oncall_desktop.services.psa.base import LOCAL_HOSTS, redact_url

#: Seconds: to open the connection, and for the whole request including the body.
CONNECT_TIMEOUT = 5.0
TOTAL_DEADLINE = 30.0
#: The largest answer read into memory (a PSA page, a team pack, a calendar).
MAX_BODY_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class DeadlineExceeded(requests.exceptions.Timeout):
    """The whole request took longer than its deadline; ``sent`` if the request went out."""

    def __init__(self, host: str, seconds: float, sent: bool) -> None:
        super().__init__(f"{host} did not answer within {seconds:g} s")
        self.host = host
        self.seconds = seconds
        self.sent = sent


class BodyTooLarge(requests.exceptions.RequestException):
    """The answer is larger than the caller is willing to read."""

    def __init__(self, host: str, limit: int) -> None:
        super().__init__(f"{host} sent an answer larger than {limit // (1024 * 1024)} MB; it was not read")
        self.host = host
        self.limit = limit


class RedirectRefused(requests.exceptions.RequestException):
    """A redirect we will not follow (another origin, or plain http beyond this machine)."""


#: The failures whose own text says what happened (the others are named by their type).
WORDED = (DeadlineExceeded, BodyTooLarge, RedirectRefused)


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self.sent = False
        self._done = False
        self._connections: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def watch(self, conn: HTTPConnection) -> None:
        with self._lock:
            self.sent = True
            if not self._done:
                self._connections.append(conn)
        if self.expired:
            _shut(conn)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            connections = list(self._connections)
        for conn in connections:
            _shut(conn)

    def finish(self) -> None:
        with self._lock:
            self._done = True
            self._connections.clear()


def _shut(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return
    try:  # the plain socket's shutdown: it wakes a read blocked in another thread, TLS or not
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


_current = threading.local()


def _register(conn: HTTPConnection) -> None:
    deadline: _Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(conn)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _register(self)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose connections the :func:`within` watchdog can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is ProxyManager:  # an http(s) proxy; SOCKS managers bring their own pools
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def watched(session: requests.Session) -> requests.Session:
    """``session`` with deadline-aware adapters mounted for http and https."""
    session.mount("http://", DeadlineAdapter())
    session.mount("https://", DeadlineAdapter())
    return session


@contextlib.contextmanager
def within(seconds: float, host: str) -> Iterator[_Deadline]:
    """Run the requests made in the block under one deadline; raise DeadlineExceeded past it.

    Whatever the block raised (a broken read, a short body) is replaced by
    DeadlineExceeded once the deadline has passed, and a block that "succeeded"
    on a cut connection (a body ended early by the shutdown) is refused too.
    """
    deadline = _Deadline(seconds)
    previous = getattr(_current, "deadline", None)
    _current.deadline = deadline
    timer = threading.Timer(max(0.0, seconds), deadline.expire)
    timer.daemon = True
    timer.start()
    try:
        try:
            yield deadline
        except Exception as exc:
            # The socket timeouts are clamped to the deadline, so a read can time out a moment
            # before the watchdog thread runs (a busy machine delays it): that is the deadline too.
            if deadline.expired or (isinstance(exc, requests.exceptions.Timeout) and deadline.remaining() <= 0):
                raise DeadlineExceeded(host, seconds, deadline.sent) from None
            raise
        if deadline.expired:
            raise DeadlineExceeded(host, seconds, deadline.sent)
    finally:
        deadline.finish()
        timer.cancel()
        timer.join()
        _current.deadline = previous


def read_body(response: requests.Response, limit: int, host: str) -> bytes:
    """The whole body of a ``stream=True`` response, refusing more than ``limit`` bytes.

    The body is also kept as ``response.content``, so ``.text``/``.json()`` work as usual.
    """
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > limit:
        response.close()
        raise BodyTooLarge(host, limit)
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body.extend(chunk)
        if len(body) > limit:
            response.close()
            raise BodyTooLarge(host, limit)
    data = bytes(body)
    response._content = data  # what requests itself sets once a streamed body is read
    response._content_consumed = True  # type: ignore[attr-defined]  # requests' flag, not in its stubs
    return data


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


def display_host(url: str) -> str:
    """``host`` or ``host:port`` of ``url``, never the ``user:password@`` part."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def redirect_target(response: requests.Response) -> str | None:
    """Where a redirect answer points (absolute), or None for any other answer."""
    if not response.is_redirect:
        return None
    location = response.headers.get("Location", "")
    return urljoin(response.url, location) if location else None


def _refuse_insecure_redirect(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    target = redirect_target(response)
    if target is None:
        return
    scheme, host, _ = origin(target)
    if scheme != "https" and host not in LOCAL_HOSTS:
        response.close()
        raise RedirectRefused(f"{display_host(response.url)} redirected to {redact_url(target)}, which is not "
                              "encrypted (http://); it was not followed. Ask for an https link")


def get_within(url: str, *, headers: Mapping[str, str] | None = None,
               timeout: tuple[float, float] = (CONNECT_TIMEOUT, TOTAL_DEADLINE),
               deadline: float = TOTAL_DEADLINE, max_bytes: int = MAX_BODY_BYTES,
               **_: Any) -> requests.Response:
    """A ``requests.get`` with an overall deadline and a size bound; the body is read.

    Raises DeadlineExceeded, BodyTooLarge, RedirectRefused or another
    ``requests.RequestException``; extra keyword arguments are accepted (and
    ignored) so it can stand where ``requests.get`` stood.
    """
    host = display_host(url)
    with watched(requests.Session()) as session:
        session.hooks["response"].append(_refuse_insecure_redirect)
        with within(deadline, host):
            response = session.get(url, headers=dict(headers or {}), timeout=(timeout[0], min(timeout[1], deadline)),
                                   stream=True)
            with response:
                read_body(response, max_bytes, host)
    return response

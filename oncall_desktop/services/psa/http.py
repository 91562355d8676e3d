"""The one HTTP layer every REST adapter talks through.

Why one layer: timeouts, retries, rate limits and the wording of failures must
be the same for every vendor, or the tech at 3 AM learns seven dialects of
"it did not work".  Rules kept here:

* every call has a connect timeout and an overall deadline for the whole
  request, body included (psa/deadline.py), and a bound on the answer's size;
* credentials go only to the configured origin: a redirect elsewhere is
  refused, not followed, and plain http is refused beyond this computer;
* 5xx answers and broken connections are retried with exponential backoff and
  *full jitter* (sleep a random amount between 0 and the exponential cap), but
  only for idempotent requests;
* HTTP 429 is retried for every method (the server did nothing) and its
  ``Retry-After`` (seconds or HTTP-date, RFC 9110 §10.2.3) is honoured, up to
  ``MAX_RETRY_AFTER`` (a server asking for days is asked again after an hour);
* all waiting within one call is bounded (``RetryPolicy.max_total_wait``);
* a POST that fails after it was sent (read timeout, reset, 5xx) is raised
  with ``uncertain=True`` and never re-sent: the caller must first look its
  idempotency key up (:func:`retry.post_once`);
* failures become :class:`TicketSystemError` with a sentence that says what
  failed and what to do; secrets never appear in messages.

The backoff maths is pure (retry.py), paging is one loop for every vendor
(pagination.py), and the client takes ``sleep`` and ``rand`` so tests never
really wait.
"""
from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

try:
    import msgspec
except ImportError:  # pragma: no cover - a platform without its wheel: requests' decoder does it all
    msgspec = None  # type: ignore[assignment]  # the optional-import idiom: callers test for None

from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import Clock, SystemClock
from oncall_desktop.services.platform.gc_pause import gc_paused
from oncall_desktop.services.psa import deadline as dl
from oncall_desktop.services.psa.base import (
    MAX_RETRY_AFTER,
    USERINFO_REFUSED,
    Closes,
    ErrorKind,
    HasPeopleDirectory,
    PollResult,
    TicketSystem,
    TicketSystemError,
    TimeEntryRequest,
    Vendored,
    has_stamp,
    has_userinfo,
    plain_http_beyond_loopback,
    redact_url,
)
from oncall_desktop.services.psa.mapping import field_map, next_cursor
from oncall_desktop.services.psa.rate_meter import RateMeter
from oncall_desktop.services.psa.retry import (
    IDEMPOTENT_METHODS,
    RetryPolicy,
    backoff_delay,
    how_long,
    parse_retry_after,
    post_once,
)


def api_base(url: str, default_path: str = "") -> str:
    """Normalise what a person typed in Settings into an API base URL.

    Accepts ``acme.example.com`` or a full URL; adds https:// and the vendor's
    API path when the person gave only the host.
    """
    text = (url or "").strip()
    if not text:
        raise TicketSystemError(ErrorKind.CONFIG, "No URL is set for the ticket system: enter it in Settings → Ticket system.")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if has_userinfo(text):
        raise TicketSystemError(ErrorKind.CONFIG, f"The address {redact_url(text)} {USERINFO_REFUSED}.")
    if not parts.hostname:
        raise TicketSystemError(ErrorKind.CONFIG, f"'{url}' is not a web address: enter something like https://help.example.com.")
    base = text.rstrip("/")
    if default_path and parts.path in ("", "/"):
        base += default_path
    return base

@functools.cache
def _decoder(shape: Any) -> Any:
    """One msgspec decoder per shape (building one costs more than decoding a small page)."""
    return msgspec.json.Decoder(shape)


@dataclass(frozen=True)
class Reply:
    """A successful answer: decoded JSON (None for an empty body) and headers."""

    status: int
    data: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class HttpClient:
    """A ``requests.Session`` with the rules above, bound to one vendor base URL.

    ``timeout`` is (connect, read) per socket operation; ``deadline`` bounds
    the whole of one request (connect, headers and body); ``max_body`` the
    bytes of one answer.  A base URL that is plain http beyond this computer,
    or carries ``user:password@``, is a CONFIG error here, when the adapter
    is built — before any secret is sent.
    """

    def __init__(self, system: str, base_url: str, *, headers: Mapping[str, str] | None = None,
                 auth: tuple[str, str] | None = None, timeout: tuple[float, float] = (5.0, 30.0),
                 policy: RetryPolicy = RetryPolicy(), sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random, clock: Clock | None = None,
                 session: requests.Session | None = None, deadline: float = dl.TOTAL_DEADLINE,
                 max_body: int = dl.MAX_BODY_BYTES) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        if has_userinfo(self.base_url):
            raise TicketSystemError(ErrorKind.CONFIG, f"{system}: the address {redact_url(self.base_url)} "
                                    f"{USERINFO_REFUSED}.")
        if plain_http_beyond_loopback(self.base_url):
            raise TicketSystemError(ErrorKind.CONFIG, f"{system}: {self.base_url} is not encrypted (http://); "
                                    "use https:// — the API key would cross the network readable. Plain http is "
                                    "only allowed to this computer (localhost, 127.0.0.1, ::1).")
        self.timeout = timeout
        self.deadline = deadline
        self.max_body = max_body
        self.policy = policy
        self.sleep = sleep
        self.rand = rand
        self.clock: Clock = clock or SystemClock()
        #: every attempt counted, every answer's limit headers read (the workspace shares one meter)
        self.meter = RateMeter(self.clock.now)
        self.session = dl.watched(session or requests.Session())
        self.session.headers.update({"Accept": "application/json", "User-Agent": "oncall-desktop"})
        if headers:
            self.session.headers.update(headers)
        if auth:
            self.session.auth = auth
        self.host = dl.display_host(self.base_url)
        self.origin = dl.origin(self.base_url)
        self.session.hooks["response"].append(self._same_origin_only)

    def close(self) -> None:
        self.session.close()

    # -- requests ---------------------------------------------------------

    def get(self, path: str, *, what: str, params: Mapping[str, Any] | None = None, shape: Any = None) -> Reply:
        """GET; ``shape`` (see :meth:`decode`) names the parts of a big answer that will be read."""
        return self.request("GET", path, what=what, params=params, shape=shape)

    def post(self, path: str, *, what: str, json: Any = None, data: Mapping[str, str] | None = None,
             params: Mapping[str, Any] | None = None, idempotent: bool = False, shape: Any = None) -> Reply:
        """POST; pass ``idempotent=True`` for searches that only read (Jira, Autotask), ``shape`` as for GET."""
        return self.request("POST", path, what=what, json=json, data=data, params=params, idempotent=idempotent,
                            shape=shape)

    def put(self, path: str, *, what: str, json: Any = None, idempotent: bool = True) -> Reply:
        """PUT; pass ``idempotent=False`` when the PUT appends (Redmine adds a journal note per call)."""
        return self.request("PUT", path, what=what, json=json, idempotent=idempotent)

    def request(self, method: str, path: str, *, what: str, params: Mapping[str, Any] | None = None,
                json: Any = None, data: Mapping[str, str] | None = None,
                headers: Mapping[str, str] | None = None, idempotent: bool | None = None,
                shape: Any = None) -> Reply:
        """One logical call, retried per the policy; returns decoded JSON or raises.

        ``deadline`` bounds the whole call, retries and their waits included,
        so Test connection or a poll answers within it whatever the server does.
        """
        method = method.upper()
        idem = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        url = self.url(path)
        waited = 0.0
        attempt = 0
        ends = time.monotonic() + self.deadline  # the whole call, retries included: the caller is waiting
        while True:
            budget = max(0.05, ends - time.monotonic())
            timeout = (min(self.timeout[0], budget), min(self.timeout[1], budget))
            self.meter.sent()
            try:
                with dl.within(budget, self.host):
                    resp = self.session.request(method, url, params=params, json=json, data=data,
                                                headers=headers, timeout=timeout, stream=True)
                    with resp:
                        dl.read_body(resp, self.max_body, self.host)
            except dl.RedirectRefused as exc:
                raise self.error(ErrorKind.BAD_RESPONSE, what, str(exc)) from None
            except requests.exceptions.RequestException as exc:
                error, retryable = self._transport_error(exc, what, idem)
            else:
                self.meter.observe(resp.status_code, resp.headers)
                if resp.status_code < 400:
                    return Reply(resp.status_code, self.decode(resp, what, shape), dict(resp.headers))
                error, retryable = self._status_error(resp, what, idem)
            if error.retry_after is not None:
                delay = error.retry_after
            else:
                delay = backoff_delay(attempt, self.policy, self.rand)
            attempt += 1
            if (not retryable or attempt >= self.policy.attempts or waited + delay > self.policy.max_total_wait
                    or time.monotonic() + delay >= ends):
                raise error
            self.sleep(delay)
            waited += delay

    def url(self, path: str) -> str:
        """Join ``path`` to the base; absolute next-page URLs must stay on our host.

        Vendors hand back next-page URLs (Autotask ``nextPageUrl``); following one
        to another host would send our credentials there.
        """
        if path.startswith(("http://", "https://")):
            if dl.origin(path) != self.origin or has_userinfo(path):
                raise self.bad_response("follow the next page", f"it pointed at another host ({dl.display_host(path)})")
            return path
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def _same_origin_only(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """A response hook: a redirect to another origin is refused before it is followed.

        ``requests`` drops ``Authorization`` when a redirect changes host but
        keeps every other header — ConnectWise's ``clientId``, Autotask's
        ``Secret``, Redmine's API key — so such a redirect is never followed.
        """
        target = dl.redirect_target(response)
        if target is not None and (dl.origin(target) != self.origin or has_userinfo(target)):
            response.close()
            raise dl.RedirectRefused(
                f"{self.host} redirected to another host ({dl.display_host(target)}); it was not followed, so "
                f"the credentials were not sent there. If the system moved, put its new address in Settings.")

    # -- errors -------------------------------------------------------------

    def error(self, kind: ErrorKind, what: str, reason: str, **extra: Any) -> TicketSystemError:
        return TicketSystemError(kind, f"{self.system}: could not {what} — {reason}", **extra)

    def bad_response(self, what: str, detail: str) -> TicketSystemError:
        return self.error(ErrorKind.BAD_RESPONSE, what,
                          f"the answer had an unexpected shape ({detail}). The server may be a different "
                          f"product or version than configured; check the URL and system type in Settings.")

    def decode(self, resp: requests.Response, what: str, shape: Any = None) -> Any:
        """The JSON of an answer (None when empty); anything else is a BAD_RESPONSE in words.

        ``shape`` is a type such as ``list[SomeTypedDict]`` (``total=False``)
        naming the keys a caller reads: msgspec then builds only those and
        skips the rest unparsed — a Freshdesk ticket carries some thirty keys
        and we read ten, so a 10,000-ticket page decodes in half the time.
        An answer that does not fit the shape is read whole instead, so the
        caller's own checks still say what is wrong with it.  msgspec reads
        UTF-8 only: an answer declaring another charset, and what msgspec
        refuses (NaN, numbers past 64 bits), go to requests' own decoder.
        """
        body = resp.content
        if not body.strip():
            return None
        try:
            with gc_paused():  # a page of tickets is thousands of containers and no cycles
                if msgspec is not None and (resp.encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8"):
                    if shape is not None:
                        try:
                            return _decoder(shape).decode(body)
                        except ValueError:
                            pass
                    try:
                        return msgspec.json.decode(body)
                    except ValueError:
                        pass
                return resp.json()
        except RecursionError:
            raise self.bad_response(what, "it is nested far deeper than any real answer") from None
        except ValueError:
            start = resp.text.strip()[:40].replace("\n", " ")
            hint = (" It looks like a web page: the URL probably points at the web UI or a login page, "
                    "not at the API.") if start.startswith("<") else ""
            raise self.error(ErrorKind.BAD_RESPONSE, what,
                             f"{self.host} answered with something that is not JSON (starts with {start!r}).{hint}") from None

    def _transport_error(self, exc: requests.exceptions.RequestException, what: str,
                         idem: bool) -> tuple[TicketSystemError, bool]:
        host = self.host
        if isinstance(exc, requests.exceptions.SSLError):
            return self.error(ErrorKind.TLS, what,
                              f"the TLS certificate of {host} was not accepted ({_short(exc)}). Check the URL "
                              f"(https vs http, exact host name); if your company inspects TLS, its root "
                              f"certificate must be trusted by this computer."), False
        if isinstance(exc, dl.DeadlineExceeded):
            reason_text = f"{host} did not answer within {self.deadline:g} s"
            if exc.sent and not idem:
                return self.error(ErrorKind.NETWORK, what,
                                  f"{reason_text} after the request was sent, so it may or may not have been "
                                  f"saved. It will be checked before it is tried again.", uncertain=True), False
            # not retried: a server this slow is not quicker a second later, and the caller is waiting
            return self.error(ErrorKind.NETWORK, what, f"{reason_text}. Check the network or try again "
                              "later.", uncertain=False), False
        if isinstance(exc, dl.BodyTooLarge):
            return self.error(ErrorKind.BAD_RESPONSE, what,
                              f"{exc}. Narrow the query (a board or project filter) in Settings, or check the "
                              "URL.", uncertain=not idem), False
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return self.error(ErrorKind.NETWORK, what,
                              f"{host} did not answer within {self.timeout[0]:g} s. Is this computer online "
                              f"(VPN?) and is the URL right?"), True
        if isinstance(exc, requests.exceptions.ConnectionError):
            reason = _reason(exc)
            if isinstance(reason, NameResolutionError) or "resolve" in str(reason).lower():
                return self.error(ErrorKind.NETWORK, what,
                                  f"the name {urlsplit(self.base_url).hostname} could not be found. Check the URL "
                                  f"for typos — or the network, if other sites fail too."), False
            if isinstance(reason, NewConnectionError):
                return self.error(ErrorKind.NETWORK, what,
                                  f"{host} refused the connection. Check the URL and port, or whether the "
                                  f"service is up."), False
        # From here on the request may have reached the server.
        if isinstance(exc, requests.exceptions.Timeout):
            reason_text = f"{host} stopped answering after {self.timeout[1]:g} s (timeout)"
        else:
            reason_text = f"the connection to {host} broke ({_short(exc)})"
        if not idem:
            return self.error(ErrorKind.NETWORK, what,
                              f"{reason_text} after the request was sent, so it may or may not have been "
                              f"saved. It will be checked before it is tried again.", uncertain=True), False
        return self.error(ErrorKind.NETWORK, what, f"{reason_text}. Check the network or try again later."), True

    def _status_error(self, resp: requests.Response, what: str, idem: bool) -> tuple[TicketSystemError, bool]:
        code = resp.status_code
        if code == 401:
            return self.error(ErrorKind.AUTH, what,
                              "the credentials were rejected (HTTP 401). Check the user name and API key or "
                              "password in Settings → Ticket system; it may have expired or been revoked."), False
        if code == 403:
            return self.error(ErrorKind.AUTH, what,
                              "the login worked but access was refused (HTTP 403): the API user lacks "
                              f"permission for this. {_detail(resp)}".rstrip()), False
        if code == 404:
            return self.error(ErrorKind.NOT_FOUND, what,
                              f"{self.host} has nothing at {urlsplit(resp.url).path} (HTTP 404). Check the URL "
                              "in Settings; if it worked before, the ticket may have been deleted."), False
        if code == 429:
            wait = parse_retry_after(resp.headers.get("Retry-After"), self.clock.now())
            if wait is not None and wait > MAX_RETRY_AFTER:
                shown = f" It asked us to wait {how_long(wait)}; trying again in {how_long(MAX_RETRY_AFTER)} instead."
                wait = MAX_RETRY_AFTER
            else:
                shown = f" Try again in {wait:.0f} s." if wait is not None else " Try again in a minute."
            return self.error(ErrorKind.RATE_LIMIT, what,
                              f"{self.host} is limiting how often we may ask (HTTP 429).{shown}",
                              retry_after=wait), True
        if code >= 500:
            if not idem:
                return self.error(ErrorKind.BAD_RESPONSE, what,
                                  f"{self.host} had a server error (HTTP {code}) after the request was sent, "
                                  "so it may or may not have been saved. It will be checked before it is "
                                  "tried again.", uncertain=True), False
            return self.error(ErrorKind.BAD_RESPONSE, what,
                              f"{self.host} had a server error (HTTP {code}); usually temporary — try again "
                              "later or check the vendor's status page."), True
        return self.error(ErrorKind.REJECTED, what,
                          f"{self.host} refused the request (HTTP {code}). {_detail(resp)}".rstrip()), False


def _reason(exc: BaseException) -> BaseException | None:
    """The innermost urllib3 cause of a requests error (DNS, refused, …)."""
    current: Any = exc.args[0] if exc.args else None
    for _ in range(4):
        inner = getattr(current, "reason", None)
        if inner is None:
            break
        current = inner
    return current if isinstance(current, BaseException) else None


def _short(exc: BaseException) -> str:
    text = str(_reason(exc) or exc)
    return text if len(text) <= 160 else text[:157] + "…"


def _detail(resp: requests.Response) -> str:
    """The vendor's own words for a refusal, collected from common error shapes."""
    try:
        body = resp.json()
    except (ValueError, RecursionError):
        return ""
    found: list[str] = []

    def walk(node: Any, depth: int) -> None:
        if depth > 4 or len(found) >= 5:
            return
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            for key in ("message", "description", "errorMessages", "errors", "error", "error_description", "field"):
                if key in node:
                    walk(node[key], depth + 1)

    walk(body, 0)
    text = "; ".join(dict.fromkeys(s.strip() for s in found if s.strip()))
    return f"The server said: {text[:300]}" if text else ""

# -- what every REST adapter shares ---------------------------------------------

@dataclass(frozen=True)
class HttpOptions:
    """Knobs for the HTTP layer; tests inject ``sleep``/``rand``/``clock`` and short timeouts."""

    timeout: tuple[float, float] = (dl.CONNECT_TIMEOUT, dl.TOTAL_DEADLINE)
    policy: RetryPolicy = RetryPolicy()
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    clock: Clock | None = None
    #: the whole of one request, body included (seconds), and the largest answer read (bytes)
    deadline: float = dl.TOTAL_DEADLINE
    max_body: int = dl.MAX_BODY_BYTES

    def client(self, system: str, base_url: str, *, headers: Mapping[str, str] | None = None,
               auth: tuple[str, str] | None = None) -> HttpClient:
        return HttpClient(system, base_url, headers=headers, auth=auth, timeout=self.timeout,
                          policy=self.policy, sleep=self.sleep, rand=self.rand, clock=self.clock,
                          deadline=self.deadline, max_body=self.max_body)


class RestAdapter(TicketSystem, HasPeopleDirectory, Closes, Vendored):
    """The parts of ``TicketSystem`` that are the same for every REST vendor.

    Subclasses set ``name``/``vendor``, build ``self.http`` and implement
    ``poll``, ``add_note``, ``find_time_entry``, ``test_connection`` and
    ``_create_time_entry``; ``log_time`` is shared so the "never post twice"
    rule lives in one place.
    """

    name = "rest"
    vendor = ""
    #: person → vendor user overrides for ``assign`` (the connection option ``people``; see psa/people.py)
    people: Mapping[str, str] = {}

    def __init__(self, http: HttpClient, mapping: Mapping[str, Any] | None) -> None:
        self.http = http
        self.fmap = field_map(self.vendor, mapping)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> RestAdapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def log_time(self, entry: TimeEntryRequest) -> str:
        return post_once(lambda: self._create_time_entry(entry),
                         lambda: self.find_time_entry(entry.ticket_remote_id, entry.key))

    def find_time_entry(self, remote_id: str, key: str) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _create_time_entry(self, entry: TimeEntryRequest) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _poll_result(self, tickets: list[Ticket], since: str | None) -> PollResult:
        return PollResult(tickets=tickets, cursor=next_cursor(tickets, since))

    def _dig(self, data: Any, what: str, *path: str | int) -> Any:
        """``data[path0][path1]…`` or a BAD_RESPONSE naming the missing part."""
        node = data
        for step in path:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                raise self.http.bad_response(what, f"no '{step}' in it") from None
        return node

    def _number(self, data: Any, what: str, *path: str | int) -> int:
        """``data[path…]`` as a whole number, or a BAD_RESPONSE saying what it held instead."""
        node = self._dig(data, what, *path)
        if type(node) is int or (type(node) is str and node.strip().isdigit()):
            return int(node)
        shown = repr(node) if len(repr(node)) <= 40 else repr(node)[:37] + "…"
        raise self.http.bad_response(what, f"its `{'.'.join(map(str, path))}` is {shown}, expected a number")

    def _list(self, data: Any, what: str, *path: str | int) -> list[Any]:
        node = self._dig(data, what, *path) if path else data
        if not isinstance(node, list):
            raise self.http.bad_response(what, f"expected a list, got {type(node).__name__}")
        return node

    def _names_one_by_one(self, ids: list[str], kind: str, path: str,
                          name_of: Callable[[Mapping[str, Any]], Any]) -> dict[str, str]:
        """id → display name, one ``GET path.format(id)`` each, for vendors with no bulk lookup.

        A record that no longer exists (404) is left out: the name caches
        (``NameCache``, ``people.AssigneeNames``) then remember it as nameless
        and show the id.  ``name_of`` picks the name from the record.
        """
        names: dict[str, str] = {}
        for record in ids:
            try:
                data = self.http.get(path.format(record), what=f"read {kind} {record}").data
            except TicketSystemError as exc:
                if exc.kind is ErrorKind.NOT_FOUND:
                    continue
                raise
            name = name_of(data) if isinstance(data, dict) else None
            if name:
                names[record] = str(name)
        return names

    @staticmethod
    def _first_stamped(items: Iterable[Any], key: str, text_of: Callable[[Any], str | None],
                       id_of: Callable[[Any], Any]) -> str | None:
        for item in items:
            if has_stamp(text_of(item), key):
                return str(id_of(item))
        return None

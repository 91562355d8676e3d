"""The HTTP layer against servers that misbehave on purpose.

A server that trickles one byte every 0.2 s, one that accepts and never answers,
redirects to another origin, plain http beyond this computer, Retry-After of
eleven days, answers nested 100,000 deep, answers far too big.  Each must end
in one readable TicketSystemError, on time.
"""
from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from pytest_httpserver import HTTPServer

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.http import HttpClient, HttpOptions
from oncall_desktop.services.psa.retry import RetryPolicy

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
DEADLINE = 1.0
SLACK = 0.75


class _Hostile(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(handle) -> Iterator[str]:
    """A raw TCP server on 127.0.0.1 whose every connection is handled by ``handle(socket, stop)``."""
    stop = threading.Event()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            try:
                handle(self.request, stop)
            except OSError:
                pass

    server = _Hostile(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _trickle(sock: socket.socket, stop: threading.Event) -> None:
    sock.recv(65536)
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    while not stop.wait(0.2):
        sock.sendall(b" ")


def _trickle_headers(sock: socket.socket, stop: threading.Event) -> None:
    sock.recv(65536)
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000:
        if stop.wait(0.2):
            return
        sock.sendall(bytes([byte]))


def _silent(sock: socket.socket, stop: threading.Event) -> None:
    sock.recv(65536)
    stop.wait(30)


@pytest.fixture
def trickle() -> Iterator[str]:
    yield from _serve(_trickle)


@pytest.fixture
def trickle_headers() -> Iterator[str]:
    yield from _serve(_trickle_headers)


@pytest.fixture
def silent() -> Iterator[str]:
    yield from _serve(_silent)


def _client(url: str, **kw) -> HttpClient:
    kw.setdefault("timeout", (1.0, 5.0))
    return HttpClient("Testdesk", url, deadline=DEADLINE, sleep=lambda s: None, rand=lambda: 1.0,
                      clock=FakeClock(NOW), **kw)


def _timed(call) -> tuple[TicketSystemError, float]:
    started = time.monotonic()
    with pytest.raises(TicketSystemError) as err:
        call()
    return err.value, time.monotonic() - started


# -- an overall deadline --------------------------------------------------------

@pytest.mark.parametrize("server", ["trickle", "trickle_headers", "silent"])
def test_a_slow_server_is_cut_at_the_deadline(server, request):
    url = request.getfixturevalue(server)
    http = _client(url)
    try:
        error, took = _timed(lambda: http.get("/things", what="read things"))
    finally:
        http.close()
    assert took < DEADLINE + SLACK
    assert error.kind is ErrorKind.NETWORK and not error.uncertain
    assert str(error).startswith(f"Testdesk: could not read things — 127.0.0.1:{url.rsplit(':', 1)[1]} "
                                 f"did not answer within {DEADLINE:g} s")
    assert "\n" not in str(error)


def test_a_read_timing_out_before_the_watchdog_runs_is_still_the_deadline(silent, monkeypatch):
    """On a busy machine the watchdog thread can start late: the read, whose timeout is clamped to
    the deadline, times out first. The tech must still read the deadline, not a 5 s read timeout."""
    class _StarvedTimer(threading.Timer):
        def start(self) -> None:  # the watchdog never gets the CPU in time
            pass

        def join(self, timeout: float | None = None) -> None:
            pass

    monkeypatch.setattr("oncall_desktop.services.psa.deadline.threading.Timer", _StarvedTimer)
    http = _client(silent)
    try:
        error, took = _timed(lambda: http.get("/things", what="read things"))
    finally:
        http.close()
    assert took < DEADLINE + SLACK
    assert f"did not answer within {DEADLINE:g} s" in str(error) and "stopped answering" not in str(error)


def test_a_post_cut_by_the_deadline_is_uncertain_and_not_resent(trickle):
    http = _client(trickle)
    try:
        error, took = _timed(lambda: http.post("/entries", what="log time", json={"a": 1}))
    finally:
        http.close()
    assert took < DEADLINE + SLACK
    assert error.uncertain and "may or may not have been saved" in str(error)


def test_the_deadline_comes_from_the_options(trickle):
    http = HttpOptions(timeout=(1.0, 5.0), deadline=0.5, sleep=lambda s: None).client("Testdesk", trickle)
    try:
        error, took = _timed(lambda: http.get("/x", what="read things"))
    finally:
        http.close()
    assert took < 0.5 + SLACK and "within 0.5 s" in str(error)


def test_a_quick_server_is_unaffected_and_its_connection_is_reused(httpserver):
    httpserver.expect_request("/api/a").respond_with_json({"n": 1})
    http = _client(httpserver.url_for("/api"))
    try:
        for _ in range(3):
            assert http.get("/a", what="read").data == {"n": 1}
        time.sleep(DEADLINE + 0.2)  # a watchdog that fired late must not cut the idle kept-alive connection
        assert http.get("/a", what="read").data == {"n": 1}
    finally:
        http.close()


def test_get_within_bounds_downloads_too(trickle, silent):
    import requests

    from oncall_desktop.services.psa.deadline import get_within

    for url in (trickle, silent):
        started = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout) as err:
            get_within(url + "/pack.zip", deadline=DEADLINE, timeout=(1.0, 5.0))
        assert time.monotonic() - started < DEADLINE + SLACK
        assert f"did not answer within {DEADLINE:g} s" in str(err.value)


# -- credentials only to the configured origin ----------------------------------------

@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_a_redirect_to_another_origin_is_refused_and_carries_nothing(httpserver, other_server):
    other_server.expect_request("/steal").respond_with_json({"stolen": True})
    httpserver.expect_request("/api/things").respond_with_data(
        "", status=302, headers={"Location": other_server.url_for("/steal")})
    http = _client(httpserver.url_for("/api"), headers={"clientId": "cw-client-guid", "Secret": "s3cret"},
                   auth=("user", "pw"))
    try:
        error, _ = _timed(lambda: http.get("/things", what="read things"))
    finally:
        http.close()
    assert other_server.log == []  # not even asked
    assert error.kind is ErrorKind.BAD_RESPONSE
    assert f"redirected to another host (127.0.0.1:{other_server.port})" in str(error)
    assert "credentials were not sent" in str(error) and "s3cret" not in str(error)


def test_a_redirect_with_userinfo_is_refused(httpserver):
    target = httpserver.url_for("/api/else").replace("http://", "http://me:pw@")
    httpserver.expect_request("/api/things").respond_with_data("", status=302, headers={"Location": target})
    http = _client(httpserver.url_for("/api"))
    try:
        error, _ = _timed(lambda: http.get("/things", what="read things"))
    finally:
        http.close()
    assert "redirected" in str(error) and "pw" not in str(error)


def test_a_same_origin_redirect_is_followed_with_the_headers(httpserver):
    httpserver.expect_request("/api/old").respond_with_data("", status=301, headers={"Location": "/api/new"})
    httpserver.expect_request("/api/new", headers={"clientId": "cw-client-guid"}).respond_with_json({"ok": True})
    http = _client(httpserver.url_for("/api"), headers={"clientId": "cw-client-guid"})
    try:
        assert http.get("/old", what="read").data == {"ok": True}
    finally:
        http.close()


def test_a_next_page_url_on_another_port_is_refused(httpserver, other_server):
    http = _client(httpserver.url_for("/api"))
    try:
        error, _ = _timed(lambda: http.get(other_server.url_for("/api/page2"), what="read"))
    finally:
        http.close()
    assert "another host" in str(error) and other_server.log == []


# -- plain http and userinfo -------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://help.example.com", "http://10.0.0.5:8080/redmine"])
def test_plain_http_beyond_this_computer_is_refused(url):
    with pytest.raises(TicketSystemError) as err:
        HttpClient("Redmine", url)
    assert err.value.kind is ErrorKind.CONFIG and "not encrypted" in str(err.value) and "https://" in str(err.value)


@pytest.mark.parametrize("url", ["http://localhost:3000", "http://127.0.0.1:8080/x", "http://[::1]:9000"])
def test_plain_http_to_this_computer_is_allowed(url):
    HttpClient("Redmine", url).close()


def test_a_url_with_a_password_is_refused_without_echoing_it():
    with pytest.raises(TicketSystemError) as err:
        HttpClient("Redmine", "https://admin:hunter2@redmine.example.com")
    assert err.value.kind is ErrorKind.CONFIG and "hunter2" not in str(err.value)
    assert "keyring" in str(err.value) and "https://redmine.example.com" in str(err.value)


# -- Retry-After -------------------------------------------------------------------------------

def test_an_absurd_retry_after_is_capped_and_said(httpserver):
    httpserver.expect_request("/api/things").respond_with_data("", status=429, headers={"Retry-After": "999999"})
    http = _client(httpserver.url_for("/api"), policy=RetryPolicy(attempts=2, max_total_wait=30))
    try:
        error, _ = _timed(lambda: http.get("/things", what="read things"))
    finally:
        http.close()
    assert error.kind is ErrorKind.RATE_LIMIT and error.retry_after == 3600.0
    assert "asked us to wait 11.6 days; trying again in 1 h instead" in str(error)


def test_the_error_itself_never_carries_more_than_the_cap():
    assert TicketSystemError(ErrorKind.RATE_LIMIT, "x", retry_after=999999).retry_after == 3600.0
    assert TicketSystemError(ErrorKind.RATE_LIMIT, "x", retry_after=12).retry_after == 12


# -- hostile answers ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_json_is_one_bad_response_line(httpserver, body):
    httpserver.expect_request("/api/deep").respond_with_data(body, content_type="application/json")
    http = _client(httpserver.url_for("/api"))
    try:
        error, _ = _timed(lambda: http.get("/deep", what="fetch tickets"))
    finally:
        http.close()
    assert error.kind is ErrorKind.BAD_RESPONSE and "nested" in str(error) and "\n" not in str(error)


def test_deeply_nested_json_in_an_error_answer_is_still_worded(httpserver):
    httpserver.expect_request("/api/deep").respond_with_data("[" * 100_000, status=422,
                                                             content_type="application/json")
    http = _client(httpserver.url_for("/api"))
    try:
        error, _ = _timed(lambda: http.get("/deep", what="fetch tickets"))
    finally:
        http.close()
    assert error.kind is ErrorKind.REJECTED and "HTTP 422" in str(error)


def test_an_answer_over_the_size_bound_is_refused(httpserver):
    httpserver.expect_request("/api/big").respond_with_data("[" + "1," * 600_000 + "1]",
                                                            content_type="application/json")
    http = _client(httpserver.url_for("/api"), max_body=1024 * 1024)
    try:
        error, _ = _timed(lambda: http.get("/big", what="fetch tickets"))
    finally:
        http.close()
    assert error.kind is ErrorKind.BAD_RESPONSE and "larger than 1 MB" in str(error)


def test_a_chunked_answer_over_the_size_bound_is_refused(httpserver):
    from werkzeug import Response

    def chunks():
        for _ in range(40):
            yield b"1," * 16_384

    httpserver.expect_request("/api/big").respond_with_response(Response(chunks(), content_type="application/json"))
    http = _client(httpserver.url_for("/api"), max_body=1024 * 1024)
    try:
        error, _ = _timed(lambda: http.get("/big", what="fetch tickets"))
    finally:
        http.close()
    assert "larger than 1 MB" in str(error)


def test_a_request_through_an_http_proxy_is_cut_at_the_deadline_too(trickle, monkeypatch):
    # the "proxy" trickles its answer: the request must still end on time
    monkeypatch.setenv("HTTP_PROXY", trickle)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    http = _client("http://localhost:9")
    try:
        error, took = _timed(lambda: http.get("/x", what="read things"))
    finally:
        http.close()
    assert took < DEADLINE + SLACK and f"within {DEADLINE:g} s" in str(error)


def test_retries_stay_within_the_deadline(silent):
    # each try gives up after its read timeout (0.6 s) and would be retried four times: 2.4 s
    http = HttpClient("Testdesk", silent, timeout=(1.0, 0.6), deadline=DEADLINE, sleep=time.sleep,
                      rand=lambda: 0.0, clock=FakeClock(NOW), policy=RetryPolicy(attempts=4))
    try:
        error, took = _timed(lambda: http.get("/things", what="read things"))
    finally:
        http.close()
    assert took < DEADLINE + SLACK and error.kind is ErrorKind.NETWORK

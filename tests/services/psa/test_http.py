"""The shared HTTP layer: backoff maths, Retry-After, error wording, paging, post_once.

Served by pytest-httpserver; nothing here really sleeps (``sleep`` is recorded).
"""
from __future__ import annotations

import json
import socket
import time
from datetime import datetime, timezone
from typing import Any, TypedDict

import pytest
from werkzeug import Request, Response

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.psa.base import ErrorKind, TicketSystemError
from oncall_desktop.services.psa.http import HttpClient, api_base
from oncall_desktop.services.psa.pagination import by_offset, by_page_number, walk_pages
from oncall_desktop.services.psa.retry import RetryPolicy, backoff_delay, parse_retry_after, post_once

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def client(httpserver, sleeps):
    http = HttpClient("Testdesk", httpserver.url_for("/api"), timeout=(1.0, 0.3), sleep=sleeps,
                      rand=lambda: 1.0, clock=FakeClock(NOW), policy=RetryPolicy(attempts=4, base=0.5, cap=8, max_total_wait=30))
    yield http
    http.close()


# -- pure pieces --------------------------------------------------------------

def test_backoff_is_exponential_capped_and_fully_jittered():
    policy = RetryPolicy(base=0.5, cap=4.0)
    assert [backoff_delay(n, policy, lambda: 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff_delay(3, policy, lambda: 0.25) == 1.0
    assert backoff_delay(3, policy, lambda: 0.0) == 0.0


def test_retry_after_seconds_and_http_date():
    assert parse_retry_after("120", NOW) == 120.0
    assert parse_retry_after("Mon, 05 Jan 2026 09:00:30 GMT", NOW) == 30.0
    assert parse_retry_after("Mon, 05 Jan 2026 08:00:00 GMT", NOW) == 0.0  # in the past: go now
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("-5", NOW) is None


def test_api_base_accepts_what_people_type():
    assert api_base("acme.example.com", "/api/v2") == "https://acme.example.com/api/v2"
    assert api_base("https://acme.example.com/", "/api/v2") == "https://acme.example.com/api/v2"
    assert api_base("http://127.0.0.1:3000/redmine", "/x") == "http://127.0.0.1:3000/redmine"
    with pytest.raises(TicketSystemError) as err:
        api_base("  ")
    assert err.value.kind is ErrorKind.CONFIG and "Settings" in str(err.value)


# -- retries ----------------------------------------------------------------

def test_500_then_success_is_retried_with_backoff(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/api/things").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/api/things").respond_with_data("oops", status=503)
    httpserver.expect_ordered_request("/api/things").respond_with_json({"ok": True})
    assert client.get("/things", what="read things").data == {"ok": True}
    assert sleeps == [0.5, 1.0]


def test_429_honours_retry_after_seconds(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/api/things").respond_with_data("", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/api/things").respond_with_json([1, 2])
    assert client.get("/things", what="read things").data == [1, 2]
    assert sleeps == [7.0]


def test_429_honours_retry_after_http_date(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/api/things").respond_with_data(
        "", status=429, headers={"Retry-After": "Mon, 05 Jan 2026 09:00:12 GMT"})
    httpserver.expect_ordered_request("/api/things").respond_with_json([])
    client.get("/things", what="read things")
    assert sleeps == [12.0]


def test_429_beyond_the_wait_budget_is_raised_with_retry_after(httpserver, client, sleeps):
    httpserver.expect_request("/api/things").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(TicketSystemError) as err:
        client.get("/things", what="read things")
    assert err.value.kind is ErrorKind.RATE_LIMIT
    assert err.value.retry_after == 3600.0
    assert "3600 s" in str(err.value)
    assert sleeps == []


def test_429_is_retried_even_for_post(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/api/entries", method="POST").respond_with_data(
        "", status=429, headers={"Retry-After": "2"})
    httpserver.expect_ordered_request("/api/entries", method="POST").respond_with_json({"id": 9}, status=201)
    assert client.post("/entries", what="log time", json={}).data == {"id": 9}
    assert sleeps == [2.0]


def test_total_wait_is_bounded(httpserver, sleeps):
    httpserver.expect_request("/api/things").respond_with_data("down", status=502)
    http = HttpClient("Testdesk", httpserver.url_for("/api"), sleep=sleeps, rand=lambda: 1.0,
                      policy=RetryPolicy(attempts=10, base=1.0, cap=100, max_total_wait=5.0))
    with pytest.raises(TicketSystemError) as err:
        http.get("/things", what="read things")
    http.close()
    assert err.value.kind is ErrorKind.BAD_RESPONSE and "HTTP 502" in str(err.value)
    assert sleeps == [1.0, 2.0] and sum(sleeps) <= 5.0


def test_post_5xx_is_not_retried_and_is_uncertain(httpserver, client, sleeps):
    httpserver.expect_request("/api/entries", method="POST").respond_with_data("", status=500)
    with pytest.raises(TicketSystemError) as err:
        client.post("/entries", what="log time", json={"a": 1})
    assert err.value.uncertain and sleeps == []
    assert len(httpserver.log) == 1


def test_idempotent_post_search_is_retried(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/api/search", method="POST").respond_with_data("", status=500)
    httpserver.expect_ordered_request("/api/search", method="POST").respond_with_json({"issues": []})
    assert client.post("/search", what="search", json={}, idempotent=True).data == {"issues": []}


# -- timeouts ------------------------------------------------------------------

def _slow(seconds: float, body: object):
    def handler(request: Request) -> Response:
        time.sleep(seconds)
        return Response(json.dumps(body), content_type="application/json")
    return handler


def test_get_read_timeout_is_retried_then_succeeds(httpserver, client, sleeps):
    httpserver.expect_ordered_request("/api/things").respond_with_handler(_slow(0.45, {"late": True}))
    httpserver.expect_ordered_request("/api/things").respond_with_json({"ok": True})
    assert client.get("/things", what="read things").data == {"ok": True}
    assert len(sleeps) == 1


def test_post_read_timeout_is_uncertain_and_not_resent(httpserver, client, sleeps):
    httpserver.expect_request("/api/entries", method="POST").respond_with_handler(_slow(0.45, {"id": 1}))
    with pytest.raises(TicketSystemError) as err:
        client.post("/entries", what="log time", json={})
    assert err.value.uncertain and err.value.kind is ErrorKind.NETWORK
    assert "may or may not have been saved" in str(err.value)
    assert sleeps == []


# -- failures worded for people -------------------------------------------------

@pytest.mark.parametrize("status, kind, words", [
    (401, ErrorKind.AUTH, "credentials were rejected"),
    (403, ErrorKind.AUTH, "lacks permission"),
    (404, ErrorKind.NOT_FOUND, "Check the URL"),
])
def test_status_codes_map_to_distinct_kinds(httpserver, client, status, kind, words):
    httpserver.expect_request("/api/things").respond_with_data("{}", status=status)
    with pytest.raises(TicketSystemError) as err:
        client.get("/things", what="read things")
    assert err.value.kind is kind and words in str(err.value)
    assert str(err.value).startswith("Testdesk: could not read things")


def test_422_carries_the_vendors_reason(httpserver, client):
    # Redmine's documented error shape: {"errors": [...]}
    httpserver.expect_request("/api/x", method="POST").respond_with_json({"errors": ["Activity cannot be blank"]}, status=422)
    with pytest.raises(TicketSystemError) as err:
        client.post("/x", what="log time", json={})
    assert err.value.kind is ErrorKind.REJECTED and "Activity cannot be blank" in str(err.value)


def test_html_instead_of_json_says_so(httpserver, client):
    httpserver.expect_request("/api/things").respond_with_data("<html><body>Login</body></html>", content_type="text/html")
    with pytest.raises(TicketSystemError) as err:
        client.get("/things", what="read things")
    assert err.value.kind is ErrorKind.BAD_RESPONSE and "not JSON" in str(err.value) and "web UI" in str(err.value)


def test_malformed_json(httpserver, client):
    httpserver.expect_request("/api/things").respond_with_data('{"tickets": [', content_type="application/json")
    with pytest.raises(TicketSystemError) as err:
        client.get("/things", what="read things")
    assert err.value.kind is ErrorKind.BAD_RESPONSE


class _Item(TypedDict, total=False):
    id: Any
    name: Any


def test_a_shape_reads_only_its_keys_and_an_answer_off_it_is_read_whole(httpserver, client):
    httpserver.expect_request("/api/fit").respond_with_json([{"id": 1, "name": "a", "noise": {"deep": [1, 2]}}])
    httpserver.expect_request("/api/off").respond_with_json({"error": "not a list"})
    assert client.get("/fit", what="read", shape=list[_Item]).data == [{"id": 1, "name": "a"}]
    assert client.get("/off", what="read", shape=list[_Item]).data == {"error": "not a list"}  # caller's checks say why


def test_what_msgspec_refuses_is_read_by_requests_decoder(httpserver, client):
    # another charset, and a number no 64-bit integer or double holds: both valid for the standard decoder
    httpserver.expect_request("/api/latin").respond_with_data('{"name": "Müller"}'.encode("latin-1"),
                                                          content_type="application/json; charset=ISO-8859-1")
    httpserver.expect_request("/api/big").respond_with_data('{"n": 1e999, "id": 123456789012345678901234567890}',
                                                        content_type="application/json")
    assert client.get("/latin", what="read").data == {"name": "Müller"}
    # bytes that are valid UTF-8 too ("ü") but declared Latin-1 mean "Ã¼": the declared charset wins
    httpserver.expect_request("/api/both").respond_with_data(b'{"name": "\xc3\xbc"}',
                                                         content_type="application/json; charset=ISO-8859-1")
    assert client.get("/both", what="read").data == {"name": "Ã¼"}
    big = client.get("/big", what="read").data
    assert big["id"] == 123456789012345678901234567890 and big["n"] == float("inf")


def test_connection_refused_is_a_wrong_url_message(sleeps):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    http = HttpClient("Testdesk", f"http://127.0.0.1:{port}", sleep=sleeps, timeout=(1, 1))
    with pytest.raises(TicketSystemError) as err:
        http.get("/x", what="read things")
    http.close()
    assert err.value.kind is ErrorKind.NETWORK and "refused the connection" in str(err.value)
    assert not err.value.uncertain


def test_dns_failure_names_the_host(sleeps):
    http = HttpClient("Testdesk", "https://no-such-host.invalid", sleep=sleeps, timeout=(1, 1))
    with pytest.raises(TicketSystemError) as err:
        http.get("/x", what="read things")
    http.close()
    assert err.value.kind is ErrorKind.NETWORK and "no-such-host.invalid" in str(err.value)
    assert "could not be found" in str(err.value)


def test_tls_error_is_its_own_kind(httpserver, sleeps):
    # A plain-HTTP server spoken to with https: the handshake fails.
    http = HttpClient("Testdesk", httpserver.url_for("/").replace("http://", "https://"), sleep=sleeps, timeout=(1, 1))
    with pytest.raises(TicketSystemError) as err:
        http.get("/x", what="read things")
    http.close()
    assert err.value.kind is ErrorKind.TLS and "certificate" in str(err.value)


def test_next_page_url_on_another_host_is_refused(client):
    with pytest.raises(TicketSystemError) as err:
        client.get("https://evil.example.com/steal", what="read things")
    assert err.value.kind is ErrorKind.BAD_RESPONSE and "another host" in str(err.value)


# -- paging ----------------------------------------------------------------------

def test_page_numbers_walk_to_a_short_page():
    pages = {1: [1, 2], 2: [3, 4], 3: [5]}
    asked: list[int] = []

    def get(n: int) -> list[int]:
        asked.append(n)
        return pages.get(n, [])

    assert list(walk_pages(by_page_number(get, 2), system="T")) == [1, 2, 3, 4, 5]
    assert asked == [1, 2, 3]


def test_offset_walks_to_the_total():
    data = list(range(7))
    assert list(walk_pages(by_offset(lambda off: (data[off:off + 3], len(data))), system="T")) == data


def test_looping_cursor_is_reported():
    with pytest.raises(TicketSystemError) as err:
        list(walk_pages(lambda tok: ([1], "same"), system="T"))
    assert "circle" in str(err.value)


# -- post_once -------------------------------------------------------------------

def test_post_once_returns_found_entry_after_uncertain_failure():
    posts: list[int] = []

    def post() -> str:
        posts.append(1)
        raise TicketSystemError(ErrorKind.NETWORK, "timeout", uncertain=True)

    assert post_once(post, lambda: "77") == "77"
    assert posts == [1]


def test_post_once_reraises_when_key_not_found_and_does_not_post_again():
    posts: list[int] = []

    def post() -> str:
        posts.append(1)
        raise TicketSystemError(ErrorKind.NETWORK, "timeout", uncertain=True)

    with pytest.raises(TicketSystemError) as err:
        post_once(post, lambda: None)
    assert err.value.uncertain and posts == [1]


def test_post_once_does_not_look_up_after_a_certain_failure():
    looked: list[int] = []

    def post() -> str:
        raise TicketSystemError(ErrorKind.AUTH, "nope")

    with pytest.raises(TicketSystemError):
        post_once(post, lambda: looked.append(1) or None)  # type: ignore[func-returns-value]
    assert looked == []

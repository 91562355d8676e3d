"""Helpers for the vendor adapter tests that run against pytest-httpserver.

Every adapter must survive the same two server misbehaviours: an answer that comes after the
read timeout, and a create the server commits but answers too late (the adapter must then find
the saved record by its key instead of posting it twice). These helpers build those handlers
once, so each vendor test only states the vendor's own payloads.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from werkzeug import Request, Response

#: The fake "now" of every adapter test (a Monday morning, UTC).
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
#: The read timeout the adapters get in these tests: short, so a stall costs little.
READ_TIMEOUT = 0.25
#: How long a stalling handler sleeps: longer than READ_TIMEOUT, so the client gives up first.
STALL = 0.35


class Sleeps(list):
    """Records the back-off waits instead of sleeping, so retries are checked without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def stall(body: str = "{}", content_type: str | None = None) -> Callable[[Request], Response]:
    """A handler that answers only after the read timeout: the adapter must report a network error."""
    def handler(request: Request) -> Response:
        time.sleep(STALL)
        return Response(body, content_type=content_type)
    return handler


def answer_live(body: Callable[[], Any]) -> Callable[[Request], Response]:
    """A handler whose JSON is built when the request arrives (e.g. a list of what was saved so far)."""
    return lambda request: json_response(body())


def save_then_stall(saved: list, save: Callable[[Any], Any], answer: Callable[[list], Any] | None = None,
                    status: int = 201) -> Callable[[Request], Response]:
    """A create the server commits (``save(request JSON)`` goes into ``saved``) but answers after the
    read timeout; ``answer(saved)`` is the late JSON body, or an empty body when None."""
    def handler(request: Request) -> Response:
        saved.append(save(request.get_json()))
        time.sleep(STALL)
        if answer is None:
            return Response("", status=status)
        return json_response(answer(saved), status)
    return handler


def sent(httpserver, path: str, method: str = "POST") -> list:
    """The JSON bodies the adapter sent to ``method path``, oldest first."""
    return [r.get_json() for r, _ in httpserver.log if r.path == path and r.method == method]

"""Fixtures shared by the vendor adapter tests (helpers live in fakes.py)."""
from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from oncall_desktop.core.time.clock import FakeClock
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.retry import RetryPolicy
from tests.services.psa.fakes import NOW, READ_TIMEOUT, Sleeps


@pytest.fixture(scope="module")
def make_httpserver():
    """Overrides pytest-httpserver's server: threaded, so a handler that stalls past the read
    timeout does not block the adapter's next request (the look-up after an uncertain POST)."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def options(sleeps: Sleeps, clock: FakeClock) -> HttpOptions:
    """Three attempts, recorded sleeps, no jitter and the fake clock: retries are deterministic."""
    return HttpOptions(timeout=(1.0, READ_TIMEOUT), policy=RetryPolicy(attempts=3), sleep=sleeps,
                       rand=lambda: 1.0, clock=clock)

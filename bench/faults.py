"""Fault injection: timers + outbox + the real Redmine adapter against a hostile fake Redmine.

Run: ``.venv/bin/python bench/faults.py [--runs 1000] [--seed 1]``.  Each run is
a fresh workspace in which a technician starts, pauses, resumes and stops
timers on three issues while the outbox delivers to a fake server speaking
Redmine's documented time entry API (https://www.redmine.org/projects/redmine/wiki/Rest_TimeEntries:
``POST /time_entries.json`` → 201 ``{"time_entry": {...}}``, ``GET
/time_entries.json?issue_id=&limit=&offset=`` → ``{"time_entries", "total_count",
"offset", "limit"}``).  The fake times out, answers 429/500/garbage, or drops the
connection — the nasty ones *after* it committed the entry — and the service is
killed at random (before a POST, after a POST but before the local commit, or
between steps) and rebuilt from disk.  Afterwards it checks:

* every worked second the technician put in is on a timer segment, and every
  worked minute is on a billed entry (``(seconds + 30) // 60`` per segment);
* every billed entry is on the fake exactly once (its key in the comment),
  with the right hours; no key exists twice; the outbox is empty.

``tests/services/delivery/test_faults.py`` runs the same harness with fewer runs.
"""
from __future__ import annotations

import argparse
import random
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pytest_httpserver import HTTPServer  # noqa: E402
from werkzeug import Request, Response  # noqa: E402

from oncall_desktop.core.time.clock import FakeClock  # noqa: E402
from oncall_desktop.services.app.workspace import Workspace  # noqa: E402
from oncall_desktop.services.delivery.outbox import CLAIM_SECONDS  # noqa: E402
from oncall_desktop.services.psa.http import HttpOptions  # noqa: E402
from oncall_desktop.services.psa.retry import RetryPolicy  # noqa: E402
from oncall_desktop.services.psa.vendors.redmine import RedmineAdapter  # noqa: E402

ISSUES = (101, 102, 103)
READ_TIMEOUT = 0.15
POST_FAULTS = ("ok", "429", "500-before", "500-after", "garbage-after", "timeout-after", "drop-after", "drop-before")
GET_FAULTS = ("ok", "429", "500", "garbage", "timeout")
_KEY = re.compile(r"\[oncall-key:([^\]]+)\]")


class Crash(BaseException):
    """kill -9: nothing after this runs, nothing is committed."""


@dataclass
class FakeRedmine:
    """Redmine's time entry endpoints with injected faults (thread-safe: the server is threaded)."""

    rng: random.Random
    fault_rate: float = 0.35
    entries: list[dict[str, Any]] = field(default_factory=list)
    faults: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    enabled: bool = True

    def _pick(self, choices: tuple[str, ...]) -> str:
        if not self.enabled or self.rng.random() >= self.fault_rate:
            return "ok"
        fault = self.rng.choice(choices[1:])
        self.faults[fault] += 1
        return fault

    def post(self, request: Request) -> Response:
        fault = self._pick(POST_FAULTS)
        if fault == "429":
            return Response('{"errors": ["slow down"]}', 429, {"Retry-After": "2"}, content_type="application/json")
        if fault == "500-before":
            return Response("Internal error", 500)
        if fault == "drop-before":
            return _drop(request)
        body = request.get_json(force=True)["time_entry"]
        with self.lock:
            entry = {"id": len(self.entries) + 1, "issue": {"id": body["issue_id"]}, "hours": body["hours"],
                     "comments": body["comments"], "spent_on": body["spent_on"],
                     "activity": {"id": body.get("activity_id")}}
            self.entries.append(entry)
        if fault == "500-after":
            return Response("Internal error", 500)
        if fault == "garbage-after":
            return Response("<html><body>Maintenance</body></html>", 201, content_type="text/html")
        if fault == "timeout-after":
            time.sleep(READ_TIMEOUT * 2)
        if fault == "drop-after":
            return _drop(request)
        return Response(_json({"time_entry": entry}), 201, content_type="application/json")

    def get(self, request: Request) -> Response:
        fault = self._pick(GET_FAULTS)
        if fault == "429":
            return Response("{}", 429, {"Retry-After": "0"}, content_type="application/json")
        if fault == "500":
            return Response("Internal error", 500)
        if fault == "garbage":
            return Response("not json at all", 200, content_type="application/json")
        if fault == "timeout":
            time.sleep(READ_TIMEOUT * 2)
        issue = int(request.args["issue_id"])
        offset, limit = int(request.args.get("offset", 0)), int(request.args.get("limit", 25))
        with self.lock:
            mine = [e for e in self.entries if e["issue"]["id"] == issue]
        page = mine[offset:offset + limit]
        return Response(_json({"time_entries": page, "total_count": len(mine), "offset": offset, "limit": limit}),
                        200, content_type="application/json")


def _drop(request: Request) -> Response:
    sock: socket.socket = request.environ["werkzeug.socket"]
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return Response("", 500)  # never reaches the client


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


class CrashingSystem:
    """The real adapter, with kill -9 injected around its writes."""

    def __init__(self, real: RedmineAdapter, rng: random.Random, rate: float) -> None:
        self.real, self.rng, self.rate = real, rng, rate
        self.name, self.vendor = real.name, real.vendor
        self.crashes = Counter()

    def log_time(self, entry: Any) -> str:
        if self.rng.random() < self.rate:
            self.crashes["before POST"] += 1
            raise Crash()
        result = self.real.log_time(entry)
        if self.rng.random() < self.rate:
            self.crashes["after POST, before local commit"] += 1
            raise Crash()
        return result

    def find_time_entry(self, remote_id: str, key: str) -> str | None:
        return self.real.find_time_entry(remote_id, key)

    def add_note(self, remote_id: str, text: str, *, internal: bool = True) -> None:
        self.real.add_note(remote_id, text, internal=internal)


@dataclass
class Totals:
    runs: int = 0
    actions: int = 0
    restarts: int = 0
    deliveries: int = 0
    worked_seconds: int = 0
    worked_minutes_billed: int = 0
    entries_local: int = 0
    entries_remote: int = 0
    duplicates: int = 0
    missing: int = 0
    minute_mismatches: int = 0
    hour_mismatches: int = 0
    leftover_outbox: int = 0
    lookups_found: int = 0
    faults: Counter = field(default_factory=Counter)
    crashes: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


class Run:
    """One randomized scenario in one workspace."""

    def __init__(self, base: Path, url: str, fake: FakeRedmine, rng: random.Random, totals: Totals) -> None:
        self.dir, self.fake, self.rng, self.t = base, fake, rng, totals
        start = datetime(2026, 3, 2, tzinfo=timezone.utc) + timedelta(minutes=rng.randrange(60 * 24 * 300))
        self.clock = FakeClock(start)
        self.adapter = RedmineAdapter(url, secret="k", activity_id=9, options=HttpOptions(
            timeout=(1.0, READ_TIMEOUT), policy=RetryPolicy(attempts=2, base=0.0, cap=0.0, max_total_wait=0.0),
            sleep=lambda s: None, clock=self.clock))
        self.system = CrashingSystem(self.adapter, rng, rate=0.08)
        self.mode = rng.choice(("resume", "close"))
        self.ws = self._open(first=True)
        self.truth: dict[int, int] = {}  # timer id → seconds the tech really worked on it
        self.running: int | None = None
        self.paused = False

    def _open(self, first: bool = False) -> Workspace:
        ws = Workspace(self.dir, self.clock)
        if first:
            ws.billing.load_clients('[default]\ntime_zone = "Europe/Berlin"\nholidays = { country = "DE" }\n')
            ws.store.set_setting("timer_after_crash", self.mode)
            ws.store.set_setting("timer_gap_minutes", 600)  # sleeps are another test; here: crashes
        ws.__dict__["_system"] = self.system  # the configured ticket system (Workspace.ticket_system caches it)
        ws.timers.heartbeat()  # the app's first tick: recovers what a crash left running
        return ws

    def crash(self, restart_after: int) -> None:
        """The process dies now; the app comes back ``restart_after`` seconds later."""
        self.ws.store.db.conn.close()
        self.t.restarts += 1
        self.clock.advance(seconds=restart_after)
        if self.running is not None and not self.paused:
            if self.mode == "resume":  # back within the gap: the time away counted as work
                self.truth[self.running] += restart_after
            else:
                self.running = None  # closed at the last heartbeat
        self.ws = self._open()

    def work(self, seconds: int) -> None:
        for _ in range(seconds // 30):  # the heartbeat runs throughout (every 30 s here, 1 s in the app)
            self.clock.advance(seconds=30)
            self.ws.timers.heartbeat()
        self.clock.advance(seconds=seconds % 30)
        self.ws.timers.heartbeat()
        if self.running is not None and not self.paused:
            self.truth[self.running] += seconds

    def deliver(self) -> None:
        self.t.deliveries += 1
        try:
            self.ws.deliver_outbox()
        except Crash:
            self.crash(self.rng.randrange(1, 30))

    def step(self) -> None:
        self.t.actions += 1
        roll = self.rng.random()
        if self.running is None and roll < 0.6:
            timer = self.ws.timers.start(f"redmine:{self.rng.choice(ISSUES)}", "Kanzlei")
            self.running, self.paused = timer.id, False
            self.truth.setdefault(timer.id, 0)
        elif self.running is not None and roll < 0.15:
            if self.paused:
                self.ws.timers.resume()
            else:
                self.ws.timers.pause()
            self.paused = not self.paused
        elif self.running is not None and roll < 0.35:
            self.ws.timers.stop()
            self.running = None
        elif roll < 0.45:
            self.crash(self.rng.randrange(1, 120))
        self.work(self.rng.randrange(5, 40 * 60))
        if self.rng.random() < 0.7:  # the app delivers after every poll
            self.deliver()

    def finish(self) -> None:
        if self.running is not None:
            self.ws.timers.stop()
            self.running = None
        for _ in range(6):  # still hostile for a while …
            self.clock.advance(seconds=self.rng.randrange(30, CLAIM_SECONDS * 2))
            self.deliver()
        self.fake.enabled = False
        self.system.rate = 0.0
        for _ in range(20):  # … then the network is back: everything goes out
            self.clock.advance(seconds=CLAIM_SECONDS + 3600)
            self.ws.deliver_outbox()
            if not self.ws.outbox.rows(states=("pending",)):
                break
        self.fake.enabled = True
        self.system.rate = 0.08

    def check(self) -> None:
        conn = self.ws.store.db.conn
        seconds = {tid: 0 for tid in self.truth}
        for timer_id, start, end in conn.execute("SELECT timer_id, start, end FROM timer_segments"):
            seconds[timer_id] = seconds.get(timer_id, 0) + int(
                (_parse(end) - _parse(start)).total_seconds())
        for timer_id, truth in self.truth.items():
            if seconds.get(timer_id, 0) != truth:
                self.t.problems.append(f"timer {timer_id}: {seconds.get(timer_id)} s recorded, {truth} s worked")
        per_segment = conn.execute(
            "SELECT s.id, s.start, s.end, COALESCE(SUM(e.worked_minutes), 0) FROM timer_segments s "
            "LEFT JOIN time_entries e ON e.segment_id = s.id GROUP BY s.id").fetchall()
        for seg_id, start, end, billed in per_segment:
            expected = (int((_parse(end) - _parse(start)).total_seconds()) + 30) // 60
            if billed != expected:
                self.t.minute_mismatches += 1
                self.t.problems.append(f"segment {seg_id}: {billed} min billed, {expected} min worked")
            self.t.worked_minutes_billed += billed
        self.t.worked_seconds += sum(self.truth.values())
        local = {key: minutes for key, minutes in conn.execute("SELECT key, worked_minutes FROM time_entries")}
        remote = Counter()
        hours: dict[str, float] = {}
        for entry in self.fake.entries:
            for key in _KEY.findall(entry["comments"]):
                remote[key] += 1
                hours[key] = entry["hours"]
        self.t.entries_local += len(local)
        self.t.entries_remote += sum(remote[k] for k in local)
        self.t.duplicates += sum(n - 1 for n in remote.values() if n > 1)
        for key, minutes in local.items():
            if remote[key] == 0:
                self.t.missing += 1
                self.t.problems.append(f"entry {key} never reached the fake")
            elif abs(hours[key] - round(minutes / 60, 2)) > 1e-9:
                self.t.hour_mismatches += 1
        self.t.leftover_outbox += len(self.ws.outbox.rows(states=("pending", "failed")))
        self.t.lookups_found += sum(1 for e in self.ws.store.events(kind="outbox.sent")
                                    if e["data"].get("already_there"))
        self.t.crashes.update(self.system.crashes)
        self.ws.close()
        self.adapter.close()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def run(runs: int, seed: int = 1, steps: int = 12) -> Totals:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    rng = random.Random(seed)
    totals = Totals()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    root = Path(tempfile.mkdtemp(prefix="oncall-faults-"))
    try:
        for number in range(runs):
            fake = FakeRedmine(rng)
            server.clear()
            server.expect_request("/time_entries.json", method="POST").respond_with_handler(fake.post)
            server.expect_request("/time_entries.json", method="GET").respond_with_handler(fake.get)
            scenario = Run(root / f"run{number}", server.url_for("/"), fake, rng, totals)
            for _ in range(steps):
                scenario.step()
            scenario.finish()
            scenario.check()
            totals.faults.update(fake.faults)
            totals.runs += 1
            shutil.rmtree(root / f"run{number}", ignore_errors=True)
    finally:
        server.clear()
        if server.is_running():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    t = run(args.runs, args.seed)
    took = time.perf_counter() - began
    print(f"runs                          {t.runs:>8,}   ({took:.1f} s, seed {args.seed})")
    print(f"actions / deliveries          {t.actions:>8,} / {t.deliveries:,}")
    print(f"service kills + restarts      {t.restarts:>8,}   {dict(t.crashes)}")
    print(f"faults served by the fake     {sum(t.faults.values()):>8,}   {dict(sorted(t.faults.items()))}")
    print(f"worked                        {t.worked_seconds // 60:>8,} min   ({t.worked_seconds:,} s)")
    print(f"worked minutes on entries     {t.worked_minutes_billed:>8,}")
    print(f"entries local / on the fake   {t.entries_local:>8,} / {t.entries_remote:,}")
    print(f"found by key lookup (no POST) {t.lookups_found:>8,}")
    print(f"duplicates on the fake        {t.duplicates:>8,}")
    print(f"missing on the fake           {t.missing:>8,}")
    print(f"minute / hour mismatches      {t.minute_mismatches:>8,} / {t.hour_mismatches:,}")
    print(f"left in the outbox            {t.leftover_outbox:>8,}")
    for problem in t.problems[:20]:
        print("PROBLEM", problem)
    ok = not (t.problems or t.duplicates or t.missing or t.leftover_outbox or t.hour_mismatches)
    print("RESULT", "every minute accounted for, nothing twice" if ok else "FAILED")
    print(f"RESULT\tfaults: duplicates + missing entries, {t.runs:,} runs\t{t.duplicates} + {t.missing}\t0 + 0\t"
          f"{'ok' if ok else 'FAILED'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""Bench: a whole team on one Autotask database, one simulated night hour, for N = 10, 50, 200 apps.

What runs for real: every app is a real ``Workspace`` (its own SQLite store,
rules, pages, ack clock, billing, outbox) with the real ``AutotaskAdapter``
over real HTTP (``requests``, the product's ``HttpClient`` with its retry rules
and request meter) to a fake Autotask on 127.0.0.1 — a ``ThreadingHTTPServer``
that answers as the Autotask REST API documents ("Basic query calls":
``POST /{Entity}/query`` with ``filter`` (``eq``, ``noteq``, ``gte``, ``in``,
``contains``), ``MaxRecords`` ≤ 500, ``IncludeFields``, ``pageDetails.nextPageUrl``;
``POST /Tickets/{id}/Notes``, ``PATCH /Tickets``, ``POST /TimeEntries`` answering
``{"itemId": n}``) and counts every request.  Past 10,000 requests in an hour
(Autotask's documented limit per database) it answers 429 with ``Retry-After``
(Autotask's own throttle status is not documented; 429 is what we assume).
When each app polls, and for what, is the product's policy
(``Workspace.plan_poll``, core/paging/poll_policy.py); each poll is
``Workspace.poll(scope)``; deliveries are ``Workspace.deliver_outbox``.

What is simulated: time.  One ``FakeClock`` is shared by all apps and the
server and moves one second per step, so an hour runs in seconds; the apps run
one after another on this thread, not on their own network pools.  The app's
``OutboxCourier`` (ui/outbox_courier.py, Qt) is stood in for by this loop: a
row queued (``Outbox.on_queued``) is delivered in the same simulated second,
and a row in backoff when ``Outbox.next_due`` passes.  The ack clock ticks
every second in the on-call apps and every 30 s in the others (they hold no
page).  The technicians are scripted: the primary acknowledges most pages
within 1–3 minutes, presses Escalate on some, lets others time out (15 min) to
the backup; pages are resolved 5–15 minutes after the acknowledgement, which
bills the time and queues the entry.  The night: 02:00–03:00 UTC after a
30-minute warm-up (each app's first, full poll happens there); quiet hours
22:00–07:00 for everyone.

Figures (measured hour only): requests per hour at the server (total, per app,
per role), share of Autotask's 10,000/h, 429s, ticket created → on-call
notification p50/p95, escalation → backup notification p50/p95, time entry
queued → posted p95, entries lost and duplicated at the server.  Targets at
N = 200: ≤ 500 requests/h, page p95 ≤ 60 s, escalation p95 ≤ 120 s, entry p95
≤ 10 s, 0 lost / 0 duplicates.

Run: .venv/bin/python bench/team.py [--json] [--n 10,50,200]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oncall_desktop.core.rotation.model import Layer, Schedule
from oncall_desktop.core.time.clock import FakeClock, parse_instant
from oncall_desktop.services.app.workspace import Workspace
from oncall_desktop.services.paging.notifier import Notification, Notifier
from oncall_desktop.services.psa.http import HttpOptions
from oncall_desktop.services.psa.retry import RetryPolicy
from oncall_desktop.services.psa.vendors.autotask import AutotaskAdapter

API = "/ATServicesRest/V1.0"
AUTOTASK_LIMIT = 10_000
WARM_UP = timedelta(minutes=30)
HOUR = timedelta(hours=1)
NIGHT = datetime(2026, 1, 6, 2, 0, tzinfo=UTC)
TARGETS = {"requests_per_hour": 500, "page_p95_s": 60, "escalation_p95_s": 120, "entry_p95_s": 10}


# ------------------------------------------------------------ the fake Autotask
def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def _matches(item: dict[str, Any], rule: dict[str, Any]) -> bool:
    value, want, op = item.get(rule["field"]), rule.get("value"), rule["op"]
    if op == "eq":
        return bool(value == want)
    if op == "noteq":
        return bool(value != want)
    if op == "in":
        return value in (want or [])
    if op == "contains":
        return str(want) in str(value or "")
    if op == "gte":
        return value is not None and parse_instant(str(value)) >= parse_instant(str(want))
    raise ValueError(f"op {op} is not served here")


class FakeAutotask:
    """The database: tickets, notes, time entries, resources, companies; and the request count."""

    def __init__(self, clock: FakeClock, people: dict[str, int], limit: int = AUTOTASK_LIMIT) -> None:
        self.clock = clock
        self.limit = limit
        self.lock = threading.Lock()
        self.tickets: dict[int, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []
        self.entries: list[dict[str, Any]] = []
        self.resources = [{"id": rid, "firstName": name.split()[0], "lastName": name.split()[1],
                           "email": f"{name.split()[1]}@msp.example", "userName": name, "isActive": True}
                          for name, rid in people.items()]
        self.companies = [{"id": 1, "companyName": "Acme Dental"}, {"id": 2, "companyName": "Birch Law"}]
        self.requests: list[tuple[datetime, str, int]] = []  # (at, API user, status)
        self.accepted: deque[datetime] = deque()  # the last hour's answered requests (a sliding window)
        self.pages: dict[str, list[dict[str, Any]]] = {}
        self.next_id = 1000

    def new_ticket(self, title: str, priority: int) -> int:
        with self.lock:
            self.next_id += 1
            now = _stamp(self.clock.now())
            self.tickets[self.next_id] = {
                "id": self.next_id, "ticketNumber": f"T20260106.{self.next_id:04d}", "title": title,
                "description": title, "priority": priority, "status": 1, "companyID": 1 + self.next_id % 2,
                "contactID": 30, "queueID": 8, "assignedResourceID": None, "createDate": now,
                "lastActivityDate": now, "userDefinedFields": []}
            return self.next_id

    def throttled(self, user: str) -> bool:
        """Count the request; True when the database's hour is spent (then it is answered 429)."""
        now = self.clock.now()
        with self.lock:
            while self.accepted and self.accepted[0] <= now - HOUR:
                self.accepted.popleft()
            status = 429 if len(self.accepted) >= self.limit else 200
            if status != 429:
                self.accepted.append(now)
            self.requests.append((now, user, status))
            return status == 429

    def query(self, entity: str, body: dict[str, Any], base: str) -> dict[str, Any]:
        pool = {"Tickets": list(self.tickets.values()), "Resources": self.resources, "Companies": self.companies,
                "TimeEntries": self.entries, "ResourceServiceDeskRoles": [
                    {"resourceID": r["id"], "roleID": 1, "isDefault": True, "isActive": True} for r in self.resources]}
        items = [i for i in pool[entity] if all(_matches(i, rule) for rule in body.get("filter", []))]
        fields = body.get("IncludeFields")
        if fields:
            items = [{k: i.get(k) for k in fields} for i in items]
        return self.paged(items, min(int(body.get("MaxRecords", 500)), 500), base)

    def paged(self, items: list[dict[str, Any]], size: int, base: str) -> dict[str, Any]:
        first, rest = items[:size], items[size:]
        next_url = None
        if rest:
            token = f"p{len(self.pages)}"
            self.pages[token] = rest
            next_url = f"{base}{API}/Tickets/query/next?paging={token}&size={size}"
        return {"items": first, "pageDetails": {"count": len(first), "requestCount": size, "prevPageUrl": None,
                                                "nextPageUrl": next_url}}


def serve(db: FakeAutotask) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> Any:
            size = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(size) or b"null")

        def _send(self, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(data).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

        def _handle(self, method: str) -> None:
            body = self._body() if method in ("POST", "PATCH") else None
            if db.throttled(self.headers.get("UserName", "")):
                self._send(429, {"errors": ["too many requests"]}, {"Retry-After": "60"})
                return
            path = urlsplit(self.path).path.removeprefix(API)
            base = f"http://{self.headers['Host']}"
            with db.lock:
                answer = self._route(method, path, body, base)
            self._send(*answer)

        def _route(self, method: str, path: str, body: Any, base: str) -> tuple[int, Any]:
            now = _stamp(db.clock.now())
            parts = path.strip("/").split("/")
            if method == "POST" and len(parts) == 2 and parts[1] == "query":
                return 200, db.query(parts[0], body, base)
            if method == "GET" and path == "/Tickets/query/next":
                args = parse_qs(urlsplit(self.path).query)
                rest = db.pages.pop(args["paging"][0])
                return 200, db.paged(rest, int(args["size"][0]), base)
            if method == "POST" and len(parts) == 3 and parts[0] == "Tickets" and parts[2] == "Notes":
                ticket = db.tickets[int(parts[1])]
                db.notes.append(dict(body, id=len(db.notes) + 1))
                ticket["lastActivityDate"] = now
                return 200, {"itemId": len(db.notes)}
            if method == "PATCH" and path == "/Tickets":
                ticket = db.tickets[int(body["id"])]
                ticket["assignedResourceID"] = body["assignedResourceID"]
                ticket["lastActivityDate"] = now
                return 200, {"itemId": ticket["id"]}
            if method == "POST" and path == "/TimeEntries":
                db.entries.append(dict(body, id=len(db.entries) + 1))
                db.tickets[int(body["ticketID"])]["lastActivityDate"] = now
                return 200, {"itemId": len(db.entries)}
            return 404, {"errors": [f"nothing at {path}"]}

        def do_POST(self) -> None:  # noqa: N802 — http.server's names
            self._handle("POST")

        def do_GET(self) -> None:  # noqa: N802
            self._handle("GET")

        def do_PATCH(self) -> None:  # noqa: N802
            self._handle("PATCH")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ------------------------------------------------------------------- the apps
class Recorder:
    """A notification backend that keeps what was shown and when (the shared fake clock)."""

    name = "recorder"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.log: list[tuple[datetime, Notification]] = []

    def available(self) -> tuple[bool, str]:
        return True, ""

    def send(self, note: Notification) -> None:
        self.log.append((self.clock.now(), note))


@dataclass
class App:
    name: str
    role: str  # primary, backup, off
    ws: Workspace
    seen: Recorder
    next_poll: datetime
    scope: str = "all"
    due: bool = False  # a row was queued: deliver in this second
    retry_at: datetime | None = None
    handled: set[int] = field(default_factory=set)


def make_team(n: int, folder: Path, clock: FakeClock, url: str, people: dict[str, int],
              quiet: str = "22:00-07:00") -> list[App]:
    names = list(people)
    start = clock.now() - timedelta(days=1)
    primary = Schedule(name="Primary", time_zone="UTC", backup="Backup",
                       layers=(Layer("Nights", [names[0]], start, "weekly", "00:00"),))
    backup = Schedule(name="Backup", time_zone="UTC", layers=(Layer("Nights", [names[1]], start, "weekly", "00:00"),))
    rng = random.Random(n)
    apps = []
    for i, name in enumerate(names[:n]):
        seen = Recorder(clock)
        ws = Workspace(folder / f"app{i:03d}", clock, notifier=Notifier(backends=[seen]))
        ws.directory_service.save_schedule(primary)
        ws.directory_service.save_schedule(backup)
        for key, value in (("page_schedule", "Primary"), ("me", name), ("time_zone", "UTC"),
                           ("quiet_hours", quiet)):
            ws.store.set_setting(key, value)
        adapter = AutotaskAdapter(url, user=name, secret="bench", integration_code="BENCH", resource_id=people[name],
                                  role_id=1, options=HttpOptions(clock=clock, sleep=lambda _s: None,
                                                                 policy=RetryPolicy(attempts=1)))
        adapter.people = {person: str(rid) for person, rid in people.items()}
        ws.__dict__["_system"] = ws.metered(adapter)
        ws.rand = rng.random
        role = "primary" if i == 0 else "backup" if i == 1 else "off"
        app = App(name, role, ws, seen, next_poll=clock.now() + timedelta(seconds=rng.uniform(1, 60)))
        ws.outbox.on_queued = lambda app=app: setattr(app, "due", True)  # the courier's cue
        apps.append(app)
    return apps


def deliver(app: App, now: datetime) -> None:
    app.due = False
    app.ws.deliver_outbox()
    app.retry_at = app.ws.outbox.next_due()


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(n: int, *, minutes: int = 60, seed: int = 7, legacy: bool = False,
        quiet: str = "22:00-07:00") -> dict[str, Any]:
    """One night for ``n`` apps; the figures of the measured hour.

    ``legacy``: every app polls the whole desk every 60 s, as before polling by need (the baseline);
    ``quiet``: everyone's quiet hours ("" for none: an evening when the off-call techs are still awake).
    """
    rng = random.Random(seed)
    clock = FakeClock(NIGHT - WARM_UP)
    people = {f"Tech {i:03d}": 29_000_000 + i for i in range(max(n, 2))}
    db = FakeAutotask(clock, people)
    server = serve(db)
    folder = Path(tempfile.mkdtemp(prefix="team-bench-"))
    apps = make_team(n, folder, clock, f"http://127.0.0.1:{server.server_address[1]}", people, quiet)
    by_name = {a.name: a for a in apps}
    primary, backup = apps[0], apps[1]
    end = NIGHT + timedelta(minutes=minutes)
    # the night's tickets: one every ~3 minutes; each gets a fate for the primary's reaction
    arrivals, at = [], clock.now() + timedelta(minutes=2)
    while at < end - timedelta(minutes=20):
        arrivals.append((at, rng.choice(["ack", "ack", "escalate", "timeout"])))
        at += timedelta(seconds=rng.expovariate(1 / 180))
    fate: dict[str, str] = {}
    created: dict[str, datetime] = {}
    todo: list[tuple[datetime, str, App, int]] = []  # (when, action, app, page id)
    try:
        while clock.now() < end:
            now = clock.now()
            while arrivals and arrivals[0][0] <= now:
                _, what = arrivals.pop(0)
                tid = db.new_ticket(f"Server down at client {len(created)}", rng.choice([4, 1]))
                created[f"autotask:{tid}"] = now
                fate[f"autotask:{tid}"] = what
            for app in apps:
                if app.next_poll <= now:
                    app.ws.poll(app.scope)  # type: ignore[arg-type]
                    plan = app.ws.plan_poll()
                    app.next_poll, app.scope = max(plan.at, now + timedelta(seconds=1)), plan.scope
                    if legacy:
                        app.next_poll, app.scope = now + timedelta(seconds=60), "all"
                if app.role != "off" or int(now.timestamp()) % 30 == 0:
                    app.ws.clock_service.tick()
                for shown_at, note in app.seen.log:
                    if note.page_id is None or note.page_id in app.handled:
                        continue
                    app.handled.add(note.page_id)
                    react = fate.get(note.ticket_id, "ack") if app is primary else "ack"
                    if react == "ack":
                        todo.append((shown_at + timedelta(seconds=rng.uniform(60, 180)), "ack", app, note.page_id))
                    elif react == "escalate":
                        todo.append((shown_at + timedelta(seconds=rng.uniform(60, 120)), "escalate", app,
                                     note.page_id))
            for item in [t for t in todo if t[0] <= now]:
                todo.remove(item)
                _, action, app, page_id = item
                if action == "ack":
                    page = app.ws.pages.get(page_id)
                    if page is not None and page.state in ("pending", "escalated") and page.person == app.name:
                        app.ws.acknowledge(page_id)
                        todo.append((now + timedelta(seconds=rng.uniform(300, 900)), "resolve", app, page_id))
                elif action == "escalate":
                    page = app.ws.pages.get(page_id)
                    if page is not None and page.state == "pending":
                        app.ws.escalate(page_id)
                elif action == "resolve":
                    page = app.ws.pages.get(page_id)
                    if page is not None and page.state == "acknowledged":
                        app.ws.resolve(page_id)
            for app in apps:
                if app.due or (app.retry_at is not None and app.retry_at <= now):
                    deliver(app, now)
            clock.advance(seconds=1)
        return figures(n, apps, db, created, by_name, primary, backup, end - timedelta(minutes=minutes), end)
    finally:
        for app in apps:
            app.ws.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(folder, ignore_errors=True)


def figures(n: int, apps: list[App], db: FakeAutotask, created: dict[str, datetime], by_name: dict[str, App],
            primary: App, backup: App, start: datetime, end: datetime) -> dict[str, Any]:
    hours = (end - start).total_seconds() / 3600
    window = [(at, user, status) for at, user, status in db.requests if start <= at < end]
    per_user: dict[str, int] = {}
    for _, user, _ in window:
        per_user[user] = per_user.get(user, 0) + 1
    off = [per_user.get(a.name, 0) for a in apps if a.role == "off"]
    first_shown: dict[str, datetime] = {}
    for shown_at, note in primary.seen.log:  # the first pop-up per ticket (later ones are reminders)
        if note.page_id is not None:
            first_shown.setdefault(note.ticket_id, shown_at)
    page_lat = [(first_shown[t] - c).total_seconds() if t in first_shown else float("inf")
                for t, c in created.items() if start <= c < end]
    esc_lat = []
    for event in primary.ws.store.events(kind="page.escalated"):
        at = parse_instant(event["at"])
        if not start <= at < end:
            continue
        shown = [t for t, note in backup.seen.log if note.ticket_id == event["subject"] and t >= at]
        esc_lat.append((min(shown) - at).total_seconds() if shown else float("inf"))
    entry_lat, keys = [], []
    for app in apps:
        queued = {e["data"]["key"]: parse_instant(e["at"]) for e in app.ws.store.events(kind="outbox.queued")
                  if e["data"].get("kind") == "time_entry"}
        sent = {e["data"]["key"]: parse_instant(e["at"]) for e in app.ws.store.events(kind="outbox.sent")
                if e["data"].get("kind") == "time_entry"}
        keys.extend(queued)
        entry_lat.extend((sent[k] - q).total_seconds() for k, q in queued.items() if k in sent and start <= q < end)
    posted = [str(e.get("summaryNotes", "")) for e in db.entries]
    found = {k: sum(1 for text in posted if f"[oncall-key:{k}]" in text) for k in keys}

    def r(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "apps": n, "requests_per_hour": round(len(window) / hours),
        "per_app_per_hour": round(len(window) / hours / n, 2),
        "primary_per_hour": round(per_user.get(primary.name, 0) / hours),
        "backup_per_hour": round(per_user.get(backup.name, 0) / hours),
        "off_call_per_app_per_hour": round(statistics.mean(off) / hours, 2) if off else 0.0,
        "share_of_autotask_limit": round(len(window) / hours / AUTOTASK_LIMIT, 4),
        "rate_429": sum(1 for _, _, status in window if status == 429),
        "tickets": len([c for c in created.values() if start <= c < end]),
        "page_p50_s": r(pct(page_lat, 0.5)), "page_p95_s": r(pct(page_lat, 0.95)),
        "escalations": len(esc_lat),
        "escalation_p50_s": r(pct(esc_lat, 0.5)), "escalation_p95_s": r(pct(esc_lat, 0.95)),
        "entries": len(keys), "entry_p95_s": r(pct(entry_lat, 0.95)),
        "lost": sum(1 for c in found.values() if c == 0), "duplicates": sum(c - 1 for c in found.values() if c > 1),
    }


def main() -> int:
    os.environ["TZ"] = "UTC"  # quiet hours are local time: the night is UTC here
    if hasattr(time, "tzset"):
        time.tzset()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object keyed by N")
    parser.add_argument("--n", default="10,50,200", help="team sizes, comma-separated")
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--legacy", action="store_true", help="the baseline: every app polls everything every 60 s")
    parser.add_argument("--quiet", default="22:00-07:00", help='everyone\'s quiet hours ("" for none)')
    args = parser.parse_args()
    out: dict[str, Any] = {}
    for n in [int(x) for x in args.n.split(",")]:
        started = time.perf_counter()
        out[str(n)] = run(n, minutes=args.minutes, legacy=args.legacy, quiet=args.quiet)
        out[str(n)]["wall_s"] = round(time.perf_counter() - started, 1)
        if not args.json:
            print(f"N={n}: " + ", ".join(f"{k}={v}" for k, v in out[str(n)].items()), flush=True)
    if args.json:
        print(json.dumps(out, sort_keys=True))
        return 0
    if args.legacy or args.quiet != "22:00-07:00":
        return 0
    big = out[max(out, key=int)]
    for figure, target in TARGETS.items():
        value = big[figure]
        ratio = f"{value / target:.2f}" if isinstance(value, (int, float)) and target else ""
        print(f"RESULT\tteam N={big['apps']} {figure}\t{value}\t≤ {target}\t{ratio}")
    print(f"RESULT\tteam N={big['apps']} lost/duplicates\t{big['lost']}/{big['duplicates']}\t0/0\t")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bench: parse + map + escalation rules of a 10,000-ticket poll answer.

Why CPU time: the poll runs on a worker thread; what matters is how much of a
core one poll costs, not wall time on a busy laptop.  The answer is shaped like
Freshdesk's "List All Tickets" (API v2, include=requester,description),
generated here so the bench needs no network.  Each stage is the product's own
code: ``HttpClient.decode`` with the adapter's ``TICKET_LIST`` shape (as its GET
decodes), ``convert_all`` with ``freshdesk.to_ticket`` (as its poll maps; the
answer's JSON is freed inside this stage, as when the poll returns),
``evaluate_all`` (as the poller judges).  Those hold the cyclic garbage
collector off (``services/platform/gc_pause.py``); the collection that puts off is
counted in the total.  Target: ≤ 100 ms CPU.

Each of the seven passes reads tickets no pass has read (another seed) with
the rule set built anew, as a first poll of the night does: verdicts are kept
per ticket text, so passes over one answer would time a repeat poll.  Figures
are the median pass, with the fastest and slowest beside it.  A second figure
judges the same tickets with other words (so nothing is kept for them) under a
full context (client tiers, production systems, 2,000 recent callers, a
maintenance window), target ≤ 100 ms CPU for the rules alone.

Also measured:
* what reading only the shape's keys buys: the whole answer read and let go by
  the standard decoder, by msgspec, and by msgspec with the ticket shape;
* poll answer → notification handed to the notification server (wall time),
  through a real workspace (SQLite, rules, page, notifier) with the recording
  backend, and with the real freedesktop/plyer backends when a session bus
  with a notification server is present (e.g. under ``dbus-run-session`` with
  dunst).  Target ≤ 200 ms.

Run: .venv/bin/python bench/poll.py
"""
from __future__ import annotations

import gc
import json
import random
import statistics
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import requests

from oncall_desktop.core.paging.escalation import Context, default_rules, evaluate_all
from oncall_desktop.core.paging.maintenance import MaintenanceWindow
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.platform.gc_pause import gc_paused
from oncall_desktop.services.psa.http import HttpClient
from oncall_desktop.services.psa.mapping import convert_all, field_map
from oncall_desktop.services.psa.vendors.freshdesk import TICKET_LIST, to_ticket

N = 10_000
PASSES = 7
TARGET_MS = 100.0
LATENCY_MS = 200.0
WORDS = ["printer", "jammed", "server", "down", "email", "slow", "password", "reset", "vpn", "outage",
         "invoice", "question", "ransomware", "backup", "failed", "laptop", "screen", "urgent"]


def payload(seed: int = 7) -> bytes:
    rng = random.Random(seed)
    base = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    tickets = []
    for i in range(N):
        updated = (base - timedelta(seconds=i * 7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        subject = " ".join(rng.choice(WORDS) for _ in range(5))
        tickets.append({
            "cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "fr_escalated": False, "spam": False,
            "email_config_id": None, "group_id": 3, "priority": rng.randint(1, 4), "requester_id": 1000 + i % 500,
            "responder_id": None, "source": 2, "status": rng.choice([2, 2, 3, 4, 5]), "subject": subject,
            "to_emails": None, "product_id": None, "id": 100_000 + i, "type": "Incident",
            "due_by": updated, "fr_due_by": updated, "is_escalated": False, "custom_fields": {},
            "created_at": "2026-01-04T10:00:00Z", "updated_at": updated, "company_id": 1 + i % 40, "tags": [],
            "requester": {"email": f"user{i % 500}@client{i % 40}.example", "id": 1000 + i % 500,
                          "mobile": None, "name": f"User {i % 500}", "phone": None},
            "description": f"<div>{subject}</div>", "description_text": subject,
        })
    return json.dumps(tickets).encode()


def answer(body: bytes) -> requests.Response:
    """``body`` as requests hands a Freshdesk answer over (headers as Freshdesk sends them)."""
    resp = requests.Response()
    resp.status_code = 200
    resp.headers["Content-Type"] = "application/json; charset=utf-8"
    resp.encoding = requests.utils.get_encoding_from_headers(resp.headers)
    resp._content = body
    return resp


def _context(tickets: list[Ticket], now: datetime) -> Context:
    """What a real night's poll judges with: tiers, production systems, recent callers, a maintenance window."""
    by_contact: dict[str, list[Ticket]] = {}
    for t in tickets[:2000]:
        by_contact.setdefault(t.contact, []).append(t)
    return Context(
        tiers={"Client 1": "gold", "Client 2": "silver"},
        production={"Client 1": ["SQL01", "ERP"], "*": ["firewall"]},
        recent_by_contact=by_contact,
        maintenance=[MaintenanceWindow(start=now - timedelta(hours=1), end=now + timedelta(hours=3),
                                       clients=("Client 3",))],
    )


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):6.1f} ms (min {min(values):.1f}, max {max(values):.1f})"


def main() -> None:
    # a first poll: each pass reads tickets the app has not seen (another seed) with the rule set
    # built anew, as the poller builds it each poll; texts already judged are cached, so passes over
    # one answer would time a repeat, not the first poll of a night
    raws = [payload(seed) for seed in range(7, 7 + PASSES)]
    raw = raws[0]
    fmap = field_map("freshdesk")
    companies = {str(c): f"Client {c}" for c in range(1, 41)}
    now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    http = HttpClient("Freshdesk", "https://bench.freshdesk.com/api/v2")
    stages = ("parse", "map", "rules", "gc", "total", "full")
    took: dict[str, list[float]] = {name: [] for name in stages}
    for fresh in raws:
        rules = default_rules()
        resp = answer(fresh)
        gc.collect()
        t0 = time.process_time()
        items = http.decode(resp, "fetch tickets", TICKET_LIST)  # as FreshdeskAdapter.poll's GET
        t1 = time.process_time()
        tickets = convert_all(items, lambda t: to_ticket(t, fmap, companies), "Freshdesk")  # as its poll
        del items  # the adapter's poll returns, and the answer's JSON goes with it
        t2 = time.process_time()
        with gc_paused():  # as Poller.poll_once judges the news
            decisions = evaluate_all(tickets, rules, Context(), now)
        t3 = time.process_time()
        gc.collect(0)  # the young-generation pass the pauses put off: the app pays it on its next allocation
        t4 = time.process_time()
        assert len(decisions) == N
        del decisions
        # the same tickets, other words (not judged yet), judged with everything a context can hold
        tickets = [replace(t, title=f"{t.title} #{t.remote_id}") for t in tickets]
        context = _context(tickets, now)
        gc.collect()
        t5 = time.process_time()
        with gc_paused():
            decisions = evaluate_all(tickets, default_rules(), context, now)
        t6 = time.process_time()
        assert any(d.page for d in decisions) and any(d.suppressed_by for d in decisions)
        for name, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0, t6 - t5), strict=True):
            took[name].append(value * 1000)
        del tickets, decisions
    total, full = statistics.median(took["total"]), statistics.median(took["full"])
    print(f"poll bench: {N} Freshdesk-shaped tickets ({len(raw) / 1e6:.1f} MB JSON), first poll, "
          f"{PASSES} passes (each new tickets, new rules), CPU time")
    print(f"  json parse   {_spread(took['parse'])}  (HttpClient.decode)")
    print(f"  map→Ticket   {_spread(took['map'])}  (convert_all + freshdesk.to_ticket)")
    print(f"  rules        {_spread(took['rules'])}  (evaluate_all, default_rules, empty Context)")
    print(f"  deferred gc  {_spread(took['gc'])}  (the collection held off during the above)")
    verdict = "OK" if total <= TARGET_MS else "OVER TARGET"
    print(f"  parse+map+rules: {_spread(took['total'])}  (target ≤ {TARGET_MS:.0f} ms, "
          f"ratio {total / TARGET_MS:.2f})  {verdict}")
    verdict = "OK" if full <= TARGET_MS else "OVER TARGET"
    print(f"  rules, full context (tiers, production, recent callers, maintenance): {_spread(took['full'])}  "
          f"(target ≤ {TARGET_MS:.0f} ms, ratio {full / TARGET_MS:.2f})  {verdict}")
    print(f"RESULT\tpoll: parse+map+rules, {N:,} new tickets (CPU, median)\t{total:.0f} ms\t≤ {TARGET_MS:.0f} ms\t"
          f"{total / TARGET_MS:.2f}")
    print(f"RESULT\tpoll: rules, {N:,} new tickets, full context (CPU, median)\t{full:.0f} ms\t≤ {TARGET_MS:.0f} ms\t"
          f"{full / TARGET_MS:.2f}")
    print(f"RESULT\t  of which json parse (msgspec, ticket shape)\t{statistics.median(took['parse']):.0f} ms\t\t")
    # what the shape buys: the whole answer read (and let go) by each decoder
    for label, read in (("json, whole answer (requests' decoder)", lambda r: r.json()),
                        ("msgspec, whole answer", lambda r: http.decode(r, "fetch tickets")),
                        ("msgspec, ticket shape (the adapter)", lambda r: http.decode(r, "fetch tickets", TICKET_LIST))):
        times = []
        for _ in range(5):
            resp = answer(raw)
            gc.collect()
            t0 = time.process_time()
            with gc_paused():
                read(resp)  # the result is let go at once: reading and freeing are both timed
            times.append((time.process_time() - t0) * 1000)
        print(f"  parse+free   {_spread(times)}  {label}")


#: sentences of the kind support mail is made of (written for this bench), for tickets of a real length
SENTENCES = (
    "Hi team, hope you are well.", "Since this morning the shared drive on the second floor will not open.",
    "I have restarted my laptop twice and the problem is still there.", "Could you please have a look when you can?",
    "The printer next to reception shows an error and nobody can print.", "Outlook keeps asking for my password.",
    "We are not sure whether this is related to the update last night.", "Thanks in advance for your help.",
    "Our accounting software is very slow today, it takes minutes to open a report.",
    "I'm not able to connect to the VPN from home, it says the certificate has expired.",
    "The client meeting starts at ten, so it would be great to get this sorted before then.",
    "Please let me know if you need remote access to my computer.", "Kind regards, the office manager",
    "A colleague says the same happens on her machine.", "The server room alarm beeped briefly around 2 am.",
    "Is it possible to add a new user for our intern starting Monday?", "Sent from my iPhone",
)


def texts_of_real_length() -> None:
    """The rules on 10,000 new tickets with bodies of a few lines (about 480 characters, as support mail is).

    The answer above carries five words a ticket; the triage reads every word,
    so what a first poll costs grows with the mail's length.  No target of its
    own: it says how far the short bench is from a night of real tickets.
    """
    now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    times, chars = [], 0
    for seed in range(3):
        rng = random.Random(100 + seed)
        tickets = [Ticket(title=" ".join(rng.choice(WORDS) for _ in range(5)), client=f"Client {i % 40}",
                          body=" ".join(rng.choice(SENTENCES) for _ in range(8)) + f" #{seed}-{i}")
                   for i in range(N)]
        chars = sum(len(t.title) + len(t.body) for t in tickets) // N
        gc.collect()
        t0 = time.process_time()
        with gc_paused():
            evaluate_all(tickets, default_rules(), Context(), now)
        times.append((time.process_time() - t0) * 1000)
        del tickets
    print(f"  rules, {N} new tickets of ~{chars} characters: {_spread(times)}")
    print(f"RESULT\tpoll: rules, {N:,} new tickets of ~{chars} chars (CPU, median)\t{statistics.median(times):.0f} ms\t\t")


def latency() -> None:
    """Poll answer (bytes) → notification handed over, through a real workspace."""
    import os
    import tempfile
    from pathlib import Path

    from oncall_desktop.core.time.clock import FakeClock
    from oncall_desktop.services.app.workspace import Workspace
    from oncall_desktop.services.paging.notifier import FreedesktopBackend, Notifier, PlyerBackend
    from oncall_desktop.services.psa.base import PollResult

    class Recorder:
        name = "recorder"

        def available(self) -> tuple[bool, str]:
            return True, ""

        def send(self, note: object) -> None:
            pass

    class Canned:
        """A ticket system whose poll parses and maps a canned vendor answer."""

        name = "freshdesk"

        def __init__(self, body: bytes) -> None:
            self.body = body

        def poll(self, since: str | None) -> PollResult:
            items = http.decode(answer(self.body), "fetch tickets", TICKET_LIST)
            return PollResult(convert_all(items, lambda i: to_ticket(i, fmap, companies), "Freshdesk"), None)

    fmap = field_map("freshdesk")
    companies = {str(c): f"Client {c}" for c in range(1, 41)}
    http = HttpClient("Freshdesk", "https://bench.freshdesk.com/api/v2")
    rng = random.Random(3)
    quiet = [{"id": 900_000 + i, "subject": "printer jammed", "description_text": "", "priority": 1, "status": 2,
              "company_id": 1 + i % 40, "requester_id": i, "requester": {"email": f"u{i}@x.example", "name": "U"},
              "created_at": "2026-01-05T08:00:00Z", "updated_at": "2026-01-05T08:00:00Z"} for i in range(19)]
    # distinct requesters: the repeat-caller rule must not turn the quiet tickets into pages
    urgent = dict(quiet[0], id=999_999, subject="Mail server down", priority=4, requester_id=rng.randint(1, 9),
                  requester={"email": "boss@acme.example", "name": "Boss"})
    typical = json.dumps(quiet + [urgent]).encode()
    backends: list[tuple[str, object]] = [("recorder", Recorder())]
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS", "").startswith("unix:"):
        real = FreedesktopBackend()
        if real.available()[0]:
            backends.append(("freedesktop (D-Bus, with Acknowledge)", real))
        plyer = PlyerBackend()
        if plyer.available()[0]:
            backends.append(("plyer (notify-send)", plyer))
    else:
        print("  (no session bus: real notification backends not measured; run under dbus-run-session with dunst)")
    for label, backend in backends:
        big = json.dumps([dict(quiet[i % 19], id=800_000 + i, requester={"email": f"q{i}@x.example", "name": "Q"})
                          for i in range(N)] + [urgent]).encode()
        for what, body in (("20-ticket answer, 1 page", typical), (f"{N + 1}-ticket answer, 1 page", big)):
            times = []
            for _ in range(3):
                with tempfile.TemporaryDirectory() as tmp:
                    ws = Workspace(Path(tmp), FakeClock(), notifier=Notifier(backends=[backend]))  # type: ignore[list-item]
                    ws.__dict__["_system"] = Canned(body)
                    t0 = time.perf_counter()
                    result, notes = ws.poll()
                    times.append((time.perf_counter() - t0) * 1000)
                    assert result.paged == 1 and notes and notes[0]["delivered"], (result.paged, notes[:1])
                    ws.close()
            ms = min(times)
            verdict = "OK" if ms <= LATENCY_MS else "OVER TARGET"
            print(f"  response → notification [{label}; {what}]: {ms:.0f} ms wall "
                  f"(target ≤ {LATENCY_MS:.0f} ms, ratio {ms / LATENCY_MS:.2f}) {verdict}")
            print(f"RESULT\tpoll: response → notification, {what} [{label}]\t{ms:.0f} ms\t≤ {LATENCY_MS:.0f} ms\t"
                  f"{ms / LATENCY_MS:.2f}")


if __name__ == "__main__":
    main()
    texts_of_real_length()
    latency()  # after main() has let go of its 10,000 parsed tickets: the app holds no second copy

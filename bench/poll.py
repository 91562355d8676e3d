"""Bench: parse + map (+ escalation rules, when present) of a 10,000-ticket poll answer.

Why CPU time: the poll runs on a worker thread; what matters is how much of a
core one poll costs, not wall time on a busy laptop.  The answer is shaped like
Freshdesk's "List All Tickets" (API v2, include=requester,description),
generated here so the bench needs no network.  Target: ≤ 100 ms CPU.

Run: .venv/bin/python bench/poll.py
"""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta, timezone

from oncall_desktop.services.psa.freshdesk import to_ticket
from oncall_desktop.services.psa.mapping import field_map

try:
    from oncall_desktop.escalation import Context, default_rules, evaluate
except ImportError:  # rule evaluation is built separately; measure what exists and say so
    evaluate = None  # type: ignore[assignment]

N = 10_000
TARGET_MS = 100.0
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


def main() -> None:
    raw = payload()
    fmap = field_map("freshdesk")
    companies = {str(c): f"Client {c}" for c in range(1, 41)}
    now = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    rules = default_rules() if evaluate is not None else None
    context = Context() if evaluate is not None else None
    best = {"parse": float("inf"), "map": float("inf"), "rules": float("inf")}
    for _ in range(5):
        t0 = time.process_time()
        items = json.loads(raw)
        t1 = time.process_time()
        tickets = [to_ticket(item, fmap, companies) for item in items]
        t2 = time.process_time()
        if evaluate is not None:
            for ticket in tickets:
                evaluate(ticket, rules, context, now)  # type: ignore[arg-type]
        t3 = time.process_time()
        for name, value in (("parse", t1 - t0), ("map", t2 - t1), ("rules", t3 - t2)):
            best[name] = min(best[name], value * 1000)
    total = best["parse"] + best["map"] + (best["rules"] if evaluate is not None else 0.0)
    scope = "parse+map+rules" if evaluate is not None else "parse+map (escalation rules not importable yet)"
    print(f"poll bench: {N} Freshdesk-shaped tickets ({len(raw) / 1e6:.1f} MB JSON), best of 5, CPU time")
    print(f"  json parse   {best['parse']:7.1f} ms")
    print(f"  map→Ticket   {best['map']:7.1f} ms")
    if evaluate is not None:
        print(f"  rules        {best['rules']:7.1f} ms  (default_rules, empty Context)")
    verdict = "OK" if total <= TARGET_MS else "OVER TARGET"
    print(f"  {scope}: {total:.1f} ms  (target ≤ {TARGET_MS:.0f} ms)  {verdict}")


if __name__ == "__main__":
    main()

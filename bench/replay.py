"""Speed of ``rules replay`` at its bound: a month of 5,000 stored tickets judged again (target: ≤ 10 s).

Run: ``.venv/bin/python bench/replay.py [--tickets N] [--runs K]``.  Builds a
workspace whose ``tickets`` table holds a month of tickets as the poller
stores them (six clients with tiers and production systems, contacts who
call again, a maintenance window), each first seen at its own instant — the
worst case for a replay, which builds one context per instant — then times
``replay()`` with the rules in use and with a candidate that changes a weight.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oncall_desktop.core.paging.maintenance import MaintenanceWindow  # noqa: E402
from oncall_desktop.core.paging.replay import MAX_REPLAY_TICKETS  # noqa: E402
from oncall_desktop.core.paging.rules_toml import parse_rules  # noqa: E402
from oncall_desktop.core.time.clock import FakeClock, iso  # noqa: E402
from oncall_desktop.services.app.workspace import Workspace  # noqa: E402
from oncall_desktop.services.demo.demo import CLIENTS, seed_demo  # noqa: E402
from oncall_desktop.services.paging.replay_service import replay  # noqa: E402
from oncall_desktop.services.paging.rules_store import RulesStore  # noqa: E402

TARGET_SECONDS = 10.0
START = datetime(2026, 11, 1, tzinfo=timezone.utc)
TITLES = ("Exchange down for everyone", "Backup server offline", "Printer in room 2 jams", "VPN drops now and then",
          "Cannot log in to the portal", "Ransomware note on the file server", "Could we get a quote for a laptop",
          "Internet down at the clinic", "Booking system not responding", "Not urgent: new starter on Monday")


def build(directory: Path, count: int) -> Workspace:
    rng = random.Random(4)
    ws = Workspace(directory, FakeClock(START))
    seed_demo(ws)
    ws.maintenance.add(MaintenanceWindow(START + timedelta(days=3), START + timedelta(days=3, hours=4),
                                         clients=("Acme Dental",), note="patching"))
    clients = list(CLIENTS)
    rows = []
    for n in range(count):
        at = iso(START + timedelta(seconds=int(n * 30 * 86400 / count)))
        rows.append((f"bench:{n}", "bench", str(n), rng.choice(clients), rng.choice(TITLES), "", rng.randint(1, 4),
                     rng.random() < 0.5, "closed", f"caller{rng.randint(1, 300)}@example.com", at, at, at, at))
    with ws.store.transaction():
        ws.store.db.conn.executemany(
            "INSERT INTO tickets (id, source, remote_id, client, title, body, priority, priority_given, status, "
            "contact, created, updated, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    return ws


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=MAX_REPLAY_TICKETS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = build(Path(tmp) / "ws", args.tickets)
        current = RulesStore(ws.store).rules()
        candidate = parse_rules(RulesStore(ws.store).text().replace("weights = {  }", "weights = { outage = 1 }"))
        period = (START, START + timedelta(days=31))
        for name, rules in (("current rules", current), ("candidate", candidate)):
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                result = replay(ws, *period, rules, name)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            print(f"replay of {result.judged} tickets with the {name}: median {median:.2f} s "
                  f"({len(result.changes)} changes)")
            print(f"RESULT\treplay {result.judged} tickets ({name})\t{median:.2f} s\t≤ {TARGET_SECONDS:g} s\t"
                  f"{median / TARGET_SECONDS:.2f}")
        ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

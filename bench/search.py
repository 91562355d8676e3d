"""Runbook search speed over a large generated library.

Why: search runs on every keystroke in the Runbooks tab and the tray's "Find
runbook…", so a team pack of thousands of runbooks must still answer within a
frame or two.  Target: query p95 ≤ 20 ms over 5,000 runbooks.

The machine the bench runs on is often busy (2 cores, tests running), so one
run's p95 is noisy: the figure is the median p95 of ``--rounds`` rounds of
``--queries`` queries each, and the slowest queries are named (their cost is
bm25 ranking of the thousands of runbooks that match a common word, not the
typo correction, which takes well under 0.1 ms).

Run: ``.venv/bin/python bench/search.py [--runbooks 5000] [--queries 400] [--rounds 5] [--seed 7]``
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from oncall_desktop.core.runbooks.runbooks import Runbook  # noqa: E402
from oncall_desktop.services.runbooks.search import RunbookIndex  # noqa: E402

TARGET_P95_MS = 20.0
SUBJECTS = ("server", "exchange", "mailbox", "firewall", "switch", "printer", "backup", "certificate",
            "vpn", "dns", "domain controller", "hypervisor", "datastore", "laptop", "ups", "sharepoint",
            "teams", "onedrive", "sql server", "file share", "wifi", "isp circuit", "payroll app", "rdp")
PROBLEMS = ("down", "slow", "failed", "expired", "full", "unreachable", "compromised", "encrypted",
            "crashing", "not syncing", "locked out", "rebooting", "degraded", "offline")
FILLER = ("check the monitoring dashboard", "restart the service once", "read the event log",
          "call the client emergency contact", "isolate the device", "verify from outside",
          "note every action with its time", "escalate to the second line", "open the vendor case",
          "confirm the last good backup", "compare with the previous change", "ask the user for a screenshot",
          "review the sign-in logs", "free space on the volume", "renew and rebind", "test name resolution")
QUERIES = ("ransomwear", "exchnage down", "sever unreachable", "certifcate expired", "backpu failed",
           "vpn", "dns", "disk ful", "phising", "mailbx compromised", "printer", "sql", "wifi offline",
           "domain controler", "rdp", "payrol app crashing", "teams not syncing", "firewal", "ups", "x")


def generate(count: int, rng: random.Random) -> list[Runbook]:
    runbooks = []
    for n in range(count):
        subject, problem = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
        steps = "\n".join(f"{i}. {rng.choice(FILLER)} on the {rng.choice(SUBJECTS)}." for i in range(1, 13))
        body = f"# {subject} {problem}\n\n## First checks\n{steps}\n\n## What to write in the ticket\n{rng.choice(FILLER)}.\n"
        runbooks.append(Runbook(
            id=f"rb-{n:05d}", title=f"{subject.title()} {problem} (variant {n})", body=body, version=1,
            owner="bench", reviewed_on=date(2026, 1, 5), severity=rng.choice(("P1", "P2", "P3", "P4")),
            tags=(subject.replace(" ", "-"), problem.replace(" ", "-")), systems=(rng.choice(SUBJECTS),)))
    return runbooks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runbooks", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    runbooks = generate(args.runbooks, rng)
    started = time.perf_counter()
    index = RunbookIndex.build(runbooks)
    build_s = time.perf_counter() - started
    p50s, p95s, worst = [], [], 0.0
    per_query: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        timings = []
        for i in range(args.queries):
            query = QUERIES[i % len(QUERIES)]
            t0 = time.perf_counter()
            index.search(query, limit=10)
            ms = (time.perf_counter() - t0) * 1000
            timings.append(ms)
            per_query.setdefault(query, []).append(ms)
        timings.sort()
        p50s.append(statistics.median(timings))
        p95s.append(timings[min(len(timings) - 1, int(round(0.95 * len(timings))) - 1)])
        worst = max(worst, timings[-1])
    p50, p95 = statistics.median(p50s), statistics.median(p95s)
    print(f"runbooks: {args.runbooks}  queries: {args.queries} × {args.rounds} rounds")
    print(f"index build: {build_s:.2f} s")
    print(f"query p50: {p50:.2f} ms  p95: {p95:.2f} ms (median of rounds; each round's p95: "
          f"{', '.join(f'{x:.1f}' for x in p95s)})  max: {worst:.2f} ms")
    slow = sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))[:3]
    print("slowest queries (median): " + ", ".join(f"'{q}' {statistics.median(t):.1f} ms" for q, t in slow))
    print(f"p95 / target ({TARGET_P95_MS:.0f} ms): {p95 / TARGET_P95_MS:.2f}  "
          f"({'within' if p95 <= TARGET_P95_MS else 'OVER'} target)")
    print(f"RESULT\tsearch: query p95 over {args.runbooks:,} runbooks\t{p95:.1f} ms\t≤ {TARGET_P95_MS:.0f} ms\t"
          f"{p95 / TARGET_P95_MS:.2f}")
    print(f"RESULT\tsearch: index build, {args.runbooks:,} runbooks\t{build_s:.2f} s\t(reported)\t")
    index.close()
    return 0 if p95 <= TARGET_P95_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed of the billing core: bill 100,000 work sessions (target: ≤ 1 s).

Run: ``.venv/bin/python bench/billing.py [--sessions N] [--runs K]``.  Prints the
median of K runs, the target and the ratio, plus split and to_json figures.
What ``time report --json`` really does is *not* this: entries are billed once,
when work stops, and stored; the report reads them back with SQLite building
the JSON.  That figure, the real command end to end, is bench/report.py's.
The sessions are a year of realistic mixed work in one client zone with
public holidays, a closure, DST, a mid-year agreement change and call-outs
that merge; the time includes garbage collection (nothing is tuned away).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oncall_desktop.core.billing.billing import Agreement, WorkSession, bill  # noqa: E402
from oncall_desktop.core.billing.calendar_hours import Calendar, Closure, business_minutes_between, split  # noqa: E402

TARGET_SECONDS = 1.0


def sessions(count: int, seed: int = 7) -> list[WorkSession]:
    rng = random.Random(seed)
    start_of_year = datetime(2026, 1, 1, tzinfo=timezone.utc)
    result = []
    for number in range(count):
        start = start_of_year + timedelta(seconds=rng.randrange(365 * 24 * 3600))
        length = timedelta(minutes=rng.choice((5, 12, 25, 38, 45, 70, 95, 180)), seconds=rng.randrange(60))
        flag = rng.choices((None, "no-charge", "regular-charge"), (96, 2, 2))[0]
        result.append(WorkSession(f"T{number % 3000}", "acme", start, start + length, flag))
    return result


def timed(fn: object, runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    calendar = Calendar(
        "America/New_York", holidays_country="US", holidays_subdivision="NY",
        closures=(Closure(datetime(2026, 12, 24, 12), datetime(2026, 12, 25), "Christmas Eve afternoon", True),),
    )
    agreements = [
        Agreement("2025 terms", date(2025, 1, 1), date(2026, 6, 30)),
        Agreement("2026 terms", date(2026, 7, 1), multiplier=1.5, normal_rate_cents=15000),
    ]
    work = sessions(args.sessions)
    entries = bill(work, agreements, calendar)  # warm the day cache once, as a running app would have

    def billing_run() -> None:
        bill(work, agreements, calendar)

    def rebill_run() -> None:  # what a report would cost if it re-billed (it does not: bench/report.py)
        [e.to_json() for e in bill(work, agreements, calendar)]

    def split_run() -> None:
        for w in work:
            split(w.start, w.end, calendar)

    def business_run() -> None:
        for w in work:
            business_minutes_between(w.start, w.end, calendar)

    bill_s = timed(billing_run, args.runs)
    rebill_s = timed(rebill_run, args.runs)
    split_s = timed(split_run, max(1, args.runs // 2))
    business_s = timed(business_run, max(1, args.runs // 2))
    after = sum(e.after_hours_minutes for e in entries)
    billable = sum(e.billable_minutes for e in entries)
    print(f"sessions                       {len(work):>10,}")
    print(f"entries                        {len(entries):>10,}  (straddling sessions give two)")
    print(f"after-hours / billable minutes {after:>10,} / {billable:,}")
    print(f"bill            median of {args.runs}    {bill_s:>8.3f} s   target {TARGET_SECONDS:.1f} s   "
          f"ratio {bill_s / TARGET_SECONDS:.2f}")
    print(f"re-bill + to_json (not the CLI) {rebill_s:>8.3f} s   (time report reads stored entries: "
          "bench/report.py)")
    print(f"split (with pieces)             {split_s:>8.3f} s")
    print(f"business_minutes_between        {business_s:>8.3f} s")
    print(f"per session (bill)              {bill_s / len(work) * 1e6:>8.2f} µs")
    print(f"RESULT\tbilling: bill {len(work):,} sessions\t{bill_s:.3f} s\t≤ {TARGET_SECONDS:.0f} s\t"
          f"{bill_s / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()

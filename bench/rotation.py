"""Rotation speed figures (run by ``make bench``; not a test).

A 3-layer schedule with 200 members and an override every week: the final
shifts for one year (target ≤ 200 ms) and ``on_call`` at an arbitrary instant
(target ≤ 1 ms).  Prints the median of several runs, the target and the ratio.
"""
from __future__ import annotations

import random
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oncall_desktop.core.rotation.compute import next_shift_for, on_call, shifts  # noqa: E402
from oncall_desktop.core.rotation.model import Layer, Override, Restriction, Schedule  # noqa: E402

ZONE = "Europe/Berlin"


def build() -> Schedule:
    tz = ZoneInfo(ZONE)
    start = datetime(2025, 12, 29, 9, tzinfo=tz)
    members = [f"Tech {i:03d}" for i in range(200)]
    layers = (
        Layer("Business hours", members[:120], start, "daily", time(9, 0)),
        Layer("Nights", members[120:180], start, "weekly", time(9, 0),
              Restriction.on_days("weekdays", "17:30", "08:30")),
        Layer("Weekends", members[180:], start, "weekly", time(9, 0), (Restriction(time(0), 48 * 60, 6),)),
    )
    rng = random.Random(3)
    overrides = []
    for week in range(-4, 60):
        begin = start + timedelta(weeks=week, hours=rng.randrange(0, 150))
        overrides.append(Override(rng.choice(members), begin, begin + timedelta(hours=rng.randrange(2, 25))))
    return Schedule("Bench", ZONE, layers, tuple(overrides))


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = clock.perf_counter()
        fn()
        times.append((clock.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    schedule = build()
    a = datetime(2026, 1, 1, tzinfo=timezone.utc)
    b = a + timedelta(days=365)
    rng = random.Random(7)
    instants = [a + timedelta(seconds=rng.randrange(0, 365 * 86400)) for _ in range(200)]
    count = len(shifts(schedule, a, b))
    it = iter(instants * 10)
    rows = [
        (f"final shifts, one year ({count} shifts)", median_ms(lambda: shifts(schedule, a, b), 9), 200.0),
        ("on_call at an arbitrary instant", median_ms(lambda: on_call(schedule, next(it)), 1000), 1.0),
        ("next_shift_for one of 200 members", median_ms(
            lambda: next_shift_for(schedule, f"Tech {rng.randrange(200):03d}", rng.choice(instants)), 200), None),
    ]
    print(f"{'figure':45} {'median ms':>10} {'target ms':>10} {'ratio':>7}")
    for name, ms, target in rows:
        ratio = f"{ms / target:7.2f}" if target else "      -"
        print(f"{name:45} {ms:10.3f} {(f'{target:.0f}' if target else '-'):>10} {ratio}")
    for name, ms, target in rows:
        print(f"RESULT\trotation: {name}\t{ms:.3f} ms\t" + (f"≤ {target:.0f} ms\t{ms / target:.2f}" if target else "\t"))


if __name__ == "__main__":
    main()

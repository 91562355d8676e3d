"""A short soak of the real app: minutes of the window redrawing, pages arriving and escalating.

The hour-long run is ``bench/soak.py`` (make bench); this one keeps the
whole path — Xvfb, dunst, the app process on this Python — in every test run,
with a page every 30 s and a one-minute ack window so escalations happen too.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def test_a_short_soak_neither_dies_nor_misses_a_page(artifacts: Path) -> None:
    spec = importlib.util.spec_from_file_location("soak_bench", BENCH)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    report = bench.soak(minutes=2.5, every_minutes=0.5, ack_minutes=1, keep=artifacts / "soak", resolve_after=1.25)
    assert report["aborts"] == 0, report.get("log_tail")
    assert report["none_refs_drift_per_hour"] >= -bench.LOST_PER_HOUR_NOISE, report
    assert report["opened"] >= 3 and report["notified"] == report["opened"], report
    assert report["escalations_due"] >= 1, report
    assert report["escalated_on_time"] == report["escalations_due"], report
    assert report["resolved_from_cli"] >= 1, report  # the running app follows a change made outside it

"""Fault injection: timers + outbox + the real Redmine adapter against a hostile fake Redmine.

The harness is bench/faults.py (it prints the figures for 1,000 runs); this
test runs it with fewer runs so the suite stays under half a minute.  The fake
follows Redmine's REST API wiki page "Rest_TimeEntries".
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "faults.py"


def _harness():
    spec = importlib.util.spec_from_file_location("bench_faults", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_faults"] = module
    spec.loader.exec_module(module)
    return module


def test_every_minute_accounted_for_and_nothing_twice_under_faults_and_kills() -> None:
    totals = _harness().run(runs=40, seed=7)
    assert totals.runs == 40
    # the scenario really was hostile: every kind of fault and both kinds of kill happened
    assert {"429", "500-after", "garbage-after", "timeout-after", "drop-after"} <= set(totals.faults)
    assert totals.crashes["after POST, before local commit"] > 0 and totals.restarts > 20
    assert totals.lookups_found > 0  # entries that had arrived were found by key, not posted again
    # … and yet:
    assert totals.problems == []
    assert totals.duplicates == 0 and totals.missing == 0 and totals.leftover_outbox == 0
    assert totals.minute_mismatches == 0 and totals.hour_mismatches == 0
    assert totals.entries_local == totals.entries_remote > 50

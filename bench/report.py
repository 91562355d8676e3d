"""Speed of ``time report``: 100,000 billed entries → the contract JSON (target: ≤ 1 s).

Run: ``.venv/bin/python bench/report.py [--entries N] [--runs K]``.  Builds a
workspace holding a year of billed work (sessions billed by the real
``billing.bill`` under a client calendar with holidays and an agreement
change, stored as the billing service stores them, half of them already
synced), then times what ``oncall-desktop time report --json`` does — the JSON
is built inside SQLite (``json_object``) — plus ``report()`` (parsed back into
Python), the CSV export, and, for comparison, re-billing everything from
scratch and serialising with ``json.dumps``.

The figure held against the target is the real command, end to end: a new
``oncall-desktop --workspace W time report --from … --to … --json`` process
(interpreter start, imports, opening the workspace, the query, writing ~30 MB
of JSON to a pipe), median of the runs.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from oncall_desktop.core.billing.billing import Agreement, WorkSession, bill  # noqa: E402
from oncall_desktop.core.billing.calendar_hours import Calendar  # noqa: E402
from oncall_desktop.core.time.clock import FakeClock, iso  # noqa: E402
from oncall_desktop.services.app.workspace import Workspace  # noqa: E402
from oncall_desktop.services.time.billing_service import Period  # noqa: E402

TARGET_SECONDS = 1.0


def sessions(count: int) -> list[WorkSession]:
    """The same year of mixed work as bench/billing.py (one source of realistic sessions)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_billing", Path(__file__).with_name("billing.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.sessions(count))


def build(directory: Path, count: int) -> tuple[Workspace, list[WorkSession], Calendar, list[Agreement]]:
    calendar = Calendar("America/New_York", holidays_country="US", holidays_subdivision="NY")
    agreements = [Agreement("2025 terms", date(2025, 1, 1), date(2026, 6, 30)),
                  Agreement("2026 terms", date(2026, 7, 1), multiplier=1.5, normal_rate_cents=15000)]
    work = sessions(count)
    ws = Workspace(directory, FakeClock(datetime(2027, 1, 2, tzinfo=timezone.utc)))
    conn = ws.store.db.conn
    now = iso(ws.clock.now())
    with ws.store.transaction():
        conn.executemany("INSERT INTO timers (id, ticket_id, client, started, heartbeat, stopped, state, billed) "
                         "VALUES (?, ?, ?, ?, ?, ?, 'stopped', 1)",
                         ((n + 1, w.ticket, w.client, iso(w.start), iso(w.end), iso(w.end)) for n, w in enumerate(work)))
        conn.executemany("INSERT INTO timer_segments (id, timer_id, start, end) VALUES (?, ?, ?, ?)",
                         ((n + 1, n + 1, iso(w.start), iso(w.end)) for n, w in enumerate(work)))
        rows, outbox = [], []
        # the bench needs realistic entries, not the session each came from: segment ids are nominal
        for number, e in enumerate(bill(work, agreements, calendar)):
            key = f"ocbench-{number}-{e.rate_class}"
            rows.append((key, number % len(work) + 1, e.ticket, e.client, iso(e.start), iso(e.end), e.worked_minutes,
                         e.in_hours_minutes, e.after_hours_minutes, e.billable_minutes, e.multiplier, e.rate_class,
                         json.dumps(e.reasons, ensure_ascii=False), e.agreement, e.amount_cents, now))
            outbox.append((key, e.ticket, "{}", "sent" if number % 2 else "pending", now, now))
        conn.executemany("INSERT INTO time_entries (key, segment_id, ticket, client, start, end, worked_minutes, "
                         "in_hours_minutes, after_hours_minutes, billable_minutes, multiplier, rate_class, reasons, "
                         "agreement, amount_cents, billed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         rows)
        conn.executemany("INSERT INTO outbox (key, ticket_id, kind, payload, state, next_try, created) "
                         "VALUES (?, ?, 'time_entry', ?, ?, ?, ?)", outbox)
    return ws, work, calendar, agreements


def timed(fn: object, runs: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000, help="work sessions to bill (entries ≥ this)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws, work, calendar, agreements = build(Path(tmp) / "ws", args.entries)
        year = Period(datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2027, 1, 2, tzinfo=timezone.utc))
        count = ws.store.db.conn.execute("SELECT count(*) FROM time_entries").fetchone()[0]
        report_s, text = timed(lambda: ws.billing.report_json(year), args.runs)
        parsed_s, rows = timed(lambda: ws.billing.report(year), max(1, args.runs // 2))
        csv_s, _ = timed(lambda: ws.billing.export_csv(year, Path(tmp) / "year.csv"), max(1, args.runs // 2))
        scratch_s, _ = timed(lambda: json.dumps([e.to_json() for e in bill(work, agreements, calendar)]),
                             max(1, args.runs // 2))
        assert len(rows) == count and len(text) > count * 100  # type: ignore[arg-type]
        ws.close()
        command = [str(Path(sys.executable).with_name("oncall-desktop")), "--workspace", str(Path(tmp) / "ws"),
                   "time", "report", "--from", "2026-01-01T00:00:00Z", "--to", "2027-01-02T00:00:00Z", "--json"]

        def cli() -> int:
            done = subprocess.run(command, capture_output=True, check=True)
            return len(done.stdout)

        cli_s, size = timed(cli, args.runs)
        assert size == len(text.encode()) + 1, (size, len(text))  # type: ignore[union-attr]
    print(f"entries in the report          {count:>10,}  (from {len(work):,} sessions)")
    print(f"time report --json, CLI process {cli_s:>7.3f} s   median of {args.runs}   target "
          f"{TARGET_SECONDS:.1f} s   ratio {cli_s / TARGET_SECONDS:.2f}   ({size / 1e6:.1f} MB of JSON)")
    print(f"  of which report_json (SQLite) {report_s:>7.3f} s")
    print(f"report() as Python rows        {parsed_s:>8.3f} s")
    print(f"time export CSV                {csv_s:>8.3f} s")
    print(f"re-bill + json.dumps (compare) {scratch_s:>8.3f} s   (why entries are stored when billed)")
    print(f"RESULT\ttime report --json, {count:,} entries (CLI process)\t{cli_s:.3f} s\t≤ {TARGET_SECONDS:.0f} s\t"
          f"{cli_s / TARGET_SECONDS:.2f}")
    print(f"RESULT\t  report_json in-process (SQLite)\t{report_s:.3f} s\t≤ {TARGET_SECONDS:.0f} s\t"
          f"{report_s / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()

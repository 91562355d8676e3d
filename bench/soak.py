"""Soak: the real tray app, window open on the Now tab, a demo page a minute, for an hour (or --minutes).

What it proves: the process that users leave running all night does not die
(PySide6 6.12.0 on Python 3.11 aborted within minutes: "none_dealloc"), does
not leak references to None or memory, and pages and escalates every ticket
on time.  It runs under a real X server (Xvfb), a real session bus and a real
notification daemon (dunst), started here on this machine, as the e2e tests
do.  The app writes its own numbers every few seconds (ONCALL_STATS_FILE,
services/app/diagnostics.py); the pages and escalations are read afterwards from
the workspace's event log.

    python bench/soak.py [--minutes 60] [--json]

``SOAK_MINUTES`` sets the length for ``make bench`` (default 60).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WARM_UP_S = 120  # imports, first window paint and caches settle before drift is measured
LATE_S = 5.0  # an escalation more than this after its deadline is late (the clock ticks each second)
LOST_PER_HOUR_NOISE = 1000  # a falling count beyond this is a leak (PySide6 6.12.0 lost ~100,000 an hour)


def _cli(env: dict[str, str], workspace: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), *args],
                          env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"soak: oncall-desktop {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def _slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value), per hour."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    var = sum((t - mx) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    return 3600 * sum((t - mx) * (v - my) for t, v in points) / var


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def pages_report(db_path: Path, ended: datetime) -> dict[str, int]:
    """Pages opened, notified, and escalations due before the end: on time or late (from the event log)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        events = [(kind, json.loads(data or "{}"), _instant(at)) for kind, data, at in conn.execute(
            "SELECT kind, data, at FROM events WHERE kind IN ('page.opened', 'notification.sent', "
            "'notification.failed', 'page.escalated', 'page.acknowledged', 'page.resolved') ORDER BY id")]
    finally:
        conn.close()
    # a page opened in the last seconds may be stopped with the app before its pop-up goes out
    opened = {e[1]["page"]: e for e in events if e[0] == "page.opened" and "page" in e[1]
              and (ended - e[2]).total_seconds() >= 2 * LATE_S}
    notified = {e[1].get("page") for e in events if e[0] == "notification.sent"}
    failed = {e[1].get("page") for e in events if e[0] == "notification.failed"}
    settled: dict[int, datetime] = {}
    for kind, data, at in events:
        if kind in ("page.acknowledged", "page.resolved") and "page" in data:
            settled.setdefault(data["page"], at)
    escalations: dict[int, list[datetime]] = {}
    for kind, data, at in events:
        if kind == "page.escalated" and "page" in data:
            escalations.setdefault(data["page"], []).append(at)
    due = on_time = late = missed = 0
    worst = 0.0
    for page_id, (_, data, _at) in opened.items():
        deadline = data.get("ack_deadline")
        if not deadline:
            continue
        deadline_at = _instant(deadline)
        if settled.get(page_id, ended) < deadline_at:
            continue  # settled before it was due: nothing to escalate
        if (ended - deadline_at).total_seconds() < LATE_S:
            continue  # not yet due when the soak ended
        due += 1
        times = escalations.get(page_id, [])
        if not times:
            missed += 1
            continue
        lag = (times[0] - deadline_at).total_seconds()
        worst = max(worst, lag)
        if lag <= LATE_S:
            on_time += 1
        else:
            late += 1
    return {"opened": len(opened), "notified": len(notified & set(opened)), "notify_failed": len(failed),
            "escalations_due": due, "escalated_on_time": on_time, "escalated_late": late,
            "escalations_missed": missed, "worst_lag_s": round(worst, 1)}


def _resolve_old_pages(env: dict[str, str], workspace: Path, older_than_min: float, done: set[int]) -> None:
    """Resolve, from another process as a tech's CLI would, the open pages older than ``older_than_min``.

    A night's pages get closed; without this the page list only grows and any
    memory it holds reads as drift.  Resolving from outside the app also proves
    the running app follows changes it did not make (its pop-ups close)."""
    conn = sqlite3.connect(f"file:{workspace / 'workspace.sqlite3'}?mode=ro", uri=True, timeout=10)
    try:
        rows = conn.execute("SELECT data, at FROM events WHERE kind = 'page.opened'").fetchall()
    finally:
        conn.close()
    now = datetime.now().astimezone()
    for data, at in rows:
        page = json.loads(data or "{}").get("page")
        if page is None or page in done or (now - _instant(at)).total_seconds() < older_than_min * 60:
            continue
        done.add(page)
        _cli(env, workspace, "resolve", f"#{page}")


def soak(minutes: float, every_minutes: float = 1.0, ack_minutes: int | None = None,
         keep: Path | None = None, resolve_after: float = 0.0) -> dict[str, object]:
    """Run the soak; ``ack_minutes`` shortens the ack window (short runs see escalations too);
    ``keep``: a folder for the app's log, stats and workspace (default: a temporary one);
    ``resolve_after``: resolve each page this many minutes after it opened (0: never)."""
    from tests.e2e.desktop import start_desktop

    root = keep or Path(tempfile.mkdtemp(prefix="oncall-soak-"))
    root.mkdir(parents=True, exist_ok=True)
    desktop = start_desktop(root / "desktop")
    stats = root / "stats.jsonl"
    workspace = root / "ws"
    env = {**desktop.env, "ONCALL_STATS_FILE": str(stats), "ONCALL_STATS_SECONDS": "5",
           "ONCALL_LOG_DIR": str(root / "log")}
    try:
        _cli(env, workspace, "demo")
        from oncall_desktop.services.app.workspace import Workspace

        ws = Workspace(workspace)
        try:
            ws.store.set_setting("demo_feed_minutes", every_minutes)  # a page a minute, not every three
            if ack_minutes:
                policy = dict(ws.store.get_setting("ack_policy", {}) or {})
                ws.store.set_setting("ack_policy", {**policy, "ack_minutes": ack_minutes})
        finally:
            ws.close()
        started = time.monotonic()
        with open(root / "app.log", "wb") as out:
            app = subprocess.Popen([sys.executable, "-m", "oncall_desktop", "--workspace", str(workspace), "--show"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = started + minutes * 60
        resolved: set[int] = set()
        next_sweep = started + 30
        while time.monotonic() < deadline and app.poll() is None:
            time.sleep(2)
            if resolve_after and time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + 30
                _resolve_old_pages(env, workspace, resolve_after, resolved)
        alive = app.poll() is None
        ran_s = time.monotonic() - started
        ended = datetime.now().astimezone()
        if alive:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(timeout=30)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait()
        log_text = (root / "app.log").read_text(errors="replace")
        aborted = (not alive) or "Fatal Python error" in log_text
        samples = [json.loads(line) for line in stats.read_text().splitlines() if line.strip()] if stats.exists() else []
        t0 = samples[0]["t"] if samples else 0.0
        warm_up = min(WARM_UP_S, ran_s / 3)
        steady = [s for s in samples if s["t"] - t0 >= warm_up] or samples
        none_points = [(s["t"] - t0, float(s["none_refs"])) for s in steady]
        rss_points = [(s["t"] - t0, s["rss_kb"] / 1024) for s in steady]
        report: dict[str, object] = {
            "minutes": round(ran_s / 60, 1), "aborts": int(aborted), "exit_code": app.returncode,
            "samples": len(samples),
            "none_refs_first": int(none_points[0][1]) if none_points else None,
            "none_refs_last": int(none_points[-1][1]) if none_points else None,
            "none_refs_min": int(min(v for _, v in none_points)) if none_points else None,
            "none_refs_drift_per_hour": round(_slope_per_hour(none_points), 1),
            # references lost are what aborts the interpreter (none_dealloc); gained ones cost nothing.
            # The leaking release lost dozens a second; objects freed with None in them move it by a few.
            "none_refs_lost": int(none_points[0][1] - min(v for _, v in none_points)) if none_points else None,
            "rss_mb_first": round(rss_points[0][1], 1) if rss_points else None,
            "rss_mb_last": round(rss_points[-1][1], 1) if rss_points else None,
            "rss_mb_drift_per_hour": round(_slope_per_hour(rss_points), 2),
            "threads_last": steady[-1]["threads"] if steady else None,
            "resolved_from_cli": len(resolved),
            **pages_report(workspace / "workspace.sqlite3", ended),
            "python": sys.version.split()[0],
        }
        if aborted:
            report["log_tail"] = log_text[-2000:]
        return report
    finally:
        desktop.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "60")))
    parser.add_argument("--every", type=float, default=1.0, help="minutes between demo tickets (default 1)")
    parser.add_argument("--ack-minutes", type=int, default=None, help="the ack window (default: the demo's 15)")
    parser.add_argument("--resolve-after", type=float, default=float(os.environ.get("SOAK_RESOLVE_AFTER", "30")),
                        help="resolve each page this many minutes after it opened, from the CLI (0: never; "
                             "default 30, so about 30 stay open as on a bad night)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the app's log, stats and workspace here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = soak(args.minutes, args.every, args.ack_minutes, args.keep, args.resolve_after)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            if key != "log_tail":
                print(f"  {key}: {value}")
        if "log_tail" in report:
            print(report["log_tail"])
    mins = report["minutes"]
    print(f"RESULT\tsoak: aborts in {mins} min (Python {report['python']})\t{report['aborts']}\t0\t"
          f"{'ok' if report['aborts'] == 0 else 'FAILED'}")
    print(f"RESULT\tsoak: references to None lost (what aborts)\t{report['none_refs_lost']}\t0\t"
          f"{report['none_refs_first']} → min {report['none_refs_min']}")
    print(f"RESULT\tsoak: references to None, drift per hour\t{report['none_refs_drift_per_hour']:+}\tflat\t"
          f"{report['none_refs_first']} → {report['none_refs_last']}")
    print(f"RESULT\tsoak: RSS drift per hour (MB)\t{report['rss_mb_drift_per_hour']}\tflat\t"
          f"{report['rss_mb_first']} → {report['rss_mb_last']} MB")
    print(f"RESULT\tsoak: pages notified / opened\t{report['notified']} / {report['opened']}\tall\t"
          f"{'ok' if report['notified'] == report['opened'] else 'MISSED'}")
    print(f"RESULT\tsoak: escalations on time / due (≤ {LATE_S:.0f} s)\t"
          f"{report['escalated_on_time']} / {report['escalations_due']}\tall\t"
          f"worst {report['worst_lag_s']} s")
    ok = report["aborts"] == 0 and float(report["none_refs_drift_per_hour"]) >= -LOST_PER_HOUR_NOISE and \
        report["notified"] == report["opened"] and \
        report["escalated_on_time"] == report["escalations_due"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""CLI contract of the ack clock: ack / resolve / escalate / snooze TICKET, tick --at ISO, now --json."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from oncall_desktop.core.time.clock import FakeClock
from tests.cli_run import run

OPENED = datetime(2026, 11, 25, 22, 10, tzinfo=timezone.utc)


@pytest.fixture
def ws_dir(tmp_path: Path) -> str:
    """The demo with its P1 page opened at 22:10 UTC (chain Ana → Chloé → Erin)."""
    from oncall_desktop.services.app.workspace import Workspace
    from oncall_desktop.services.demo.demo import seed_demo
    from oncall_desktop.services.paging.notifier import Notifier

    ws = Workspace(tmp_path / "ws", FakeClock(OPENED), notifier=Notifier(backends=[]))
    seed_demo(ws)
    ws.store.set_setting("demo_feed", False)
    ws.store.set_setting("time_zone", "UTC")
    assert ws.poller.poll_once().paged == 1
    ws.close()
    return str(tmp_path / "ws")


def test_tick_at_fires_both_escalations_in_order_and_now_reports_them(capsys, ws_dir) -> None:
    code, out, err = run(capsys, "--workspace", ws_dir, "tick", "--at", "2026-11-25T22:20:00Z")
    assert code == 0, err
    assert [f["event"] for f in json.loads(out)] == ["renotify"]
    code, out, _ = run(capsys, "--workspace", ws_dir, "tick", "--at", "2026-11-25T22:41:00Z")
    fired = json.loads(out)
    assert [(f["event"], f["level"], f["person"], f["due"]) for f in fired] == [
        ("timeout", 2, "Chloé Martin", "2026-11-25T22:25:00Z"),
        ("timeout", 3, "Erin Walsh", "2026-11-25T22:40:00Z")]
    assert fired[0]["effects"][0]["text"].startswith("Not acknowledged within 15 min by Ana Souza; escalated to "
                                                     "Chloé Martin (fired late at 22:41")
    assert json.loads(run(capsys, "--workspace", ws_dir, "tick", "--at", "2026-11-25T22:41:00Z")[1]) == []
    code, out, _ = run(capsys, "--workspace", ws_dir, "now", "--json")
    page = json.loads(out)["pages"][0]
    assert (page["state"], page["level"]) == ("escalated", 3)
    assert page["ack_deadline"] == "2026-11-25T22:55:00Z"
    assert page["sla_deadline"] == "2026-11-25T23:10:00Z"


def test_ack_by_name_with_the_remote_id_then_resolve(capsys, ws_dir) -> None:
    code, out, err = run(capsys, "--workspace", ws_dir, "ack", "1", "--by", "Ben Okafor", "--json")
    assert code == 0, err
    page = json.loads(out)
    assert (page["ticket"], page["state"], page["acknowledged_by"], page["person"]) == (
        "local:1", "acknowledged", "Ben Okafor", "Ben Okafor")
    assert page["ack_deadline"] is None and page["sla_deadline"]
    code, _, err = run(capsys, "--workspace", ws_dir, "ack", "local:1")
    assert code == 1 and "already acknowledged by Ben Okafor" in err and "Traceback" not in err
    code, out, _ = run(capsys, "--workspace", ws_dir, "resolve", "local:1")
    assert code == 0 and out.startswith("Resolved local:1")
    events = json.loads(run(capsys, "--workspace", ws_dir, "events", "--json")[1])
    queued = [e["data"]["key"] for e in events if e["kind"] == "outbox.queued"]
    # acknowledged note, reassignment to the acknowledger (someone else's page), resolved note
    assert queued == ["page-1-1-0", "page-1-1-2", "page-1-2-0"]


def test_escalate_and_snooze(capsys, ws_dir) -> None:
    code, out, _ = run(capsys, "--workspace", ws_dir, "snooze", "local:1", "--minutes", "15", "--json")
    assert code == 0 and json.loads(out)["ack_deadline"] == "2026-11-25T22:25:00Z"
    code, out, _ = run(capsys, "--workspace", ws_dir, "escalate", "local:1", "--json")
    assert code == 0 and (json.loads(out)["level"], json.loads(out)["person"]) == (2, "Chloé Martin")


def test_unknown_ticket_and_bad_instant_are_one_line_errors(capsys, ws_dir) -> None:
    code, _, err = run(capsys, "--workspace", ws_dir, "ack", "local:99")
    assert code == 1 and err.strip() == (
        "oncall-desktop: no page for ticket 'local:99'; use the id shown by 'oncall-desktop now' (such as local:3)")
    code, _, err = run(capsys, "--workspace", ws_dir, "tick", "--at", "tonight")
    assert code == 2 and "'tonight' is not a date-time" in err


def test_resolve_no_action_records_a_false_alarm_that_insights_count(capsys, ws_dir) -> None:
    code, out, err = run(capsys, "--workspace", ws_dir, "resolve", "local:1", "--no-action")
    assert code == 0, err
    assert "(no action needed)" in out
    events = json.loads(run(capsys, "--workspace", ws_dir, "events", "--kind", "page.resolved", "--json")[1])
    assert events[-1]["data"]["outcome"] == "no action needed"


def test_resolve_false_alarm_keeps_the_verdict_with_the_signals(capsys, ws_dir) -> None:
    code, out, err = run(capsys, "--workspace", ws_dir, "resolve", "local:1", "--false-alarm")
    assert code == 0 and "(false alarm)" in out, err
    events = json.loads(run(capsys, "--workspace", ws_dir, "events", "--kind", "page.resolved", "--json")[1])
    data = events[-1]["data"]
    assert (data["outcome"], data["verdict"]) == ("false alarm", "false_alarm") and "signals" in data
    code, _, err = run(capsys, "--workspace", ws_dir, "resolve", "local:1", "--false-alarm", "--no-action")
    assert code == 2 and "not allowed with argument" in err

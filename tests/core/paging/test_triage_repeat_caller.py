"""A ticket without an id is one call, not its own second call within the repeat window."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from oncall_desktop.core.paging.escalation import Context, RuleSet, evaluate
from oncall_desktop.core.paging.escalation_rules import RepeatCallerRule
from oncall_desktop.core.tickets.tickets import Ticket
from tests.cli_run import run

NOW = datetime(2026, 1, 5, 23, 10, tzinfo=timezone.utc)


def test_a_ticket_without_id_is_not_its_own_second_call() -> None:
    alone = Ticket(title="Wifi slow", contact="ana@acme.com", priority=4, created=NOW)
    rules = RuleSet(rules=(RepeatCallerRule(),))
    d = evaluate(alone, rules, Context(recent_by_contact={"ana@acme.com": [alone]}), NOW)
    assert "same contact called twice within 30 min" not in d.reasons
    assert d.page is False


def test_two_tickets_without_id_from_one_contact_are_still_a_repeat() -> None:
    first = Ticket(title="Wifi slow", contact="ana@acme.com", priority=4, created=NOW - timedelta(minutes=5))
    second = Ticket(title="Wifi down", contact="ana@acme.com", priority=4, created=NOW)
    rules = RuleSet(rules=(RepeatCallerRule(),))
    d = evaluate(second, rules, Context(recent_by_contact={"ana@acme.com": [first, second]}), NOW)
    assert d.reasons == ["same contact called twice within 30 min"]
    same_time = Ticket(title="Wifi gone", contact="ana@acme.com", priority=4, created=NOW)
    d = evaluate(same_time, rules, Context(recent_by_contact={"ana@acme.com": [second, same_time]}), NOW)
    assert d.reasons == ["same contact called twice within 30 min"]


def test_rules_test_with_a_contact_and_no_id_does_not_page_as_a_repeat(capsys, tmp_path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"title": "Printer low on toner", "client": "Acme", "contact": "ana@acme.com"}))
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(path), "--json")
    assert code == 0, err
    decision = json.loads(out)
    assert decision["page"] is False
    assert not any("called twice" in r for r in decision["reasons"])

"""A ticket that gives no priority is not said to be P3: the default is nobody's word."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from oncall_desktop.core.paging.escalation import Context, RuleSet, evaluate
from oncall_desktop.core.paging.escalation_rules import PriorityRule
from oncall_desktop.core.tickets.tickets import Ticket
from tests.cli_run import run

NOW = datetime(2026, 1, 5, 23, 10, tzinfo=timezone.utc)


def test_no_priority_given_is_not_said_as_p3() -> None:
    t = Ticket.from_json({"title": "Printer low on toner", "client": "Acme"}, NOW)
    d = evaluate(t, RuleSet(rules=(PriorityRule(),)), Context(), NOW)
    assert not any(r.startswith("P3 at client") for r in d.reasons)
    assert d.page is False
    given = Ticket.from_json({"title": "Printer low on toner", "client": "Acme", "priority": 3}, NOW)
    assert evaluate(given, RuleSet(rules=(PriorityRule(),)), Context(), NOW).reasons[0] == "P3 at client Acme"



def test_rules_test_without_priority_does_not_claim_one(capsys, tmp_path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"title": "Printer low on toner", "client": "Harbor"}))
    code, out, err = run(capsys, "--workspace", str(tmp_path / "ws"), "rules", "test", str(path), "--json")
    assert code == 0, err
    assert not any(r.startswith("P3 at client") for r in json.loads(out)["reasons"])

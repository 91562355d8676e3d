"""The triage rule's per-client weights: read from TOML, judged per ticket, written back, and the signals fired."""
from __future__ import annotations

import pytest

from oncall_desktop.core.paging.escalation import Context, evaluate_all
from oncall_desktop.core.paging.rules_toml import RulesFileError, dump_rules, parse_rules, with_triage_weight
from oncall_desktop.core.paging.signals_fired import Signal, fired_signals
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.core.time.clock import parse_instant

NOW = parse_instant("2026-11-02T22:00:00Z")
RULES = '''page_at = "P2"
[[rule]]
kind = "triage"
weights = { urgent = 0 }
client_weights = { "Harbor Accounting" = { outage = 0 } }
'''


def _ticket(client: str, title: str = "Server offline") -> Ticket:
    return Ticket(title=title, client=client, priority_given=False, created=NOW)


def test_one_clients_weights_change_only_its_tickets() -> None:
    rules = parse_rules(RULES)
    harbor, acme, harbor_caps = evaluate_all(
        [_ticket("Harbor Accounting"), _ticket("Acme"), _ticket("HARBOR ACCOUNTING")], rules, Context(), NOW)
    assert acme.page and acme.severity == "P2"
    assert not harbor.page and harbor.severity == "P3"
    assert "triage weights for Harbor Accounting: outage 0" in harbor.reasons
    assert "broken now ('offline', +2)" not in harbor.reasons and harbor_caps.severity == "P3"
    # the built-in weights' verdicts are not disturbed by the client's (kept per set of weights)
    assert evaluate_all([_ticket("Acme")], rules, Context(), NOW)[0].reasons == acme.reasons


def test_client_weights_round_trip_and_bad_ones_name_their_line() -> None:
    rules = parse_rules(RULES)
    again = parse_rules(dump_rules(rules))
    assert again == rules
    assert 'client_weights = { "Harbor Accounting" = { "outage" = 0 } }' in dump_rules(rules)
    assert "client_weights" not in dump_rules(parse_rules('[[rule]]\nkind = "triage"\n'))
    with pytest.raises(RulesFileError, match=r"line 3: rule 1: unknown signal kind 'outgae' in 'client_weights' for Acme"):
        parse_rules('[[rule]]\nkind = "triage"\nclient_weights = { Acme = { outgae = 1 } }\n')
    with pytest.raises(RulesFileError, match="'client_weights' must map a client to its weights"):
        parse_rules('[[rule]]\nkind = "triage"\nclient_weights = 3\n')


def test_fired_signals_are_the_kinds_that_counted_with_the_clients_weights() -> None:
    rules = parse_rules(RULES)
    assert fired_signals(rules, _ticket("Acme", "URGENT: server offline")) == [
        Signal("outage", 2, "offline"), Signal("shared", 2, "server")]  # urgent is switched off
    assert fired_signals(rules, _ticket("Harbor Accounting")) == [Signal("shared", 2, "server")]
    assert fired_signals(parse_rules('[[rule]]\nkind = "priority"\n'), _ticket("Acme")) == []
    assert Signal.from_json({"kind": "outage", "weight": 2, "words": "down"}) == Signal("outage", 2, "down")
    assert Signal.from_json("outage") is None


def test_a_weight_is_edited_in_the_leads_own_text_or_the_rules_written_whole() -> None:
    text = RULES.replace("weights = { urgent = 0 }", "weights = { urgent = 0 }  # shouting is not an outage")
    edited = with_triage_weight(text, "outage", 1, None, "why: 6 false alarms")
    assert edited == text.replace(
        "weights = { urgent = 0 }  # shouting is not an outage\n",
        "# why: 6 false alarms\n# was: weights = { urgent = 0 }  # shouting is not an outage\n"
        'weights = { "urgent" = 0, "outage" = 1 }\n')
    again = with_triage_weight(edited, "outage", 0, "Acme", "")
    assert parse_rules(again).rules[0].client_weights == {"Harbor Accounting": {"outage": 0}, "Acme": {"outage": 0}}
    table = '[[rule]]\nkind = "triage"\n[rule.weights]\nurgent = 0\n'
    whole = with_triage_weight(table, "outage", 1, None, "why")
    assert whole.startswith("# why\n# (the rules were written out whole")
    assert parse_rules(whole).rules[0].weights == {"urgent": 0, "outage": 1}
    with pytest.raises(RulesFileError, match="no enabled triage rule"):
        with_triage_weight('[[rule]]\nkind = "priority"\n', "outage", 1, None, "")

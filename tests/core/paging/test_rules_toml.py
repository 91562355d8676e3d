from __future__ import annotations

import textwrap
from datetime import datetime, timezone

import pytest

import oncall_desktop.core.paging.rules_toml as rules_toml
from oncall_desktop.core.paging.escalation import Context, RuleSet, default_rules, evaluate
from oncall_desktop.core.paging.escalation_rules import KeywordRule, TierRule
from oncall_desktop.core.paging.rules_toml import RulesFileError, dump_rules, parse_rules
from oncall_desktop.core.tickets.tickets import Ticket

NOW = datetime(2026, 1, 5, 23, 10, tzinfo=timezone.utc)


def example_from_docstring() -> str:
    doc = rules_toml.__doc__ or ""
    block = doc.split("Example::", 1)[1].split("Every rule also", 1)[0]
    return textwrap.dedent(block)


def test_docstring_example_parses_and_behaves() -> None:
    rules = parse_rules(example_from_docstring())
    assert rules.page_at == 2
    assert [r.kind for r in rules.rules] == [
        "priority", "keywords", "keywords", "production", "repeat_caller", "tier", "unanswered", "maintenance",
    ]
    assert rules.rules[1] == KeywordRule(words=("ransomware", "breach", "hacked"), severity=1)
    assert rules.rules[5] == TierRule(raise_by={"gold": 1})
    d = evaluate(Ticket(title="Hacked mailbox", client="Acme", priority=4), rules, Context(), NOW)
    assert d.page and d.severity == "P1" and "subject contains 'hacked'" in d.reasons


def test_dump_then_parse_round_trips() -> None:
    rules = default_rules()
    text = dump_rules(rules)
    assert "[[rule]]" in text and 'kind = "keywords"' in text
    assert parse_rules(text) == rules
    odd = RuleSet(rules=(KeywordRule(words=('say "hi"', "café\\x"), severity=3, enabled=False),), page_at=3)
    assert parse_rules(dump_rules(odd)) == odd


def test_empty_file_means_no_rules() -> None:
    rules = parse_rules("")
    assert rules.rules == () and rules.page_at == 2


def test_bad_kind_names_line_and_reason() -> None:
    text = 'page_at = "P2"\n\n[[rule]]\nkind = "priority"\n\n[[rule]]\n# typo below\nkind = "keyword"\nwords = ["down"]\n'
    with pytest.raises(RulesFileError) as info:
        parse_rules(text, "team/rules.toml")
    assert info.value.line == 8
    assert str(info.value).startswith("team/rules.toml line 8: rule 2: unknown rule kind 'keyword'; use one of:")


def test_bad_value_points_at_its_key() -> None:
    text = '[[rule]]\nkind = "keywords"\nwords = ["down"]\nseverity = "P7"\n'
    with pytest.raises(RulesFileError, match=r"rules.toml line 4: rule 1: severity must be one of P1, P2, P3, P4") as info:
        parse_rules(text)
    assert info.value.line == 4


def test_missing_setting_points_at_the_rule_header() -> None:
    text = '[[rule]]\nkind = "priority"\n\n[[rule]]\nkind = "keywords"\nseverity = "P1"\n'
    with pytest.raises(RulesFileError, match=r"line 4: rule 2: this rule needs 'words'") as info:
        parse_rules(text)
    assert info.value.line == 4


def test_unknown_setting_in_rule() -> None:
    text = '[[rule]]\nkind = "repeat_caller"\nwithin = 30\n'
    with pytest.raises(RulesFileError, match=r"line 3: rule 1: 'repeat_caller' rules have no setting 'within'"):
        parse_rules(text)


def test_bad_page_at_and_unknown_top_level_key() -> None:
    with pytest.raises(RulesFileError, match=r"line 2: page_at must be one of P1, P2, P3, P4"):
        parse_rules('# rules\npage_at = "P9"\n')
    with pytest.raises(RulesFileError, match=r"line 1: unknown setting 'rules'.*\[\[rule\]\] table") as info:
        parse_rules('rules = []\n')
    assert info.value.line == 1


def test_toml_syntax_error_has_line() -> None:
    text = '[[rule]]\nkind = "keywords"\nwords = ["down", "outage"\n'
    with pytest.raises(RulesFileError, match=r"rules.toml line \d+: this is not valid TOML") as info:
        parse_rules(text)
    assert info.value.line is not None and info.value.line >= 3


def test_wrong_types_are_explained() -> None:
    with pytest.raises(RulesFileError, match=r"line 3: rule 1: 'words' must be a list of non-empty texts"):
        parse_rules('[[rule]]\nkind = "keywords"\nwords = "down"\n')
    with pytest.raises(RulesFileError, match=r"line 3: rule 1: 'enabled' must be true or false"):
        parse_rules('[[rule]]\nkind = "priority"\nenabled = "no"\n')
    with pytest.raises(RulesFileError, match=r"line 3: rule 1: 'raise_by' must be a number of levels 0–3"):
        parse_rules('[[rule]]\nkind = "tier"\nraise_by = { gold = 9 }\n')


def test_sub_table_errors_point_at_the_sub_table() -> None:
    text = '[[rule]]\nkind = "tier"\n\n[rule.raise_by]\ngold = 7\n'
    with pytest.raises(RulesFileError, match=r"line 4: rule 1: 'raise_by' must be a number of levels"):
        parse_rules(text)

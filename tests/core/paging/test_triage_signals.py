"""The triage rule: each signal kind, negation and word forms, the seeds' cases, the rules file."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from oncall_desktop.core.paging.escalation import Context, Decision, RuleSet, default_rules, evaluate
from oncall_desktop.core.paging.escalation_rules import RuleError, TriageRule
from oncall_desktop.core.paging.rules_toml import RulesFileError, dump_rules, parse_rules
from oncall_desktop.core.paging.triage_signals import KINDS, read
from oncall_desktop.core.tickets.tickets import Ticket

NOW = datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc)


def judge(title: str, body: str = "", rules: RuleSet | None = None) -> Decision:
    ticket = Ticket.from_json({"title": title, "body": body, "client": "Harbor"}, NOW)
    return evaluate(ticket, rules or default_rules(), Context(), NOW)


#: (title, body, pages?) — the cases the product was specified with
SEEDS = [
    ("Production server down", "", True),
    ("Ransomware on the file server", "", True),
    ("Email down for all users", "nobody in the office can send mail", True),
    ("Files encrypted", "all files on the shared drive were renamed and encrypted, ransom note on the desktop", True),
    ("Clicked a link", "I clicked the link in a fake Microsoft mail and entered my password", True),
    ("Whole office offline", "internet is down for the entire office", True),
    ("POS down", "none of the tills can take payments, store full of customers", True),
    ("Laptop won't start", "my laptop shows a black screen", False),
    ("Shutdown schedule", "please shutdown the pcs over the holidays", False),
    ("Downloads folder", "where did my Downloads folder go?", False),
    ("printer offline for me only", "", False),
    ("Question about ransomware protection", "could you recommend best practices?", False),
    ("Internet outage", "it was down for 10 minutes but is back online now", False),
    ("VPN slow", "the vpn is slow sometimes, not urgent", False),
    ("Password reset", "I forgot my password", False),
]


@pytest.mark.parametrize("title, body, pages", SEEDS)
def test_seeds_page_or_stay_quiet(title: str, body: str, pages: bool) -> None:
    d = judge(title, body)
    assert d.page is pages, d.reasons


def test_reasons_say_each_signal_in_words() -> None:
    d = judge("Exchange down for all users")
    assert d.reasons == ["broken now ('down', +2)", "many people or a whole site affected ('all users', +2)",
                         "a shared system ('exchange', +2)", "triage score 6 (pages at 4, P1 at 9): P2"]
    quiet = judge("printer offline for me only")
    assert "lowered: one user or one device ('printer', −3)" in quiet.reasons


def test_security_incident_is_p1_and_says_so() -> None:
    d = judge("All files encrypted", "ransom note on every pc")
    assert d.severity == "P1" and d.reasons[0].startswith("security incident (")


def test_negation_cancels_and_is_shown() -> None:
    reading = read("no outage tonight\njust planning the isp change")
    assert "outage" not in reading.found and reading.negated["outage"] == "outage"
    d = judge("No outage", "the server is not down, just asking about the update")
    assert any(r.startswith("not counted: broken now") for r in d.reasons)
    assert d.page is False


def test_word_forms_and_phrases() -> None:
    for text in ("the app crashes", "the app crashed", "it keeps crashing", "two outages today", "downtime"):
        assert "outage" in read(text).found, text
    assert "outage" in read("we can't log in").found
    assert "outage" in read("we cannot log in").found
    for text in ("shutdown", "downloads", "dropdown menu", "please shut down the pc", "slow down"):
        assert "outage" not in read(text).found, text


def test_quoted_history_is_not_read() -> None:
    reading = read("re: ticket\nthanks, all sorted now\n\n> on mon, 5 jan 2026, support wrote:\n> server down?")
    assert "outage" not in reading.found and "resolved" in reading.found


def test_weights_and_thresholds_come_from_the_rules_file() -> None:
    text = dump_rules(default_rules())
    assert 'kind = "triage"' in text
    assert parse_rules(text) == default_rules()
    lenient = parse_rules('[[rule]]\nkind = "triage"\npage_score = 2\nweights = { narrow = 0 }\n')
    d = judge("printer offline", rules=lenient)
    assert d.page is True and not any("one user" in r for r in d.reasons)


def test_bad_triage_settings_name_the_line() -> None:
    with pytest.raises(RulesFileError, match=r"line 3: rule 1: unknown signal kind 'scoop'"):
        parse_rules('[[rule]]\nkind = "triage"\nweights = { scoop = 2 }\n')
    with pytest.raises(RulesFileError, match="'page_score' must be a whole number"):
        parse_rules('[[rule]]\nkind = "triage"\npage_score = "high"\n')
    with pytest.raises(RuleError, match="'p1_score' must be at least 'page_score'"):
        TriageRule.from_dict({"kind": "triage", "page_score": 6, "p1_score": 5})


def test_every_kind_has_a_label_and_weight() -> None:
    from oncall_desktop.core.paging.triage_words import LABELS, WEIGHTS

    assert set(KINDS) == set(LABELS) == set(WEIGHTS)


@pytest.mark.parametrize("text, kind, marker", [
    ("in case of a data breach, who do we call first", "security", "case"),
    ("we want backups that protect us from data loss", "data_loss", "protect"),
    ("what happens to our data if the server fails?", "outage", "if"),
    ("is the mail server down for maintenance tonight?", "outage", "?"),
    ("how to handle a suspicious login alert", "security", "how"),
    ("question about ransomware protection", "security", "protection"),
    ("i scanned my pc for malware and it is clean", "security", "scanned"),
    ("the report is late. this might be due to a server outage", "outage", "might"),
    ("we restarted the server and the dashboard still shows nothing", "shared", "restarted"),
    ("the router was rebooted, still nothing on my laptop", "shared", "rebooted"),
    ("nobody here can log in to their pc", "narrow", "nobody"),
])
def test_a_hit_in_a_what_if_a_guess_or_beside_a_step_is_set_aside(text: str, kind: str, marker: str) -> None:
    reading = read(text)
    assert kind not in reading.found and reading.set_aside[kind][1] == marker, reading


@pytest.mark.parametrize("text, kind", [
    ("the file server is down for everyone", "shared"),
    ("the platform crashed, which may be due to load", "outage"),
    ("files on the shared drive are encrypted. we restarted the server", "security"),
    ("could not open the erp this morning", "outage"),
    ("printer offline. is it just me?", "narrow"),
])
def test_the_same_words_outside_such_a_context_count(text: str, kind: str) -> None:
    assert kind in read(text).found, read(text)


def test_a_set_aside_hit_is_said_and_the_kind_read_on() -> None:
    d = judge("Question", "Our router was restarted last week. What would happen if the main line fails?")
    assert "not counted: broken now ('fails', a what-if or a plan: 'if')" in d.reasons, d.reasons
    assert "not counted: a shared system ('router', a step taken: 'restarted')" in d.reasons, d.reasons
    assert d.page is False
    later = read("we restarted the server. now the file server is down")
    assert later.found["shared"] == "file server" and "shared" not in later.set_aside


def test_a_phrase_stays_in_its_sentence() -> None:
    assert "security" not in read("we copied the files. encrypted drives are on order").found
    assert "security" in read("the files were all encrypted overnight").found


def test_the_same_words_raise_the_score_once() -> None:
    d = judge("Disruption")
    assert "broken now ('disruption', +2)" in d.reasons
    assert "not counted twice: work, production or customers affected ('disruption' counted already)" in d.reasons


def test_a_contained_scare_and_a_single_feature_stay_quiet() -> None:
    assert judge("Compromised account contained", "password reset and sessions revoked yesterday").page is False
    assert judge("Ransomware alert", "it was a false alarm, our own backup tool").page is False
    assert judge("Export fails", "the export to excel fails with an error, the rest of the app works").page is False
    lost = judge("Sync failed", "after the sync failed the team's project data was lost")
    assert lost.page is True and not any("one feature" in r for r in lost.reasons)


def test_a_step_in_the_sentence_before_does_not_make_a_search() -> None:
    assert read("the pcs were rebooted. for ransomware the note says pay").found["security"] == "ransomware"
    assert "security" not in read("the pcs were rebooted for ransomware checks").found

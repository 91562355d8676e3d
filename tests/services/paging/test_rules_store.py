"""Rules kept in the workspace: validated text in, the poller's rule set out, nothing half-saved."""
from __future__ import annotations

import pytest

from oncall_desktop.core.paging.escalation import default_rules
from oncall_desktop.core.paging.rules_toml import RulesFileError
from oncall_desktop.core.tickets.tickets import Ticket
from oncall_desktop.services.paging.rules_store import RulesStore, validate

STRICT = """# only ransomware wakes anyone
page_at = "P1"

[[rule]]
kind = "keywords"
words = ["ransomware"]
severity = "P1"
"""


def test_defaults_until_saved_and_the_editor_shows_them(workspace) -> None:
    rules = RulesStore(workspace.store)
    assert rules.is_default() and rules.rules() == default_rules()
    text = rules.text()
    assert text.startswith("# The built-in rules") and validate(text).ok


def test_saved_text_keeps_comments_and_drives_the_poller(workspace) -> None:
    rules = RulesStore(workspace.store)
    rules.save_text(STRICT)
    assert rules.text() == STRICT
    assert workspace.poller.rules().page_at == 1
    workspace.book.add(Ticket(title="Server down", client="Acme", priority=1))
    workspace.book.add(Ticket(title="ransomware note on screen", client="Acme", priority=3))
    result, notes = workspace.poll()
    assert (result.fetched, result.paged) == (2, 1)
    assert "subject contains 'ransomware'" in notes[0]["body"]
    assert [e["data"] for e in workspace.store.events(kind="rules.changed")] == [{"page_at": "P1", "rules": 1}]


def test_invalid_text_is_refused_with_line_and_nothing_changes(workspace) -> None:
    rules = RulesStore(workspace.store)
    rules.save_text(STRICT)
    bad = STRICT.replace('severity = "P1"', 'severity = "P7"')
    verdict = validate(bad)
    assert not verdict.ok and verdict.line == 7 and "P1, P2, P3, P4" in verdict.message
    with pytest.raises(RulesFileError) as exc:
        rules.save_text(bad)
    assert exc.value.line == 7
    assert rules.text() == STRICT and rules.rules().page_at == 1


def test_validation_of_broken_toml_names_the_line() -> None:
    verdict = validate('page_at = "P2"\n[[rule]]\nkind = "keywords\n')
    assert not verdict.ok and verdict.line == 3 and "not valid TOML" in verdict.message
    ok = validate(STRICT)
    assert ok.ok and ok.message == "1 rule(s), 1 enabled; pages at P1 or more urgent"


def test_reset_goes_back_to_the_built_in_rules(workspace) -> None:
    rules = RulesStore(workspace.store)
    rules.save_text(STRICT)
    rules.reset()
    assert rules.is_default() and workspace.poller.rules() == default_rules()


def test_undo_puts_back_each_earlier_rule_set_exactly_then_says_there_is_none(workspace) -> None:
    from oncall_desktop.services.paging.rules_store import RULES, RULES_TOML, UNDO_KEPT, UndoError

    rules = RulesStore(workspace.store)
    stored = lambda: (workspace.store.get_setting(RULES), workspace.store.get_setting(RULES_TOML), rules.text())  # noqa: E731
    builtin = stored()
    rules.save_text(STRICT, "strict.toml")
    strict = stored()
    rules.reset()
    assert rules.last_change()["source"] == "default"
    rules.undo()
    assert stored() == strict
    assert rules.undo().startswith("the change from strict.toml made ")
    assert stored() == builtin and rules.is_default() and rules.last_change() is None
    with pytest.raises(UndoError, match="no earlier rule set"):
        rules.undo()
    for n in range(UNDO_KEPT + 5):
        rules.save_text(STRICT.replace("only ransomware", f"version {n}"))
    for _ in range(UNDO_KEPT):
        rules.undo()
    assert "version 4" in rules.text()  # the oldest kept: the first five were let go
    with pytest.raises(UndoError):
        rules.undo()

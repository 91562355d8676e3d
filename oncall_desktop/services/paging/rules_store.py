"""The workspace's escalation rules: the TOML a lead wrote, and the rule set the poller uses.

Why two settings: ``rules`` (the validated rule set as JSON) is what the
poller reads every poll — cheap and exact; ``rules_toml`` keeps the text as
the person wrote it, comments included, so the Settings editor shows their
words back instead of a regenerated file.  Both are written in one
transaction and only after the text parsed: invalid rules never replace good
ones.
"""
from __future__ import annotations

from dataclasses import dataclass

from oncall_desktop.core.paging.escalation import RuleSet, default_rules
from oncall_desktop.core.paging.rules_toml import RulesFileError, dump_rules, parse_rules
from oncall_desktop.services.storage.store import Store

RULES = "rules"
RULES_TOML = "rules_toml"


@dataclass(frozen=True)
class Validation:
    """The editor's verdict on a text: fine (with a count) or a line and reason."""

    ok: bool
    message: str
    line: int | None = None


def validate(text: str, source: str = "rules") -> Validation:
    """Parse without storing; pure and fast enough for every keystroke."""
    try:
        rules = parse_rules(text, source)
    except RulesFileError as exc:
        return Validation(False, str(exc), exc.line)
    active = len(rules.active)
    return Validation(True, f"{len(rules.rules)} rule(s), {active} enabled; pages at "
                      f"P{rules.page_at} or more urgent")


class RulesStore:
    """Read and replace the workspace's rules."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def rules(self) -> RuleSet:
        data = self.store.get_setting(RULES)
        return RuleSet.from_dict(data) if data else default_rules()

    def is_default(self) -> bool:
        return not self.store.get_setting(RULES)

    def text(self) -> str:
        """The TOML to show in the editor: the stored text, else the current rules written out."""
        stored = self.store.get_setting(RULES_TOML)
        if stored and self.store.get_setting(RULES):
            return str(stored)
        header = "# The built-in rules. Edit and save to make them this workspace's own.\n" \
            if self.is_default() else ""
        return header + dump_rules(self.rules())

    def save_text(self, text: str, source: str = "rules") -> RuleSet:
        """Parse, then store both forms; raises :class:`RulesFileError` (nothing changed)."""
        rules = parse_rules(text, source)
        with self.store.transaction():
            self.store.set_setting(RULES, rules.to_dict())
            self.store.set_setting(RULES_TOML, text)
            self.store.log("rules.changed", source, {"rules": len(rules.rules), "page_at": f"P{rules.page_at}"})
        return rules

    def reset(self) -> RuleSet:
        """Back to the built-in rules."""
        with self.store.transaction():
            self.store.set_setting(RULES, None)
            self.store.set_setting(RULES_TOML, None)
            self.store.log("rules.changed", "default", {})
        return default_rules()

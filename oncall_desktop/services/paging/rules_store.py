"""The workspace's escalation rules: the TOML a lead wrote, and the rule set the poller uses.

Why two settings: ``rules`` (the validated rule set as JSON) is what the
poller reads every poll — cheap and exact; ``rules_toml`` keeps the text as
the person wrote it, comments included, so the Settings editor shows their
words back instead of a regenerated file.  Both are written in one
transaction and only after the text parsed: invalid rules never replace good
ones.

Every change keeps the pair it replaced (``rules_undo``, the last
:data:`UNDO_KEPT`), so :meth:`RulesStore.undo` puts back the previous rules
exactly — the same stored text, byte for byte, or the built-ins if there
were none.  A proposal accepted in Insights is one such change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oncall_desktop.core.paging.escalation import RuleSet, default_rules
from oncall_desktop.core.paging.rules_toml import RulesFileError, dump_rules, parse_rules
from oncall_desktop.core.time.clock import iso
from oncall_desktop.services.storage.store import Store

RULES = "rules"
RULES_TOML = "rules_toml"
UNDO = "rules_undo"
#: How many earlier rule sets ``undo`` can go back through.
UNDO_KEPT = 20


class UndoError(ValueError):
    """``rules undo`` with no earlier rule set kept."""


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

    def save_text(self, text: str, source: str = "rules", why: str = "") -> RuleSet:
        """Parse, then store both forms; raises :class:`RulesFileError` (nothing changed).

        ``why`` (an accepted proposal's words) goes into the event log with the change.
        """
        rules = parse_rules(text, source)
        with self.store.transaction():
            self._keep_for_undo(source)
            self.store.set_setting(RULES, rules.to_dict())
            self.store.set_setting(RULES_TOML, text)
            data: dict[str, Any] = {"rules": len(rules.rules), "page_at": f"P{rules.page_at}"}
            if why:
                data["why"] = why
            self.store.log("rules.changed", source, data)
        return rules

    def reset(self) -> RuleSet:
        """Back to the built-in rules."""
        with self.store.transaction():
            self._keep_for_undo("default")
            self.store.set_setting(RULES, None)
            self.store.set_setting(RULES_TOML, None)
            self.store.log("rules.changed", "default", {})
        return default_rules()

    def last_change(self) -> dict[str, Any] | None:
        """What ``undo`` would take back: ``{"source", "at"}`` of the newest change kept, or None."""
        kept = self.store.get_setting(UNDO) or []
        return {"source": kept[-1]["source"], "at": kept[-1]["at"]} if kept else None

    def undo(self) -> str:
        """Put back the rules the newest change replaced, exactly; returns what was undone, in words."""
        with self.store.transaction():
            kept = list(self.store.get_setting(UNDO) or [])
            if not kept:
                raise UndoError("there is no earlier rule set to go back to (no change since this version)")
            last = kept.pop()
            self.store.set_setting(RULES, last["rules"])
            self.store.set_setting(RULES_TOML, last["rules_toml"])
            self.store.set_setting(UNDO, kept)
            self.store.log("rules.changed", "undo", {"undone": last["source"], "of": last["at"]})
        return f"the change from {last['source']} made {last['at']}"

    def _keep_for_undo(self, source: str) -> None:
        """Remember the stored pair as it is now (both may be None: the built-ins), before it changes."""
        kept = list(self.store.get_setting(UNDO) or [])
        kept.append({"rules": self.store.get_setting(RULES), "rules_toml": self.store.get_setting(RULES_TOML),
                     "source": source, "at": iso(self.store.clock.now())})
        self.store.set_setting(UNDO, kept[-UNDO_KEPT:])

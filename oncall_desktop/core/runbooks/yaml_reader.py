"""The line-keeping YAML reader under runbooks.py and trees.py: composed nodes in, plain values and Problems out.

Tech leads write runbooks and trees by hand, so a broken one must be refused
*before* it ships with every problem reported at once, each with the file and
line to fix.  That is why YAML is composed (never constructed): we keep line
numbers, never run a tag, never expand an alias bomb, and never let YAML 1.1
turn an answer key ``no`` into ``False``.

``Problem`` lives here, not in runbooks.py, because the reader creates them and
runbooks.py imports the reader; callers import it from here.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import yaml

from oncall_desktop.core.tickets.tickets import SEVERITIES

_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_Y = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_Y + t for t in ("str", "int", "float", "bool", "null", "timestamp")}



@dataclass(frozen=True, order=True)
class Problem:
    """One thing a tech lead must fix, printed as ``PATH:LINE: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class _NoAliasLoader(yaml.SafeLoader):
    """Composes only: aliases are refused, so a 'billion laughs' text costs nothing."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves it unannotated
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed here; write the value out", event.start_mark)
        return super().compose_node(parent, index)


class _Fields(dict[str, tuple[yaml.Node, yaml.Node]]):
    """A mapping's keys → (key node, value node); ``line`` is where the mapping starts (for missing keys)."""

    line: int = 1


class YamlReader:
    """Reads composed YAML nodes into plain values, collecting problems with lines."""

    def __init__(self, path: str, line_offset: int = 0) -> None:
        self.path = path
        self.offset = line_offset
        self.problems: list[Problem] = []

    def line(self, node: yaml.Node) -> int:
        return node.start_mark.line + 1 + self.offset

    def report(self, where: yaml.Node | int, message: str) -> None:
        line = where if isinstance(where, int) else self.line(where)
        self.problems.append(Problem(self.path, line, message))

    def compose(self, text: str) -> yaml.Node | None:
        loader = _NoAliasLoader(text)
        try:
            return loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = (mark.line + 1 + self.offset) if mark else 1 + self.offset
            what = exc.problem or exc.context or "unreadable"
            self.report(line, f"not valid YAML: {what} (check indentation and quoting)")
        except yaml.YAMLError as exc:
            self.report(1 + self.offset, f"not valid YAML: {exc}")
        except RecursionError:
            self.report(1 + self.offset, "YAML nested far too deeply; a runbook or tree needs a few levels at most")
        finally:
            loader.dispose()
        return None

    def mapping(self, node: yaml.Node, what: str, allowed: Sequence[str]) -> _Fields | None:
        if not isinstance(node, yaml.MappingNode):
            self.report(node, f"{what} must be a mapping of 'key: value' lines")
            return None
        fields = _Fields()
        fields.line = self.line(node)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.report(key_node, f"{what}: keys must be plain words")
                continue
            key = key_node.value
            if key in fields:
                first = self.line(fields[key][0])
                self.report(key_node, f"{what}: '{key}' appears twice (first on line {first}); keep one")
                continue
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
                self.report(key_node, f"{what}: unknown key '{key}'{hint}")
                continue
            fields[key] = (key_node, value_node)
        return fields

    def _scalar(self, fields: _Fields, key: str, what: str, required: bool) -> yaml.ScalarNode | None:
        if key not in fields:
            if required:
                self.report(fields.line, f"{what}: '{key}' is missing")
            return None
        node = fields[key][1]
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _PLAIN_TAGS:
            self.report(node, f"{what}: '{key}' must be a single plain value (no lists, mappings or !tags)")
            return None
        if node.tag == _Y + "null" or node.value.strip() == "":
            if required:
                self.report(node, f"{what}: '{key}' is empty")
            return None
        return node

    def text(self, fields: _Fields, key: str, what: str, required: bool = True) -> str | None:
        node = self._scalar(fields, key, what, required)
        return None if node is None else node.value.strip()

    def ident(self, fields: _Fields, key: str, what: str,
              pattern: re.Pattern[str] = _ID_RE, required: bool = True) -> str | None:
        node = self._scalar(fields, key, what, required)
        if node is None:
            return None
        value: str = node.value.strip()
        if not pattern.match(value) or value.isdigit():
            self.report(node, f"{what}: '{key}' {value!r} must be lowercase letters, digits and dashes "
                              f"(e.g. 'server-down'), not only digits")
            return None
        return value

    def integer(self, fields: _Fields, key: str, what: str) -> int | None:
        node = self._scalar(fields, key, what, True)
        if node is None:
            return None
        if not re.fullmatch(r"[0-9]{1,9}", node.value.strip()) or int(node.value) < 1:
            self.report(node, f"{what}: '{key}' must be a whole number from 1 up, not {node.value!r}")
            return None
        return int(node.value)

    def boolean(self, fields: _Fields, key: str, what: str) -> bool | None:
        node = self._scalar(fields, key, what, True)
        if node is None:
            return None
        value = node.value.strip().lower()  # quoted "yes" is as clear as plain yes
        if value not in ("yes", "no", "true", "false", "on", "off"):
            self.report(node, f"{what}: '{key}' must be yes or no, not {node.value!r}")
            return None
        return value in ("yes", "true", "on")

    def severity(self, fields: _Fields, key: str, what: str, required: bool = True) -> str | None:
        node = self._scalar(fields, key, what, required)
        if node is None:
            return None
        value: str = node.value.strip().upper()
        if value not in SEVERITIES:
            self.report(node, f"{what}: '{key}' must be one of P1, P2, P3, P4 (P1 most urgent), not {node.value!r}")
            return None
        return value

    def day(self, fields: _Fields, key: str, what: str) -> date | None:
        node = self._scalar(fields, key, what, True)
        if node is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", node.value.strip()):
                raise ValueError
            return date.fromisoformat(node.value.strip())
        except ValueError:
            self.report(node, f"{what}: '{key}' must be a date written YYYY-MM-DD, not {node.value!r}")
            return None

    def strings(self, fields: _Fields, key: str, what: str) -> tuple[str, ...]:
        if key not in fields:
            return ()
        node = fields[key][1]
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: list[str] = []
        for item in items:
            if not isinstance(item, yaml.ScalarNode) or item.tag not in _PLAIN_TAGS:
                self.report(item, f"{what}: '{key}' must be a list of plain words, e.g. [exchange, email]")
                return ()
            if item.tag != _Y + "null" and item.value.strip():
                out.append(item.value.strip())
        return tuple(out)

    def sequence(self, fields: _Fields, key: str, what: str) -> list[yaml.Node]:
        if key not in fields:
            self.report(fields.line, f"{what}: '{key}' is missing")
            return []
        node = fields[key][1]
        if isinstance(node, yaml.ScalarNode) and node.tag == _Y + "null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.report(node, f"{what}: '{key}' must be a list (lines starting with '- ')")
            return []
        return list(node.value)

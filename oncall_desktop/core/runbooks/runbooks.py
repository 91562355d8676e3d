"""Runbooks: what the tech reads at 3 AM, as Markdown with a front matter.

Tech leads write these by hand, so everything here is about refusing a broken
one *before* it ships: every problem is reported with the file and line to fix,
all at once, instead of the first exception.  The front matter is read by the
line-keeping reader in ``yaml_reader.py`` (composed, never constructed: see
why there).  Decision trees live in ``trees.py``; a set of files is checked as
a whole in ``bundle.py``.

Pure core: texts in, dataclasses out.  Reading files lives in
``services/runbooks/library.py``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from oncall_desktop.core.runbooks.yaml_reader import Problem, YamlReader

#: The bundled content folder (pure data, no ``__init__.py``); only a path, no I/O here.
BUNDLED_DIR = Path(__file__).with_name("bundled")

#: One runbook or tree file.  The largest bundled one is 5.4 KB; 256 KB is a long manual, and it keeps
#: parsing (pure-Python YAML) and rendering well under a second.
MAX_TEXT_CHARS = 256 * 1024
#: Table cells one runbook may hold: Qt lays tables out slowly (a 64 KB table took 3 s on the GUI
#: thread, 2,000 cells about 0.3 s), so the viewer shows at most this many and validation says so.
MAX_TABLE_CELLS = 2_000
_RUNBOOK_KEYS = ("id", "title", "tags", "severity", "clients", "systems", "version", "owner", "reviewed-on")
_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
_TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


class RunbookFormatError(ValueError):
    """A runbook or tree text that cannot be used; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Runbook:
    """A Markdown runbook with its front matter; ``body`` is the Markdown after it."""

    id: str
    title: str
    body: str
    version: int
    owner: str
    reviewed_on: date
    severity: str = "P3"
    tags: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()  # empty = every client
    systems: tuple[str, ...] = ()
    path: str = "<text>"

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form for the UI snapshot and scripts (front matter names, dashes included)."""
        return {
            "id": self.id, "title": self.title, "severity": self.severity, "tags": list(self.tags),
            "clients": list(self.clients), "systems": list(self.systems), "version": self.version,
            "owner": self.owner, "reviewed-on": self.reviewed_on.isoformat(), "body": self.body, "path": self.path,
        }


def split_front_matter(text: str, path: str) -> tuple[str, str]:
    """(front matter, body) of a runbook; the front matter always starts on line 2."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise RunbookFormatError([Problem(path, 1, "a runbook must start with a '---' line, then its front matter "
                                                   "(id, title, …), then another '---' line")])
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1:])
    raise RunbookFormatError([Problem(path, 1, "the front matter is never closed: add a '---' line after it")])


def normalise_text(text: str, path: str) -> str:
    """The text as parsed: size and NUL bytes checked, BOM dropped, newlines made ``\\n``."""
    if len(text) > MAX_TEXT_CHARS:
        raise RunbookFormatError([Problem(path, 1, f"file is over {MAX_TEXT_CHARS:,} characters; split it up")])
    if "\x00" in text:
        raise RunbookFormatError([Problem(path, 1, "file contains NUL bytes; is it really text?")])
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _cells(line: str) -> int:
    return len(line.strip().strip("|").split("|"))


def _table_rows(lines: Sequence[str]) -> Iterable[tuple[int, int, bool]]:
    """(line index, cells, is the header) for each row of each Markdown (GFM) table, outside code fences."""
    fenced = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FENCE_RE.match(line):
            fenced = not fenced
        elif (not fenced and "|" in line and index + 1 < len(lines) and "|" in lines[index + 1]
              and _TABLE_RULE_RE.match(lines[index + 1])):
            yield index, _cells(line), True  # the header; the rule line under it is no row
            index += 2
            while index < len(lines) and "|" in lines[index] and lines[index].strip():
                yield index, _cells(lines[index]), False
                index += 1
            continue
        index += 1


def _table_overflow(body: str) -> tuple[int, int] | None:
    """(line index in ``body`` where tables pass :data:`MAX_TABLE_CELLS`, cells in all) or None."""
    total, where = 0, None
    for index, cells, _first in _table_rows(body.split("\n")):
        total += cells
        if where is None and total > MAX_TABLE_CELLS:
            where = index
    return None if where is None else (where, total)


def viewable_markdown(text: str) -> str:
    """The Markdown a viewer renders: at most :data:`MAX_TEXT_CHARS`, tables cut to :data:`MAX_TABLE_CELLS`.

    What is cut is said in a line of its own, so a tech never mistakes a short table for the whole.
    """
    cut_text = len(text) > MAX_TEXT_CHARS
    lines = text[:MAX_TEXT_CHARS].split("\n")
    dropped: dict[int, int] = {}  # index of a table's last kept line → rows dropped after it
    budget, last_kept = MAX_TABLE_CELLS, -1
    for index, cells, header in _table_rows(lines):
        if header:
            last_kept = index - 1
        if budget >= cells:
            budget -= cells
            last_kept = index + 1 if header else index  # a kept header keeps its rule line
        else:
            budget = 0
            dropped[last_kept] = dropped.get(last_kept, 0) + 1
            lines[index] = "\0"
            if header:
                lines[index + 1] = "\0"
    out: list[str] = []
    for index, line in enumerate(lines):
        if line != "\0":
            out.append(line)
        if index in dropped:
            out += ["", f"*… {dropped[index]:,} more table row(s) not shown: the runbook's tables pass the viewer's "
                        f"{MAX_TABLE_CELLS:,} cells. Open the file to read them.*", ""]
    if cut_text:
        out += ["", f"*… the rest is not shown: the runbook is longer than {MAX_TEXT_CHARS:,} characters.*"]
    return "\n".join(out)


def parse_runbook(text: str, path: str = "<text>") -> Runbook:
    """A runbook from Markdown with front matter; raises RunbookFormatError listing every problem."""
    text = normalise_text(text, path)
    front, body = split_front_matter(text, path)
    first_line = 2  # of the front matter, after the opening '---'
    reader = YamlReader(path, line_offset=first_line - 1)
    root = reader.compose(front) if front.strip() else None
    if root is None:
        if not reader.problems:
            reader.report(1, "the front matter is empty; it needs at least id, title, severity, version, owner, reviewed-on")
        raise RunbookFormatError(reader.problems)
    fields = reader.mapping(root, "front matter", _RUNBOOK_KEYS)
    if fields is None:
        raise RunbookFormatError(reader.problems)
    what = "front matter"
    values = dict(
        id=reader.ident(fields, "id", what), title=reader.text(fields, "title", what),
        severity=reader.severity(fields, "severity", what), version=reader.integer(fields, "version", what),
        owner=reader.text(fields, "owner", what), reviewed_on=reader.day(fields, "reviewed-on", what),
        tags=reader.strings(fields, "tags", what), clients=reader.strings(fields, "clients", what),
        systems=reader.strings(fields, "systems", what),
    )
    if not body.strip():
        reader.report(first_line + front.count("\n") + 1, "the runbook has no text after its front matter")
    overflow = _table_overflow(body)
    if overflow is not None:
        reader.report(first_line + front.count("\n") + 2 + overflow[0],
                      f"the tables hold {overflow[1]:,} cells, more than the {MAX_TABLE_CELLS:,} the viewer shows "
                      "(it stops at this row); split the table or link to a spreadsheet")
    if reader.problems:
        raise RunbookFormatError(reader.problems)
    return Runbook(body=body.strip("\n") + "\n", path=path, **values)  # type: ignore[arg-type]


def review_due(runbook: Runbook, today: date, max_age_days: int = 365) -> bool:
    """True when nobody has re-read this runbook for too long (a stale runbook misleads at 3 AM)."""
    return (today - runbook.reviewed_on).days > max_age_days

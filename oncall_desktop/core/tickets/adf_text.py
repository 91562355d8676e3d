"""Atlassian Document Format (Jira Cloud's rich text) as plain text.

Jira's REST v3 sends an issue's ``description`` and comments as an ADF tree
(https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/):
block nodes (``paragraph``, ``heading``, ``bulletList``/``orderedList`` of
``listItem``, ``codeBlock``, ``blockquote``, ``panel``, ``rule``, ``table`` of
``tableRow`` of ``tableHeader``/``tableCell``, ``expand``, ``taskList``,
``decisionList``, ``mediaSingle``) holding inline nodes (``text``,
``hardBreak``, ``mention``, ``emoji``, ``inlineCard``, ``date``, ``status``).
Reading only the ``text`` nodes, as before, lost every mention ("@Priya"), the
link of a pasted URL, dates and list structure, and ran list items together.

The text here follows the layout of :mod:`html_text`, except that a paragraph
is one line (Enter in Jira's editor starts a new paragraph, so paragraphs are
lines to their writer): other blocks are separated by a blank line, list items
are ``- ``/``1. `` lines, table cells are separated by a tab.
Unknown node types contribute their children's text (the format grows).
Depth and size are bounded; a string (API v2's wiki markup) is returned as is.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

_MAX_DEPTH = 60
_BLOCKS = frozenset({"paragraph", "heading", "codeBlock", "blockquote", "panel", "rule", "table", "bulletList",
                     "orderedList", "taskList", "decisionList", "expand", "nestedExpand", "mediaSingle",
                     "mediaGroup", "blockCard", "embedCard", "extension", "bodiedExtension", "layoutSection"})


class _Writer:
    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.breaks = 0  # line breaks at the end of what is written

    def put(self, text: str) -> None:
        if self.size < self.limit and text:
            self.parts.append(text)
            self.size += len(text)
            self.breaks = len(text) - len(text.rstrip("\n")) if text.strip("\n") else self.breaks + len(text)

    def gap(self, lines: int) -> None:
        """End the current line and leave ``lines`` line breaks (1: a new line, 2: a blank line) before what follows."""
        if self.parts and self.breaks < lines:
            self.put("\n" * (lines - self.breaks))

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()[: self.limit]


def _attrs(node: Mapping[str, Any]) -> Mapping[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, Mapping) else {}


def _inline(node: Mapping[str, Any], kind: str, out: _Writer) -> bool:
    """Write an inline node that is not plain text; False when ``kind`` is none of them."""
    attrs = _attrs(node)
    if kind == "hardBreak":
        out.put("\n")
    elif kind == "mention":
        name = str(attrs.get("text") or "").strip()
        out.put(name if name.startswith("@") or not name else f"@{name}")
    elif kind == "emoji":
        out.put(str(attrs.get("text") or attrs.get("shortName") or ""))
    elif kind in ("inlineCard", "blockCard", "embedCard"):
        out.put(str(attrs.get("url") or ""))
    elif kind == "status":
        out.put(f"[{attrs.get('text') or ''}]")
    elif kind == "date":
        out.put(_date(attrs.get("timestamp")))
    else:
        return False
    return True


def _date(value: object) -> str:
    """ADF dates are milliseconds since the epoch, as a string; shown as the UTC day."""
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, tz=timezone.utc).strftime("%Y-%m-%d")
    except (ValueError, OverflowError, OSError):
        return str(value or "")


def _walk(node: Any, out: _Writer, depth: int, lists: list[list[int]]) -> None:
    if depth > _MAX_DEPTH or out.size >= out.limit:
        return
    if isinstance(node, list):
        for child in node:
            _walk(child, out, depth + 1, lists)
        return
    if not isinstance(node, Mapping):
        return
    kind = str(node.get("type") or "")
    if kind == "text":
        out.put(str(node.get("text") or ""))
        return
    if _inline(node, kind, out):
        return
    children = node.get("content") or []
    if kind in ("bulletList", "orderedList"):
        start = _attrs(node).get("order", 1)
        lists.append([int(start) if isinstance(start, int) and kind == "orderedList" else 0])
        out.gap(2)
        _walk(children, out, depth + 1, lists)
        lists.pop()
        out.gap(2)
        return
    if kind in ("listItem", "taskItem", "decisionItem"):
        counter = lists[-1] if lists else [0]
        out.gap(1)
        if kind == "taskItem":
            out.put("[x] " if _attrs(node).get("state") == "DONE" else "[ ] ")
        else:
            out.put(f"{counter[0]}. " if counter[0] else "- ")
        if counter[0]:
            counter[0] += 1
        for child in children if isinstance(children, list) else []:
            # a list item's paragraph is its line, not a block of its own
            inner = child.get("content") if isinstance(child, Mapping) and child.get("type") == "paragraph" else [child]
            _walk(inner, out, depth + 1, lists)
        out.gap(1)
        return
    if kind == "tableRow":
        out.gap(1)
        for index, cell in enumerate(children if isinstance(children, list) else []):
            if index:
                out.put("\t")
            inner = cell.get("content") if isinstance(cell, Mapping) else None
            for block in inner if isinstance(inner, list) else []:
                _walk(block.get("content") if isinstance(block, Mapping) and block.get("type") == "paragraph"
                      else block, out, depth + 2, lists)
        return
    if kind in _BLOCKS:
        gap = 1 if kind == "paragraph" else 2  # Enter in Jira's editor makes a paragraph: one line each
        out.gap(gap)
        if kind in ("expand", "nestedExpand"):
            title = _attrs(node).get("title")
            if title:
                out.put(f"{title}\n")
        if kind == "rule":
            out.put("---")
        _walk(children, out, depth + 1, lists)
        out.gap(gap)
        return
    _walk(children, out, depth + 1, lists)  # doc, and node types this reader does not know yet


def adf_to_text(node: Any, limit: int = 20_000) -> str:
    """The readable text of an ADF document; a plain string is returned unchanged, None as ''."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    out = _Writer(limit)
    _walk(node, out, 0, [])
    return out.text()

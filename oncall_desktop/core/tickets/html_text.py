"""HTML as the plain text a technician reads in a notification or the ticket window.

Who sends HTML: mail that has no text/plain part (Outlook, most alerting and
monitoring tools), HaloPSA's ``details``, Freshdesk's ``description``, and
ConnectWise notes made by its e-mail connector.  Shown raw, a notification
reads ``<div class="x_elementToProof" style="font-family:Aptos…``.

What it keeps: the words, with entities decoded (``&amp;``, ``&nbsp;``,
``&#8217;``), paragraphs and headings as blank-line separated blocks, ``<br>``
and block ends as line breaks, list items as ``- `` or ``1. `` lines, table
cells separated by a tab and rows by line breaks (as Thunderbird's plain-text
serialiser does), ``<pre>`` as written, and an image's ``alt`` text.  What it
drops: tags, comments (including Outlook's conditional ones), declarations
and marked sections (``<!DOCTYPE>``, Word's ``<![if !supportLists]>``), ``<script>``,
``<style>``, ``<head>`` and ``<template>`` with their content.

Bounded: at most :data:`INPUT_LIMIT` characters are parsed, fed in pieces, and
the parse stops once ``limit`` characters of text are out, so a 10 MB
newsletter costs no more than its first screens.  Stdlib ``html.parser`` only;
it never raises on malformed markup.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

#: characters of HTML parsed at most (real alert and ticket HTML is a few KB; newsletters reach 200 KB)
INPUT_LIMIT = 1_000_000
_CHUNK = 32_768

_SKIP = frozenset({"script", "style", "head", "title", "template", "noembed", "xml", "o:p"})
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "dl", "pre",
                        "hr", "address", "figure"})
_LINE = frozenset({"div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "nav", "aside",
                   "main", "form", "fieldset", "legend", "caption", "center", "details", "summary", "tbody",
                   "thead", "tfoot", "body", "html"})
_CELL = frozenset({"td", "th"})
_DECLARATION_MAX = 4_096  # characters a <!…> declaration may run before its ">"
_TAG_START = re.compile(r"<[A-Za-z/!?]")
_TAIL_LIMIT = 4_096       # characters of unfinished markup at the end still handed to html.parser's close()
_SPACES = re.compile(r"[ \t\r\n\f\u200b]+")
_HTML_HINT = re.compile(r"<(?:/?(?:p|div|br|span|b|i|u|strong|em|font|table|tr|td|ul|ol|li|a|h[1-6]|img|html|body|"
                        r"blockquote|pre|hr|center)\b[^>]*|!--)>?", re.IGNORECASE)
_ENTITY_HINT = re.compile(r"&(?:[a-zA-Z]{2,8}|#[0-9]{2,7}|#x[0-9a-fA-F]{2,6});")


class _TextParser(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.size = 0
        self.blocks: list[str] = []   # finished text, joined at the end
        self.line: list[str] = []     # text of the current line, white space not yet collapsed
        self.pending = 0              # its length, already in ``size``
        self.skip = 0                 # depth inside script/style/head…
        self.pre = 0
        self.lists: list[list[int]] = []  # one [next number] per <ol>, [0] per <ul>
        self.cells = 0                # cells already written in the current row
        self.breaks = 2               # line breaks already at the end of the output (2: at a paragraph start)

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def _emit(self, text: str) -> None:
        self.blocks.append(text)
        self.size += len(text)

    def _flush_line(self) -> None:
        text = _SPACES.sub(" ", "".join(self.line)).strip()
        self.size -= self.pending  # counted as it came in (so one endless line still stops the parse)
        self.line, self.pending = [], 0
        if text:
            self._emit(text)
            self.breaks = 0

    def _break(self, count: int) -> None:
        """End the current line, then make sure ``count`` line breaks separate it from what follows."""
        self._flush_line()
        if self.breaks < count and self.blocks:
            self._emit("\n" * (count - self.breaks))
        self.breaks = max(self.breaks, count)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self._flush_line()
            self._emit("\n")
            self.breaks += 1
        elif tag in _PARAGRAPH:
            self._break(2)
            if tag == "pre":
                self.pre += 1
            elif tag in ("ul", "ol"):
                self.lists.append([1 if tag == "ol" else 0])
            elif tag == "table":
                self.cells = 0
        elif tag in _LINE:
            self._break(1)
            if tag == "tr":
                self.cells = 0
            elif tag == "li":
                counter = self.lists[-1] if self.lists else [0]
                self.line.append(f"{counter[0]}. " if counter[0] else "- ")
                if counter[0]:
                    counter[0] += 1
        elif tag in _CELL:
            if self.cells:
                self._flush_line()
                self._emit("\t")
            self.cells += 1
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and alt.strip():
                self.line.append(f" {alt.strip()} ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:  # <script/> or <title/> open nothing
            return
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in _PARAGRAPH:
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            elif tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            self._break(2)
        elif tag in _LINE:
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self.skip or not data:
            return
        if self.pre:
            self._flush_line()
            self._emit(data.replace("\xa0", " "))
            self.breaks = len(data) - len(data.rstrip("\n"))
            return
        words = _SPACES.sub(" ", data.replace("\xa0", " "))
        self.line.append(words)
        self.size += len(words)
        self.pending += len(words)

    def text(self) -> str:
        self._flush_line()
        lines = [line.rstrip() for line in "".join(self.blocks).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _without_declarations(markup: str) -> str:
    """``markup`` without ``<!DOCTYPE …>``, Word's ``<![if !supportLists]>``/``<![endif]>`` or ``<![CDATA[…]]>``.

    Why: html.parser raises AssertionError on a marked section it does not know ("<![ead"), and
    none of these is text a reader should see.  Comments are kept for the parser (so Outlook's
    ``<![endif]-->`` still closes its comment).  One pass with bounded look-ahead: linear however
    many unclosed ``<!`` a sender writes.
    """
    out: list[str] = []
    at = 0
    while (start := markup.find("<!", at)) >= 0:
        out.append(markup[at:start])
        if markup.startswith("<!--", start):
            end = markup.find("-->", start + 4)
            if end < 0:  # a comment never closed runs to the end, as browsers read it
                at = len(markup)
                break
            out.append(markup[start:end + 3])
            at = end + 3
            continue
        close = markup.find(">", start + 2, start + _DECLARATION_MAX)
        stop = close + 1 if close >= 0 else start + 2
        inner = markup.find("<", start + 2, stop)
        at = inner if inner >= 0 else stop
    out.append(markup[at:])
    return "".join(out)


def html_to_text(markup: str, limit: int = 20_000) -> str:
    """Readable plain text of ``markup`` (see the module docstring), at most about ``limit`` characters."""
    parser = _TextParser(limit)
    source = _without_declarations(markup[:INPUT_LIMIT])
    try:
        for start in range(0, len(source), _CHUNK):
            parser.feed(source[start:start + _CHUNK])
            if parser.full:
                break
        else:
            # what is left is an unfinished tag or entity.  A tag cut off at the end is dropped, as browsers
            # drop it (close() would show "<b" as text); and close() rescans the rest once per "<" in it,
            # so a long remainder (a sender's "<a<a<a…") is dropped rather than read in quadratic time
            rest = parser.rawdata
            if len(rest) <= _TAIL_LIMIT and not _TAG_START.match(rest):
                parser.close()
    except AssertionError:  # html.parser's declaration scanner on markup the removal above did not foresee
        pass                # keep the text read so far
    return parser.text()[:limit]


def looks_like_html(text: str) -> bool:
    """True when ``text`` carries markup or entities a person should not see (vendors send both kinds)."""
    return bool(_HTML_HINT.search(text) or _ENTITY_HINT.search(text))


def plain_text(value: object, limit: int = 20_000) -> str:
    """A vendor text field as plain text: HTML converted, plain text kept exactly as sent."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return html_to_text(text, limit) if looks_like_html(text) else text

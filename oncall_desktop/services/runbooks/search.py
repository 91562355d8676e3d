"""Typo-tolerant runbook search: SQLite FTS5 with the trigram tokenizer.

A tired tech types "ransomwear" or "exchnage"; they must still land on the right
runbook.  Three layers make that work, cheapest first:

1. trigram FTS5 matches any substring, so half-typed words ("certific") already hit;
2. each query word is corrected against the index's own vocabulary with
   symmetric deletes (one deletion on each side covers a wrong, missing, extra
   or swapped letter), and expanded through a small synonym table
   ("email" ~ "exchange" ~ "m365" ~ "outlook");
3. if nothing matched at all, the words' trigrams are OR-ed as a last resort.

bm25 ranks with the title weighted above tags above the body.  The index is
derived data (rebuilt from the runbooks), never part of the workspace schema.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from oncall_desktop.core.runbooks.runbooks import Runbook

#: Words a tech may type for the same thing; every word in a group finds the others.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    ("email", "e-mail", "mail", "exchange", "m365", "o365", "office 365", "microsoft 365", "outlook"),
    ("internet", "wan", "isp", "broadband", "fibre", "fiber", "circuit", "connectivity"),
    ("vpn", "tunnel", "ipsec", "remote access", "anyconnect", "forticlient", "wireguard"),
    ("dns", "name resolution", "nslookup", "resolve", "resolving"),
    ("certificate", "cert", "ssl", "tls"),
    ("backup", "backups", "veeam", "datto", "restore"),
    ("ransomware", "ransom", "cryptolocker", "encrypted"),
    ("disk", "drive", "storage", "volume", "datastore"),
    ("power", "ups", "battery", "blackout", "generator"),
    ("server", "host", "hypervisor"),
    ("phishing", "phish", "spoofing", "scam"),
    ("compromised", "hacked", "breach", "takeover", "hijacked"),
    ("update", "patch", "bsod", "blue screen", "boot loop", "unbootable"),
    ("laptop", "laptops", "notebook", "workstation"),
    ("billing", "billable", "invoice", "charge"),
    ("ad", "active directory", "domain controller"),
)
STOPWORDS = frozenset(
    "a an and are at be but by can for from has have i in is it its my no not of on or our "
    "the their there this to was we were what when why with won't cant can't does doesn't".split())
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_MIN_FUZZY = 4  # shorter words have too many one-letter neighbours to correct safely
_WEIGHTS = (0.0, 10.0, 4.0, 1.0)  # id (unindexed), title, tags, body


@dataclass(frozen=True)
class Hit:
    """One search result; ``score`` is 1.0 for the best hit and relative below it."""

    id: str
    title: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "score": self.score}


def _synonym_map() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        for word in group:
            table[word] = group
    return table


_SYNONYMS = _synonym_map()


def _deletes(word: str) -> set[str]:
    """The word and every form of it with one letter removed."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent swaps)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def _quote(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def words_of(text: str) -> list[str]:
    """Lower-case words; punctuation and symbols are separators, never syntax."""
    return _WORD_RE.findall(text.casefold())


class RunbookIndex:
    """Owns one SQLite connection (in memory unless a path is given); safe to share between threads."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        self._db.executescript(
            """
            DROP TABLE IF EXISTS runbook_fts;
            DROP TABLE IF EXISTS runbook_spell;
            CREATE VIRTUAL TABLE runbook_fts USING fts5(
                id UNINDEXED, title, tags, body, tokenize = 'trigram');
            CREATE TABLE runbook_spell (key TEXT NOT NULL, word TEXT NOT NULL);
            CREATE INDEX runbook_spell_key ON runbook_spell (key);
            """
        )

    @classmethod
    def build(cls, runbooks: Iterable[Runbook], path: str | Path = ":memory:") -> RunbookIndex:
        """A fresh index over ``runbooks``."""
        index = cls(path)
        index.rebuild(runbooks)
        return index

    def rebuild(self, runbooks: Iterable[Runbook]) -> None:
        """Replaces the whole content (e.g. after a team pack sync); one transaction."""
        rows = []
        vocabulary: set[str] = {w for group in SYNONYM_GROUPS for phrase in group for w in words_of(phrase)}
        for rb in runbooks:
            tags = " ".join((*rb.tags, *rb.systems, rb.id.replace("-", " ")))
            rows.append((rb.id, rb.title, tags, rb.body))
            vocabulary.update(words_of(f"{rb.title} {tags} {rb.body}"))
        spell = [(key, word) for word in vocabulary if len(word) >= _MIN_FUZZY for key in _deletes(word)]
        with self._lock, self._db:
            self._db.execute("DELETE FROM runbook_fts")
            self._db.execute("DELETE FROM runbook_spell")
            self._db.executemany("INSERT INTO runbook_fts (id, title, tags, body) VALUES (?, ?, ?, ?)", rows)
            self._db.executemany("INSERT INTO runbook_spell (key, word) VALUES (?, ?)", spell)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> RunbookIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- querying

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        """Best first; an empty list for queries with nothing searchable (``"?"``, ``"a"``)."""
        if limit < 1:
            return []
        words = [w for w in words_of(query) if w not in STOPWORDS][:12]
        with self._lock:
            groups = [self._variants(w) for w in words]
            groups = [g for g in groups if g]
            hits = self._run(" OR ".join(groups), limit) if groups else []
            if not hits:
                grams = sorted({w[i:i + 3] for w in words for i in range(len(w) - 2)})
                hits = self._run(" OR ".join(_quote(g) for g in grams), limit) if grams else []
        if not hits:
            return []
        best = hits[0][2]
        return [Hit(i, t, round(rank / best, 4) if best else 1.0) for i, t, rank in hits]

    def _variants(self, word: str) -> str:
        """An FTS5 group matching the word, its spelling corrections and their synonyms."""
        forms = {word} | self._corrections(word)
        phrases: set[str] = set()
        for form in forms:
            phrases.add(form)
            phrases.update(_SYNONYMS.get(form, ()))
        usable = sorted(p for p in phrases if len(p) >= 3)  # trigram needs 3 characters
        return "(" + " OR ".join(_quote(p) for p in usable) + ")" if usable else ""

    def _corrections(self, word: str) -> set[str]:
        if len(word) < _MIN_FUZZY or word in _SYNONYMS:
            return set()
        keys = sorted(_deletes(word))
        marks = ",".join("?" * len(keys))
        found = {row[0] for row in self._db.execute(
            f"SELECT DISTINCT word FROM runbook_spell WHERE key IN ({marks})", keys)}
        if word in found:
            return set()  # a real word: trust it
        scored = [(d, w) for w in found if (d := _distance(word, w)) <= 2]
        if not scored:
            return set()
        closest = min(d for d, _ in scored)
        return {w for d, w in sorted(scored) if d == closest}

    def _run(self, match: str, limit: int) -> list[tuple[str, str, float]]:
        weights = ", ".join(str(w) for w in _WEIGHTS)
        # ``match`` is built only from quoted word characters, so FTS5 syntax never leaks in.
        rows = self._db.execute(
            f"SELECT id, title, -bm25(runbook_fts, {weights}) AS rank FROM runbook_fts "
            f"WHERE runbook_fts MATCH ? ORDER BY rank DESC LIMIT ?", (match, limit)).fetchall()
        return [(str(i), str(t), float(r)) for i, t, r in rows]

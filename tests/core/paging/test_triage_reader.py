"""The fast phrase reader against the plainest reading of its own rules: a rewrite for speed must not change meaning.

``reference`` below is how ``read`` is specified, written for clarity and not
speed (it is how the reader worked before it was made fast): cut the text
into sentences at '.', '!', ';', ':', '?' and line ends, split each with the
word pattern and end it with its mark ('|', or '?' for a question), then at
every word try every phrase of ``phrase_index()`` in order (a gap stays in its
sentence).  The first phrase of a kind that fits decides the kind; a one-word
phrase right after a word it must not follow does not fit; a negation in the
two words before turns a hit of a negatable kind into a negated one, a context
that ``aside`` names sets a hit aside, and the reading goes on.  ``read`` must say exactly the same on
the project's corpus and on many texts made of the index's own phrases,
negations and blocking words, shuffled (seeded, so a failure repeats).
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from oncall_desktop.core.paging.triage_context import aside
from oncall_desktop.core.paging.triage_signals import phrase_index, read, tokens_of, words_of
from oncall_desktop.core.paging.triage_words import (
    ASKING,
    ASKING_WITH,
    EVERYONE,
    GUESSING,
    NEGATABLE,
    NEGATORS,
    NOT_AFTER,
    PLANNED,
    STEPS,
    SUPPOSING,
)

CORPORA = [Path(__file__).parent / "data" / name for name in ("triage_corpus.jsonl", "triage_corpus_formal.jsonl")]
WORD = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")
SENTENCE_END = re.compile(r"([.!;:?\n])")
QUOTED = re.compile(r"^(?:>.*|-{2,} ?original message ?-{2,}.*|on .{4,80} wrote:\s*)$", re.MULTILINE)
INDEX = phrase_index()


def sentence_words(text: str) -> list[str]:
    """The words of each sentence, each sentence followed by '|' (or '?' when it asks)."""
    words: list[str] = []
    for piece in SENTENCE_END.split(text.replace("’", "'")):
        if piece == "?":
            words.append("?")
        elif len(piece) == 1 and piece in ".!;:\n":
            words.append("|")
        else:
            words += WORD.findall(piece)
    return words


def fits(words: list[str], at: int, rest: tuple[str, ...]) -> int:
    """Where ``rest`` ends when it follows from ``words[at]``; ``..`` skips 0 to 5 words of its sentence."""
    if not rest:
        return at
    head, tail = rest[0], rest[1:]
    if head == "..":
        skips = (skip for skip in range(6) if all(w not in "|?" for w in words[at:at + skip]))
        ends = (fits(words, at + skip, tail) for skip in skips)
        return next((end for end in ends if end >= 0), -1)
    return fits(words, at + 1, tail) if at < len(words) and words[at] == head else -1


def reference(text: str) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, tuple[str, str]]]:
    cut = QUOTED.search(text)
    if cut is not None and cut.start() > text.find("\n"):
        text = text[:cut.start()]
    words = sentence_words(text)
    found: dict[str, str] = {}
    negated: dict[str, str] = {}
    put_aside: dict[str, tuple[str, str]] = {}
    for i, word in enumerate(words):
        before = words[max(0, i - 2):i]
        for rest, kind in INDEX.get(word, ()):
            end = fits(words, i + 1, rest)
            if kind in found or end < 0:
                continue
            if not rest and before and before[-1] in NOT_AFTER.get(word, ()):
                continue
            if kind in NEGATABLE and any(w in NEGATORS for w in before):
                negated.setdefault(kind, " ".join(words[i:end]))
                continue
            marker = aside(words, i, end, kind)
            if marker:
                put_aside.setdefault(kind, (" ".join(words[i:end]), marker))
                continue
            found[kind] = " ".join(words[i:end])
    return found, list(negated.items()), {k: v for k, v in put_aside.items() if k not in found}


def said(text: str) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, tuple[str, str]]]:
    reading = read(text)
    return dict(reading.found), list(reading.negated.items()), dict(reading.set_aside)


def corpus_texts() -> list[str]:
    rows = [json.loads(line) for corpus in CORPORA for line in corpus.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [f"{r['ticket']['title'].lower()}\n{r['ticket'].get('body', '').lower()}" for r in rows]


def phrase_texts(count: int, seed: int) -> list[str]:
    """Texts dense with the index's phrases (gaps filled with other words), negations and blocking words."""
    rng = random.Random(seed)
    firsts = sorted(INDEX)
    context = SUPPOSING | PLANNED | STEPS | GUESSING | EVERYONE | ASKING | ASKING_WITH | {"you", "we", "for"}
    others = sorted(set(NEGATORS) | context | {w for ws in NOT_AFTER.values() for w in ws}
                    | {w for entries in INDEX.values() for rest, _ in entries for w in rest if w != ".."})
    texts = []
    for _ in range(count):
        words: list[str] = []
        for _ in range(rng.randint(1, 30)):
            if rng.random() < 0.4:
                first = rng.choice(firsts)
                rest, _ = rng.choice(INDEX[first])
                words += [first, *(rng.choice(others) if w == ".." else w for w in rest)]
            else:
                words.append(rng.choice(others + firsts))
        texts.append("".join(w + rng.choice((" ", " ", " ", "\n", ", ", ". ", " - ", "! ", "? ", ": ")) for w in words))
    return texts


def test_the_corpus_reads_as_the_reference_reads_it() -> None:
    texts = corpus_texts()
    assert len(texts) >= 150
    assert [said(t) for t in texts] == [reference(t) for t in texts]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_texts_dense_with_phrases_read_as_the_reference_reads_them(seed: int) -> None:
    texts = phrase_texts(1500, seed)
    assert any(reference(t)[1] for t in texts)  # negations are among them
    assert any(reference(t)[2] for t in texts)  # and hits set aside by their context
    assert [said(t) for t in texts] == [reference(t) for t in texts]


def test_quoted_history_and_typographic_quotes_read_as_the_reference_reads_them() -> None:
    for text in ("re: vpn\nworking again now, thanks\n\non mon, 5 jan 2026, desk wrote:\n> vpn down for all users",
                 "re: mail\nwe can’t log in\n-- original message --\nall good",
                 "printer\n> quoted only after the subject\nserver down", "the server isn’t down, no outage"):
        assert said(text) == reference(text), text


def test_sentences_end_where_the_reference_ends_them() -> None:
    rng = random.Random(7)
    alphabet = "abcxyz019" * 4 + "'-’" * 3 + " \n\t.,;:!?()/_\"" + "éüßİÅ" + "\x00\u2028\ud83d"
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert tokens_of(text) == sentence_words(text), repr(text)
    assert tokens_of("server down. is it? yes: all") == ["server", "down", "|", "is", "it", "?", "yes", "|", "all"]


def test_words_are_the_word_pattern_s_words() -> None:
    rng = random.Random(5)
    alphabet = "abcxyz019" * 4 + "'-’" * 3 + " \n\t.,;:!?()/_\"" + "éüßİÅ" + "ABZ" + "\x00\u2028\ud83d"
    for _ in range(4000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert words_of(text) == WORD.findall(text.replace("’", "'")), repr(text)
    for text in ("can't", "wi-fi", "a--b", "-x-", "'s", "x'-y", "rock'n'roll", "e-mail's", "über-down"):
        assert words_of(text) == WORD.findall(text), text

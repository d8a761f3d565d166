"""How extraction splits a text into words and finds where its stretches end (extract.py).

Extraction reads words as regex's `\\w+` finds them, but splits them with the standard library
where the two engines agree, a chunk at a time for a long text, and looks up the end of the word
a stretch ends in among the offsets of the split: each must give exactly what regex gives.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from app.temporal import extract as extract_module
from app.temporal.extract import (
    _stretches_by_slot,
    _to_word_ends,
    _word_end,
    _word_parts,
    extract,
)
from app.temporal.rulebook import load_rulebook
from app.temporal.words import CHECKED_BLOCKS, foreign_character

REFERENCE = datetime(2025, 3, 12, 20, 0, tzinfo=UTC)
WORD = regex.compile(r"\w+")
REST_OF_WORD = regex.compile(r"\w*")

# Words and separators around the characters on whose \w the two engines disagree.
PIECES = st.sampled_from(
    [
        "March",
        "3",
        "2025",
        "May",
        "Mayor",
        "Tuesday",
        "last",
        "week",
        "days",
        "the",
        " ",
        "  ",
        ", ",
        ".",
        "-",
        "–",
        "’",
        "\u0301",  # a combining mark: a word character for regex, not for the standard library
        "²",  # a digit for the standard library's \w, not for regex
        "é",
        "Ж",
        "\u200d",
        "_",
        "\n",
    ]
)
TEXTS = st.one_of(st.text(max_size=300), st.lists(PIECES, max_size=80).map("".join))


def _words(text: str) -> list[tuple[int, int, str]]:
    """The words of `text` from `_word_parts`: (start, end, word)."""
    words = []
    for offset, parts in _word_parts(text):
        position = offset
        for index, part in enumerate(parts):
            if index % 2:
                words.append((position, position + len(part), part))
            position += len(part)
    return words


def test_foreign_characters_are_those_the_engines_may_disagree_on() -> None:
    foreign = foreign_character()
    for first, last in ((0, 128), *CHECKED_BLOCKS, (0x300, 0x370), (0x2070, 0x2190)):
        for char in map(chr, range(first, last)):
            if foreign.match(char) is None:
                assert (WORD.match(char) is None) == (re.match(r"\w", char) is None), hex(ord(char))


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, chunk=st.sampled_from([1, 5, 40, 1 << 16]))
def test_words_are_those_regex_finds(text: str, chunk: int) -> None:
    expected = [(word.start(), word.end(), word.group()) for word in WORD.finditer(text)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extract_module, "_CHUNK", chunk)
        assert _words(text) == expected


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, data=st.data())
def test_word_ends_are_those_regex_finds(text: str, data: st.DataObject) -> None:
    ((_, parts),) = _word_parts(text)
    bounds = [0]
    for part in parts:
        bounds.append(bounds[-1] + len(part))
    position = data.draw(st.integers(0, max(0, len(text) - 1)))
    if position < len(text):
        expected = REST_OF_WORD.match(text, position).end()
        assert _word_end(text, position, bounds) == expected
        assert _word_end(text, position, None) == expected


def _reference_stretches(
    text: str, before: int, after: int, starts_ends: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Stretches around words, merged, then extended to word ends and merged again by
    `_to_word_ends` (what `_stretches_by_slot` does in one pass)."""
    raw: list[tuple[int, int]] = []
    for word_start, word_end in starts_ends:
        start, end = word_start - before, word_end + after
        if raw and start <= raw[-1][1]:
            raw[-1] = (raw[-1][0], end)
        else:
            raw.append((start, end))
    return _to_word_ends(text, raw)


@settings(max_examples=200, deadline=None)
@given(text=TEXTS, chunk=st.sampled_from([3, 50, 1 << 16]))
def test_stretches_end_where_regex_ends_their_words(text: str, chunk: int) -> None:
    rulebook = load_rulebook("en")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extract_module, "_CHUNK", chunk)
        slots, anchor_starts = _stretches_by_slot(text, rulebook)
    words = [(word.start(), word.end(), word.group()) for word in WORD.finditer(text)]
    for trigger, reaches in enumerate(rulebook.stretch_slots):
        matched = [(s, e) for s, e, w in words if trigger in rulebook.triggers_of_word(w)]
        for slot, before, after in reaches:
            assert slots[slot] == _reference_stretches(text, before, after, matched)
    for anchor, pattern in enumerate(rulebook.anchors):
        assert anchor_starts[anchor] == [s for s, _, w in words if pattern.fullmatch(w)]


@pytest.mark.parametrize("chunk", [2, 17, 1 << 16])
def test_extraction_does_not_depend_on_the_chunk_size(chunk: int) -> None:
    rulebook = load_rulebook("en")
    text = (
        "On Tuesday, March 3, the Mayor said talks resumed in May\u0301 2024; "
        "two weeks later, on 11 March 2025, Ukraine² accepted. "
    ) * 5
    expected = extract(text, rulebook, use_triggers=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extract_module, "_CHUNK", chunk)
        assert extract(text, rulebook) == expected

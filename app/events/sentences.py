"""Sentence and paragraph segmentation for news text.

This module owns where sentences begin and end. Every span it returns is a `(start, end)` pair of
code-point offsets into the original text (end exclusive, surrounding whitespace trimmed), so the
temporal expressions the engine found in the same text can be placed in their sentence by
comparing offsets.

What it survives, and how:

* Abbreviations ("Gen.", "Mr.", "U.S.", "Feb. 24") and initials ("Donald J. Trump") — listed as
  data in `data/<language>/abbreviations.yaml`; see that file for the three kinds and their rules.
* Decimal numbers and thousands ("1.5", "3.2%") — a full stop only ends a sentence when followed
  by whitespace or the end of the text.
* Quotes and parentheses — a full stop inside a quotation or a parenthesis that closes later in
  the same paragraph does not end the sentence ('"We will not retreat. We will fight," he said.'
  is one sentence); a terminal mark followed by a lowercase word never does ('"Is it over?" he
  asked.').
* Datelines ("KYIV, March 12 (Reuters) - ") — excluded from the first sentence of a paragraph,
  because the date in a dateline is the filing date, not the date of anything in the sentence.
  `dateline_spans` returns them so callers can ignore expressions inside.
* Paragraphs — a blank line always ends a sentence; a single newline ends one only after a short
  unpunctuated line (a headline or subheading), because hard-wrapped text uses single newlines
  mid-sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.events.gazetteer import read_yaml

DATA_DIR = Path(__file__).parent / "data"

Span = tuple[int, int]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# A run of terminal marks, optionally followed by closing quotes/brackets, then whitespace or end.
_TERMINAL = re.compile(r"(?:[.!?]+|…)[\"'”’»)\]]*(?=\s|$)")
_WORD_OPENERS = "\"'“‘«(["
_NEXT_WORD = re.compile(r"[\"'“‘«(\[]*([^\s.,;:!?\"'”’»)\]]+)")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_SINGLE_INITIAL = re.compile(r"[A-Z]")
# "KYIV, March 12 (Reuters) - ", "GAZA CITY (AP) — ", "WASHINGTON, D.C., Feb. 24, 2025 -- ".
_DATELINE = re.compile(
    r"""
    [A-Z][A-Z'’.\-]+(?:[ ][A-Z][A-Z'’.\-]+)*          # place, in capitals
    (?:,[ ][A-Z][A-Za-z'’.\-]+(?:[ ][A-Z][A-Za-z'’.\-]+)*(?=,|[ ]*\(|[ ]*[-–—]))?  # region
    (?:,[ ][A-Z][a-z]{2,8}\.?[ ]\d{1,2}(?:,[ ]\d{4})?)?  # filing date
    [ ]*(?:\([A-Z][\w .&/-]{0,30}\))?                 # agency
    [ ]*(?:--|[-–—])[ ]+
    """,
    re.VERBOSE,
)
_QUOTE_OR_PARENTHESIS = re.compile(r'["()“”«»]')
_HEADLINE_MAX_WORDS = 12
_QUOTE_PROTECTION_MAX_CHARS = 400
_OPENING_QUOTES = "“«"
_PAIRS = {")": "(", "”": "“", "»": "«"}
_LINE_FINAL_FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "as",
        "that",
        "than",
        "said",
        "told",
    ]
)


@dataclass(frozen=True, slots=True)
class Abbreviations:
    """The abbreviation lists of one language, as sets for O(1) look-ups."""

    titles: frozenset[str]
    months: frozenset[str]
    general: frozenset[str]
    sentence_openers: frozenset[str]


@cache
def load_abbreviations(language: str = "en") -> Abbreviations:
    path = DATA_DIR / language / "abbreviations.yaml"
    if not path.is_file():
        raise ValueError(f"no sentence data for language {language!r}")
    data = read_yaml(path)
    return Abbreviations(
        titles=frozenset(data["titles"]),
        months=frozenset(data["months"]),
        general=frozenset(data["general"]),
        sentence_openers=frozenset(data["sentence_openers"]),
    )


def split_paragraphs(text: str) -> list[Span]:
    """Paragraph spans: text separated by blank lines, whitespace trimmed, empty ones dropped."""
    spans: list[Span] = []
    position = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        _append_trimmed(text, position, match.start(), spans)
        position = match.end()
    _append_trimmed(text, position, len(text), spans)
    return spans


def dateline_spans(text: str) -> list[Span]:
    """Spans of the datelines that open paragraphs ("KYIV, March 12 (Reuters) - ")."""
    spans = []
    for start, end in split_paragraphs(text):
        match = _DATELINE.match(text, start, end)
        if match:
            spans.append((match.start(), match.end()))
    return spans


def split_sentences(text: str, *, language: str = "en") -> list[Span]:
    """Sentence spans of `text`, in order, datelines excluded."""
    abbreviations = load_abbreviations(language)
    spans: list[Span] = []
    for start, end in split_paragraphs(text):
        dateline = _DATELINE.match(text, start, end)
        if dateline:
            start = dateline.end()
        for line_start, line_end in _split_headlines(text, start, end):
            _split_paragraph(text, line_start, line_end, abbreviations, spans)
    return spans


def _split_headlines(text: str, start: int, end: int) -> list[Span]:
    """Cut a paragraph after headline-like lines, keep hard-wrapped lines together.

    A line is headline-like when it starts a sentence (first line, or the line before ends in a
    terminal mark), holds no terminal mark, has at most 12 words, ends in a letter or digit but
    not in a function word, and the next line starts with a capital.
    """
    pieces: list[Span] = []
    piece_start = start
    line_start = start
    starts_sentence = True
    newline = text.find("\n", start, end)
    while newline != -1:
        line = text[line_start:newline].strip()
        next_text = text[newline + 1 : end].lstrip()
        words = line.split()
        if (
            starts_sentence
            and words
            and len(words) <= _HEADLINE_MAX_WORDS
            and line[-1].isalnum()
            and _TERMINAL.search(line) is None
            and words[-1].lower() not in _LINE_FINAL_FUNCTION_WORDS
            and next_text[:1].isupper()
        ):
            pieces.append((piece_start, newline))
            piece_start = newline + 1
            starts_sentence = True
        else:
            starts_sentence = bool(line) and line[-1] in ".!?\"'”’)"
        line_start = newline + 1
        newline = text.find("\n", line_start, end)
    pieces.append((piece_start, end))
    return pieces


def _split_paragraph(
    text: str, start: int, end: int, abbreviations: Abbreviations, spans: list[Span]
) -> None:
    # Found when first needed: most paragraphs are one sentence, whose only terminal mark ends it.
    protected: list[Span] | None = None
    sentence_start = start
    for match in _TERMINAL.finditer(text, start, end):
        boundary = match.end()
        if boundary >= end:
            break
        if protected is None:
            protected = _protected_regions(text, start, end)
        if _inside(protected, match.start()):
            continue
        if _is_sentence_end(text, match, end, abbreviations):
            _append_trimmed(text, sentence_start, boundary, spans)
            sentence_start = boundary
    _append_trimmed(text, sentence_start, end, spans)


def _is_sentence_end(
    text: str, match: re.Match[str], end: int, abbreviations: Abbreviations
) -> bool:
    next_match = _NEXT_WORD.match(text, _skip_space(text, match.end(), end), end)
    if next_match is None:
        return True
    next_char = text[next_match.start()]
    next_word = next_match.group(1)
    if next_word[:1].islower():
        # '"Is it over?" he asked.' and "e.g. the talks" continue the sentence.
        return False
    if match.group()[0] != "." or match.group().startswith(".."):
        return True
    word = _word_before(text, match.start())
    if word in abbreviations.titles:
        return False
    if word in abbreviations.months:
        return not next_word[:1].isdigit()
    if word in abbreviations.general or _INITIALISM.fullmatch(word):
        return next_char in _OPENING_QUOTES + "\"'" or next_word in abbreviations.sentence_openers
    # An initial inside a name: "Donald J. Trump", "J. D. Vance".
    return not _SINGLE_INITIAL.fullmatch(word)


def _word_before(text: str, position: int) -> str:
    """The word ending at `position`, without opening quotes or brackets."""
    start = position
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _WORD_OPENERS:
        start -= 1
    return text[start:position]


def _protected_regions(text: str, start: int, end: int) -> list[Span]:
    """Quotations and parentheses that open and close inside this paragraph."""
    regions: list[Span] = []
    marks = [
        (match.start(), match.group()) for match in _QUOTE_OR_PARENTHESIS.finditer(text, start, end)
    ]
    # Straight double quotes alternate open/close; when a paragraph has an odd number of them
    # (a quote continued into the next paragraph) their pairing is unknown, so none protect.
    straight = [position for position, char in marks if char == '"']
    if len(straight) % 2 == 0:
        for open_at, close_at in zip(straight[::2], straight[1::2], strict=True):
            _add_region(regions, open_at, close_at)
    # Single quotes are left out: "’" is far more often an apostrophe than a closing quote.
    open_stacks: dict[str, list[int]] = {opener: [] for opener in _PAIRS.values()}
    for position, char in marks:
        if char in open_stacks:
            open_stacks[char].append(position)
        elif char in _PAIRS and open_stacks[_PAIRS[char]]:
            _add_region(regions, open_stacks[_PAIRS[char]].pop(), position)
    return regions


def _add_region(regions: list[Span], open_at: int, close_at: int) -> None:
    # Very long "quotations" are more likely mismatched marks than one quoted utterance.
    if close_at - open_at <= _QUOTE_PROTECTION_MAX_CHARS:
        regions.append((open_at, close_at))


def _inside(regions: list[Span], position: int) -> bool:
    # A mark just before the closing quote ('... fight."') ends the quotation, not the sentence
    # inside it, so only positions strictly before the last character are protected.
    return any(open_at < position < close_at - 1 for open_at, close_at in regions)


def _skip_space(text: str, position: int, end: int) -> int:
    while position < end and text[position].isspace():
        position += 1
    return position


def _append_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))

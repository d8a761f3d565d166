"""A cheap guess at the tense around an expression: "past", "future" or None.

The language's tense cues (tense.yaml) are found once per text; for each expression the cue
nearest to it within its sentence (and at most `_REACH` characters away, on the expression's
side of any quotation mark) wins. A deadline signal right before the expression ("until
Tuesday", "must reply by Monday") makes it future first (tense.yaml, `deadline`). This decides
which August "in August" means and which Friday "on Friday" means; it is deliberately simple.

Cues are found word by word (`TenseLexicon`): one regex with a hundred alternatives tried at
every position of a text costs seconds per megabyte, a dictionary lookup per word does not. The
lexicon gives exactly what the plain regex of all cues (`Rulebook.tense_cues`) gives; a test
checks that.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import regex

_REACH = 200  # characters looked at on each side of an expression
_DEADLINE_WINDOW = 16  # characters before an expression in which a deadline signal is looked for
_SENTENCE_END = regex.compile(r"[.!?][\"'”’)]*\s|\n\s*\n")
# Quotation marks: a quotation has its own tense ("''We will leave Thursday,'' he said": the
# "said" outside does not make Thursday past), so cues are only taken on the expression's side.
_QUOTE = regex.compile(r"``|''|[\"“”]")
# A word as the cues see it: a run of word characters, or an apostrophe and one right after a
# word ("won't" is "won" + "'t", "they'll" is "they" + "'ll"). The standard library's engine is
# faster for this simple scan.
_TOKEN = re.compile(r"(?<=\w)['’]\w+|\w+")
_TOP_LEVEL_BAR = regex.compile(r"\\.|\[(?:\\.|[^\]])*\]|[()|]")
_CACHE_SIZE = 100_000


def split_alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regex source ("a|b(?:c|d)" -> ["a", "b(?:c|d)"])."""
    parts, depth, start = [], 0, 0
    for token in _TOP_LEVEL_BAR.finditer(source):
        text = token.group()
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif text == "|" and depth == 0:
            parts.append(source[start : token.start()])
            start = token.end()
    parts.append(source[start:])
    return parts


@dataclass(frozen=True, slots=True)
class DeadlineSignal:
    """A word that, right before an expression, names a deadline: "until Tuesday"."""

    signal: regex.Pattern[str]  # must match up to the expression's start
    # A cue the clause must have before the signal, if any: "by Monday" is a deadline in "must
    # reply by Monday", not in "the toll rose to 50 by Monday".
    needs: regex.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class TenseLexicon:
    """The tense cues of a language, split for word-by-word matching.

    `words`: cues that are one plain word; `word_patterns`: one-word cues given as a regex
    (fully matched against a word); `phrases`: cues of several words (or with an apostrophe
    inside: "won't"), tried only where a word can begin one (decided once per distinct word
    with a partial match).
    """

    words: dict[str, str]
    word_patterns: tuple[tuple[regex.Pattern[str], str], ...]
    phrases: regex.Pattern[str]  # groups `future` and `past`, anchored at a word start
    _cache: dict[str, tuple[bool, str | None]] = field(default_factory=dict, compare=False)
    # A deadline signal right before an expression ("by August", "until Tuesday") makes it
    # future, unless its clause has a cue of `deadline_unless` ("had filed them by Monday").
    deadlines: tuple[DeadlineSignal, ...] = ()
    deadline_unless: regex.Pattern[str] | None = None

    def _classify(self, word: str) -> tuple[bool, str | None]:
        lowered = word.lower().replace("’", "'")
        starts_phrase = self.phrases.fullmatch(lowered, partial=True) is not None
        tense = self.words.get(lowered)
        if tense is None:
            tense = next((t for p, t in self.word_patterns if p.fullmatch(word)), None)
        return starts_phrase, tense

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, tense) of every cue, in text order, none overlapping."""
        found: list[tuple[int, int, str]] = []
        cache = self._cache
        if len(cache) >= _CACHE_SIZE:
            cache.clear()  # a crude bound; words repeat, so it refills quickly
        covered = 0  # cues may not overlap: a phrase consumes the words inside it
        for token in _TOKEN.finditer(text):
            word = token.group()
            known = cache.get(word)
            if known is None:
                known = cache[word] = self._classify(word)
            starts_phrase, tense = known
            if not (starts_phrase or tense):
                continue
            start = token.start()
            if start < covered:
                continue
            if starts_phrase:
                phrase = self.phrases.match(text, start)
                if phrase is not None:
                    tense = "future" if phrase.group("future") is not None else "past"
                    found.append((start, phrase.end(), tense))
                    covered = phrase.end()
                    continue
            if tense is not None:
                found.append((start, token.end(), tense))
                covered = token.end()
        return found


@dataclass(frozen=True, slots=True)
class TenseCues:
    """Every tense cue and sentence end of one text, sorted by position (one linear pass)."""

    starts: list[int]
    ends: list[int]
    tenses: list[str]
    # Sentence ends: "). " is one, from its first to its last character.
    boundary_starts: list[int] = field(default_factory=list)
    boundary_ends: list[int] = field(default_factory=list)
    # Quotation marks, from their first to their last character.
    quote_starts: list[int] = field(default_factory=list)
    quote_ends: list[int] = field(default_factory=list)
    deadlines: tuple[DeadlineSignal, ...] = ()  # the lexicon's (see TenseLexicon)
    deadline_unless: regex.Pattern[str] | None = None

    @classmethod
    def find(cls, text: str, lexicon: TenseLexicon) -> TenseCues:
        starts, ends, tenses = [], [], []
        for start, end, tense in lexicon.find(text):
            starts.append(start)
            ends.append(end)
            tenses.append(tense)
        boundary_starts, boundary_ends = [], []
        for boundary in _SENTENCE_END.finditer(text):
            boundary_starts.append(boundary.start())
            boundary_ends.append(boundary.end())
        quote_starts, quote_ends = [], []
        for quote in _QUOTE.finditer(text):
            quote_starts.append(quote.start())
            quote_ends.append(quote.end())
        return cls(
            starts,
            ends,
            tenses,
            boundary_starts,
            boundary_ends,
            quote_starts,
            quote_ends,
            lexicon.deadlines,
            lexicon.deadline_unless,
        )

    def is_deadline(self, text: str, start: int, left: int, right: int) -> bool:
        """Whether a deadline signal ends at `start` in a sentence (`left:right`) that allows it."""
        window = max(left, start - _DEADLINE_WINDOW)
        # The expression's clause: "The sale, which had been expected, is due by February" is
        # still a deadline.
        clause = max(left, text.rfind(", ", left, start) + 1, text.rfind("; ", left, start) + 1)
        for deadline in self.deadlines:
            signal = deadline.signal.search(text, window, start)
            if signal is None:
                continue
            if deadline.needs is not None and not deadline.needs.search(
                text, clause, signal.start()
            ):
                continue
            unless = self.deadline_unless
            return unless is None or unless.search(text, clause, right) is None
        return False

    def sentence_bounds(self, length: int, start: int, end: int) -> tuple[int, int]:
        """The sentence around `start:end`, at most `_REACH` characters to each side."""
        left = max(0, start - _REACH)
        # The last sentence end that lies wholly before the expression...
        before = bisect.bisect_right(self.boundary_ends, start) - 1
        if before >= 0 and self.boundary_starts[before] >= left:
            left = self.boundary_ends[before]
        # ... and the first that begins after it.
        right = min(length, end + _REACH)
        after = bisect.bisect_left(self.boundary_starts, end)
        if after < len(self.boundary_starts) and self.boundary_ends[after] <= right:
            right = self.boundary_starts[after] + 1
        return left, right

    def quote_bounds(self, start: int, end: int, left: int, right: int) -> tuple[int, int]:
        """`left:right` narrowed to the quotation marks nearest to `start:end`, if any."""
        before = bisect.bisect_right(self.quote_ends, start) - 1
        if before >= 0 and self.quote_ends[before] > left:
            left = self.quote_ends[before]
        after = bisect.bisect_left(self.quote_starts, end)
        if after < len(self.quote_starts) and self.quote_starts[after] < right:
            right = self.quote_starts[after]
        return left, right


def sentence_tense(text: str, start: int, end: int, cues: TenseCues) -> str | None:
    """The tense of the cue nearest to `text[start:end]` within its sentence (and its side of
    any quotation mark), if any."""
    left, right = cues.sentence_bounds(len(text), start, end)
    left, right = cues.quote_bounds(start, end, left, right)
    if cues.is_deadline(text, start, left, right):
        return "future"
    best: tuple[int, str] | None = None
    # The last cue that ends before the expression, and the first that starts after it.
    before = bisect.bisect_right(cues.ends, start) - 1
    if before >= 0 and cues.starts[before] >= left:
        best = (start - cues.ends[before], cues.tenses[before])
    after = bisect.bisect_left(cues.starts, end)
    if after < len(cues.starts) and cues.ends[after] <= right:
        distance = cues.starts[after] - end
        if best is None or distance < best[0]:
            best = (distance, cues.tenses[after])
    return best[1] if best else None

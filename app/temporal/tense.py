"""A cheap guess at the tense around an expression: "past", "future" or None.

The language's tense cues (tense.yaml) are read once per sentence that needs them; for each
expression the cue nearest to it within its clause, else its sentence (at most `_REACH`
characters away, on the expression's side of any quotation mark) wins. A deadline signal right
before the expression ("until Tuesday", "must reply by Monday") makes it future first
(tense.yaml, `deadline`). This decides which August "in August" means and which Friday "on
Friday" means; it is deliberately simple.

Cues are found word by word (`TenseLexicon`): one regex with a hundred alternatives tried at
every position of a text costs seconds per megabyte, a dictionary lookup per word does not. The
lexicon gives exactly what the plain regex of all cues (`Rulebook.tense_cues`) gives; a test
checks that.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import regex

from app.temporal.words import splits_alike

_REACH = 200  # characters looked at on each side of an expression
_DEADLINE_WINDOW = 16  # characters before an expression in which a deadline signal is looked for
_SENTENCE_END_SOURCE = (
    r"{not_after}[.!?][\"'”’)]*\s(?![ \t]*(?:[a-z\d(]|[A-Z][a-z]+[ \t]+time\b))|\n\s*\n"
)
_SENTENCE_END = regex.compile(_SENTENCE_END_SOURCE.format(not_after=""))


def sentence_end_pattern(not_after: str = "") -> regex.Pattern[str]:
    """Where a sentence ends: a full stop (or ! ?), closing quotes or brackets, then a space,
    unless a lower-case word, a digit, a bracket or a zone comes next ("at 2 p.m. the next
    day", "at 5 p.m. (1130 GMT)", "at 5 p.m. Indian time on Saturday") or the word before
    the stop is one of `not_after` (a regex of abbreviations that never end a sentence: "Dr.",
    "vs.", initials); or a blank line. Case-sensitive."""
    not_after_source = rf"(?<!\b(?:{not_after}))" if not_after else ""
    return regex.compile(_SENTENCE_END_SOURCE.format(not_after=not_after_source))


# Quotation marks: a quotation has its own tense ("''We will leave Thursday,'' he said": the
# "said" outside does not make Thursday past), so cues are only taken on the expression's side.
# (As a regex: ``|''|["“”]. No two kinds start with the same character, so each kind is found
# on its own with str.find, much faster than a regex scan.)
_QUOTE_MARKS = ("``", "''", '"', "“", "”")
# A word as the cues see it: a run of word characters, or an apostrophe and one right after a
# word ("won't" is "won" + "'t", "they'll" is "they" + "'ll"). The standard library's engine is
# faster for this simple scan, where its words are regex's (`words.splits_alike`: not in
# "¼A", one word to `re`, two to the cue regex); the branches never start at the same
# character, so trying the common one first changes nothing but the speed.
_WORD_SOURCE = r"\w+|(?<=\w)['’]\w+"
_TOKEN = re.compile(_WORD_SOURCE)
_REGEX_TOKEN = regex.compile(_WORD_SOURCE)
_TOKEN_TEXT = re.Match.group
_REGEX_TOKEN_TEXT = operator.methodcaller("group")  # the rare texts `re` may not split
_TOKEN_BATCH = 4096  # words looked up at a time
_TOP_LEVEL_BAR = regex.compile(r"\\.|\[(?:\\.|[^\]])*\]|[()|]")
_CACHE_SIZE = 100_000


def phrase_source(
    future: Sequence[str] = (), past: Sequence[str] = (), neutral: Sequence[str] = ()
) -> str:
    """The regex of multi-word cues: groups `future`, `past` and `neutral` (words that only look
    like a cue: "the proposed truce" holds no past tense), ending at a word boundary."""
    future_source = "|".join(f"(?:{p})" for p in future) or "(?!)"
    past_source = "|".join(f"(?:{p})" for p in past) or "(?!)"
    neutral_source = "|".join(f"(?:{p})" for p in neutral) or "(?!)"
    return (
        rf"(?:(?P<future>{future_source})|(?P<past>{past_source})"
        rf"|(?P<neutral>{neutral_source}))\b"
    )


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
    with a partial match), and the neutral phrases, which are no cue and hide the words inside
    them ("the proposed truce": "proposed" is no past tense there).
    """

    words: dict[str, str]
    word_patterns: tuple[tuple[regex.Pattern[str], str], ...]
    phrases: regex.Pattern[str]  # groups `future` and `past`, anchored at a word start
    # word -> (the phrases it may begin, as patterns to try in turn, or None; its tense as a
    # one-word cue) for a word that may be a cue, () for the rest
    _cache: dict[str, tuple[tuple[regex.Pattern[str], ...] | None, str | None] | tuple[()]] = field(
        default_factory=dict, compare=False
    )
    # A deadline signal right before an expression ("by August", "until Tuesday") makes it
    # future, unless its clause has a cue of `deadline_unless` ("had filed them by Monday").
    deadlines: tuple[DeadlineSignal, ...] = ()
    deadline_unless: regex.Pattern[str] | None = None
    # Matches where any deadline signal does: one search rules them all out for most
    # expressions.
    any_deadline: regex.Pattern[str] | None = None
    # The alternatives `phrases` is made of, in its order: each alone, and as a pattern of its
    # own (its group `future` or `past`, then a word boundary, as in `phrases`). A word that
    # may begin a phrase tries those it may begin only ("of" only begins "of record"): the
    # first that matches is what `phrases` matches, at a fraction of the cost.
    phrase_alternatives: tuple[tuple[regex.Pattern[str], regex.Pattern[str]], ...] = ()
    # Where sentences end (cues are read within one): see `sentence_end_pattern`.
    sentence_end: regex.Pattern[str] = _SENTENCE_END

    def _classify(
        self, word: str
    ) -> tuple[tuple[regex.Pattern[str], ...] | None, str | None] | tuple[()]:
        """(the phrases `word` may begin, its tense as a one-word cue) for a word that may be a
        cue; () else."""
        lowered = word.lower().replace("’", "'")
        phrases = None
        if self.phrases.fullmatch(lowered, partial=True) is not None:
            phrases = self._phrases_beginning(word, lowered)
        tense = self.words.get(lowered)
        if tense is None:
            tense = next((t for p, t in self.word_patterns if p.fullmatch(word)), None)
        return (phrases, tense) if phrases is not None or tense else ()

    def _phrases_beginning(self, word: str, lowered: str) -> tuple[regex.Pattern[str], ...]:
        """The patterns of the `phrases` alternatives that may begin with `word`."""
        if not self.phrase_alternatives:
            return (self.phrases,)
        # An alternative that matches from the start of the word covers all of it (`phrases`
        # ends at a word boundary), so it matches a prefix of the word too.
        return tuple(
            pattern
            for alternative, pattern in self.phrase_alternatives
            if alternative.fullmatch(word, partial=True) is not None
            or alternative.fullmatch(lowered, partial=True) is not None
        )

    def find(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> list[tuple[int, int, str]]:
        """(start, end, tense) of every cue in `text[pos:endpos]`, in text order, none
        overlapping. A cue never crosses a sentence end, so a sentence can be read alone."""
        found: list[tuple[int, int, str]] = []
        cache = self._cache
        if len(cache) >= _CACHE_SIZE:
            cache.clear()  # a crude bound; words repeat, so it refills quickly
        covered = 0  # cues may not overlap: a phrase consumes the words inside it
        alike = splits_alike(text)
        token, token_text = (_TOKEN, _TOKEN_TEXT) if alike else (_REGEX_TOKEN, _REGEX_TOKEN_TEXT)
        tokens_found = token.finditer(text, pos, len(text) if endpos is None else endpos)
        # Looked up in C (map), a batch at a time; Python only loops over the words that may be
        # cues (and over all of them when some are new to the cache).
        while tokens := list(itertools.islice(tokens_found, _TOKEN_BATCH)):
            known_of = list(map(cache.get, map(token_text, tokens)))
            if None in known_of:
                for index, known in enumerate(known_of):
                    if known is None:
                        word = tokens[index].group()
                        known_of[index] = cache[word] = self._classify(word)
            for index in itertools.compress(range(len(known_of)), known_of):
                token = tokens[index]
                start = token.start()
                if start < covered:
                    continue
                phrases, tense = known_of[index]
                if phrases is not None:
                    phrase = None
                    for pattern in phrases:
                        phrase = pattern.match(text, start)
                        if phrase is not None:
                            break
                    if phrase is not None:
                        covered = phrase.end()
                        if phrase.group("neutral") is not None:
                            continue  # no cue, and none of the words inside it is one
                        tense = "future" if phrase.group("future") is not None else "past"
                        found.append((start, phrase.end(), tense))
                        continue
                if tense is not None:
                    found.append((start, token.end(), tense))
                    covered = token.end()
        return found


def _quote_marks(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every quotation mark in `text`, kind by kind (four apostrophes are two
    marks)."""
    for mark in _QUOTE_MARKS:
        start = text.find(mark)
        while start >= 0:
            yield start, start + len(mark)
            start = text.find(mark, start + len(mark))


@dataclass(frozen=True, slots=True)
class TenseCues:
    """The sentence ends and quotation marks of one text (one linear pass), and its tense cues.

    Cues are read sentence by sentence, on first need: in news, most sentences hold no
    expression whose value depends on the tense. A cue never crosses a sentence end (no cue
    holds a full stop or a blank line), so this finds exactly the cues of the whole text.
    """

    text: str
    lexicon: TenseLexicon
    # Sentence ends: "). " is one, from its first to its last character.
    boundary_starts: list[int] = field(default_factory=list)
    boundary_ends: list[int] = field(default_factory=list)
    # Quotation marks, from their first to their last character.
    quote_starts: list[int] = field(default_factory=list)
    quote_ends: list[int] = field(default_factory=list)
    deadlines: tuple[DeadlineSignal, ...] = ()  # the lexicon's (see TenseLexicon)
    deadline_unless: regex.Pattern[str] | None = None
    any_deadline: regex.Pattern[str] | None = None
    # The cues read so far, sorted by position, and the sentences they come from (a sentence's
    # number is the count of sentence ends before it).
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    tenses: list[str] = field(default_factory=list)
    _read: set[int] = field(default_factory=set)
    # A run of sentences (first, last) all read: most calls fall inside it and check nothing.
    _read_run: list[int] = field(default_factory=lambda: [0, -1])

    @classmethod
    def find(cls, text: str, lexicon: TenseLexicon) -> TenseCues:
        boundary_starts, boundary_ends = [], []
        for boundary in lexicon.sentence_end.finditer(text):
            boundary_starts.append(boundary.start())
            boundary_ends.append(boundary.end())
        quotes = sorted(_quote_marks(text))
        quote_starts = [start for start, _ in quotes]
        quote_ends = [end for _, end in quotes]
        return cls(
            text,
            lexicon,
            boundary_starts,
            boundary_ends,
            quote_starts,
            quote_ends,
            lexicon.deadlines,
            lexicon.deadline_unless,
            lexicon.any_deadline,
        )

    def cues_within(self, left: int, right: int) -> tuple[list[int], list[int], list[str]]:
        """Starts, ends and tenses of the cues read so far, sorted by position, once every
        sentence that `left:right` touches has been read."""
        ends_of_sentences = self.boundary_ends
        first = bisect.bisect_right(ends_of_sentences, left)
        last = bisect.bisect_right(ends_of_sentences, max(left, right - 1))
        run = self._read_run
        if not run[0] <= first <= last <= run[1]:
            for sentence in range(first, last + 1):
                if sentence not in self._read:
                    self._read_sentence(sentence)
            if first <= run[1] + 1 and last >= run[0] - 1:  # the two runs touch: join them
                run[0], run[1] = min(run[0], first), max(run[1], last)
            else:
                run[0], run[1] = first, last
        return self.starts, self.ends, self.tenses

    def _read_sentence(self, number: int) -> None:
        ends_of_sentences = self.boundary_ends
        begin = ends_of_sentences[number - 1] if number else 0
        stop = ends_of_sentences[number] if number < len(ends_of_sentences) else None
        cues = self.lexicon.find(self.text, begin, stop)
        self._read.add(number)
        # Expressions come in text order, so a sentence is almost always read after those before
        # it and its cues go at the end; otherwise they go in at their place.
        at = bisect.bisect_left(self.starts, begin)
        self.starts[at:at] = [cue[0] for cue in cues]
        self.ends[at:at] = [cue[1] for cue in cues]
        self.tenses[at:at] = [cue[2] for cue in cues]

    def is_deadline(self, text: str, start: int, left: int, right: int) -> bool:
        """Whether a deadline signal ends at `start` in a sentence (`left:right`) that allows it."""
        window = max(left, start - _DEADLINE_WINDOW)
        if self.any_deadline is not None and self.any_deadline.search(text, window, start) is None:
            return False
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
        # ... and the first that begins after it, or on its last character: the stop of an
        # expression that ends a sentence ("from 7 a.m. to 5 p.m.\nThe ...").
        right = min(length, end + _REACH)
        after = bisect.bisect_left(self.boundary_starts, end - 1)
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


def _clause_bounds(text: str, start: int, end: int, left: int, right: int) -> tuple[int, int]:
    """`left:right` narrowed to the clause of `start:end`: between the commas, semicolons
    (followed by a space, so not "1,300") or words "that" nearest to it.

    "that" opens a reported clause with a tense of its own: in "warned on Thursday that strikes
    could harm relations" the warning is past, whatever may come of the strikes; in "said that
    talks could resume on Thursday" the talks are still to come, whatever "said" says.
    """
    comma = max(text.rfind(", ", left, start), text.rfind("; ", left, start))
    if comma >= 0:
        left = comma + 1
    that = text.rfind(" that ", left, start)
    if that >= 0:
        left = that + len(" that")
    after = [
        i
        for i in (
            text.find(", ", end, right),
            text.find("; ", end, right),
            text.find(" that ", end, right),
        )
        if i >= 0
    ]
    if after:
        right = min(after)
    return left, right


def sentence_tense(text: str, start: int, end: int, cues: TenseCues) -> str | None:
    """The tense of the cue nearest to `text[start:end]` within its clause, else within its
    sentence (and its side of any quotation mark), if any.

    The clause comes first: in "is to visit Kyiv on Monday, his office said" the report's
    "said" is nearer, but the visit is still to come.
    """
    left, right = cues.sentence_bounds(len(text), start, end)
    left, right = cues.quote_bounds(start, end, left, right)
    if cues.is_deadline(text, start, left, right):
        return "future"
    found = cues.cues_within(left, right)
    clause_left, clause_right = _clause_bounds(text, start, end, left, right)
    return _nearest_cue(found, start, end, clause_left, clause_right) or _nearest_cue(
        found, start, end, left, right
    )


def _nearest_cue(
    cues: tuple[list[int], list[int], list[str]], start: int, end: int, left: int, right: int
) -> str | None:
    """The tense of the cue nearest to `start:end` that lies wholly inside `left:right`."""
    starts, ends, tenses = cues
    best: tuple[int, str] | None = None
    # The last cue that ends before the expression, and the first that starts after it.
    before = bisect.bisect_right(ends, start) - 1
    if before >= 0 and starts[before] >= left:
        best = (start - ends[before], tenses[before])
    after = bisect.bisect_left(starts, end)
    if after < len(starts) and ends[after] <= right:
        distance = starts[after] - end
        if best is None or distance < best[0]:
            best = (distance, tenses[after])
    return best[1] if best else None

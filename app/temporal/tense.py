"""A cheap guess at the tense around an expression: "past", "future" or None.

The language's tense cues (tense.yaml) are found once per text; for each expression the cue
nearest to it within its sentence (and at most `_REACH` characters away) wins. This decides
which August "in August" means and which Friday "on Friday" means; it is deliberately simple.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

_REACH = 200  # characters looked at on each side of an expression
_SENTENCE_END = regex.compile(r"[.!?][\"'”’)]*\s|\n\s*\n")


@dataclass(frozen=True, slots=True)
class TenseCues:
    """Every tense cue of one text, sorted by position (found in one linear pass)."""

    starts: list[int]
    ends: list[int]
    tenses: list[str]

    @classmethod
    def find(cls, text: str, cues: regex.Pattern[str]) -> TenseCues:
        starts, ends, tenses = [], [], []
        for cue in cues.finditer(text):
            starts.append(cue.start())
            ends.append(cue.end())
            tenses.append("future" if cue.group("future") else "past")
        return cls(starts, ends, tenses)


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(0, start - _REACH)
    boundaries = list(_SENTENCE_END.finditer(text, left, start))
    if boundaries:
        left = boundaries[-1].end()
    right = min(len(text), end + _REACH)
    boundary = _SENTENCE_END.search(text, end, right)
    if boundary:
        right = boundary.start() + 1
    return left, right


def sentence_tense(text: str, start: int, end: int, cues: TenseCues) -> str | None:
    """The tense of the cue nearest to `text[start:end]` within its sentence, if any."""
    left, right = _sentence_bounds(text, start, end)
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

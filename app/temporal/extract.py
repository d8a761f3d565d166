"""Finds temporal expressions in text: spans plus an underspecified value, nothing resolved.

Every rule of the language runs over the text near its trigger words (the whole text when it
has none), tried only where its anchor words start when it has some; overlapping matches are
settled by preferring the longest span, then the rule's priority, then the earlier rule in
rules.yaml.
A rule may mark the TIMEX3 extent with a named group `timex` (so that a signal word such as
"in" can be required by the pattern yet stay outside the span); otherwise the whole match is
the span. Modifiers ("early", "almost", "mid-") then extend a chosen span to the left.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import regex

from app.temporal.rulebook import Modifier, Rule, Rulebook
from app.temporal.words import splits_alike

_MODIFIER_WINDOW = 40  # characters before a span in which a modifier is looked for
_START = operator.itemgetter(0)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span a rule matched, with the rule's underspecified value for it.

    Only the matches that survive the overlap check become candidates and have their value
    rendered: dense text has several matches per expression.
    """

    start: int
    end: int
    rule: Rule
    underspecified: str
    modifier: Modifier | None = None


_WORD = regex.compile(r"\w+")
_REST_OF_WORD = regex.compile(r"\w*")
# Characters that end a word for certain (most stretches end in a space): no regex needed.
_NOT_WORD = frozenset(char for char in map(chr, range(128)) if not _WORD.match(char))
# A text as alternating non-words and `\w+` words (non-word first, and last). The standard
# library splits faster; its \w differs from regex's for a few characters (combining marks,
# "²", none of them ASCII), so it splits only texts without such characters (`_split_of`).
_SPLIT = regex.compile(r"(\w+)")
_ASCII_SPLIT = re.compile(r"(\w+)")
_NON_WORD = regex.compile(r"\W")
_ASCII_NON_WORD = re.compile(r"\W")
_CHUNK = 1 << 16  # characters split at a time (a long text is not held as a list of words)


def _split_of(text: str) -> tuple[Callable[[str], list[str]], Callable[..., Any]]:
    """The split into words (see `_SPLIT`) and the non-word search that fit `text`."""
    if splits_alike(text):
        return _ASCII_SPLIT.split, _ASCII_NON_WORD.search
    return _SPLIT.split, _NON_WORD.search


def _word_parts(text: str) -> Iterator[tuple[int, list[str]]]:
    """(offset, parts): `text` in chunks that cut no word, each split into non-words and words
    (see `_SPLIT`)."""
    split, non_word = _split_of(text)
    length = len(text)
    if length <= _CHUNK:
        yield 0, split(text)
        return
    start = 0
    while start < length:
        stop = start + _CHUNK
        if stop < length:
            found = non_word(text, stop)
            stop = length if found is None else found.start()
        yield start, split(text[start:stop])
        start = stop


def _stretches_by_slot(
    text: str, rulebook: Rulebook
) -> tuple[list[list[tuple[int, int]]], list[list[int]]]:
    """For each trigger and each reach its rules use (a slot, see Rulebook.stretch_slots):
    disjoint stretches of text around the words it matches, each extended to the end of the
    word it ends in: the engine takes the end of the scanned text for the end of the text, so
    "May" cut from "Mayor" would end at a word boundary; and for each anchor (see Rule.anchor):
    the starts of the words it matches, in text order.

    The text is split into words once; what a word does is cached per word, so the cost is one
    pass over the text whatever the number of rules. Stretches are merged as they are found,
    so a text of a million numbers keeps a few stretches, not a million words.
    """
    length = len(text)
    slots: list[list[tuple[int, int]]] = [[] for _ in range(rulebook.slot_count)]
    anchor_starts: list[list[int]] = [[] for _ in rulebook.anchors]
    cached_roles = rulebook.cached_roles
    # Where the text's words and non-words end, when the text is split at once (see
    # `_word_parts`): the end of the word a stretch ends in is looked up there.
    bounds: list[int] | None = None
    # The words and their cached roles are listed in C (map), a chunk at a time; Python only
    # loops over the few words that are triggers or anchors (and over all of them when some
    # are new to the cache).
    for offset, parts in _word_parts(text):
        words = parts[1::2]
        roles = list(map(cached_roles, words))
        if None in roles:
            role_of_word = rulebook.role_of_word
            for index, role in enumerate(roles):
                if role is None:
                    roles[index] = role_of_word(words[index])
        # starts_ends[2 * i + 1] is where word i starts, starts_ends[2 * i + 2] where it ends.
        starts_ends = list(itertools.accumulate(map(len, parts), initial=offset))
        if length <= _CHUNK:
            bounds = starts_ends
        for index in itertools.compress(range(len(roles)), roles):
            reaches, anchors = roles[index]
            word_start = starts_ends[2 * index + 1]
            for anchor in anchors:
                anchor_starts[anchor].append(word_start)
            if not reaches:  # an anchor only ("the")
                continue
            word_end = starts_ends[2 * index + 2]
            for slot, before, after in reaches:
                found = slots[slot]
                start = word_start - before
                if found:
                    last_start, end = found[-1]
                    # (end < length here: this word starts before the end of the text.)
                    if start > end and text[end] not in _NOT_WORD:
                        # The last stretch is complete and may end inside a word: to its end
                        # (`_word_end`, inlined).
                        if bounds is None:
                            end = _REST_OF_WORD.match(text, end).end()
                        else:
                            part_after = bisect_right(bounds, end)
                            if not part_after & 1:
                                end = bounds[part_after]
                        found[-1] = (last_start, end)
                    if start <= end:
                        found[-1] = (last_start, word_end + after)
                        continue
                elif start < 0:
                    start = 0
                found.append((start, word_end + after))
    for found in slots:
        if found:
            last_start, end = found[-1]
            if end >= length:
                found[-1] = (last_start, length)
            elif text[end] not in _NOT_WORD:
                found[-1] = (last_start, _word_end(text, end, bounds))
    return slots, anchor_starts


def _word_end(text: str, position: int, bounds: list[int] | None) -> int:
    """The end of the word `position` is in (`position` if none): found in `bounds`, the ends
    of the text's words and non-words (see `_word_parts`), when known."""
    if bounds is None:
        return _REST_OF_WORD.match(text, position).end()
    # bounds[after - 1] <= position < bounds[after]: inside part `after - 1`, a word when that
    # index is odd.
    after = bisect_right(bounds, position)
    return position if after & 1 else bounds[after]


def _to_word_ends(text: str, stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`stretches`, each extended to the end of the word it ends in (merged where they then
    meet): what `_stretches_by_slot` does to its stretches as it goes, in a pass of its own."""
    length = len(text)
    whole: list[tuple[int, int]] = []
    for start, end in stretches:
        start = max(0, start)
        if end >= length:
            end = length
        elif text[end] not in _NOT_WORD:  # most stretches end in a space: no regex needed
            end = _REST_OF_WORD.match(text, end).end()
        if whole and start <= whole[-1][1]:
            start, end = whole[-1][0], max(end, whole[-1][1])
            whole.pop()
        whole.append((start, end))
    return whole


def _intersection(
    first: list[tuple[int, int]], second: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The stretches covered by both lists of sorted, disjoint stretches (a linear merge)."""
    both: list[tuple[int, int]] = []
    if not first or not second:
        return both
    firsts, seconds = iter(first), iter(second)
    first_start, first_end = next(firsts)
    second_start, second_end = next(seconds)
    try:
        while True:
            start = first_start if first_start > second_start else second_start
            end = first_end if first_end < second_end else second_end
            if start < end:
                both.append((start, end))
            if first_end < second_end:
                first_start, first_end = next(firsts)
            else:
                second_start, second_end = next(seconds)
    except StopIteration:  # one list is used up: nothing more can overlap
        return both


# A match of a rule, before the overlap check: (start, end, rule, match); a plain tuple, as
# dense text has several per expression and most lose.
_Found = tuple[int, int, Rule, regex.Match[str]]


def _matches(text: str, rule: Rule, windows: list[tuple[int, int]], found: list[_Found]) -> None:
    """Append the matches of `rule` in `windows` to `found`."""
    finditer = rule.pattern.finditer
    append = found.append
    # pos/endpos keep the real text around a window visible to look-behind assertions.
    if rule.has_timex:
        for window_start, window_end in windows:
            for match in finditer(text, window_start, window_end):
                start, end = match.span("timex")
                if start < 0:
                    start, end = match.span()
                if start != end:
                    append((start, end, rule, match))
        return
    for window_start, window_end in windows:
        for match in finditer(text, window_start, window_end):
            start, end = match.span()
            if start != end:
                append((start, end, rule, match))


def _anchored_matches(
    text: str,
    rule: Rule,
    windows: list[tuple[int, int]],
    starts: list[int],
    found: list[_Found],
) -> None:
    """What `_matches` finds, for a rule whose matches all start at one of `starts`: the rule
    is tried there only. Like a scan, a match hides the starts it covers."""
    match_at = rule.pattern.match
    timex = rule.has_timex
    count = len(starts)
    index = 0
    covered = 0
    for window_start, window_end in windows:
        index = bisect.bisect_left(starts, window_start, index)
        while index < count and starts[index] < window_end:
            position = starts[index]
            index += 1
            if position < covered:
                continue
            # The window's end, as in the scan: the text beyond it is out of sight.
            match = match_at(text, position, window_end)
            if match is None:
                continue
            covered = match.end()
            if timex:
                start, end = match.span("timex")
                if start < 0:
                    start, end = match.span()
            else:
                start, end = match.span()
            if start != end:
                found.append((start, end, rule, match))


def _rank(found: _Found) -> tuple[int, int, int, int]:
    start, end, rule, _ = found
    return (start - end, -rule.priority, rule.order, start)


def _non_overlapping(candidates: list[_Found], length: int) -> list[_Found]:
    """The longest spans first (then the rule's priority, then the earlier rule), none
    overlapping a span chosen before, in text order."""
    # One byte per character of the text, set once a chosen span covers it: checking a span
    # costs its own length, so choosing among many candidates stays linear in the text.
    taken = bytearray(length)
    chosen: list[_Found] = []
    for candidate in sorted(candidates, key=_rank):
        start, end = candidate[0], candidate[1]
        if taken.find(1, start, end) >= 0:
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append(candidate)
    chosen.sort(key=_START)
    return chosen


def _attach_modifiers(
    text: str,
    candidates: list[Candidate],
    modifiers: tuple[Modifier, ...],
    any_modifier: regex.Pattern[str] | None = None,
) -> list[Candidate]:
    attached: list[Candidate] = []
    previous_end = 0
    for candidate in candidates:
        window_start = max(previous_end, candidate.start - _MODIFIER_WINDOW)
        before = text[window_start : candidate.start]
        if any_modifier is not None and any_modifier.search(before) is None:
            attached.append(candidate)
            previous_end = candidate.end
            continue
        for modifier in modifiers:
            if candidate.rule.timex_type not in modifier.applies_to or candidate.rule.mod:
                continue
            match = modifier.pattern.search(before)
            if match:
                start = window_start + match.start()
                candidate = replace(candidate, start=start, modifier=modifier)
                break
        attached.append(candidate)
        previous_end = candidate.end
    return attached


def extract(text: str, rulebook: Rulebook, use_triggers: bool = True) -> list[Candidate]:
    """All non-overlapping candidate expressions of `text`, in text order.

    `use_triggers=False` scans the whole text with every rule, at every position (no triggers,
    no anchors); it must give the same result (the tests check this) and only exists to prove
    that.
    """
    candidates: list[_Found] = []
    whole_text = [(0, len(text))]
    stretches, anchor_starts = _stretches_by_slot(text, rulebook) if use_triggers else ([], [])

    # Rules that share triggers share their stretches' overlap (the month rules all need a
    # month name and a number): computed once per text for each leading run of slots.
    overlaps: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for rule in rulebook.rules:
        windows = whole_text
        slots = rule.slots
        if use_triggers and slots:
            # Every match contains a word of each trigger, so it lies where all their
            # stretches overlap: "March 3" needs a month name and a number nearby.
            windows = stretches[slots[0]]
            for count in range(2, len(slots) + 1):
                if not windows:
                    break
                known = overlaps.get(slots[:count])
                if known is None:
                    known = _intersection(windows, stretches[slots[count - 1]])
                    overlaps[slots[:count]] = known
                windows = known
            if not windows:
                continue
        if use_triggers and rule.anchor is not None:
            _anchored_matches(text, rule, windows, anchor_starts[rule.anchor], candidates)
        else:
            _matches(text, rule, windows, candidates)
    chosen = [
        Candidate(start, end, rule, rule.value(match))
        for start, end, rule, match in _non_overlapping(candidates, len(text))
    ]
    return _attach_modifiers(text, chosen, rulebook.modifiers, rulebook.any_modifier)

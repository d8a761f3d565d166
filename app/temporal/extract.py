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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import regex

from app.temporal.rulebook import Modifier, Rule, Rulebook

_MODIFIER_WINDOW = 40  # characters before a span in which a modifier is looked for
_WORD_BATCH = 4096  # words looked up at a time
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
_GROUP = type(_WORD.match("a")).group
# The standard library splits words faster. Its \w differs from regex's for a few characters
# (combining marks, "²"), none of them ASCII: it splits ASCII texts only.
_ASCII_WORD = re.compile(r"\w+")
_ASCII_GROUP = re.Match.group
_REST_OF_WORD = regex.compile(r"\w*")
# Characters that end a word for certain (most stretches end in a space): no regex needed.
_NOT_WORD = frozenset(char for char in map(chr, range(128)) if not _WORD.match(char))


def _stretches_by_slot(
    text: str, rulebook: Rulebook
) -> tuple[list[list[tuple[int, int]]], list[list[int]]]:
    """For each trigger and each reach its rules use (a slot, see Rulebook.stretch_slots):
    disjoint stretches of text around the words it matches, not yet extended to word ends (see
    `_to_word_ends`); and for each anchor (see Rule.anchor): the starts of the words it
    matches, in text order.

    The text is split into words once; what a word does is cached per word, so the cost is one
    pass over the text whatever the number of rules. Stretches are merged as they are found,
    so a text of a million numbers keeps a few stretches, not a million words.
    """
    slots: list[list[tuple[int, int]]] = [[] for _ in range(rulebook.slot_count)]
    anchor_starts: list[list[int]] = [[] for _ in rulebook.anchors]
    # The words and their cached roles are listed in C (map), a batch at a time (a long text
    # is not held as a list); Python only loops over the few words that are triggers or
    # anchors (and over all of them when some are new to the cache).
    found_words, group = _words(text)
    while words := list(itertools.islice(found_words, _WORD_BATCH)):
        roles = list(map(rulebook.cached_roles, map(group, words)))
        if None in roles:
            role_of_word = rulebook.role_of_word
            for index, role in enumerate(roles):
                if role is None:
                    roles[index] = role_of_word(words[index].group())
        for index in itertools.compress(range(len(roles)), roles):
            reaches, anchors = roles[index]
            word_start, word_end = words[index].span()
            for anchor in anchors:
                anchor_starts[anchor].append(word_start)
            for slot, before, after in reaches:
                found = slots[slot]
                start, end = word_start - before, word_end + after
                if found and start <= found[-1][1]:
                    found[-1] = (found[-1][0], end)
                else:
                    found.append((start, end))
    return slots, anchor_starts


def _words(text: str) -> tuple[Iterator[Any], Callable[[Any], str]]:
    """The `\\w+` words of `text` as regex finds them (match objects), and their `group`."""
    if text.isascii():
        return _ASCII_WORD.finditer(text), _ASCII_GROUP
    return _WORD.finditer(text), _GROUP


def _to_word_ends(text: str, stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`stretches`, each extended to the end of the word it ends in (merged where they then
    meet): the engine takes the end of the scanned text for the end of the text, so "May" cut
    from "Mayor" would end at a word boundary."""
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
    timex = "timex" in rule.pattern.groupindex
    # pos/endpos keep the real text around a window visible to look-behind assertions.
    for window_start, window_end in windows:
        for match in finditer(text, window_start, window_end):
            if timex and match.start("timex") >= 0:
                start, end = match.span("timex")
            else:
                start, end = match.span()
            if start != end:
                found.append((start, end, rule, match))


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
    timex = "timex" in rule.pattern.groupindex
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
            if timex and match.start("timex") >= 0:
                start, end = match.span("timex")
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
    # Extended to word ends on first use: the rules of many slots never run (their other
    # triggers are not near).
    whole_words: list[list[tuple[int, int]] | None] = [None] * len(stretches)

    def slot_stretches(slot: int) -> list[tuple[int, int]]:
        found = whole_words[slot]
        if found is None:
            found = whole_words[slot] = _to_word_ends(text, stretches[slot])
        return found

    # Rules that share triggers share their stretches' overlap (the month rules all need a
    # month name and a number): computed once per text for each leading run of slots.
    overlaps: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for rule in rulebook.rules:
        windows = whole_text
        if use_triggers and rule.slots:
            # Every match contains a word of each trigger, so it lies where all their
            # stretches overlap: "March 3" needs a month name and a number nearby.
            windows = slot_stretches(rule.slots[0])
            for count in range(2, len(rule.slots) + 1):
                if not windows:
                    break
                known = overlaps.get(rule.slots[:count])
                if known is None:
                    known = _intersection(windows, slot_stretches(rule.slots[count - 1]))
                    overlaps[rule.slots[:count]] = known
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

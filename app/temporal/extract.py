"""Finds temporal expressions in text: spans plus an underspecified value, nothing resolved.

Every rule of the language runs over the text near its trigger words (the whole text when it
has none); overlapping matches are settled by preferring the longest span, then the rule's
priority, then the earlier rule in rules.yaml.
A rule may mark the TIMEX3 extent with a named group `timex` (so that a signal word such as
"in" can be required by the pattern yet stay outside the span); otherwise the whole match is
the span. Modifiers ("early", "almost", "mid-") then extend a chosen span to the left.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import regex

from app.temporal.rulebook import Modifier, Rule, Rulebook

_MODIFIER_WINDOW = 40  # characters before a span in which a modifier is looked for


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span a rule matched, with the rule's underspecified value for it.

    The value is rendered only for the candidates that survive the overlap check (`match` is
    kept until then): dense text has several candidates per expression.
    """

    start: int
    end: int
    rule: Rule
    underspecified: str
    modifier: Modifier | None = None
    match: regex.Match[str] | None = field(default=None, compare=False, repr=False)


_WORD = regex.compile(r"\w+")
_REST_OF_WORD = regex.compile(r"\w*")


def _stretches_by_slot(text: str, rulebook: Rulebook) -> list[list[tuple[int, int]]]:
    """For each trigger and each reach its rules use (a slot, see Rulebook.stretch_slots):
    disjoint stretches of text around the words it matches.

    The text is split into words once; whether a word is a trigger is cached per word, so the
    cost is one pass over the text whatever the number of rules. Stretches are merged as they
    are found, so a text of a million numbers keeps a few stretches, not a million words.
    """
    slots_of_trigger = rulebook.stretch_slots
    slots: list[list[tuple[int, int]]] = [[] for _ in range(rulebook.slot_count)]
    known = rulebook.triggers_of_word
    for word in _WORD.finditer(text):
        triggers = known(word.group())
        if not triggers:  # most words: one cached lookup and nothing else
            continue
        word_start, word_end = word.span()
        for trigger in triggers:
            for slot, before, after in slots_of_trigger[trigger]:
                found = slots[slot]
                start, end = word_start - before, word_end + after
                if found and start <= found[-1][1]:
                    found[-1] = (found[-1][0], end)
                else:
                    found.append((start, end))
    return [_to_word_ends(text, found) if found else found for found in slots]


def _to_word_ends(text: str, stretches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`stretches`, each extended to the end of the word it ends in (merged where they then
    meet): the engine takes the end of the scanned text for the end of the text, so "May" cut
    from "Mayor" would end at a word boundary."""
    length = len(text)
    whole: list[tuple[int, int]] = []
    for start, end in stretches:
        start = max(0, start)
        end = _REST_OF_WORD.match(text, end).end() if end < length else length
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
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            both.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return both


def _matches(text: str, rule: Rule, windows: list[tuple[int, int]]) -> list[Candidate]:
    found = []
    # pos/endpos keep the real text around a window visible to look-behind assertions.
    matches = itertools.chain.from_iterable(
        rule.pattern.finditer(text, start, end) for start, end in windows
    )
    for match in matches:
        if "timex" in rule.pattern.groupindex and match.start("timex") >= 0:
            start, end = match.span("timex")
        else:
            start, end = match.span()
        if start == end:
            continue
        found.append(Candidate(start, end, rule, "", match=match))
    return found


def _non_overlapping(candidates: list[Candidate], length: int) -> list[Candidate]:
    ranked = sorted(
        candidates,
        key=lambda c: (-(c.end - c.start), -c.rule.priority, c.rule.order, c.start),
    )
    # One byte per character of the text, set once a chosen span covers it: checking a span
    # costs its own length, so choosing among many candidates stays linear in the text.
    taken = bytearray(length)
    chosen: list[Candidate] = []
    for candidate in ranked:
        if taken.find(1, candidate.start, candidate.end) >= 0:
            continue
        taken[candidate.start : candidate.end] = b"\x01" * (candidate.end - candidate.start)
        chosen.append(candidate)
    chosen.sort(key=lambda c: c.start)
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

    `use_triggers=False` scans the whole text with every rule; it must give the same result
    (the tests check this) and only exists to prove that.
    """
    candidates: list[Candidate] = []
    whole_text = [(0, len(text))]
    stretches = _stretches_by_slot(text, rulebook) if use_triggers else []
    for rule in rulebook.rules:
        windows = whole_text
        if use_triggers and rule.slots:
            # Every match contains a word of each trigger, so it lies where all their
            # stretches overlap: "March 3" needs a month name and a number nearby.
            windows = stretches[rule.slots[0]]
            for slot in rule.slots[1:]:
                if not windows:
                    break
                windows = _intersection(windows, stretches[slot])
        if windows:
            candidates.extend(_matches(text, rule, windows))
    chosen = [
        replace(candidate, underspecified=candidate.rule.value(candidate.match), match=None)
        for candidate in _non_overlapping(candidates, len(text))
    ]
    return _attach_modifiers(text, chosen, rulebook.modifiers, rulebook.any_modifier)

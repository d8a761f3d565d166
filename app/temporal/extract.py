"""Finds temporal expressions in text: spans plus an underspecified value, nothing resolved.

Every rule of the language runs over the whole text; overlapping matches are settled by
preferring the longest span, then the rule's priority, then the earlier rule in rules.yaml.
A rule may mark the TIMEX3 extent with a named group `timex` (so that a signal word such as
"in" can be required by the pattern yet stay outside the span); otherwise the whole match is
the span. Modifiers ("early", "almost", "mid-") then extend a chosen span to the left.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, replace

import regex

from app.temporal.rulebook import Modifier, Rule, Rulebook

_MODIFIER_WINDOW = 40  # characters before a span in which a modifier is looked for
# A rule with a trigger only runs near the trigger's occurrences: this much text before and
# after each one (far more than any match and its look-around context needs).
_REACH_BEFORE = 64
_REACH_AFTER = 96


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span a rule matched, with the rule's underspecified value for it."""

    start: int
    end: int
    rule: Rule
    underspecified: str
    modifier: Modifier | None = None


_WORD = regex.compile(r"\w+")


def _windows_by_trigger(text: str, rulebook: Rulebook) -> dict[int, list[tuple[int, int]]]:
    """For each trigger: disjoint stretches of text around the words it matches.

    The text is split into words once; whether a word is a trigger is cached per word, so the
    cost is one pass over the text whatever the number of rules.
    """
    windows: dict[int, list[tuple[int, int]]] = {}
    length = len(text)
    for word in _WORD.finditer(text):
        for trigger in rulebook.triggers_of_word(word.group()):
            start = max(0, word.start() - _REACH_BEFORE)
            end = min(length, word.end() + _REACH_AFTER)
            stretches = windows.setdefault(trigger, [])
            if stretches and start <= stretches[-1][1]:
                stretches[-1] = (stretches[-1][0], end)
            else:
                stretches.append((start, end))
    return windows


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
        found.append(Candidate(start, end, rule, rule.value(match)))
    return found


def _non_overlapping(candidates: list[Candidate]) -> list[Candidate]:
    ranked = sorted(
        candidates,
        key=lambda c: (-(c.end - c.start), -c.rule.priority, c.rule.order, c.start),
    )
    starts: list[int] = []  # accepted spans, kept sorted by start
    ends: list[int] = []
    chosen: list[Candidate] = []
    for candidate in ranked:
        index = bisect.bisect_left(starts, candidate.start)
        if index > 0 and ends[index - 1] > candidate.start:
            continue
        if index < len(starts) and starts[index] < candidate.end:
            continue
        starts.insert(index, candidate.start)
        ends.insert(index, candidate.end)
        chosen.append(candidate)
    chosen.sort(key=lambda c: c.start)
    return chosen


def _attach_modifiers(
    text: str, candidates: list[Candidate], modifiers: tuple[Modifier, ...]
) -> list[Candidate]:
    attached: list[Candidate] = []
    previous_end = 0
    for candidate in candidates:
        window_start = max(previous_end, candidate.start - _MODIFIER_WINDOW)
        before = text[window_start : candidate.start]
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
    windows_by_trigger = _windows_by_trigger(text, rulebook) if use_triggers else {}
    for rule in rulebook.rules:
        windows = whole_text
        if use_triggers and rule.trigger is not None:
            windows = windows_by_trigger.get(rule.trigger, [])
        candidates.extend(_matches(text, rule, windows))
    return _attach_modifiers(text, _non_overlapping(candidates), rulebook.modifiers)

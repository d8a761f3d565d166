"""Loads one language's rule files and compiles them once (cached per language).

A language is a folder `rules/<language>/` with four YAML files, in the spirit of HeidelTime's
resources (repattern / normalization / rules):

- `patterns.yaml`: named regex fragments (`%reMonth`); a fragment is either a regex string or
  `{table: <name>}`, meaning "any key of that normalization table" (longest key first).
  `case: title` restricts a table fragment to Title-case and UPPER-case spellings, which keeps
  "may" (modal), "march" (verb) and "sun" from being read as dates.
- `normalization.yaml`: tables `word -> value` used by value templates.
- `rules.yaml`: `rules` (one temporal-expression pattern each) and `modifiers` (words such as
  "early", "almost" that extend an expression to the left and set its TIMEX3 mod).
- `tense.yaml`: cue patterns that mark a sentence as past or future, and the abbreviations
  after which a full stop ends no sentence (`not_sentence_end`).

A rule's `value` is an *underspecified* TIMEX3 value (see resolve.py for the grammar) in which
`{group}` is replaced by the text of a named group and `{group:normalizer}` by that text passed
through a normalization table or one of the built-in normalizers below.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import regex
import yaml

from app.temporal.errors import RulebookError
from app.temporal.model import TIMEX_TYPES
from app.temporal.tense import (
    DeadlineSignal,
    TenseLexicon,
    phrase_source,
    sentence_end_pattern,
    split_alternatives,
)

RULES_ROOT = Path(__file__).parent / "rules"
FLAGS = regex.IGNORECASE | regex.VERSION0
_FRAGMENT_REFERENCE = regex.compile(r"%(re[A-Za-z0-9]+)")
_TEMPLATE_SLOT = regex.compile(r"\{(?P<group>[a-z_0-9]+)(?::(?P<normalizer>[a-z_0-9]+))?\}")
# Patterns the normalizers use, compiled once (they run for every match).
_DIGITS = regex.compile(r"\d+")
_ORDINAL_DIGITS = regex.compile(r"(\d+)(?:st|nd|rd|th)")
_DECIMAL = regex.compile(r"\d+\.\d+")
_HALF = regex.compile(r"(\d+) 1/2")
_LATER_PART_OF_DAY = regex.compile(r"\b(?:afternoon|evening|night|tonight)\b", regex.IGNORECASE)
_WORD_SEPARATOR = regex.compile(r"[\s-]+")
_WHITESPACE = regex.compile(r"\s+")
# "0500" (wire copy's GMT times) as well as "5", "5:00", "17.30", "5h30".
_CLOCK = regex.compile(r"(\d{1,2})(?:[:.h]?(\d\d))?\s*([ap])?")
_MAX_FRAGMENT_DEPTH = 8
# A rule's default reach around its trigger words: far more than most matches and their
# look-around context need (a rule with long matches or look-aheads may declare its own).
DEFAULT_REACH = (64, 96)
_WORD_CACHE_SIZE = 200_000
_RENDER_CACHE_SIZE = 10_000  # per rule
_ROLE_GROUP_SIZE = 8
DATE_ORDERS = (None, "day_first", "month_first", "either")
CALENDAR_MODES = (
    "period",
    "up_to_reference",
    "since_to_reference",
    "trailing",
    "leading",
    "landing",
    "none",
)

Normalizer = Callable[[str], str]
# What a word does for extraction (see Rulebook.role_of_word).
WordRole = tuple[tuple[tuple[int, int, int], ...], tuple[int, ...]] | tuple[()]


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled extraction rule. `order` is its position in rules.yaml (earlier wins ties)."""

    name: str
    pattern: regex.Pattern[str]
    timex_type: str
    value: Callable[[regex.Match[str]], str]
    confidence: float
    priority: int
    mod: str | None
    calendar: str
    order: int
    source_pattern: str
    # Indexes into Rulebook.triggers: the rule runs only where a word of each is near; () = the
    # rule scans the whole text.
    triggers: tuple[int, ...]
    # How far (characters) a match, and the text its look-aheads read, may reach before the
    # start and after the end of a trigger word: the stretch of text the rule scans around it.
    reach: tuple[int, int] = DEFAULT_REACH
    # For each trigger: the index of its stretches at this reach (Rulebook.stretch_slots).
    slots: tuple[int, ...] = ()
    # Index into Rulebook.anchors, or None: every match starts at the start of a word that
    # anchor matches (as a trigger does, the whole `\w+` token), so inside its stretches the
    # rule is tried at those words only instead of at every position.
    anchor: int | None = None
    # How the rule orders a date's day and month: "day_first" ("28 March", "15/01/2025"),
    # "month_first" ("March 28"), "either" (3/11/2025: month first unless the text writes its
    # dates day first; engine), or None.
    date_order: str | None = None
    # Whether the pattern has the group `timex` (see extract.py); set from the pattern.
    has_timex: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "has_timex", "timex" in self.pattern.groupindex)


@dataclass(frozen=True, slots=True)
class Modifier:
    """A word in front of an expression that sets its mod ("early 2024", "almost a year")."""

    name: str
    pattern: regex.Pattern[str]  # anchored at the end of the text that precedes the expression
    mod: str
    applies_to: frozenset[str]
    narrows: bool  # early/mid/late narrow the calendar interval to its first/middle/last third


@dataclass(frozen=True, slots=True)
class Rulebook:
    """Everything one language needs: compiled rules, modifiers and tense cues."""

    language: str
    rules: tuple[Rule, ...]
    modifiers: tuple[Modifier, ...]
    tense_cues: regex.Pattern[str]  # groups `future` and `past`: the reference definition
    tense_lexicon: TenseLexicon  # the same cues, matched word by word (what the engine uses)
    triggers: tuple[regex.Pattern[str], ...]  # each must match a whole word (see Rule.triggers)
    # Matches where any modifier does: one search rules out all of them for most expressions.
    any_modifier: regex.Pattern[str] | None = None
    # For each trigger: (slot, before, after) for each reach of the rules that use it; a slot
    # holds the stretches of text around the trigger's words at that reach (see Rule.slots).
    stretch_slots: tuple[tuple[tuple[int, int, int], ...], ...] = ()
    slot_count: int = 0
    # Each must match a whole word, like a trigger (see Rule.anchor).
    anchors: tuple[regex.Pattern[str], ...] = ()
    # Fully matches every word that some trigger or anchor fully matches; and the same for
    # groups of them: (pattern, indexes of its triggers, indexes of its anchors).
    any_role: regex.Pattern[str] | None = None
    role_groups: tuple[tuple[regex.Pattern[str], tuple[int, ...], tuple[int, ...]], ...] = ()
    # Marks a period named on a calendar of its own ("fiscal"): patterns.yaml, reOwnCalendar.
    own_calendar: regex.Pattern[str] | None = None
    # Introduces a list of dates still to come: reScheduleIntro.
    schedule_intro: regex.Pattern[str] | None = None
    # Matches a whole results period of months that is no quarter: reMonthsPeriod.
    months_period: regex.Pattern[str] | None = None
    # Ends the text before a year-less day that refers back to a known day: reKnownDayAgain.
    known_day_again: regex.Pattern[str] | None = None
    # Finds a zone other than the text's own in a clock time: reOtherClockZone.
    other_clock_zone: regex.Pattern[str] | None = None
    # The zone text reOtherClockZone found -> an IANA zone, or "X" if unknown: table clock_zone.
    clock_zone: Normalizer | None = None
    # Ends the text before a weekday that dates a report: reReportedOn.
    reported_on: regex.Pattern[str] | None = None
    # Ends the text before a year that is part of a name: reNamedYearBefore.
    named_year_before: regex.Pattern[str] | None = None
    _word_cache: dict[str, WordRole] = field(default_factory=dict, compare=False)

    @property
    def cached_roles(self) -> Callable[[str], WordRole | None]:
        """word -> `role_of_word(word)` if cached, else None: a plain dictionary lookup, cheap
        enough to map over every word of a text."""
        return self._word_cache.get

    def triggers_of_word(self, word: str) -> tuple[int, ...]:
        """Indexes of the triggers that `word` (one `\\w+` token, as written) matches."""
        return tuple(
            index for index, trigger in enumerate(self.triggers) if trigger.fullmatch(word)
        )

    def role_of_word(self, word: str) -> WordRole:
        """What `word` (one `\\w+` token, as written) does for extraction, cached per word:
        () for most words, else ((slot, before, after) for each stretch it opens (see
        stretch_slots), indexes of the anchors it matches)."""
        known = self._word_cache.get(word)
        if known is None:
            if len(self._word_cache) >= _WORD_CACHE_SIZE:
                self._word_cache.clear()  # a crude bound; words repeat, so it refills quickly
            known = ()
            # One search rules out every trigger and anchor for most new words, one per group
            # most of the rest: a number is tried against the triggers of numbers only.
            if self.any_role is None or self.any_role.fullmatch(word) is not None:
                triggers: list[int] = []
                anchors: list[int] = []
                for group, group_triggers, group_anchors in self.role_groups:
                    if group.fullmatch(word) is None:
                        continue
                    triggers += (i for i in group_triggers if self.triggers[i].fullmatch(word))
                    anchors += (i for i in group_anchors if self.anchors[i].fullmatch(word))
                reaches = tuple(
                    reach for trigger in sorted(triggers) for reach in self.stretch_slots[trigger]
                )
                if reaches or anchors:
                    known = (reaches, tuple(sorted(anchors)))
            self._word_cache[word] = known
        return known


# libyaml's parser when PyYAML has it: the very data of `yaml.safe_load` (checked for every rule
# file), 95 ms less start-up for every process that resolves text.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _RuleFileLoader(_YAML_LOADER):  # type: ignore[misc,valid-type]
    """Refuses a key written twice in one mapping: YAML keeps the last, so a second table of
    the same name would silently replace the first (and a rule's value read the wrong one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise RulebookError(f"{node.start_mark}: {key!r} is written twice in this mapping")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_RuleFileLoader)  # noqa: S506 (a safe loader)


def _alternation(words: list[str]) -> str:
    # Longest first, so that "Sept" is tried before "Sep" and "twenty-one" before "twenty".
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    return "(?:" + "|".join(regex.escape(word) for word in ordered) + ")"


def _build_fragments(spec: Mapping[str, Any], tables: Mapping[str, Mapping[str, str]]) -> dict:
    fragments: dict[str, str] = {}
    for name, definition in spec.items():
        if isinstance(definition, str):
            fragments[name] = f"(?:{definition})"
            continue
        table = tables.get(definition.get("table", ""))
        if table is None:
            raise RulebookError(f"fragment {name}: unknown table {definition.get('table')!r}")
        words = [str(key) for key in table]
        if definition.get("case") == "title":
            spelled = [
                " ".join(part[:1].upper() + part[1:] for part in word.split(" ")) for word in words
            ]
            spelled += [word.upper() for word in words]
            # A look-ahead on the first letter lets the engine skip most positions at once.
            first = "".join(sorted({regex.escape(word[0]) for word in spelled}))
            fragments[name] = f"(?-i:(?=[{first}]){_alternation(spelled)})"
        else:
            fragments[name] = _alternation(words)
    # Fragments may reference each other; expand until no reference is left (no cycles allowed).
    for _ in range(_MAX_FRAGMENT_DEPTH):
        if not any(_FRAGMENT_REFERENCE.search(body) for body in fragments.values()):
            return fragments
        for name in fragments:
            fragments[name] = _expand_known(fragments[name], fragments)
    raise RulebookError("pattern fragments reference each other in a cycle")


@functools.lru_cache(maxsize=8)
def _reference(names: tuple[str, ...]) -> regex.Pattern[str]:
    """The pattern of a reference to one of the fragments `names`."""
    # A reference is the longest fragment name after "%", so "%reGapday" is %reGap + "day".
    longest_first = sorted(names, key=len, reverse=True)
    return regex.compile("%(" + "|".join(map(regex.escape, longest_first)) + ")")


def _expand(pattern: str, fragments: Mapping[str, str], owner: str) -> str:
    if "%" not in pattern:  # no reference to expand (nor an unknown one)
        return pattern
    expanded = _expand_known(pattern, fragments)
    unknown = _FRAGMENT_REFERENCE.search(expanded)
    if unknown:
        raise RulebookError(f"{owner}: unknown fragment %{unknown.group(1)}")
    return expanded


def _expand_known(pattern: str, fragments: Mapping[str, str]) -> str:
    if "%" not in pattern:
        return pattern
    return _reference(tuple(fragments)).sub(lambda match: fragments[match.group(1)], pattern)


def _builtin_normalizers(tables: Mapping[str, Mapping[str, str]]) -> dict[str, Normalizer]:
    number_words = tables.get("number", {})

    def number(text: str) -> str:
        """Digits ("1,300", "2.5") or number words ("twenty-five", "a", "several" -> X)."""
        cleaned = _WHITESPACE.sub(" ", text.lower().replace(",", "").strip())
        if cleaned in number_words:  # a phrase of its own: "a couple of", "a few"
            value = number_words[cleaned]
            return value if value == "X" else str(int(value))
        if fraction := _HALF.fullmatch(cleaned):
            return f"{int(fraction.group(1))}.5"
        if _DIGITS.fullmatch(cleaned):
            return str(int(cleaned))
        if _DECIMAL.fullmatch(cleaned):
            return cleaned
        total = 0
        for part in _WORD_SEPARATOR.split(cleaned):
            value = number_words.get(part)
            if value is None:
                return "X"
            if value == "X":
                return "X"
            total += int(value)
        return str(total)

    ordinal_words = tables.get("ordinal_word", {})

    def ordinal_number(text: str) -> str:
        """ "20th" -> "20", "third" -> "3", "twenty-fifth" -> "25" (X when unknown)."""
        cleaned = _WHITESPACE.sub(" ", text.lower().strip())
        if digits := _ORDINAL_DIGITS.fullmatch(cleaned):
            return str(int(digits.group(1)))
        *tens, last = _WORD_SEPARATOR.split(cleaned)
        value = ordinal_words.get(last)
        if value is None or any(number_words.get(part, "X") == "X" for part in tens):
            return "X"
        return str(int(value) + sum(int(number_words[part]) for part in tens))

    def two_digits(text: str) -> str:
        return f"{int(text):02d}"

    def four_digit_year(text: str) -> str:
        digits = text.lstrip("'’")
        if len(digits) == 2:
            # A two-digit year in news is this century up to '30, the last one otherwise.
            return f"{2000 + int(digits)}" if int(digits) <= 30 else f"{1900 + int(digits)}"
        return digits

    def clock24(text: str) -> str:
        """ "2 p.m." -> "14:00", "10:35 a.m." -> "10:35", "14.30" -> "14:30"."""
        if text.lower() in ("noon", "midday"):
            return "12:00"
        if text.lower() == "midnight":
            return "24:00"  # TIMEX3 writes the midnight that ends a day as T24:00
        match = _CLOCK.match(text.lower())
        if match is None:
            return "XX:XX"
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        afternoon = _LATER_PART_OF_DAY.search(text) is not None  # "8 in the evening"
        if (match.group(3) == "p" or afternoon) and hour < 12:
            hour += 12
        elif match.group(3) == "a" and hour == 12:
            hour = 0
        return f"{hour:02d}:{minute:02d}"

    def year_after_2000(text: str) -> str:
        """ "" -> "2000", "five" -> "2005", "twenty-one" -> "2021" ("two thousand and five")."""
        count = number(text) if text else "0"
        return "XXXX" if count == "X" else f"{2000 + int(count):04d}"

    def years_in_months(text: str) -> str:
        """ "eleven" (years) -> "132" (months); X when the count is unknown."""
        count = number(text)
        return "X" if count == "X" or "." in count else str(int(count) * 12)

    def century_index(text: str) -> str:
        """ "20th" century -> "19" (TIMEX3 names a century by its first two digits)."""
        return f"{int(text) - 1:02d}"

    return {
        "clock24": clock24,
        "century_index": century_index,
        "years_in_months": years_in_months,
        "year_after_2000": year_after_2000,
        "number": number,
        "ordinal_number": ordinal_number,
        "int2": two_digits,
        "year": four_digit_year,
        "lower": str.lower,
    }


def _compile_template(
    template: str, rule_name: str, normalizers: Mapping[str, Normalizer], groups: set[str]
) -> Callable[[regex.Match[str]], str]:
    pieces: list[str | tuple[str, Normalizer | None]] = []
    position = 0
    for slot in _TEMPLATE_SLOT.finditer(template):
        pieces.append(template[position : slot.start()])
        group, normalizer_name = slot["group"], slot["normalizer"]
        if group not in groups:
            raise RulebookError(f"rule {rule_name}: template uses unknown group {group!r}")
        normalizer = None
        if normalizer_name is not None:
            if normalizer_name not in normalizers:
                raise RulebookError(f"rule {rule_name}: unknown normalizer {normalizer_name!r}")
            normalizer = normalizers[normalizer_name]
        pieces.append((group, normalizer))
        position = slot.end()
    pieces.append(template[position:])

    def render_groups(texts: tuple[str | None, ...]) -> str:
        out: list[str] = []
        slots = iter(texts)
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            normalizer = piece[1]
            text = next(slots) or ""
            out.append(normalizer(text) if normalizer else text)
        return "".join(out)

    used = tuple(piece[0] for piece in pieces if not isinstance(piece, str))
    if not used:
        constant = render_groups(())
        return lambda match: constant
    # The value depends on the groups' text only, and texts repeat ("Monday", "March"): each
    # rule remembers what it rendered.
    rendered: dict[tuple[str | None, ...], str] = {}

    def render(match: regex.Match[str]) -> str:
        texts = match.group(*used) if len(used) > 1 else (match.group(used[0]),)
        value = rendered.get(texts)
        if value is None:
            if len(rendered) >= _RENDER_CACHE_SIZE:
                rendered.clear()  # a crude bound, as for the word caches
            value = rendered[texts] = render_groups(texts)
        return value

    return render


def _table_normalizer(table: Mapping[str, str]) -> Normalizer:
    lowered = {str(key).lower(): str(value) for key, value in table.items()}

    def normalize(text: str) -> str:
        key = _WHITESPACE.sub(" ", text.lower()).rstrip(".")
        return lowered.get(key, lowered.get(key + ".", "X"))

    return normalize


def _compile_regex(pattern: str, owner: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, FLAGS)
    except regex.error as error:
        raise RulebookError(f"{owner}: bad regex: {error}") from error


def _compile_rule(
    index: int,
    spec: Mapping[str, Any],
    fragments: Mapping[str, str],
    normalizers: Mapping,
    triggers: dict[str, int],
    anchors: dict[str, int],
) -> Rule:
    name = spec["name"]
    pattern = _compile_regex(_expand(spec["pattern"], fragments, name), f"rule {name}")
    timex_type = spec["type"]
    if timex_type not in TIMEX_TYPES:
        raise RulebookError(f"rule {name}: unknown TIMEX3 type {timex_type!r}")
    calendar = spec.get("calendar", "period")
    if calendar not in CALENDAR_MODES:
        raise RulebookError(f"rule {name}: unknown calendar mode {calendar!r}")
    sources = spec.get("trigger", [])
    # Identical triggers share one index, so each is looked up only once per word.
    rule_triggers = tuple(
        triggers.setdefault(_expand(source, fragments, name), len(triggers))
        for source in ([sources] if isinstance(sources, str) else sources)
    )
    anchor = spec.get("anchor")
    if anchor is not None:
        anchor = anchors.setdefault(_expand(anchor, fragments, name), len(anchors))
    value = _compile_template(str(spec["value"]), name, normalizers, set(pattern.groupindex))
    date_order = spec.get("date_order")
    if date_order not in DATE_ORDERS:
        raise RulebookError(f"rule {name}: unknown date_order {date_order!r}")
    reach = tuple(spec.get("reach", DEFAULT_REACH))
    if len(reach) != 2 or not all(isinstance(n, int) and n >= 0 for n in reach):
        raise RulebookError(f"rule {name}: reach must be [before, after] in characters")
    return Rule(
        name=name,
        pattern=pattern,
        timex_type=timex_type,
        value=value,
        confidence=float(spec.get("confidence", 0.8)),
        priority=int(spec.get("priority", 0)),
        mod=spec.get("mod"),
        calendar=calendar,
        order=index,
        source_pattern=spec["pattern"],
        triggers=rule_triggers,
        reach=reach,
        date_order=date_order,
        anchor=anchor,
    )


def _compile_modifier(spec: Mapping[str, Any], fragments: Mapping[str, str]) -> Modifier:
    name = spec["name"]
    body = _expand(spec["pattern"], fragments, name)
    # Anchored at the end of the preceding text: the modifier must touch the expression.
    pattern = _compile_regex(rf"(?<![\w-])(?:{body})[\s-]{{0,2}}\Z", f"modifier {name}")
    return Modifier(
        name=name,
        pattern=pattern,
        mod=spec["mod"],
        applies_to=frozenset(spec.get("applies_to", ["DATE", "TIME"])),
        narrows=bool(spec.get("narrows", False)),
    )


def _compile_tense_cues(spec: Mapping[str, Any], fragments: Mapping[str, str]) -> regex.Pattern:
    future = "|".join(f"(?:{cue})" for cue in spec["future"])
    past = "|".join(f"(?:{cue})" for cue in spec["past"])
    neutral = "|".join(f"(?:{cue})" for cue in spec.get("neutral", ())) or "(?!)"
    # Future first: "expected to" must win over the past participle "expected". A neutral
    # phrase ("the proposed") is matched like a cue so that the words inside it are none.
    source = rf"\b(?:(?P<future>{future})|(?P<past>{past})|(?P<neutral>{neutral}))\b"
    return _compile_regex(_expand(source, fragments, "tense"), "tense cues")


def _compile_tense_lexicon(spec: Mapping[str, Any], fragments: Mapping[str, str]) -> TenseLexicon:
    words: dict[str, str] = {}
    word_patterns: list[tuple[regex.Pattern[str], str]] = []
    phrases: dict[str, list[str]] = {"future": [], "past": [], "neutral": []}
    for cue in spec.get("neutral", ()):
        # A neutral phrase is never a one-word cue: it only hides the words inside it.
        phrases["neutral"] += split_alternatives(_expand(cue, fragments, "tense"))
    for tense in ("future", "past"):
        for cue in spec[tense]:
            for alternative in split_alternatives(_expand(cue, fragments, "tense")):
                plain = alternative.replace("['’]", "'")
                if regex.fullmatch(r"'?[a-z]+", plain):
                    words.setdefault(plain, tense)  # the future list comes first and wins
                elif regex.search(r"\s|\\s|\[ |\\u00a0|\\t|\['", alternative):
                    phrases[tense].append(alternative)
                else:
                    word_patterns.append((_compile_regex(alternative, "tense cue"), tense))
    source = phrase_source(phrases["future"], phrases["past"], phrases["neutral"])
    deadline = spec.get("deadline") or {}
    signals = tuple(
        DeadlineSignal(
            _compile_regex(
                _expand(rf"\b(?:{entry['signal']})%reGap$", fragments, "tense"), "deadline signal"
            ),
            _compile_regex(_expand(rf"\b(?:{entry['needs']})\b", fragments, "tense"), "deadline")
            if entry.get("needs")
            else None,
        )
        for entry in deadline.get("signals", ())
    )
    unless = deadline.get("unless")
    not_sentence_end = spec.get("not_sentence_end") or ""
    try:
        sentence_end = sentence_end_pattern(not_sentence_end)
    except regex.error as error:
        raise RulebookError(f"tense not_sentence_end: bad regex: {error}") from error
    return TenseLexicon(
        words,
        tuple(word_patterns),
        _compile_regex(source, "tense phrases"),
        phrase_alternatives=tuple(
            (
                _compile_regex(alternative, "tense phrase"),
                _compile_regex(phrase_source(**{tense: [alternative]}), "tense phrase"),
            )
            for tense in ("future", "past", "neutral")
            for alternative in phrases[tense]
        ),
        deadlines=signals,
        any_deadline=_compile_regex(
            "|".join(f"(?:{signal.signal.pattern})" for signal in signals) or "(?!)",
            "deadline signals",
        ),
        deadline_unless=_compile_regex(
            _expand(rf"\b(?:{unless})\b", fragments, "tense"), "deadline exception"
        )
        if unless
        else None,
        sentence_end=sentence_end,
    )


def _any_word_of(patterns: Iterable[regex.Pattern[str]], owner: str) -> regex.Pattern[str]:
    """A pattern that fully matches what any of `patterns` fully matches."""
    return _compile_regex("|".join(f"(?:{word.pattern})" for word in patterns) or "(?!)", owner)


def _role_groups(
    triggers: tuple[regex.Pattern[str], ...], anchors: tuple[regex.Pattern[str], ...]
) -> tuple[tuple[regex.Pattern[str], tuple[int, ...], tuple[int, ...]], ...]:
    """Triggers and anchors in small groups, each with one pattern for all (see role_of_word);
    those of numbers apart, as numbers are the most frequent words that match any."""
    members = [("trigger", index, word) for index, word in enumerate(triggers)]
    members += [("anchor", index, word) for index, word in enumerate(anchors)]
    members.sort(key=lambda member: "\\d" not in member[2].pattern)
    groups = []
    for first in range(0, len(members), _ROLE_GROUP_SIZE):
        group = members[first : first + _ROLE_GROUP_SIZE]
        groups.append(
            (
                _any_word_of((word for _, _, word in group), "trigger group"),
                tuple(index for kind, index, _ in group if kind == "trigger"),
                tuple(index for kind, index, _ in group if kind == "anchor"),
            )
        )
    return tuple(groups)


def _optional_pattern(fragments: Mapping[str, str], name: str) -> regex.Pattern[str] | None:
    """A fragment the engine reads itself (not through a rule), if the language defines it."""
    return _compile_regex(fragments[name], name) if name in fragments else None


@functools.cache
def load_rulebook(language: str = "en") -> Rulebook:
    """Read and compile `rules/<language>/`; compiled once per language and process."""
    folder = RULES_ROOT / language
    if not regex.fullmatch(r"[a-z]{2,3}", language) or not folder.is_dir():
        raise ValueError(f"no temporal rules for language {language!r}")
    tables = _read_yaml(folder / "normalization.yaml")
    fragments = _build_fragments(_read_yaml(folder / "patterns.yaml"), tables)
    normalizers: dict[str, Normalizer] = {
        name: _table_normalizer(table) for name, table in tables.items()
    }
    normalizers.update(_builtin_normalizers(tables))
    rule_file = _read_yaml(folder / "rules.yaml")
    trigger_sources: dict[str, int] = {}
    anchor_sources: dict[str, int] = {}
    rules = tuple(
        _compile_rule(index, spec, fragments, normalizers, trigger_sources, anchor_sources)
        for index, spec in enumerate(rule_file["rules"])
    )
    triggers = tuple(
        _compile_regex(source, "trigger")
        for source, _ in sorted(trigger_sources.items(), key=lambda item: item[1])
    )
    anchors = tuple(
        _compile_regex(source, "anchor")
        for source, _ in sorted(anchor_sources.items(), key=lambda item: item[1])
    )
    names = [rule.name for rule in rules]
    if len(names) != len(set(names)):
        raise RulebookError(f"{language}: duplicate rule names")
    modifiers = tuple(_compile_modifier(spec, fragments) for spec in rule_file["modifiers"])
    tense_spec = _read_yaml(folder / "tense.yaml")
    tense_cues = _compile_tense_cues(tense_spec, fragments)
    tense_lexicon = _compile_tense_lexicon(tense_spec, fragments)
    # Searched backwards ("(?r)"): every modifier is anchored at the end of the text before an
    # expression, so a backward search fails at once everywhere else.
    any_modifier = _compile_regex(
        "(?r)" + ("|".join(f"(?:{modifier.pattern.pattern})" for modifier in modifiers) or "(?!)"),
        "modifiers",
    )
    # One slot per trigger and reach in use: rules that share both scan the same stretches.
    slot_of: dict[tuple[int, tuple[int, int]], int] = {}
    rules = tuple(
        replace(
            rule,
            slots=tuple(
                slot_of.setdefault((trigger, rule.reach), len(slot_of)) for trigger in rule.triggers
            ),
        )
        for rule in rules
    )
    stretch_slots = tuple(
        tuple(
            (slot, reach[0], reach[1])
            for (trigger, reach), slot in slot_of.items()
            if trigger == index
        )
        for index in range(len(triggers))
    )
    return Rulebook(
        language,
        rules,
        modifiers,
        tense_cues,
        tense_lexicon,
        triggers,
        any_modifier,
        stretch_slots=stretch_slots,
        slot_count=len(slot_of),
        anchors=anchors,
        any_role=_any_word_of((*triggers, *anchors), "triggers and anchors"),
        role_groups=_role_groups(triggers, anchors),
        own_calendar=_optional_pattern(fragments, "reOwnCalendar"),
        months_period=_optional_pattern(fragments, "reMonthsPeriod"),
        schedule_intro=_optional_pattern(fragments, "reScheduleIntro"),
        known_day_again=_optional_pattern(fragments, "reKnownDayAgain"),
        other_clock_zone=_optional_pattern(fragments, "reOtherClockZone"),
        clock_zone=normalizers.get("clock_zone"),
        reported_on=_optional_pattern(fragments, "reReportedOn"),
        named_year_before=_optional_pattern(fragments, "reNamedYearBefore"),
    )

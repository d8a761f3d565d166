"""Event extraction: from a text and its resolved temporal expressions to dated timeline rows.

This module owns the decision of which sentences are events, which date phrase dates each one,
and how the event is titled, categorised and attributed. It is pure: no database, no I/O beyond
the language data it loads once (`data/<language>/grammar.yaml`, `categories.yaml`, and the
gazetteer's files).

The rules, in the order `extract_events` applies them:

1. **One event per dated sentence.** A sentence (see `sentences.py`) yields an event when it holds
   a *qualifying* date phrase: one that pins a calendar interval (`is_dated`), is a DATE, a TIME
   or a DURATION with an interval ("in the last five days"), is not a vague reference
   (PAST_REF/PRESENT_REF/FUTURE_REF) and has confidence >= 0.5. Bare durations ("a 30-day
   ceasefire"), sets ("every week") and vague references are not events.

2. **The date phrase that governs the main clause dates the event.** The extractor marks every
   token with the scope it sits in, without a parser, from clause openers in `grammar.yaml`
   (a capitalised first word opens one too: "When Trump and Putin spoke on 18 March, ..."):
   * *excluding* scopes — relative clauses ("which it had suspended earlier this month") and
     "since"/"until" clauses ("since Ukraine's incursion last August") — describe another event
     or a reference point; their dates never date this event. A "since"/"until" whose object
     is a bare date ends with it ("first talks since 2022 yesterday"), and a participle clause
     after a comma (", announced by Putin on 19 April,") excludes too;
   * *weak* scopes — "after", "before", "if", "although", ... — date the event only when the main
     clause has no date of its own, and lower its confidence;
   * the main clause and *neutral* scopes ("when", "while", "as") date it.
   A date used as an adjective ("under a 1974 disengagement agreement", "an Easter truce") dates
   its noun, not the clause: it dates the event only inside a past-tense subject ("The 2014 war
   killed ...").
   A reporting "that" ends a weak or neutral scope ("said after the meeting on Monday that he
   had begun ...": the reported clause is the content). A scope runs to the next comma,
   semicolon, colon or dash (not a dash inside a word: "Trump–Putin call"); a relative clause
   inside the subject ("The truce that began on Monday collapsed on Tuesday") also ends at its
   second finite verb. Among the phrases of the best tier, the one nearest the main verb wins (then
   the earlier one): "said on Wednesday that ..." is dated by "Wednesday", and a leading
   "Yesterday, ..." dates the clause it opens. In reported speech the reported clause is the
   event: a date of its own ("said on Wednesday that troops captured Sudzha on Tuesday") beats
   the date of the saying, which dates it otherwise.

3. **Narrative continuation (one hop).** A sentence with no date phrase of its own inherits the
   date of the sentence right before it when all of these hold: both are in the same paragraph;
   the previous sentence was dated by its own phrase to a single day; the sentence is not a
   quotation; its main verb is in the past tense ("Gerasimov reported ...", not "Moscow says
   ..."); and it names an actor. That is how "The Kremlin released footage of the meeting this
   evening (Wednesday). Gerasimov reported that Russian forces had taken 430 Ukrainian soldiers
   prisoner" dates the prisoners to Wednesday. Inherited events carry the previous sentence's
   expression, a lower confidence and `continues` (the index of the event they continue): the
   service stores them as another mention of that event, not as an event of their own. Chains
   are not followed.

4. **Titles are headlines, not sentence prefixes.** The title is the main clause: leading
   adverbials ("Yesterday, after a meeting in Saudi Arabia ..., ") and connectives are dropped,
   a trailing attribution (", Gerasimov told the president") is dropped, the governing date
   phrase with its preposition, parentheticals and a reporting "that" are removed, the clause is
   cut before the first subordinate clause or comma after the verb's object (but not at a comma
   inside a quotation, and a short clause keeps a participle clause: ", appearing in military
   uniform"; a "statement in which Kyiv backed ..." goes on after a semicolon), persons are named
   by their short name ("Russian President Vladimir Putin" -> "Putin"; a subject "he"/"she" by
   the last person named). Then it is put in headline style: verb groups in the present, agreeing
   with their subject ("arrived" -> "arrives", "Trump and Putin met" -> "meet", "had agreed" ->
   "agrees", "was killed" -> "killed", "would" -> "will", "is to visit" -> "to visit"; the tables
   are `data/<language>/inflection.yaml`), articles dropped, and a reported event told without
   its sayer ("Gerasimov said the army had taken 430 soldiers prisoner" -> "Army takes 430
   soldiers prisoner"; a reported state or plan keeps it: "Zakharova says Moscow will not accept
   ceasefire"). The result is limited to `TITLE_MAX_WORDS` words, cut before a preposition or
   conjunction when possible and never ending on a function word.

5. **Category** — the first category in `categories.yaml` (a priority order) whose patterns match
   the main clause, else the whole sentence; else "statement" when someone said something, else
   "other".

6. **Confidence** is the expression's confidence times the extraction's certainty, which drops
   for inherited dates, dates from weak scopes, sentences without a recognisable main verb or
   without actors, and main clauses with competing dates.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import attrgetter
from pathlib import Path

from app.events.gazetteer import Gazetteer, Mention, load_gazetteer, read_yaml
from app.events.sentences import split_sentences
from app.temporal import resolve
from app.temporal.model import TemporalExpression

DATA_DIR = Path(__file__).parent / "data"

TITLE_MAX_WORDS = 12
MIN_EXPRESSION_CONFIDENCE = 0.5
VAGUE_VALUES = frozenset({"PAST_REF", "PRESENT_REF", "FUTURE_REF"})
EVENT_TYPES = frozenset({"DATE", "TIME", "DURATION"})
SINGLE_DAY_GRANULARITIES = frozenset({"day", "part_of_day", "time"})

# Extraction certainty factors (multiplied into the expression's confidence).
INHERITED_DATE_FACTOR = 0.7
WEAK_SCOPE_FACTOR = 0.7
NO_MAIN_VERB_FACTOR = 0.8
NO_ACTOR_FACTOR = 0.85
COMPETING_DATES_FACTOR = 0.9

# Token scopes, ordered by how little they say about the main event's date.
MAIN, NEUTRAL, WEAK, EXCLUDING = 0, 1, 2, 3

_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|\d+(?:[.,:]\d+)*%?|\w+(?:[-'’]\w+)*|\S")
_CLAUSE_PUNCTUATION = frozenset({",", ";", ":", "—", "–", "-", "--"})
_SENTENCE_FINAL = frozenset({".", "!", "?", "…"})
_DASHES = frozenset({"—", "–", "-"})
_JOINED_DASH = re.compile(r"(?<=\w) ([-–]) (?=\w)")
_DOUBLE_QUOTES = frozenset({'"', "“", "”", "«", "»"})
_OPENING_QUOTES = frozenset({'"', "“", "«", "'", "‘"})
# The space before closing punctuation, the space after an opening bracket: removed with a
# plain "" replacement, which the regex engine applies without a template per match.
_NO_SPACE_BEFORE = re.compile(r" (?=[,.;:!?%)\]’])")
_NO_SPACE_AFTER = re.compile(r"(?<=[(\[]) ")
_PRONOUNS_RESOLVED = frozenset({"he", "she"})
_CLAUSE_PRONOUNS = frozenset({"he", "she", "it", "they", "we"})
_POSSESSIVES = frozenset({"'s", "’s"})
# Participle clauses a short title is carried over (", appearing in military uniform").
_NOT_PARTICIPLES = frozenset({"including", "according", "during", "regarding", "concerning"})
_SHORT_CLAUSE_WORDS = 8
# A reported event is told without its sayer only when it says this much on its own.
_MIN_REPORTED_WORDS = 3
_ARTICLES = frozenset({"the", "a", "an"})
# A count and its unit used as an adjective right before a phrase: "30-hour", "60-day".
_MEASURE_BEFORE = re.compile(r"\d[\d.,]*[-–][a-z]+[ \t]+$")


@dataclass(frozen=True, slots=True)
class EventDraft:
    title: str  # <= ~12 words, reads like a timeline headline
    description: str  # the sentence text
    sentence_start: int
    sentence_end: int
    category: str
    actors: tuple[str, ...]  # canonical names, in order of appearance, no duplicates
    locations: tuple[str, ...]
    expression: TemporalExpression  # the date phrase that dates this event
    confidence: float  # expression confidence combined with extraction certainty
    # Index (in the returned list) of the dated event this sentence continues (rule 3), whose
    # date phrase it carries; None when the sentence is dated by a phrase of its own.
    continues: int | None = None


@dataclass(frozen=True, slots=True)
class _Grammar:
    finite_verbs: frozenset[str]
    auxiliaries: frozenset[str]
    past_auxiliaries: frozenset[str]
    present_verbs: frozenset[str]
    ed_non_verbs: frozenset[str]
    reporting_verbs: frozenset[str]
    leading_words: frozenset[str]
    connectives: frozenset[str]
    prepositions: frozenset[str]
    subject_pronouns: frozenset[str]
    relative_words: frozenset[str]
    excluding_scopes: frozenset[str]
    weak_scopes: frozenset[str]
    neutral_scopes: frozenset[str]
    trailing_function_words: frozenset[str]
    cut_before: frozenset[str]
    date_prepositions: frozenset[str]
    headline_adverbs: frozenset[str]
    clause_reporting_verbs: frozenset[str]
    articles_kept_before: frozenset[str]
    articles_kept_before_final: frozenset[str]
    singular_nouns_ending_in_s: frozenset[str]
    plural_pronouns: frozenset[str]
    attributive_determiners: frozenset[str]
    cut_not_after: frozenset[str]
    quantity_words: frozenset[str]
    content_nouns: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Categories:
    names: tuple[str, ...]  # in priority order
    # One alternation of every pattern, in priority order, so a text is scanned once; an empty
    # group after each pattern tells which one matched (see `_combined_categories`).
    combined: re.Pattern[str]
    category_of_group: tuple[int, ...]  # group number -> index in `names`
    speech: re.Pattern[str]
    fallback_said: str
    fallback: str

    def best(self, text: str) -> str | None:
        """The highest-priority category with a pattern in `text`."""
        best_index: int | None = None
        category_of_group = self.category_of_group
        # Patterns are compiled lowercase and case-sensitive: much faster than IGNORECASE.
        for match in self.combined.finditer(text.lower()):
            index = category_of_group[match.lastindex]  # type: ignore[index]
            if best_index is None or index < best_index:
                best_index = index
                if index == 0:
                    break
        return None if best_index is None else self.names[best_index]


_VOWELS = frozenset("aeiou")
_BE = frozenset({"is", "are", "was", "were", "am", "be", "been", "being"})
_HAVE = frozenset({"has", "have", "had"})
_DO = frozenset({"do", "does", "did"})
_MODALS = frozenset({"will", "would", "can", "could", "may", "might", "must", "shall", "should"})
_NEGATIONS = frozenset({"not", "never", "n't"})
# What a headline verb group says happened: an event ("takes", "agrees", passive "killed"), a
# state or ongoing action ("is ready", "is firing"), or a modal ("will not accept").
EVENT, STATE, MODAL = "event", "state", "modal"


@dataclass(frozen=True, slots=True)
class _Inflection:
    """Past forms to base forms and base forms to the present: see `data/en/inflection.yaml`."""

    base_of: dict[str, str]  # irregular past forms and participles, and regular exceptions
    participles: frozenset[str]  # irregular past participles ("taken", "begun")
    third_person: dict[str, str]  # "have" -> "has"
    present_modals: dict[str, str]  # "would" -> "will"

    def is_past(self, word: str) -> bool:
        return word in self.base_of or (word.endswith("ed") and len(word) > 3)

    def is_participle(self, word: str) -> bool:
        return word in self.participles or word in self.base_of or word.endswith("ed")

    def base(self, past: str) -> str:
        """ "arrived" -> "arrive", "met" -> "meet", "stopped" -> "stop", "carried" -> "carry"."""
        known = self.base_of.get(past)
        if known is not None:
            return known
        if not past.endswith("ed") or len(past) < 4:
            return past
        if past.endswith("ied"):
            return past[:-3] + "y"
        if past.endswith("eed"):
            return past[:-1]
        stem = past[:-2]
        last, before = stem[-1], stem[-2]
        if last == before and last not in _VOWELS:
            return stem if last in "lsfz" else stem[:-1]  # "called", but "stopped" -> "stop"
        return stem + "e" if _needs_e(stem) else stem

    def present(self, base: str, plural: bool) -> str:
        """The present tense of `base` agreeing with a plural or a singular subject."""
        if base == "be":
            return "are" if plural else "is"
        if plural:
            return base
        known = self.third_person.get(base)
        if known is not None:
            return known
        if base.endswith(("s", "sh", "ch", "x", "z", "o")):
            return base + "es"
        if base.endswith("y") and len(base) > 1 and base[-2] not in _VOWELS:
            return base[:-1] + "ies"
        return base + "s"


def _needs_e(stem: str) -> bool:
    """Whether a regular past form lost a final "e" before "-ed", judged by its last letters
    ("arriv-ed", "announc-ed", "declar-ed", "provid-ed", but "visit-ed", "enter-ed")."""
    last, before = stem[-1], stem[-2]
    third = stem[-3] if len(stem) > 2 else ""
    if last in "vcuzgs":  # arrive, announce, issue, seize, urge, release (not "ss": handled)
        return not stem.endswith("ng") or stem.endswith(("ang", "eng", "ing", "ung"))
    if last == "l":
        if before not in _VOWELS:
            return before not in "rwl"  # handle, settle; not hurl, crawl
        return before != "e" and third not in _VOWELS  # rule, compile; not fail, cancel
    if before not in _VOWELS:
        return False  # ended, formed, attacked, helped, warned, started
    single = third not in _VOWELS  # one vowel after a consonant: "provid", not "aid"
    if last == "r":
        return (before in "au" and single) or (before == "i" and (single or third == "u"))
    if last == "t":
        return (before == "a" and third not in ("e", "o")) or (before in "ou" and single)
    if last == "d":
        return single or third == "u"  # provide, decide; persuade, guide; not aid, head
    if last == "n":
        return before == "i" and single  # decline, combine; not detain, join, open
    if last in "mkpb":
        return single  # welcome, name, invoke, hope, describe; not claim, leak
    return False


@dataclass(slots=True)
class _Token:
    text: str
    lower: str
    start: int
    end: int
    mention: Mention | None = None
    plain: bool = False  # a lowercase word, not part of a name: only these are function words
    verb: bool = False  # a finite verb candidate
    scope: int = MAIN
    complementizer: bool = False  # a reporting "that", dropped from titles
    joined: bool = False  # a dash between two words ("Trump–Putin"), not a clause break
    dated: bool = False  # inside one of the sentence's date phrases


@cache
def _load_grammar(language: str) -> _Grammar:
    path = DATA_DIR / language / "grammar.yaml"
    if not path.is_file():
        raise ValueError(f"no extraction grammar for language {language!r}")
    data = read_yaml(path)
    return _Grammar(**{field: frozenset(data[field].split()) for field in _Grammar.__slots__})


@cache
def _load_inflection(language: str) -> _Inflection:
    data = read_yaml(DATA_DIR / language / "inflection.yaml")
    base_of: dict[str, str] = {}
    participles: set[str] = set()
    for base, forms in data["irregular_verbs"].items():
        *pasts, participle = forms.split()
        for form in pasts:
            base_of.setdefault(form, base)
        base_of.setdefault(participle, base)
        participles.add(participle)
    base_of.update(data["regular_past_exceptions"])
    return _Inflection(
        base_of=base_of,
        participles=frozenset(participles),
        third_person=dict(data["third_person_irregular"]),
        present_modals=dict(data["present_modals"]),
    )


@cache
def _load_categories(language: str) -> _Categories:
    data = read_yaml(DATA_DIR / language / "categories.yaml")
    patterns = [
        (index, pattern.lower())
        for index, entry in enumerate(data["categories"])
        for pattern in entry["patterns"]
    ]
    combined, category_of_group = _combined_categories(patterns)
    return _Categories(
        names=tuple(entry["name"] for entry in data["categories"]),
        combined=combined,
        category_of_group=category_of_group,
        speech=_word_alternation(data["speech_patterns"]),
        fallback_said=data["fallback_said"],
        fallback=data["fallback"],
    )


def _combined_categories(
    patterns: Sequence[tuple[int, str]],
) -> tuple[re.Pattern[str], tuple[int, ...]]:
    r"""One regex for all category patterns, `\b(?:p1|p2|...)\b` in priority order, and the
    category of each of its groups: `match.lastindex` is the empty group closing the pattern
    that matched.

    The alternatives are bucketed by the character they can start with, each bucket behind a
    lookahead for its character (a pattern that can start with several is in each of their
    buckets, in the same order): at a word boundary only the few patterns that can start
    there are tried, not all of them, which makes categorising ~40% faster. An alternative
    that cannot start at a position could not have matched there, so the matches (and which
    pattern each is) are those of the plain alternation; a pattern whose first character is
    not known leaves the alternation plain.
    """
    starts = [_first_characters(pattern) for _, pattern in patterns]
    if any(start is None for start in starts):
        buckets = {"": list(patterns)}
    else:
        buckets = {}
        for (index, pattern), start in zip(patterns, starts, strict=True):
            for char in sorted(start):  # type: ignore[arg-type]
                buckets.setdefault(char, []).append((index, pattern))
    category_of_group = [-1]  # group 0 is the whole match
    parts = []
    for char, members in buckets.items():
        alternatives = []
        for index, pattern in members:
            alternatives.append(f"(?:{pattern})()")
            # Groups of the pattern's own (none in the shipped data) come before its marker.
            category_of_group += [-1] * re.compile(pattern).groups + [index]
        alternation = "|".join(alternatives)
        parts.append(f"(?={re.escape(char)})(?:{alternation})" if char else alternation)
    # Before a bucket, whose character is a word character, `\b` is "no word character
    # before": said as a lookbehind, the regex does not also stop at every word's end.
    bucketed = "" not in buckets and all(re.fullmatch(r"\w", char) for char in buckets)
    leading = r"(?<!\w)" if bucketed else r"\b"
    combined = re.compile(leading + "(?:" + "|".join(parts) + r")\b")
    return combined, tuple(category_of_group)


def _first_characters(pattern: str) -> frozenset[str] | None:
    r"""The characters a match of `pattern` can start with, or None when that is not plain
    from its first element (a class like \w, an optional element, an assertion, a flag)."""
    try:
        from re import _constants as constants  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        parsed = parser.parse(pattern)
    except Exception:  # another Python's internals: the plain alternation will do
        return None

    def first(items) -> set[str] | None:
        if not len(items):
            return None
        op, argument = items[0]
        if op is constants.LITERAL:
            return {chr(argument)}
        if op is constants.IN:
            chars: set[str] = set()
            for item_op, item in argument:
                if item_op is constants.LITERAL:
                    chars.add(chr(item))
                elif item_op is constants.RANGE:
                    chars.update(chr(code) for code in range(item[0], item[1] + 1))
                else:
                    return None  # NEGATE, a category such as \w
            return chars
        if op is constants.SUBPATTERN:
            _group, add_flags, del_flags, sub = argument
            return None if add_flags or del_flags else first(sub)
        if op is constants.BRANCH:
            chars = set()
            for alternative in argument[1]:
                found = first(alternative)
                if found is None:
                    return None
                chars |= found
            return chars
        if op in (constants.MAX_REPEAT, constants.MIN_REPEAT):
            low, _high, sub = argument
            return first(sub) if low > 0 else None
        return None

    found = first(parsed)
    return None if found is None or len(found) > 64 else frozenset(found)


def _word_alternation(patterns: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", re.IGNORECASE)


def category_names(language: str = "en") -> tuple[str, ...]:
    """The category taxonomy in priority order, followed by the two fallbacks."""
    categories = _load_categories(language)
    return tuple(dict.fromkeys((*categories.names, categories.fallback_said, categories.fallback)))


@cache
def category_quad_classes(language: str = "en") -> dict[str, int]:
    """Each category's CAMEO quad class: 1 verbal cooperation (CAMEO 01-05), 2 material
    cooperation (06-09), 3 verbal conflict (10-14), 4 material conflict (15-20)."""
    data = read_yaml(DATA_DIR / language / "categories.yaml")
    classes = {}
    for entry in data["categories"]:
        root = int(entry["cameo"])
        classes[entry["name"]] = 1 if root <= 5 else 2 if root <= 9 else 3 if root <= 14 else 4
    classes.setdefault(data["fallback_said"], 1)
    return classes


def is_qualifying(expression: TemporalExpression) -> bool:
    """True when the expression can date an event on its own (rule 1 of the module docstring)."""
    return (
        expression.is_dated
        and expression.type in EVENT_TYPES
        and expression.value not in VAGUE_VALUES
        and expression.confidence >= MIN_EXPRESSION_CONFIDENCE
    )


def drafts_from_text(
    text: str,
    *,
    published_at: datetime,
    timezone: str,
    language: str = "en",
    gazetteer: Gazetteer | None = None,
) -> list[EventDraft]:
    """The events an article's text supports, dated against its publication time. Pure: the
    bulk ingest's worker processes run it without any database code imported."""
    expressions = resolve(text, published_at, timezone=timezone, language=language)
    return extract_events(text, expressions, language=language, gazetteer=gazetteer)


def extract_events(
    text: str,
    expressions: Sequence[TemporalExpression],
    *,
    language: str = "en",
    gazetteer: Gazetteer | None = None,
) -> list[EventDraft]:
    """The events of `text`, one per dated sentence, in text order.

    `gazetteer` defaults to the language's YAML gazetteer; the service passes the one merged with
    the actors curators added.
    """
    extractor = _Extractor(text, language, gazetteer)
    ordered = sorted(expressions, key=_expression_start)
    all_mentions = extractor.gazetteer.find(text)
    events: list[EventDraft] = []
    previous: _SentenceResult | None = None
    # Sentences come in text order, so one pass over the sorted expressions and mentions hands
    # each sentence those that start inside it.
    next_expression = next_mention = 0
    expression_count, mention_count = len(ordered), len(all_mentions)
    for start, end in split_sentences(text, language=language):
        while next_expression < expression_count and ordered[next_expression].start < start:
            next_expression += 1
        first = next_expression
        while next_expression < expression_count and ordered[next_expression].start < end:
            next_expression += 1
        inside = ordered[first:next_expression]
        while next_mention < mention_count and all_mentions[next_mention].start < start:
            next_mention += 1
        first = next_mention
        while next_mention < mention_count and all_mentions[next_mention].start < end:
            next_mention += 1
        mentions = all_mentions[first:next_mention]
        result = extractor.sentence(start, end, inside, mentions, previous)
        if result.event is not None:
            if not result.own_date:
                result.event = dataclasses.replace(result.event, continues=len(events) - 1)
            events.append(result.event)
        previous = result
    return events


@dataclass(slots=True)
class _SentenceResult:
    end: int
    event: EventDraft | None
    own_date: bool  # dated by a phrase of its own, not inherited
    last_person: str | None  # short name of the last person named, for "he"/"she"


class _Extractor:
    def __init__(self, text: str, language: str, gazetteer: Gazetteer | None = None) -> None:
        self.text = text
        self.grammar = _load_grammar(language)
        self.categories = _load_categories(language)
        self.inflection = _load_inflection(language)
        self.gazetteer = gazetteer or load_gazetteer(language)
        self._sentence_expressions: list[TemporalExpression] = []

    # --- one sentence ---------------------------------------------------------------------------

    def sentence(
        self,
        start: int,
        end: int,
        expressions: list[TemporalExpression],
        mentions: list[Mention],
        previous: _SentenceResult | None,
    ) -> _SentenceResult:
        # The first person named is usually the subject, the likeliest antecedent of a "he".
        last_person = next(
            (m.actor.short for m in mentions if m.actor is not None and m.actor.kind == "person"),
            None,
        )
        inherited_person = previous.last_person if previous else None

        qualifying = [e for e in expressions if is_qualifying(e)]
        could_inherit = not qualifying and self._could_inherit(
            expressions, mentions, previous, start
        )
        tokens = self._tokenize(start, end, mentions) if qualifying or could_inherit else []
        if not tokens:  # most sentences: nothing can date them, so skip the clause analysis
            return _SentenceResult(end, None, False, last_person or inherited_person)
        self._mark_scopes(tokens, expressions)
        self._sentence_expressions = expressions
        core_start, core_end = self._core(tokens, expressions)
        verb = self._main_verb(tokens, core_start, core_end)

        chosen = self._governing_expression(tokens, qualifying, verb)
        certainty = 1.0
        own_date = chosen is not None
        if chosen is not None:
            expression, tier = chosen
            if tier == WEAK:
                certainty *= WEAK_SCOPE_FACTOR
            main_dates = {
                (e.date_start, e.date_end)
                for e in qualifying
                if self._scope_at(tokens, e.start) <= NEUTRAL
            }
            if len(main_dates) > 1:
                certainty *= COMPETING_DATES_FACTOR
        elif self._may_inherit(tokens, expressions, verb, mentions, previous, start):
            expression = previous.event.expression  # type: ignore[union-attr]
            certainty *= INHERITED_DATE_FACTOR
        else:
            return _SentenceResult(end, None, False, last_person or inherited_person)

        resolved_subject = self._resolved_subject(tokens, core_start, inherited_person)
        cut = self._clause_end(tokens, core_start, core_end, verb, expression)
        title_end = self._title_end(tokens, core_start, cut, core_end)
        title = self._title(tokens, core_start, title_end, verb, expression, resolved_subject)
        category = self._category(tokens, core_start, cut, start, end)
        actors = self._actors(mentions, tokens, core_start, resolved_subject)
        locations = tuple(dict.fromkeys(m.name for m in mentions if m.role == "location"))
        if verb is None:
            certainty *= NO_MAIN_VERB_FACTOR
        if not actors:
            certainty *= NO_ACTOR_FACTOR
        event = EventDraft(
            title=title,
            description=self.text[start:end],
            sentence_start=start,
            sentence_end=end,
            category=category,
            actors=actors,
            locations=locations,
            expression=expression,
            confidence=round(expression.confidence * certainty, 3),
        )
        return _SentenceResult(end, event, own_date, last_person or inherited_person)

    # --- tokens and scopes ----------------------------------------------------------------------

    def _tokenize(self, start: int, end: int, mentions: list[Mention]) -> list[_Token]:
        """Word and punctuation tokens; each gazetteer mention is one token."""
        text = self.text
        finite_verbs = self.grammar.finite_verbs
        ed_non_verbs = self.grammar.ed_non_verbs
        token_of = _Token
        tokens: list[_Token] = []
        append = tokens.append
        mention_index = 0
        mention_count = len(mentions)
        next_mention = mentions[0].start if mentions else end
        for match in _TOKEN.finditer(text, start, end):
            word_start, word_end = match.span()
            if word_start >= next_mention:
                while mention_index < mention_count and mentions[mention_index].end <= word_start:
                    mention_index += 1
                if mention_index < mention_count and mentions[mention_index].start <= word_start:
                    mention = mentions[mention_index]
                    if not tokens or tokens[-1].mention is not mention:
                        surface = text[mention.start : mention.end]
                        append(
                            token_of(surface, surface.lower(), mention.start, mention.end, mention)
                        )
                    continue  # later words of the mention are part of its token
                next_mention = (
                    mentions[mention_index].start if mention_index < mention_count else end
                )
            word = match.group()
            if word.islower():
                # A past-tense verb ends in -ed, unless listed as an adjective ("armed").
                verb = word in finite_verbs or (
                    word[-2:] == "ed" and len(word) > 4 and word not in ed_non_verbs
                )
                append(token_of(word, word, word_start, word_end, None, True, verb))
            elif word in _DASHES and _between_words(text, word_start, word_end):
                append(token_of(word, word, word_start, word_end, joined=True))
            else:
                append(token_of(word, word.lower(), word_start, word_end))
        return tokens

    def _mark_scopes(self, tokens: list[_Token], expressions: list[TemporalExpression]) -> None:
        """Give every token the scope of the clause it sits in (rule 2 of the module docstring)."""
        grammar = self.grammar
        _mark_dated(tokens, expressions)
        scope = MAIN
        main_verb_seen = False
        # A relative clause opened in the subject, before the main verb, ends at its second verb.
        subject_relative_verbs: int | None = None
        reported_speech = False
        depth = 0
        # "since 2022 yesterday": a "since"/"until" whose object is a bare date ends with it.
        restore_after: int | None = None
        restored_scope = MAIN
        relative_words = grammar.relative_words
        excluding_scopes = grammar.excluding_scopes
        weak_scopes = grammar.weak_scopes
        neutral_scopes = grammar.neutral_scopes
        for index, token in enumerate(tokens):
            word = token.lower
            text = token.text
            if text == "(":
                depth += 1
            elif text == ")":
                depth = max(0, depth - 1)
            if restore_after is not None and token.start >= restore_after:
                scope, restore_after = restored_scope, None
            if depth == 0 and text in _CLAUSE_PUNCTUATION and not token.joined:
                scope = MAIN
                restore_after = None
                subject_relative_verbs = None
                token.scope = MAIN
                continue
            # A clause opener inside a date phrase is not one ("that week", "since Monday").
            # A capitalised first word opens a clause too ("When Trump and Putin spoke, ...").
            opener = token.plain or (index == 0 and token.mention is None)
            if opener and not token.dated:
                if word in relative_words and index > 0:
                    scope = EXCLUDING
                    previous = tokens[index - 1]
                    if previous.plain and previous.lower in grammar.prepositions:
                        previous.scope = EXCLUDING  # "in which", "of whom"
                    subject_relative_verbs = None if main_verb_seen else 0
                elif word == "that":
                    if self._is_complementizer(tokens, index, expressions) or (
                        # "said X, and that Y": a second reported clause
                        reported_speech and tokens[index - 1].lower in ("and", "or")
                    ):
                        token.complementizer = True
                        reported_speech = True
                        # "said after the meeting on Monday that ...": the reported clause is
                        # the main content again, whatever adverbial came between.
                        if scope in (WEAK, NEUTRAL):
                            scope = MAIN
                    elif index > 0:
                        scope = EXCLUDING
                        subject_relative_verbs = None if main_verb_seen else 0
                elif word in excluding_scopes:
                    bare_date = _bare_date_end(expressions, tokens, index + 1)
                    if bare_date is not None and restore_after is None:
                        restore_after, restored_scope = bare_date, scope
                    scope = EXCLUDING
                elif (
                    index + 1 < len(tokens)
                    and tokens[index - 1].text == ","
                    and word.endswith("ed")
                    and tokens[index + 1].lower == "by"
                ):
                    # ", announced by Putin on 19 April,": a participle clause about another
                    # moment; its date does not date the main clause.
                    scope = EXCLUDING
                elif word in weak_scopes:
                    scope = max(scope, WEAK)
                elif word in neutral_scopes:
                    scope = max(scope, NEUTRAL)
                elif token.verb:
                    if scope == MAIN:
                        main_verb_seen = True
                    elif subject_relative_verbs is not None:
                        subject_relative_verbs += 1
                        if subject_relative_verbs == 2:
                            scope = MAIN
                            subject_relative_verbs = None
                            main_verb_seen = True
            token.scope = scope

    def _is_complementizer(
        self, tokens: list[_Token], index: int, expressions: list[TemporalExpression]
    ) -> bool:
        """A "that" after a reporting verb ("said on Wednesday that", "told reporters that")."""
        looked_at = 0
        depth = 0
        for previous in reversed(tokens[max(0, index - 12) : index]):
            # A parenthesis between verb and "that" is skipped: "said (in a video address) that".
            if previous.text == ")":
                depth += 1
                continue
            if previous.text == "(":
                depth = max(0, depth - 1)
                continue
            if depth or previous.dated or previous.text == ",":
                continue
            if previous.scope in (WEAK, NEUTRAL):
                continue  # "said after the meeting on Monday that"
            if previous.lower in self.grammar.reporting_verbs:
                return True
            looked_at += 1
            if looked_at > 3 or previous.verb:
                return False
        return False

    def _scope_at(self, tokens: list[_Token], offset: int) -> int:
        index = _token_index(tokens, offset)
        return tokens[index].scope if index < len(tokens) else MAIN

    # --- clause structure -----------------------------------------------------------------------

    def _core(self, tokens: list[_Token], expressions: list[TemporalExpression]) -> tuple[int, int]:
        """Token range of the main clause: leading adverbials and trailing attribution removed."""
        grammar = self.grammar
        end = len(tokens)
        while end > 0 and tokens[end - 1].text in _SENTENCE_FINAL | _DOUBLE_QUOTES:
            end -= 1
        start = 0
        quote_close = self._quotation_then_attribution(tokens, end)
        if quote_close is not None:
            return 1, quote_close
        while start < end:
            token = tokens[start]
            if token.lower in grammar.connectives and token.mention is None:
                start += 1
                if start < end and tokens[start].text == ",":
                    start += 1
                continue
            opens_adverbial = token.lower in grammar.leading_words or token.dated
            if not opens_adverbial:
                break
            comma = self._next_comma(tokens, start, end)
            if comma is not None and self._strippable(tokens, start, comma, end):
                start = comma + 1
                continue
            if token.lower in grammar.prepositions:
                start = self._pronoun_after_phrase(tokens, start, end, expressions)
            break
        return start, self._attribution_start(tokens, start, end)

    def _quotation_then_attribution(self, tokens: list[_Token], end: int) -> int | None:
        """'"We struck back," the commander said.' -> the index of the closing quote."""
        if not tokens or tokens[0].text not in _DOUBLE_QUOTES:
            return None
        for index in range(1, end):
            if tokens[index].text in _DOUBLE_QUOTES:
                tail = tokens[index + 1 : index + 6]
                if any(t.lower in self.grammar.reporting_verbs for t in tail):
                    close = index
                    while close > 1 and tokens[close - 1].text in _CLAUSE_PUNCTUATION:
                        close -= 1
                    return close
                return None
        return None

    def _next_comma(self, tokens: list[_Token], start: int, end: int) -> int | None:
        depth = 0
        for index in range(start, end):
            text = tokens[index].text
            if text == "(":
                depth += 1
            elif text == ")":
                depth = max(0, depth - 1)
            elif text == "," and depth == 0:
                return index
        return None

    def _strippable(self, tokens: list[_Token], start: int, comma: int, end: int) -> bool:
        """A leading segment can go when it has no main-clause verb and the rest has one."""
        if any(t.verb and t.scope == MAIN and not t.complementizer for t in tokens[start:comma]):
            return False
        rest = tokens[comma + 1 : end]
        if not rest or (rest[0].plain and rest[0].lower.endswith("ing")):
            return False  # "Meanwhile Russia attacked Kharkiv, killing five" keeps its clause
        return any(t.verb for t in rest)

    def _pronoun_after_phrase(
        self,
        tokens: list[_Token],
        start: int,
        end: int,
        expressions: list[TemporalExpression],
    ) -> int:
        """ "At a command post he met ..." -> the index of "he", when the phrase has no comma."""
        for index in range(start + 1, min(end - 1, start + 10)):
            token = tokens[index]
            if (
                token.plain
                and token.lower in self.grammar.subject_pronouns
                and tokens[index + 1].verb
            ):
                return index
            if token.verb:
                break
        return start

    def _attribution_start(self, tokens: list[_Token], start: int, end: int) -> int:
        """The index of a trailing ", Gerasimov told the president" (or `end` when none)."""
        reporting = self.grammar.reporting_verbs
        for comma in range(end - 1, start, -1):
            if tokens[comma].text != ",":
                continue
            tail = tokens[comma + 1 : end]
            words = [t for t in tail if t.text[0].isalnum()]
            if not 0 < len(words) <= 10 or any(t.lower == "that" for t in tail):
                return end
            if any(t.lower in reporting for t in tail[:7]) and any(
                t.verb for t in tokens[start:comma]
            ):
                return comma
            return end
        return end

    def _main_verb(self, tokens: list[_Token], start: int, end: int) -> int | None:
        for index in range(start, end):
            token = tokens[index]
            if token.scope == MAIN and token.verb:
                return index
        return None

    def _clause_end(
        self,
        tokens: list[_Token],
        start: int,
        end: int,
        verb: int | None,
        expression: TemporalExpression,
    ) -> int:
        """Where the main clause stops: the first clause boundary after the verb's object."""
        first = (verb + 2) if verb is not None else start + 3
        depth = 0
        for index in range(start, end):
            token = tokens[index]
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth = max(0, depth - 1)
            if index < first or depth > 0:
                continue
            if token.text == "," and self._brackets_date(tokens, index, expression):
                continue  # "said, on Tuesday, that ...": the commas go with the date phrase
            if token.text in _CLAUSE_PUNCTUATION and not token.joined:
                return index
            if token.scope != MAIN:
                ahead = self._complementizer_ahead(tokens, index, end)
                if (
                    ahead is None
                    or verb is None
                    or tokens[verb].lower not in self.grammar.reporting_verbs
                ):
                    return index
            if token.complementizer and tokens[index - 1].lower in ("and", "or"):
                return index - 1  # a second reported clause: "said X and that Y"
        return end

    def _saying_dates(
        self, tokens: list[_Token], verb: int | None, expression: TemporalExpression
    ) -> list[TemporalExpression]:
        """Date phrases between a reporting verb and its "that" when the reported clause has
        its own date: they date the saying, not the event, and stay out of the title."""
        if verb is None or tokens[verb].lower not in self.grammar.reporting_verbs:
            return []
        that = next((i for i in range(verb + 1, len(tokens)) if tokens[i].complementizer), None)
        if that is None or expression.start < tokens[that].start:
            return []
        return [
            e
            for e in self._sentence_expressions
            if tokens[verb].end <= e.start < tokens[that].start
        ]

    def _complementizer_ahead(self, tokens: list[_Token], index: int, end: int) -> int | None:
        """The reporting "that" this adverbial leads to, before any clause break ("said after
        the meeting on Monday that ...")."""
        for ahead in range(index, end):
            token = tokens[ahead]
            if token.complementizer:
                return ahead
            if token.scope == MAIN or (token.text in _CLAUSE_PUNCTUATION and not token.joined):
                return None
        return None

    def _brackets_date(
        self, tokens: list[_Token], comma: int, expression: TemporalExpression
    ) -> bool:
        """True for either comma around a date phrase set off by commas ("said, on Tuesday,")."""
        first, last = self._expression_bounds(tokens, expression)
        if first is None:
            return False
        if first > 0 and tokens[first - 1].lower in self.grammar.date_prepositions:
            first -= 1
        before, after = first - 1, last + 1
        return (
            comma in (before, after)
            and before >= 0
            and after < len(tokens)
            and tokens[before].text == ","
            and tokens[after].text == ","
        )

    def _expression_bounds(
        self, tokens: list[_Token], expression: TemporalExpression
    ) -> tuple[int | None, int]:
        first = bisect_left(tokens, expression.start, key=_token_start)
        last = bisect_left(tokens, expression.end, lo=first, key=_token_start) - 1
        return (first, last) if first <= last else (None, -1)

    # --- dates ----------------------------------------------------------------------------------

    def _governing_expression(
        self,
        tokens: list[_Token],
        qualifying: list[TemporalExpression],
        verb: int | None,
    ) -> tuple[TemporalExpression, int] | None:
        # Reported speech: "X said on Wednesday that troops captured Sudzha on Tuesday" tells the
        # capture, so a date inside the reported clause beats the date of the saying.
        reported_from = None
        if verb is not None and tokens[verb].lower in self.grammar.reporting_verbs:
            reported_from = next(
                (i for i in range(verb + 1, len(tokens)) if tokens[i].complementizer), None
            )
        best: tuple[tuple[int, int, int, int], TemporalExpression, int] | None = None
        for expression in qualifying:
            index = _token_index(tokens, expression.start)
            scope = tokens[index].scope if index < len(tokens) else MAIN
            if scope == EXCLUDING:
                continue
            # A date used as an adjective dates its noun, not the clause: it dates the event only
            # inside a past-tense subject ("The 2014 war killed 2,200 people"), never after
            # the verb ("withdrew to the 1967 lines", "declared an Easter truce on Saturday").
            if self._is_attributive(tokens, index, expression) and not (
                verb is not None and index < verb and self._is_past(tokens[verb])
            ):
                continue
            tier = WEAK if scope == WEAK else MAIN
            distance = abs(index - verb) if verb is not None else index
            saying = 0 if reported_from is not None and index > reported_from else 1
            key = (tier, saying, distance, expression.start)
            if best is None or key < best[0]:
                best = (key, expression, tier)
        return None if best is None else (best[1], best[2])

    def _is_attributive(
        self, tokens: list[_Token], index: int, expression: TemporalExpression
    ) -> bool:
        """Whether a date phrase is used as an adjective: a determiner or a measure ("30-hour")
        before it and a common noun after it ("a 1974 disengagement agreement", "an Easter
        truce", "orders 30-hour Easter ceasefire", "a 1907 French map")."""
        after = _token_index(tokens, expression.end)
        if index == 0 or after >= len(tokens):
            return False
        before, noun = tokens[index - 1], tokens[after]
        if not noun.plain and noun.text[:1].isupper() and after + 1 < len(tokens):
            noun = tokens[after + 1]  # past a proper adjective: "a 1907 French map"
        return (
            expression.type == "DATE"
            and before.mention is None
            and (
                before.lower in self.grammar.attributive_determiners
                or _MEASURE_BEFORE.search(
                    self.text, max(0, expression.start - 24), expression.start
                )
                is not None
            )
            and noun.plain
            and not noun.verb
            and noun.lower not in self.grammar.prepositions
        )

    def _could_inherit(
        self,
        expressions: list[TemporalExpression],
        mentions: list[Mention],
        previous: _SentenceResult | None,
        start: int,
    ) -> bool:
        """The conditions of `_may_inherit` that need no tokens: most sentences fail one, and
        are then not tokenized at all."""
        if previous is None or previous.event is None or not previous.own_date:
            return False
        if previous.end > start:
            return False
        dated_by = previous.event.expression
        if dated_by.granularity not in SINGLE_DAY_GRANULARITIES or (
            dated_by.date_start != dated_by.date_end
        ):
            return False
        if "\n" in self.text[previous.end : start]:
            return False
        if any(e.type in ("DATE", "TIME") for e in expressions):
            return False
        return any(m.role == "actor" for m in mentions)

    def _may_inherit(
        self,
        tokens: list[_Token],
        expressions: list[TemporalExpression],
        verb: int | None,
        mentions: list[Mention],
        previous: _SentenceResult | None,
        start: int,
    ) -> bool:
        """Rule 3 of the module docstring: a dateless sentence continuing a dated narrative."""
        if previous is None or previous.event is None or not previous.own_date:
            return False
        dated_by = previous.event.expression
        if dated_by.granularity not in SINGLE_DAY_GRANULARITIES or (
            dated_by.date_start != dated_by.date_end
        ):
            return False
        if "\n" in self.text[previous.end : start]:
            return False  # a new paragraph is a new narrative
        if any(e.type in ("DATE", "TIME") for e in expressions):
            return False  # it has a time of its own, even if a vague one
        if tokens[0].text in _OPENING_QUOTES or verb is None:
            return False
        if not any(m.role == "actor" for m in mentions):
            return False
        return self._is_past(tokens[verb])

    def _is_past(self, token: _Token) -> bool:
        grammar = self.grammar
        word = token.lower
        if word in grammar.past_auxiliaries:
            return True
        if word in grammar.present_verbs or word in grammar.auxiliaries:
            return False
        return word.endswith("ed") or word in grammar.finite_verbs

    # --- title, category, actors ----------------------------------------------------------------

    def _resolved_subject(
        self, tokens: list[_Token], core_start: int, person: str | None
    ) -> str | None:
        if core_start < len(tokens) and tokens[core_start].text in ("he", "she", "He", "She"):
            return person
        return None

    def _title(
        self,
        tokens: list[_Token],
        start: int,
        end: int,
        verb: int | None,
        expression: TemporalExpression,
        resolved_subject: str | None,
    ) -> str:
        grammar = self.grammar
        date_prepositions = grammar.date_prepositions
        kept: list[_Token] = []
        depth = 0
        saying = self._saying_dates(tokens, verb, expression)
        expression_start, expression_end = expression.start, expression.end
        count = len(tokens)
        # Whether the verb is a reporting one, asked only of tokens after it outside the main
        # clause: "said after the meeting that ..." drops the adverbial.
        reporting_verb = verb is not None and tokens[verb].lower in grammar.reporting_verbs
        for index in range(start, end):
            token = tokens[index]
            text = token.text
            if text == "(":
                depth += 1
            if depth:
                if text == ")":
                    depth -= 1
                continue
            if saying and (
                _inside_any(token.start, saying)
                or (
                    token.lower in date_prepositions
                    and index + 1 < count
                    and any(tokens[index + 1].start == e.start for e in saying)
                )
            ):
                continue  # "said on Wednesday that ...": the saying's date, when it dates nothing
            if expression_start <= token.start < expression_end:
                continue
            if text in _DOUBLE_QUOTES:
                continue
            if text == "," and self._brackets_date(tokens, index, expression):
                continue
            if (
                token.lower in date_prepositions
                and index + 1 < count
                and tokens[index + 1].start == expression_start
                # "at last week's talks": the preposition goes with the noun, not the date
                and self.text[expression_end : expression_end + 2] not in _POSSESSIVES
            ):
                continue
            if token.scope != MAIN and verb is not None:
                if (
                    index > verb
                    and reporting_verb
                    and self._complementizer_ahead(tokens, index, end) is not None
                ):
                    continue  # "said after the meeting that ...": the adverbial goes
                if index < verb:
                    if kept and kept[-1].text == ",":
                        kept.pop()  # "The envoy, who arrived on Monday, met ..." -> "Envoy met"
                    continue  # a relative clause inside the subject
            if text == "," and index + 1 == verb:
                continue  # closes an appositive: "Ukraine's commander-in-chief, Syrskyi, said"
            kept.append(token)
        main = tokens[verb] if verb is not None else None
        return _render(self._headline(kept, main, resolved_subject))

    def _title_end(self, tokens: list[_Token], start: int, cut: int, end: int) -> int:
        """Where the title stops: the main clause (`cut`), carried past a comma inside a
        quotation ('held "a positive, very substantive" conversation') and, when the clause is
        short, over a participle clause (", appearing in military uniform")."""
        quotes = sum(1 for index in range(start, cut) if tokens[index].text in _DOUBLE_QUOTES)
        if quotes % 2 and cut < end and tokens[cut].text == ",":
            close = next((i for i in range(cut + 1, end) if tokens[i].text in _DOUBLE_QUOTES), None)
            if close is not None:
                return self._next_break(tokens, close + 1, end)
        words = sum(1 for index in range(start, cut) if tokens[index].text[0].isalnum())
        if (
            start < cut < end - 2
            and words <= _SHORT_CLAUSE_WORDS
            and tokens[cut].lower == "in"
            and tokens[cut + 1].lower == "which"
            and tokens[self._before_dates(tokens, cut - 1)].lower in self.grammar.content_nouns
        ):
            # "issued a joint statement in which Kyiv backed ...": the statement's content
            for ahead in range(cut + 2, end):
                if tokens[ahead].text in _CLAUSE_PUNCTUATION and not tokens[ahead].joined:
                    return ahead
            return end
        if 0 < cut < end and tokens[cut].lower in self.grammar.weak_scopes:
            # "firing along the front hours after the announcement": "hours" goes with "after"
            back = cut
            while back > start + 1 and tokens[back - 1].lower in self.grammar.cut_not_after:
                back -= 1
            if back < cut and tokens[back - 1].lower in self.grammar.quantity_words:
                back -= 1
            return back
        if cut + 1 < end and tokens[cut].text == ",":
            after = tokens[cut + 1]
            if (
                after.plain
                and after.lower.endswith("ing")
                and after.lower not in _NOT_PARTICIPLES
                and words <= _SHORT_CLAUSE_WORDS
            ):
                return self._next_break(tokens, cut + 2, end)
        return cut

    def _before_dates(self, tokens: list[_Token], index: int) -> int:
        """The last token at or before `index` that is not a date phrase or its preposition."""
        while index > 0 and (
            tokens[index].dated or tokens[index].lower in self.grammar.date_prepositions
        ):
            index -= 1
        return index

    def _next_break(self, tokens: list[_Token], index: int, end: int) -> int:
        for ahead in range(index, end):
            token = tokens[ahead]
            if token.scope != MAIN or (token.text in _CLAUSE_PUNCTUATION and not token.joined):
                return ahead
        return end

    # --- headline style -------------------------------------------------------------------------

    def _headline(
        self, kept: list[_Token], main: _Token | None, resolved_subject: str | None
    ) -> list[str]:
        """The kept tokens of the main clause as a headline: present tense, no articles, a
        reported event told without its sayer (rule 4 of the module docstring)."""
        grammar = self.grammar
        words: list[str] = []
        toks: list[_Token] = []
        for token in kept:
            if token.text == "," and (not words or words[-1] == ","):
                continue  # commas orphaned by a removed date phrase
            if token.mention is not None and token.mention.actor is not None:
                actor = token.mention.actor
                word = actor.short if actor.kind == "person" else token.text
                if self.text[token.end : token.end + 2] in _POSSESSIVES:
                    word += self.text[token.end : token.end + 2]  # "Moscow's Easter ceasefire"
            elif not words and token.lower in grammar.connectives:
                continue
            elif not words and token.lower in _PRONOUNS_RESOLVED and resolved_subject:
                word = resolved_subject
            elif token.complementizer:
                word = ""  # a clause boundary, never shown
            elif token.lower == "which" and words and words[-1] == "in" and toks[-1].plain:
                words[-1] = ";"  # "statement in which Kyiv backed" -> "statement; Kyiv backs"
                continue
            else:
                word = token.text
            words.append(word)
            toks.append(token)
        while words and (words[0].lower() in _ARTICLES or words[0] in (",", "")):
            del words[0], toks[0]
        if not words:
            return []
        # Each position's words after the rewrite; a verb group fills its first position.
        out: list[list[str]] = [[word] for word in words]
        verb = next((i for i, token in enumerate(toks) if token is main), None)
        if verb is not None:
            self._present_tense(words, toks, out, verb)
        for index, token in enumerate(toks):
            if token.plain and token.lower in _ARTICLES and not self._article_kept(words, index):
                out[index] = []
        headline = [word for group in out for word in group if word]
        while headline and headline[0] == ",":
            headline.pop(0)
        headline = _limit_words(headline, grammar)
        while headline and (
            headline[-1].lower() in grammar.trailing_function_words or not headline[-1][0].isalnum()
        ):
            headline.pop()
        return headline

    def _article_kept(self, words: list[str], index: int) -> bool:
        """ "a year", "a few"; "than the first" at the end of the headline."""
        if index + 1 == len(words):
            return False
        following = words[index + 1].lower()
        return following in self.grammar.articles_kept_before or (
            following in self.grammar.articles_kept_before_final and index + 2 == len(words)
        )

    def _present_tense(
        self, words: list[str], toks: list[_Token], out: list[list[str]], verb: int
    ) -> None:
        """Put the main verb group, verbs coordinated with it ("spoke with Trump and said") and
        the verb of a reported clause in the present; tell a reported event without its sayer."""
        grammar = self.grammar
        count = len(words)
        plural = self._plural(words, toks, 0, verb)
        group_end = self._rewrite_group(words, toks, out, verb, plural)
        reporting = toks[group_end - 1].lower in grammar.reporting_verbs
        clause_start: int | None = None
        index = group_end
        while index < count:
            token, word = toks[index], words[index].lower()
            if word == "" or (
                index == group_end
                and reporting
                and toks[group_end - 1].lower in grammar.clause_reporting_verbs
            ):
                start = index + 1 if word == "" else index
                found = self._reported_verb(words, toks, start)
                if found is not None:
                    reported_plural = self._plural(words, toks, start, found)
                    end = self._rewrite_group(words, toks, out, found, reported_plural)
                    if clause_start is None:
                        clause_start = start
                        kind = self._group_kind(words, found, end)
                    index = end
                    continue
            elif not token.plain:
                pass
            elif word == ";":
                found = self._reported_verb(words, toks, index + 1)
                if found is not None:
                    clause_plural = self._plural(words, toks, index + 1, found)
                    index = self._rewrite_group(words, toks, out, found, clause_plural)
                    continue
            elif (
                word in ("and", "but")
                and index + 1 < count
                and toks[index + 1].verb
                and toks[index + 1].plain
            ):
                end = self._rewrite_group(words, toks, out, index + 1, plural)
                reporting = toks[end - 1].lower in grammar.reporting_verbs
                group_end = end
                index = end
                continue
            elif (
                word in _CLAUSE_PRONOUNS
                and index + 1 < count
                and toks[index + 1].verb
                and toks[index + 1].plain
            ):
                pronoun_plural = word in grammar.plural_pronouns
                index = self._rewrite_group(words, toks, out, index + 1, pronoun_plural)
                continue
            index += 1
        if clause_start is not None and reporting is not None and kind == EVENT:
            self._drop_sayer(words, toks, out, verb, clause_start)

    def _drop_sayer(
        self,
        words: list[str],
        toks: list[_Token],
        out: list[list[str]],
        verb: int,
        clause_start: int,
    ) -> None:
        """ "Gerasimov reported that Russian forces had taken 430 soldiers prisoner" is a
        headline about the capture: "Russian forces take 430 soldiers prisoner". A reported
        "he"/"she" becomes the sayer ("Trump said he had begun ..." -> "Trump begins ...");
        "it"/"they" would lose their referent, so such reports keep the sayer."""
        reported = [
            word
            for group in out[clause_start:]
            for word in group
            if word[:1].isalnum() and word.lower() not in _ARTICLES
        ]
        if len(reported) < _MIN_REPORTED_WORDS:
            return  # "Celik said the talks had ended": "Talks end" would say too little
        subject = words[clause_start].lower()
        if toks[clause_start].plain and subject in _CLAUSE_PRONOUNS:
            sayers = [i for i in range(verb) if out[i] and words[i] not in _ARTICLES]
            person = len(sayers) == 1 and self._is_person(words[sayers[0]], toks[sayers[0]])
            if subject not in _PRONOUNS_RESOLVED or not person:
                return
            out[clause_start] = [words[sayers[0]]]
        for index in range(clause_start):
            out[index] = []

    def _is_person(self, word: str, token: _Token) -> bool:
        if token.mention is not None and token.mention.actor is not None:
            return token.mention.actor.kind == "person"
        return word in self.gazetteer.persons_by_short

    def _reported_verb(self, words: list[str], toks: list[_Token], start: int) -> int | None:
        """The finite verb of a reported clause starting at `start`, after a subject of at
        most eight words and before any comma."""
        for index in range(start + 1, min(len(words), start + 9)):
            token = toks[index]
            if words[index] in (",", ";", ""):
                return None
            if token.plain and (token.verb or token.lower in _MODALS):
                if index == start + 1 and toks[start].plain and toks[start].lower in _ARTICLES:
                    return None
                return index
        return None

    def _plural(self, words: list[str], toks: list[_Token], start: int, end: int) -> bool:
        """Whether the subject words[start:end] take a plural verb: coordinated ("Trump and
        Putin"), a plural pronoun, or a head noun in -s ("Russian forces", "Negotiators from
        Moscow"); the head is the last word before the first preposition."""
        grammar = self.grammar
        head: int | None = None
        for index in range(start, end):
            token = toks[index]
            if token.plain and index > start and token.lower in grammar.prepositions:
                break
            if token.plain and token.lower in ("and", "&"):
                return True
            if words[index] and words[index] != ",":
                head = index
        if head is None:
            return False
        token, word = toks[head], words[head]
        if token.mention is not None and token.mention.actor is not None:
            if token.mention.actor.kind == "person":
                return False
        elif word != token.text:
            return False  # a resolved "he"/"she"
        lower = word.lower()
        if lower in grammar.plural_pronouns:
            return True
        last = lower.rsplit(" ", 1)[-1]
        return (
            last.endswith("s")
            and not last.endswith(("ss", "us", "is", "'s", "’s"))
            and last not in grammar.singular_nouns_ending_in_s
        )

    def _group_end(self, words: list[str], toks: list[_Token], start: int) -> int:
        """The end of the verb group at `start`: auxiliaries, adverbs and the main verb."""
        inflection = self.inflection
        grammar = self.grammar
        first = words[start].lower()
        index = start + 1
        if first not in _BE and first not in _HAVE and first not in _DO and first not in _MODALS:
            return index
        previous = first
        count = len(words)
        while index < count and toks[index].plain:
            word = toks[index].lower
            if (
                word in grammar.headline_adverbs
                or word in _BE
                or word in _HAVE
                or (word == "to" and previous in _BE)
            ):
                previous = word
                index += 1
                continue
            if previous in _MODALS or previous in _DO or previous == "to":
                return index + 1  # "would not accept", "did not attend", "is to visit"
            if inflection.is_participle(word) or word.endswith("ing"):
                return index + 1  # "had taken", "was killed", "was firing"
            break
        return index

    def _group_kind(self, words: list[str], start: int, end: int) -> str:
        group = [word.lower() for word in words[start:end]]
        first, last = group[0], group[-1]
        if first in _MODALS or first in _DO or "to" in group:
            return MODAL
        if first in _BE:
            passive = last not in _BE and self.inflection.is_participle(last)
            return EVENT if passive and not _NEGATIONS.intersection(group) else STATE
        if first in _HAVE:
            if len(group) == 1 or last in _BE or _NEGATIONS.intersection(group):
                return STATE
            return EVENT
        return EVENT if self.inflection.is_past(first) else STATE

    def _rewrite_group(
        self, words: list[str], toks: list[_Token], out: list[list[str]], start: int, plural: bool
    ) -> int:
        """Put the verb group at `start` in the headline present; returns where it ends.

        "arrived" -> "arrives", "had both accepted" -> "both accept", "was killed" -> "killed",
        "was still firing" -> "is still firing", "would not accept" -> "will not accept",
        "is to visit" -> "to visit", "did not attend" -> "does not attend"."""
        inflection = self.inflection
        end = self._group_end(words, toks, start)
        group = words[start:end]
        lower = [word.lower() for word in group]
        first = lower[0]
        rest = group[1:]
        negated = bool(_NEGATIONS.intersection(lower))
        if first in _MODALS:
            rewritten = [inflection.present_modals.get(first, group[0]), *rest]
        elif first in _DO:
            rewritten = [inflection.present("do", plural), *rest] if first == "did" else group
        elif first in _HAVE:
            last = lower[-1]
            if len(group) == 1 or not inflection.is_participle(last) or negated:
                rewritten = [inflection.present("have", plural), *rest]
            elif last == "been":
                rewritten = [inflection.present("be", plural), *rest[:-1]]
            elif lower[-2] == "been":
                rewritten = [w for w in rest if w.lower() != "been"]  # "had been killed"
            else:
                adverbs = rest[:-1]
                rewritten = [*adverbs, inflection.present(inflection.base(last), plural)]
        elif first in _BE:
            last = lower[-1]
            if "to" in lower[1:]:
                rewritten = rest  # "is to visit" -> "to visit"
            elif len(group) > 1 and inflection.is_participle(last) and not negated:
                rewritten = rest  # passive: "was killed" -> "killed"
            elif first in ("was", "were", "is", "are", "am"):
                rewritten = [inflection.present("be", plural), *rest]
            else:
                rewritten = group
        elif inflection.is_past(first):
            rewritten = [inflection.present(inflection.base(first), plural), *rest]
        else:
            rewritten = group
        if group[0][:1].isupper() and rewritten:
            rewritten[0] = rewritten[0][:1].upper() + rewritten[0][1:]
        out[start] = rewritten
        for index in range(start + 1, end):
            out[index] = []
        return end

    def _category(
        self, tokens: list[_Token], core_start: int, cut: int, start: int, end: int
    ) -> str:
        categories = self.categories
        if core_start < cut:
            main_clause = self.text[tokens[core_start].start : tokens[cut - 1].end]
            found = categories.best(main_clause)
            if found is not None:
                return found
        sentence = self.text[start:end]
        found = categories.best(sentence)
        if found is not None:
            return found
        if categories.speech.search(sentence):
            return categories.fallback_said
        return categories.fallback

    def _actors(
        self,
        mentions: list[Mention],
        tokens: list[_Token],
        core_start: int,
        resolved_subject: str | None,
    ) -> tuple[str, ...]:
        names: list[str] = []
        subject_offset = tokens[core_start].start if resolved_subject else None
        for mention in mentions:
            if subject_offset is not None and mention.start > subject_offset:
                names.append(self._person_by_short(resolved_subject))  # type: ignore[arg-type]
                subject_offset = None
            # Actors of a relative or "since" clause belong to another event.
            if mention.role == "actor" and self._scope_at(tokens, mention.start) != EXCLUDING:
                names.append(mention.name)
        if subject_offset is not None:
            names.append(self._person_by_short(resolved_subject))  # type: ignore[arg-type]
        return tuple(dict.fromkeys(names))

    def _person_by_short(self, short: str) -> str:
        return self.gazetteer.persons_by_short.get(short, short)


def _limit_words(words: list[str], grammar: _Grammar) -> list[str]:
    """At most TITLE_MAX_WORDS words, cut before a preposition or conjunction when possible."""
    if len(words) <= TITLE_MAX_WORDS // 2:
        return words  # even if every item were a two-word name
    # A multi-word name ("Kursk region") counts as its words.
    word_positions = [i for i, word in enumerate(words) if word[0].isalnum() for _ in word.split()]
    if len(word_positions) <= TITLE_MAX_WORDS:
        return words
    limit = word_positions[TITLE_MAX_WORDS]  # index of the first word that does not fit
    minimum = word_positions[len(word_positions) // 3] if word_positions else 0
    for position in range(limit, minimum, -1):
        word = words[position]
        if (word.lower() in grammar.cut_before or word in (",", ";")) and (
            words[position - 1].lower() not in grammar.cut_not_after
        ):
            return words[:position]
    while limit > 1 and words[limit - 1].lower() in grammar.cut_not_after:
        limit -= 1  # "... along parts of the front hours" -> "... along parts of the front"
    return words[:limit]


def _render(words: list[str]) -> str:
    title = " ".join(words)
    if " -" in title or " –" in title:
        title = _JOINED_DASH.sub(r"\1", title)  # "30 - day" -> "30-day"
    title = _NO_SPACE_BEFORE.sub("", title)
    if "(" in title or "[" in title:
        title = _NO_SPACE_AFTER.sub("", title)
    return title[:1].upper() + title[1:]


def _token_index(tokens: list[_Token], offset: int) -> int:
    """The first token ending after `offset`. Tokens are in text order; bisecting keeps a
    sentence with thousands of date phrases linear-logarithmic instead of quadratic."""
    return bisect_right(tokens, offset, key=_token_end)


def _between_words(text: str, start: int, end: int) -> bool:
    return start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()


def _bare_date_end(
    expressions: Sequence[TemporalExpression], tokens: list[_Token], index: int
) -> int | None:
    """Where the date phrase starting at token `index` ends ("since [2022]"), if one does."""
    if index >= len(tokens):
        return None
    token = tokens[index]
    found = next((e for e in expressions if e.start == token.start), None)
    if found is not None:
        return found.end
    if len(token.text) == 4 and token.text.isdigit():  # a bare year the engine left out
        return token.end
    return None


# Bisection keys: attrgetter is a C call, a lambda a Python frame per probe.
_token_start = attrgetter("start")
_token_end = attrgetter("end")
_expression_start = attrgetter("start")


def _mark_dated(tokens: list[_Token], expressions: Sequence[TemporalExpression]) -> None:
    """Flag the tokens inside a date phrase: `_inside_any` for every token in one pass."""
    if not expressions:
        return
    position = -1
    count = len(expressions)
    for token in tokens:
        offset = token.start
        while position + 1 < count and expressions[position + 1].start <= offset:
            position += 1
        if position >= 0 and offset < expressions[position].end:
            token.dated = True


def _inside_any(offset: int, expressions: Sequence[TemporalExpression]) -> bool:
    """Whether `offset` falls in one of `expressions` (sorted by start, not overlapping, as
    the engine returns them)."""
    index = bisect_right(expressions, offset, key=_expression_start) - 1
    return index >= 0 and offset < expressions[index].end

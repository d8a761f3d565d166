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
   cut before the first subordinate clause or comma after the verb's object, persons are named
   by their short name ("Russian President Vladimir Putin" -> "Putin"; a subject "he"/"she" by
   the last person named), a leading article is dropped, and the result is limited to
   `TITLE_MAX_WORDS` words, cut before a preposition or conjunction when possible and never
   ending on a function word.

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml

from app.events.gazetteer import Gazetteer, Mention, load_gazetteer
from app.events.sentences import split_sentences
from app.temporal.model import TemporalExpression

DATA_DIR = Path(__file__).parent / "data"

_Item = TypeVar("_Item")

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
_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]’])")
_NO_SPACE_AFTER = re.compile(r"([(\[]) ")
_PRONOUNS_RESOLVED = frozenset({"he", "she"})
_ARTICLES = frozenset({"the", "a", "an"})


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


@dataclass(frozen=True, slots=True)
class _Categories:
    names: tuple[str, ...]  # in priority order
    # One alternation with a group per category, in priority order, so a text is scanned once.
    combined: re.Pattern[str]
    speech: re.Pattern[str]
    fallback_said: str
    fallback: str

    def best(self, text: str) -> str | None:
        """The highest-priority category with a pattern in `text`."""
        best_index: int | None = None
        # Patterns are compiled lowercase and case-sensitive: much faster than IGNORECASE.
        for match in self.combined.finditer(text.lower()):
            index = int(match.lastgroup[1:])  # type: ignore[index]
            if best_index is None or index < best_index:
                best_index = index
                if index == 0:
                    break
        return None if best_index is None else self.names[best_index]


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


@cache
def _load_grammar(language: str) -> _Grammar:
    path = DATA_DIR / language / "grammar.yaml"
    if not path.is_file():
        raise ValueError(f"no extraction grammar for language {language!r}")
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return _Grammar(**{field: frozenset(data[field].split()) for field in _Grammar.__slots__})


@cache
def _load_categories(language: str) -> _Categories:
    with (DATA_DIR / language / "categories.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    groups = (
        f"(?P<c{index}>" + "|".join(f"(?:{p.lower()})" for p in entry["patterns"]) + ")"
        for index, entry in enumerate(data["categories"])
    )
    return _Categories(
        names=tuple(entry["name"] for entry in data["categories"]),
        combined=re.compile(r"\b(?:" + "|".join(groups) + r")\b"),
        speech=_word_alternation(data["speech_patterns"]),
        fallback_said=data["fallback_said"],
        fallback=data["fallback"],
    )


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
    with (DATA_DIR / language / "categories.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
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
    ordered = sorted(expressions, key=lambda expression: expression.start)
    all_mentions = extractor.gazetteer.find(text)
    events: list[EventDraft] = []
    previous: _SentenceResult | None = None
    for start, end in split_sentences(text, language=language):
        inside = _within(ordered, start, end, key=lambda e: e.start)
        mentions = _within(all_mentions, start, end, key=lambda m: m.start)
        result = extractor.sentence(start, end, inside, mentions, previous)
        if result.event is not None:
            if not result.own_date:
                result.event = dataclasses.replace(result.event, continues=len(events) - 1)
            events.append(result.event)
        previous = result
    return events


def _within(
    items: Sequence[_Item], start: int, end: int, key: Callable[[_Item], int]
) -> list[_Item]:
    """The items (sorted by `key`) whose key offset lies in [start, end)."""
    low = bisect_left(items, start, key=key)
    high = bisect_left(items, end, lo=low, key=key)
    return list(items[low:high])


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
        persons = [m for m in mentions if m.actor is not None and m.actor.kind == "person"]
        # The first person named is usually the subject, the likeliest antecedent of a "he".
        last_person = persons[0].actor.short if persons else None  # type: ignore[union-attr]
        inherited_person = previous.last_person if previous else None

        qualifying = [e for e in expressions if is_qualifying(e)]
        could_inherit = previous is not None and previous.own_date and previous.end <= start
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
        title = self._title(tokens, core_start, cut, verb, expression, resolved_subject)
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
                            _Token(surface, surface.lower(), mention.start, mention.end, mention)
                        )
                    continue  # later words of the mention are part of its token
                next_mention = (
                    mentions[mention_index].start if mention_index < mention_count else end
                )
            word = match.group()
            if word.islower():
                # A past-tense verb ends in -ed, unless listed as an adjective ("armed").
                verb = word in finite_verbs or (
                    word.endswith("ed") and len(word) > 4 and word not in ed_non_verbs
                )
                append(_Token(word, word, word_start, word_end, None, True, verb))
            elif word in _DASHES and _between_words(text, word_start, word_end):
                append(_Token(word, word, word_start, word_end, joined=True))
            else:
                append(_Token(word, word.lower(), word_start, word_end))
        return tokens

    def _mark_scopes(self, tokens: list[_Token], expressions: list[TemporalExpression]) -> None:
        """Give every token the scope of the clause it sits in (rule 2 of the module docstring)."""
        grammar = self.grammar
        scope = MAIN
        main_verb_seen = False
        # A relative clause opened in the subject, before the main verb, ends at its second verb.
        subject_relative_verbs: int | None = None
        reported_speech = False
        depth = 0
        # "since 2022 yesterday": a "since"/"until" whose object is a bare date ends with it.
        restore_after: int | None = None
        restored_scope = MAIN
        for index, token in enumerate(tokens):
            word = token.lower
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth = max(0, depth - 1)
            if restore_after is not None and token.start >= restore_after:
                scope, restore_after = restored_scope, None
            if depth == 0 and token.text in _CLAUSE_PUNCTUATION and not token.joined:
                scope = MAIN
                restore_after = None
                subject_relative_verbs = None
                token.scope = MAIN
                continue
            # A clause opener inside a date phrase is not one ("that week", "since Monday").
            # A capitalised first word opens a clause too ("When Trump and Putin spoke, ...").
            opener = token.plain or (index == 0 and token.mention is None)
            if opener and not _inside_any(token.start, expressions):
                if word in grammar.relative_words and index > 0:
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
                elif word in grammar.excluding_scopes:
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
                elif word in grammar.weak_scopes:
                    scope = max(scope, WEAK)
                elif word in grammar.neutral_scopes:
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
            if depth or _inside_any(previous.start, expressions) or previous.text == ",":
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
            opens_adverbial = token.lower in grammar.leading_words or _inside_any(
                token.start, expressions
            )
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
        first: int | None = None
        last = -1
        for index, token in enumerate(tokens):
            if expression.start <= token.start < expression.end:
                if first is None:
                    first = index
                last = index
        return first, last

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
            tier = WEAK if scope == WEAK else MAIN
            distance = abs(index - verb) if verb is not None else index
            saying = 0 if reported_from is not None and index > reported_from else 1
            key = (tier, saying, distance, expression.start)
            if best is None or key < best[0]:
                best = (key, expression, tier)
        return None if best is None else (best[1], best[2])

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
        kept: list[_Token] = []
        depth = 0
        saying = self._saying_dates(tokens, verb, expression)
        for index in range(start, end):
            token = tokens[index]
            if token.text == "(":
                depth += 1
            if depth:
                if token.text == ")":
                    depth -= 1
                continue
            if _inside_any(token.start, saying) or (
                token.lower in grammar.date_prepositions
                and index + 1 < len(tokens)
                and any(tokens[index + 1].start == e.start for e in saying)
            ):
                continue  # "said on Wednesday that ...": the saying's date, when it dates nothing
            if expression.start <= token.start < expression.end or token.complementizer:
                continue
            if token.text in _DOUBLE_QUOTES:
                continue
            if token.text == "," and self._brackets_date(tokens, index, expression):
                continue
            if (
                token.lower in grammar.date_prepositions
                and index + 1 < len(tokens)
                and tokens[index + 1].start == expression.start
            ):
                continue
            if (
                verb is not None
                and index > verb
                and token.scope != MAIN
                and tokens[verb].lower in grammar.reporting_verbs
                and self._complementizer_ahead(tokens, index, end) is not None
            ):
                continue  # "said after the meeting that ...": the adverbial goes
            if verb is not None and index < verb and token.scope != MAIN:
                if kept and kept[-1].text == ",":
                    kept.pop()  # "The envoy, who arrived on Monday, met ..." -> "Envoy met"
                continue  # a relative clause inside the subject
            if token.text == "," and index + 1 == verb:
                continue  # closes an appositive: "Ukraine's commander-in-chief, Syrskyi, said"
            kept.append(token)
        words = self._title_words(kept, resolved_subject)
        return _render(words)

    def _title_words(self, kept: list[_Token], resolved_subject: str | None) -> list[str]:
        grammar = self.grammar
        words: list[str] = []
        for token in kept:
            if token.text == "," and (not words or words[-1] == ","):
                continue  # commas orphaned by a removed date phrase
            if token.mention is not None and token.mention.actor is not None:
                actor = token.mention.actor
                words.append(actor.short if actor.kind == "person" else token.text)
            elif not words and token.lower in grammar.connectives:
                continue
            elif not words and token.lower in _PRONOUNS_RESOLVED and resolved_subject:
                words.append(resolved_subject)
            else:
                words.append(token.text)
        while words and words[0].lower() in _ARTICLES | {","}:
            words.pop(0)
        words = _limit_words(words, grammar)
        while words and (
            words[-1].lower() in grammar.trailing_function_words or not words[-1][0].isalnum()
        ):
            words.pop()
        return words

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
    # A multi-word name ("Kursk region") counts as its words.
    word_positions = [i for i, word in enumerate(words) if word[0].isalnum() for _ in word.split()]
    if len(word_positions) <= TITLE_MAX_WORDS:
        return words
    limit = word_positions[TITLE_MAX_WORDS]  # index of the first word that does not fit
    minimum = word_positions[len(word_positions) // 3] if word_positions else 0
    for position in range(limit, minimum, -1):
        if words[position].lower() in grammar.cut_before or words[position] == ",":
            return words[:position]
    return words[:limit]


def _render(words: list[str]) -> str:
    title = " ".join(words)
    title = _JOINED_DASH.sub(r"\1", title)  # "30 - day" -> "30-day"
    title = _NO_SPACE_BEFORE.sub(r"\1", title)
    title = _NO_SPACE_AFTER.sub(r"\1", title)
    return title[:1].upper() + title[1:]


def _token_index(tokens: list[_Token], offset: int) -> int:
    """The first token ending after `offset`. Tokens are in text order; bisecting keeps a
    sentence with thousands of date phrases linear-logarithmic instead of quadratic."""
    return bisect_right(tokens, offset, key=lambda token: token.end)


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


def _inside_any(offset: int, expressions: Sequence[TemporalExpression]) -> bool:
    """Whether `offset` falls in one of `expressions` (sorted by start, not overlapping, as
    the engine returns them)."""
    index = bisect_right(expressions, offset, key=lambda expression: expression.start) - 1
    return index >= 0 and offset < expressions[index].end

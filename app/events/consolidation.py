"""One event per happening: when a mention joins an event, and what an event's fields become.

This module is pure (no database): the service hands it the facts of a new mention and of the
candidate events the repository found, and it decides; and it derives an event's dates, title,
category, actors and locations from the mentions that back it.

Joining (`match_score`, `best_match`). A mention may join an event only when

* their intervals intersect (a `week` mention and a `day` event inside it do; two different
  precise days never do, so contradicting reports stay apart and show up as possible duplicates);
* they share an actor or a location (the repository only returns such candidates: an indexed
  query on the date columns and `event_entities`);
* the event is not already backed by another dated sentence of the same article (one report tells
  one happening once; different dated sentences of one report are different happenings).

Among those, the score weighs shared actors (and whether the mention's subject is among the
event's), shared locations, the category (equal, or in the same CAMEO quad class) and the wording
(content-word overlap with the event's title and with each sentence backing it); unknowns (no
actors, no locations, a `statement`) count half. The best candidate at or above `JOIN_THRESHOLD`
wins, else the mention starts a new event.

Deriving (`derive`). An event's dates are the most precise dates consistent with all its
mentions: the intersection of their intervals (a `week` mention plus a `day` mention inside it
give the day). Title and description come from the representative mention (the most precise,
then the most confident, then the earliest); the category is the one most mentions give (a
specific category beats `statement`/`other`; a tie goes to the one `categories.yaml` lists
first); actors and locations are the union, the most
frequent first; confidence combines the mentions' confidences like independent witnesses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from app.events.extraction import category_names, category_quad_classes

JOIN_THRESHOLD = 0.55
DUPLICATE_THRESHOLD = 0.45
CANDIDATE_WINDOW_DAYS = 2
SENTENCES_PER_CANDIDATE = 8  # the wording of this many of an event's sentences is compared
DUPLICATE_WINDOW_DAYS = 7
MAX_CONFIDENCE = 0.99
FALLBACK_CATEGORIES = frozenset({"statement", "other"})

# Weights of the score's parts; they sum to 1.
ACTOR_WEIGHT = 0.3
LOCATION_WEIGHT = 0.15
CATEGORY_WEIGHT = 0.2
WORDING_WEIGHT = 0.35

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "as",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "will",
        "would",
        "could",
        "can",
        "may",
        "might",
        "must",
        "shall",
        "should",
        "did",
        "does",
        "do",
        "said",
        "says",
        "told",
        "say",
        "he",
        "she",
        "they",
        "we",
        "i",
        "his",
        "her",
        "their",
        "our",
        "after",
        "before",
        "over",
        "into",
        "than",
        "then",
        "there",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "when",
        "where",
        "while",
        "also",
        "not",
        "no",
        "more",
        "most",
        "some",
        "any",
        "all",
        "about",
        "yesterday",
        "today",
        "tonight",
        "week",
        "weeks",
        "day",
        "days",
        "month",
        "year",
        "last",
        "next",
        "earlier",
        "later",
        "ago",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


@dataclass(slots=True)
class MentionFacts:
    """What consolidation needs to know about one mention (stored or about to be)."""

    date_start: date
    date_end: date
    granularity: str
    timex: str | None
    time: str | None
    title: str
    sentence: str
    category: str
    actors: tuple[str, ...]
    locations: tuple[str, ...]
    confidence: float
    article_id: object
    published_at: datetime
    sentence_start: int
    inherited: bool = False  # dated by the sentence before it, not by a phrase of its own


@dataclass(slots=True)
class EventFacts:
    """What consolidation needs to know about a candidate event."""

    id: object
    date_start: date
    date_end: date
    title: str
    description: str
    category: str
    actors: tuple[str, ...]
    locations: tuple[str, ...]
    articles: frozenset = field(default_factory=frozenset)  # articles backing it with own dates
    sentences: tuple[str, ...] = ()  # every sentence backing it (the description's included)


@dataclass(slots=True)
class Derived:
    """An event's fields as its mentions determine them."""

    date_start: date
    date_end: date
    granularity: str
    timex: str | None
    time: str | None
    title: str
    description: str
    category: str
    actors: list[str]
    locations: list[str]
    confidence: float


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """Lowercased content words, cut to a five-letter stem ("negotiators" ~ "negotiations")."""
    return frozenset(
        word[:5] for word in (w.lower() for w in _WORD.findall(text)) if word not in _STOPWORDS
    )


def _overlap(a: Iterable[str], b: Iterable[str]) -> float:
    """Overlap coefficient: shared items over the smaller set (0 when either is empty)."""
    first, second = set(a), set(b)
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def intervals_intersect(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def _category_likeness(first: str, second: str) -> float:
    if first == second:
        return 1.0
    if first in FALLBACK_CATEGORIES or second in FALLBACK_CATEGORIES:
        return 0.5  # "said" or unknown: neither for nor against
    classes = category_quad_classes()
    a, b = classes.get(first), classes.get(second)
    if a is None or b is None:
        return 0.0
    if a == b:
        return 0.6  # same CAMEO quad class ("talks" and "agreement": verbal cooperation)
    if (a <= 2) == (b <= 2):
        return 0.3  # both cooperation or both conflict
    return 0.0


def _actor_likeness(mention: MentionFacts, event: EventFacts) -> float:
    if not mention.actors or not event.actors:
        return 0.5  # unknown: neither for nor against
    # Half for how many actors they share, half for whether the mention's subject (its first
    # actor) is one of the event's: "Ukraine endorsed ... at the Jeddah talks" is about Ukraine.
    subject = 1.0 if mention.actors[0] in event.actors else 0.0
    return 0.5 * _overlap(mention.actors, event.actors) + 0.5 * subject


def similarity(mention: MentionFacts, event: EventFacts) -> float:
    """How alike a mention and an event are, dates aside: 0 (nothing shared) to 1."""
    if mention.locations and event.locations:
        locations = 1.0 if set(mention.locations) & set(event.locations) else 0.0
    else:
        locations = 0.5  # unknown: neither for nor against
    mention_words = content_words(f"{mention.title} {mention.sentence}")
    # The best-matching single sentence of the event: every report words a happening its own
    # way, and one of them is usually close to this one.
    wording = max(
        [
            _dice(content_words(mention.title), content_words(event.title)),
            _dice(mention_words, content_words(f"{event.title} {event.description}")),
            *(_dice(mention_words, content_words(sentence)) for sentence in event.sentences),
        ]
    )
    wording = min(1.0, wording * 1.5)
    return (
        ACTOR_WEIGHT * _actor_likeness(mention, event)
        + LOCATION_WEIGHT * locations
        + CATEGORY_WEIGHT * _category_likeness(mention.category, event.category)
        + WORDING_WEIGHT * wording
    )


def match_score(mention: MentionFacts, event: EventFacts) -> float | None:
    """The join score of `mention` with `event`, or None when they may not join at all."""
    if not intervals_intersect(
        mention.date_start, mention.date_end, event.date_start, event.date_end
    ):
        return None
    if mention.article_id in event.articles:
        return None
    shared_actor = bool(set(mention.actors) & set(event.actors))
    shared_location = bool(set(mention.locations) & set(event.locations))
    if not shared_actor and not shared_location:
        return None
    return similarity(mention, event)


def best_match(mention: MentionFacts, candidates: Sequence[EventFacts]) -> EventFacts | None:
    """The candidate the mention joins, or None when it starts an event of its own."""
    best: tuple[float, EventFacts] | None = None
    for candidate in candidates:
        score = match_score(mention, candidate)
        if score is not None and score >= JOIN_THRESHOLD and (best is None or score > best[0]):
            best = (score, candidate)
    return None if best is None else best[1]


def possible_duplicates(
    event: EventFacts, candidates: Sequence[EventFacts]
) -> list[tuple[float, EventFacts]]:
    """Other events that look like the same happening but were kept apart, most alike first."""
    probe = MentionFacts(
        date_start=event.date_start,
        date_end=event.date_end,
        granularity="day",
        timex=None,
        time=None,
        title=event.title,
        sentence=event.description,
        category=event.category,
        actors=event.actors,
        locations=event.locations,
        confidence=1.0,
        article_id=None,
        published_at=datetime.min,
        sentence_start=0,
    )
    found = []
    for candidate in candidates:
        if candidate.id == event.id:
            continue
        score = similarity(probe, candidate)
        if score >= DUPLICATE_THRESHOLD:
            found.append((score, candidate))
    found.sort(key=lambda pair: -pair[0])
    return found


def _length(mention: MentionFacts) -> int:
    return (mention.date_end - mention.date_start).days


def _representative(mentions: Sequence[MentionFacts]) -> MentionFacts:
    own = [m for m in mentions if not m.inherited] or list(mentions)
    return min(
        own,
        key=lambda m: (_length(m), -m.confidence, m.published_at, m.sentence_start),
    )


def _ranked(names: Iterable[Sequence[str]], first: Sequence[str]) -> list[str]:
    counts: Counter[str] = Counter()
    order: dict[str, int] = {}
    for name in first:
        order.setdefault(name, len(order))
    for group in names:
        for name in dict.fromkeys(group):
            counts[name] += 1
            order.setdefault(name, len(order))
    return sorted(counts, key=lambda name: (-counts[name], order[name]))


def _category(own: Sequence[MentionFacts], representative: MentionFacts) -> str:
    counts = Counter(m.category for m in own)
    specific = {name: n for name, n in counts.items() if name not in FALLBACK_CATEGORIES}
    pool = specific or counts
    top = max(pool.values())
    tied = [name for name, count in pool.items() if count == top]
    if len(tied) == 1:
        return tied[0]
    # A tie goes to the category listed first in categories.yaml (the more specific one).
    priority = {name: index for index, name in enumerate(category_names())}
    return min(tied, key=lambda name: priority.get(name, len(priority)))


def derive(mentions: Sequence[MentionFacts]) -> Derived:
    """The fields of an event backed by `mentions` (at least one)."""
    if not mentions:
        raise ValueError("an event needs at least one mention")
    own = [m for m in mentions if not m.inherited] or list(mentions)
    representative = _representative(mentions)
    start = max(m.date_start for m in own)
    end = min(m.date_end for m in own)
    granularity, timex, time = "range", None, None
    if start > end:  # contradicting mentions a curator merged: keep the representative's dates
        start, end = representative.date_start, representative.date_end
    exact = [m for m in own if (m.date_start, m.date_end) == (start, end)]
    if exact:
        best = _representative(exact)
        granularity, timex, time = best.granularity, best.timex, best.time
    elif start == end:
        granularity, timex = "day", start.isoformat()
    continuation = sorted(
        (
            m
            for m in mentions
            if m.inherited
            and m.article_id == representative.article_id
            and m.sentence_start > representative.sentence_start
        ),
        key=lambda m: m.sentence_start,
    )
    description = " ".join([representative.sentence, *(m.sentence for m in continuation)])
    missing = 1.0
    for mention in own:
        missing *= 1.0 - mention.confidence
    return Derived(
        date_start=start,
        date_end=end,
        granularity=granularity,
        timex=timex,
        time=time,
        title=representative.title,
        description=description,
        category=_category(own, representative),
        actors=_ranked((m.actors for m in mentions), representative.actors),
        locations=_ranked((m.locations for m in mentions), representative.locations),
        confidence=round(min(MAX_CONFIDENCE, 1.0 - missing), 3),
    )


def absorb(current: Derived, mention: MentionFacts) -> Derived:
    """The event's fields once `mention` joins it, from its current fields alone (no re-read).

    Ingest uses this, so a join costs the same however many reports back the event: dates
    narrow to the intersection, the title and description move to the new mention only when it
    is strictly more precise, a specific category replaces `statement`/`other`, new actors and
    locations are appended, and the confidences combine. `derive` (after a deletion, a split or
    a merge) recomputes everything from all the mentions.
    """
    start = max(current.date_start, mention.date_start)
    end = min(current.date_end, mention.date_end)
    if start > end:  # contradicting dates never join automatically; keep the event as it is
        return current
    granularity, timex, time = current.granularity, current.timex, current.time
    if (
        (start, end)
        == (mention.date_start, mention.date_end)
        != (
            current.date_start,
            current.date_end,
        )
    ):
        granularity, timex, time = mention.granularity, mention.timex, mention.time
    elif (start, end) != (current.date_start, current.date_end):
        granularity, timex, time = (
            ("day", start.isoformat(), None)
            if start == end
            else (
                "range",
                None,
                None,
            )
        )
    title, description = current.title, current.description
    if not mention.inherited and _length(mention) < (current.date_end - current.date_start).days:
        title, description = mention.title, mention.sentence
    category = current.category
    if category in FALLBACK_CATEGORIES and mention.category not in FALLBACK_CATEGORIES:
        category = mention.category
    confidence = current.confidence
    if not mention.inherited:
        confidence = round(min(MAX_CONFIDENCE, 1 - (1 - confidence) * (1 - mention.confidence)), 3)
    return Derived(
        date_start=start,
        date_end=end,
        granularity=granularity,
        timex=timex,
        time=time,
        title=title,
        description=description,
        category=category,
        actors=list(dict.fromkeys([*current.actors, *mention.actors])),
        locations=list(dict.fromkeys([*current.locations, *mention.locations])),
        confidence=confidence,
    )

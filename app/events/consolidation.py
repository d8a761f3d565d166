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
wins, else the mention starts a new event; of candidates with the very same score, the first in
the repository's order, (date_start, id), with ids in creation order (`models.new_id`), so that
the same articles ingested in the same order are grouped the same way every time.

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
    """What consolidation needs to know about one mention (stored or about to be).

    Facts are not changed once scored: the word and name sets scoring needs are computed on
    first use and kept (`profile`)."""

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
    profile: _Profile | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class EventFacts:
    """What consolidation needs to know about a candidate event (not changed once scored)."""

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
    profile: _Profile | None = field(default=None, repr=False, compare=False)


@dataclass(slots=True)
class _Profile:
    """The sets a mention or an event is scored by, computed once however many it meets.

    `text_words` are the words of title and sentence (mention) or title and description
    (event); `sentence_words` those of each sentence backing an event (none for a mention)."""

    actors: frozenset[str]
    locations: frozenset[str]
    title_words: frozenset[str]
    text_words: frozenset[str]
    sentence_words: tuple[frozenset[str], ...] = ()


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


def _mention_profile(mention: MentionFacts) -> _Profile:
    profile = mention.profile
    if profile is None:
        profile = mention.profile = _Profile(
            frozenset(mention.actors),
            frozenset(mention.locations),
            content_words(mention.title),
            content_words(f"{mention.title} {mention.sentence}"),
        )
    return profile


def _event_profile(event: EventFacts) -> _Profile:
    profile = event.profile
    if profile is None:
        fields = (event.title, event.description, event.actors, event.locations, event.sentences)
        try:
            profile = _profile_of_event(*fields)
        except TypeError:  # facts built with lists rather than tuples: nothing to share
            profile = _profile_of_event.__wrapped__(*fields)
        event.profile = profile
    return profile


@lru_cache(maxsize=4096)
def _profile_of_event(
    title: str,
    description: str,
    actors: tuple[str, ...],
    locations: tuple[str, ...],
    sentences: tuple[str, ...],
) -> _Profile:
    """An event's profile by its fields. Ingest builds new facts for the same few stored
    events for every article of a run (about four candidates per dated sentence), and an
    event's fields change far less often than it is scored; the profile is never changed."""
    return _Profile(
        frozenset(actors),
        frozenset(locations),
        content_words(title),
        content_words(f"{title} {description}"),
        tuple(content_words(sentence) for sentence in sentences),
    )


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


@lru_cache(maxsize=1024)
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


def _actor_likeness(mention: MentionFacts, m: _Profile, e: _Profile) -> float:
    if not m.actors or not e.actors:
        return 0.5  # unknown: neither for nor against
    # Half for how many actors they share (overlap coefficient: shared over the smaller set),
    # half for whether the mention's subject (its first actor) is one of the event's:
    # "Ukraine endorsed ... at the Jeddah talks" is about Ukraine.
    subject = 1.0 if mention.actors[0] in e.actors else 0.0
    overlap = len(m.actors & e.actors) / min(len(m.actors), len(e.actors))
    return 0.5 * overlap + 0.5 * subject


def _likeness(mention: MentionFacts, event: EventFacts, m: _Profile, e: _Profile) -> float:
    """The score without its wording part (`similarity` adds WORDING_WEIGHT * wording)."""
    if m.locations and e.locations:
        locations = 0.0 if m.locations.isdisjoint(e.locations) else 1.0
    else:
        locations = 0.5  # unknown: neither for nor against
    return (
        ACTOR_WEIGHT * _actor_likeness(mention, m, e)
        + LOCATION_WEIGHT * locations
        + CATEGORY_WEIGHT * _category_likeness(mention.category, event.category)
    )


def _wording(m: _Profile, e: _Profile) -> float:
    # The best-matching single sentence of the event: every report words a happening its own
    # way, and one of them is usually close to this one. Once one is close enough for the cap,
    # the others cannot change the result.
    best = max(_dice(m.title_words, e.title_words), _dice(m.text_words, e.text_words))
    if best * 1.5 < 1.0:
        for words in e.sentence_words:
            best = max(best, _dice(m.text_words, words))
            if best * 1.5 >= 1.0:
                break
    return min(1.0, best * 1.5)


def similarity(mention: MentionFacts, event: EventFacts) -> float:
    """How alike a mention and an event are, dates aside: 0 (nothing shared) to 1."""
    m, e = _mention_profile(mention), _event_profile(event)
    return _likeness(mention, event, m, e) + WORDING_WEIGHT * _wording(m, e)


def _may_join(mention: MentionFacts, event: EventFacts, m: _Profile, e: _Profile) -> bool:
    return (
        mention.date_start <= event.date_end
        and event.date_start <= mention.date_end
        and not (event.articles and mention.article_id in event.articles)
        and not (m.actors.isdisjoint(e.actors) and m.locations.isdisjoint(e.locations))
    )


def match_score(mention: MentionFacts, event: EventFacts) -> float | None:
    """The join score of `mention` with `event`, or None when they may not join at all."""
    m, e = _mention_profile(mention), _event_profile(event)
    if not _may_join(mention, event, m, e):
        return None
    return _likeness(mention, event, m, e) + WORDING_WEIGHT * _wording(m, e)


def best_match(mention: MentionFacts, candidates: Sequence[EventFacts]) -> EventFacts | None:
    """The candidate the mention joins, or None when it starts an event of its own.

    The first candidate with the highest `match_score` at or above `JOIN_THRESHOLD`. The
    wording is compared last, and only when the rest of the score leaves a candidate a chance
    (the wording part is at most WORDING_WEIGHT), which skips most of the work; the result is
    the same as scoring every candidate.

    This is the writer's inner loop (a dated sentence against each candidate event), so the
    parts of `match_score` are written out here rather than called: `_may_join`, `_likeness`
    (with `_actor_likeness`), `_wording` and `_dice`, with the same arithmetic in the same
    order, so the scores are the very same floats (`tests/events/test_best_match_scores.py`
    checks this against `match_score`)."""
    m = _mention_profile(mention)
    m_start, m_end = mention.date_start, mention.date_end
    m_actors, m_locations = m.actors, m.locations
    m_title, m_text = m.title_words, m.text_words
    article_id, category = mention.article_id, mention.category
    subject = mention.actors[0] if m_actors else None
    best_score = 0.0
    best: EventFacts | None = None
    for candidate in candidates:
        # Dates first: most candidates of an article's mention fail them.
        if not (m_start <= candidate.date_end and candidate.date_start <= m_end):
            continue
        e = candidate.profile or _event_profile(candidate)
        articles = candidate.articles
        if articles and article_id in articles:
            continue
        e_actors, e_locations = e.actors, e.locations
        if m_actors.isdisjoint(e_actors) and m_locations.isdisjoint(e_locations):
            continue
        if m_actors and e_actors:
            overlap = len(m_actors & e_actors) / min(len(m_actors), len(e_actors))
            actors = 0.5 * overlap + 0.5 * (1.0 if subject in e_actors else 0.0)
        else:
            actors = 0.5
        if m_locations and e_locations:
            locations = 0.0 if m_locations.isdisjoint(e_locations) else 1.0
        else:
            locations = 0.5
        likeness = (
            ACTOR_WEIGHT * actors
            + LOCATION_WEIGHT * locations
            + CATEGORY_WEIGHT * _category_likeness(category, candidate.category)
        )
        # Float addition is monotonic, so likeness + WORDING_WEIGHT bounds the score exactly.
        ceiling = likeness + WORDING_WEIGHT
        if ceiling < JOIN_THRESHOLD or (best is not None and ceiling <= best_score):
            continue
        words = e.title_words
        title = 2 * len(m_title & words) / (len(m_title) + len(words)) if m_title and words else 0.0
        words = e.text_words
        text = 2 * len(m_text & words) / (len(m_text) + len(words)) if m_text and words else 0.0
        wording = max(title, text)
        if wording * 1.5 < 1.0 and m_text:
            for words in e.sentence_words:
                if words:
                    wording = max(wording, 2 * len(m_text & words) / (len(m_text) + len(words)))
                    if wording * 1.5 >= 1.0:
                        break
        score = likeness + WORDING_WEIGHT * min(1.0, wording * 1.5)
        if score >= JOIN_THRESHOLD and (best is None or score > best_score):
            best_score, best = score, candidate
    return best


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

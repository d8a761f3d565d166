"""`best_match` writes the parts of `match_score` out inline (it is the writer's inner loop):
it must pick exactly the candidate that scoring every candidate with `match_score` picks."""

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

from app.events.consolidation import (
    JOIN_THRESHOLD,
    EventFacts,
    MentionFacts,
    best_match,
    category_names,
    match_score,
)

ACTORS = ["Ukraine", "Russia", "United States", "Volodymyr Zelensky", "Vladimir Putin", "Turkey"]
PLACES = ["Jeddah", "Istanbul", "Kyiv", "Moscow", "Anchorage"]
WORDS = [
    "talks",
    "ceasefire",
    "delegations",
    "held",
    "agree",
    "truce",
    "prisoners",
    "exchange",
    "summit",
    "call",
    "energy",
    "strikes",
    "black",
    "sea",
    "negotiators",
    "proposal",
    "meeting",
    "announced",
    "leaders",
    "envoy",
    "attack",
    "drones",
    "the",
    "of",
    "in",
]


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _names(rng: random.Random, pool: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(rng.choice(pool) for _ in range(rng.randint(0, 3))))


def _span(rng: random.Random) -> tuple[date, date]:
    start = date(2025, 3, 1) + timedelta(days=rng.randint(0, 12))
    return start, start + timedelta(days=rng.choice([0, 0, 0, 1, 6]))


def _reference(mention: MentionFacts, candidates: list[EventFacts]) -> EventFacts | None:
    best = None
    for candidate in candidates:
        score = match_score(mention, candidate)
        if score is not None and score >= JOIN_THRESHOLD and (best is None or score > best[0]):
            best = (score, candidate)
    return None if best is None else best[1]


def test_best_match_picks_what_match_score_picks():
    rng = random.Random(7)
    categories = list(category_names())
    joined = 0
    for round_ in range(400):
        candidates = []
        for index in range(rng.randint(0, 12)):
            start, end = _span(rng)
            candidates.append(
                EventFacts(
                    id=f"e{round_}-{index}",
                    date_start=start,
                    date_end=end,
                    title=_words(rng, 0, 8),
                    description=_words(rng, 0, 20),
                    category=rng.choice(categories),
                    actors=_names(rng, ACTORS),
                    locations=_names(rng, PLACES),
                    articles=frozenset(rng.sample(["a1", "a2", "a3"], rng.randint(0, 2))),
                    sentences=tuple(_words(rng, 0, 15) for _ in range(rng.randint(0, 9))),
                )
            )
        if candidates and rng.random() < 0.3:
            # A twin of an earlier candidate: equal scores, and the first must win.
            twin = rng.choice(candidates)
            candidates.append(dataclasses.replace(twin, id=f"{twin.id}-twin"))
        start, end = _span(rng)
        mention = MentionFacts(
            date_start=start,
            date_end=end,
            granularity="day",
            timex=None,
            time=None,
            title=_words(rng, 0, 8),
            sentence=_words(rng, 0, 20),
            category=rng.choice(categories),
            actors=_names(rng, ACTORS),
            locations=_names(rng, PLACES),
            confidence=0.8,
            article_id=rng.choice(["a1", "a2", "a4"]),
            published_at=datetime(2025, 3, 12, tzinfo=UTC),
            sentence_start=0,
        )
        expected = _reference(mention, candidates)
        assert best_match(mention, candidates) is expected
        joined += expected is not None
    assert 40 < joined < 360  # both outcomes are exercised

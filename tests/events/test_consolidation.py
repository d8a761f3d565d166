"""Consolidation rules (app/events/consolidation.py) on hand-made mentions and events."""

from datetime import UTC, date, datetime

import pytest

from app.events.consolidation import (
    JOIN_THRESHOLD,
    EventFacts,
    MentionFacts,
    absorb,
    best_match,
    derive,
    match_score,
    possible_duplicates,
)

D = date
PUBLISHED = datetime(2025, 3, 12, tzinfo=UTC)


def mention(
    start: date,
    end: date | None = None,
    *,
    granularity: str = "day",
    title: str = "US and Ukraine hold talks in Jeddah",
    sentence: str = "US and Ukrainian delegations held talks in Jeddah on Tuesday.",
    category: str = "talks",
    actors: tuple[str, ...] = ("United States", "Ukraine"),
    locations: tuple[str, ...] = ("Jeddah",),
    confidence: float = 0.9,
    article: str = "a1",
    inherited: bool = False,
    at: int = 0,
) -> MentionFacts:
    return MentionFacts(
        date_start=start,
        date_end=end or start,
        granularity=granularity,
        timex=start.isoformat(),
        time=None,
        title=title,
        sentence=sentence,
        category=category,
        actors=actors,
        locations=locations,
        confidence=confidence,
        article_id=article,
        published_at=PUBLISHED,
        sentence_start=at,
        inherited=inherited,
    )


def event(
    start: date,
    end: date | None = None,
    *,
    id_: str = "e1",
    title: str = "Ukrainian and American negotiators agree on a ceasefire proposal",
    description: str = "Ukrainian and American negotiators met in Jeddah yesterday.",
    category: str = "talks",
    actors: tuple[str, ...] = ("Ukraine", "United States"),
    locations: tuple[str, ...] = ("Jeddah",),
    articles: frozenset = frozenset(),
) -> EventFacts:
    return EventFacts(
        id=id_,
        date_start=start,
        date_end=end or start,
        title=title,
        description=description,
        category=category,
        actors=actors,
        locations=locations,
        articles=articles,
    )


MARCH_11 = D(2025, 3, 11)
WEEK_11 = (D(2025, 3, 10), D(2025, 3, 16))


def test_same_day_same_actors_and_place_join():
    assert best_match(mention(MARCH_11), [event(MARCH_11)]) is not None


def test_a_week_mention_joins_a_day_event_inside_it():
    week = mention(*WEEK_11, granularity="week", title="Last week's talks in Jeddah")
    assert best_match(week, [event(MARCH_11)]) is not None


def test_two_different_precise_days_never_join():
    assert match_score(mention(D(2025, 3, 12)), event(MARCH_11)) is None


def test_nothing_shared_means_no_join():
    other = mention(MARCH_11, actors=("Russia",), locations=("Moscow",))
    assert match_score(other, event(MARCH_11)) is None


def test_one_report_tells_a_happening_once():
    assert (
        match_score(mention(MARCH_11, article="a1"), event(MARCH_11, articles=frozenset({"a1"})))
        is None
    )


def test_different_wording_and_category_stay_apart():
    aid = mention(
        MARCH_11,
        title="United States agreed to renew military aid",
        sentence="The United States agreed to renew military aid and intelligence sharing.",
        category="aid",
        locations=(),
    )
    assert best_match(aid, [event(MARCH_11)]) is None


def test_the_best_candidate_wins():
    talks = event(MARCH_11, id_="talks")
    visit = event(
        MARCH_11,
        id_="visit",
        title="Rubio visits the Saudi crown prince",
        description="Rubio visited the Saudi crown prince in Jeddah.",
        category="visit",
        actors=("Marco Rubio", "Saudi Arabia", "United States"),
    )
    assert best_match(mention(MARCH_11), [visit, talks]).id == "talks"


def test_derive_takes_the_most_precise_dates_consistent_with_all_mentions():
    derived = derive(
        [
            mention(*WEEK_11, granularity="week", title="Last week's talks", confidence=0.9),
            mention(MARCH_11, title="Delegations meet in Jeddah", article="a2", confidence=0.8),
            mention(D(2025, 3, 1), D(2025, 3, 31), granularity="month", article="a3"),
        ]
    )
    assert (derived.date_start, derived.date_end, derived.granularity) == (
        MARCH_11,
        MARCH_11,
        "day",
    )
    assert derived.title == "Delegations meet in Jeddah"
    assert derived.confidence == pytest.approx(0.99)


def test_derive_ranks_actors_by_how_many_mentions_name_them():
    derived = derive(
        [
            mention(MARCH_11, actors=("Ukraine", "Saudi Arabia")),
            mention(MARCH_11, actors=("United States", "Ukraine"), article="a2"),
            mention(MARCH_11, actors=("United States",), article="a3"),
        ]
    )
    assert derived.actors[:2] in (["Ukraine", "United States"], ["United States", "Ukraine"])
    assert derived.actors[-1] == "Saudi Arabia"


def test_derive_prefers_a_specific_category_and_breaks_ties_by_priority():
    derived = derive(
        [
            mention(MARCH_11, category="statement"),
            mention(MARCH_11, category="talks", article="a2"),
            mention(MARCH_11, category="ceasefire_declared", article="a3"),
        ]
    )
    assert derived.category == "ceasefire_declared"


def test_derive_appends_continuations_to_the_description():
    derived = derive(
        [
            mention(MARCH_11, sentence="The Kremlin released footage today.", at=0),
            mention(
                MARCH_11,
                sentence="Gerasimov reported that 430 soldiers were taken prisoner.",
                inherited=True,
                at=40,
            ),
        ]
    )
    assert derived.description.endswith("430 soldiers were taken prisoner.")


def test_absorb_narrows_dates_and_keeps_the_title_unless_more_precise():
    week = derive([mention(*WEEK_11, granularity="week", title="Last week's talks")])
    narrowed = absorb(week, mention(MARCH_11, title="Delegations meet in Jeddah"))
    assert (narrowed.date_start, narrowed.date_end, narrowed.granularity) == (
        MARCH_11,
        MARCH_11,
        "day",
    )
    assert narrowed.title == "Delegations meet in Jeddah"
    again = absorb(narrowed, mention(*WEEK_11, granularity="week", title="Talks last week"))
    assert again.title == "Delegations meet in Jeddah" and again.granularity == "day"


def test_possible_duplicates_ignore_dates_but_not_wording():
    tuesday = event(MARCH_11)
    wednesday = event(D(2025, 3, 12), id_="e2")
    unrelated = event(
        D(2025, 3, 12),
        id_="e3",
        title="Putin arrived in the Kursk region",
        description="Putin arrived in the Kursk region today.",
        category="visit",
        actors=("Vladimir Putin",),
        locations=("Kursk region",),
    )
    found = possible_duplicates(tuesday, [tuesday, wednesday, unrelated])
    assert [candidate.id for _, candidate in found] == ["e2"]


def test_best_match_is_the_first_highest_score_over_every_candidate():
    """`best_match` skips the wording of candidates that cannot win; it must choose exactly
    what scoring every candidate with `match_score` chooses."""
    titles = [
        "US and Ukraine hold talks in Jeddah",
        "Ukraine backs a 30-day ceasefire proposal",
        "Delegations meet in the Saudi port city",
        "Russia rejects the proposal",
    ]
    sentences = [
        "US and Ukrainian delegations held talks in Jeddah on Tuesday.",
        "Kyiv said it would accept an immediate 30-day ceasefire.",
        "The Kremlin said it would study the proposal.",
    ]
    actor_sets = [("Ukraine", "United States"), ("Russia",), ("United States",), ()]
    place_sets = [("Jeddah",), ("Moscow",), ()]
    categories = ["talks", "acceptance", "rejection", "statement"]
    days = [MARCH_11, D(2025, 3, 12), WEEK_11]
    candidates = [
        event(
            *(day if isinstance(day, tuple) else (day,)),
            id_=f"e{index}",
            title=titles[index % len(titles)],
            description=sentences[index % len(sentences)],
            category=categories[index % len(categories)],
            actors=actor_sets[index % len(actor_sets)],
            locations=place_sets[index % len(place_sets)],
        )
        for index, day in enumerate(days * 8)
    ]
    for index in range(48):
        day = days[index % len(days)]
        probe = mention(
            *(day if isinstance(day, tuple) else (day,)),
            title=titles[(index * 3) % len(titles)],
            sentence=sentences[(index * 5) % len(sentences)],
            category=categories[(index * 7) % len(categories)],
            actors=actor_sets[(index * 11) % len(actor_sets)],
            locations=place_sets[(index * 13) % len(place_sets)],
        )
        expected = None
        for candidate in candidates:
            score = match_score(probe, candidate)
            if (
                score is not None
                and score >= JOIN_THRESHOLD
                and (expected is None or score > expected[0])
            ):
                expected = (score, candidate)
        chosen = best_match(probe, candidates)
        assert chosen is (expected[1] if expected else None)

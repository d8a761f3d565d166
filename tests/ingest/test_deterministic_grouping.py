"""The same articles ingested in the same order into an empty database are grouped the same way
every time, one by one and in bulk: a mention that scores exactly as well against two events
joins the same one (by content, not by id) in every run."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from app.articles import service as article_service
from app.articles.models import Article
from app.articles.schemas import ArticleCreate
from app.events.models import Mention, new_id
from tests.ingest.test_ingest_many import MAX_BYTES, clear

# Each of these days gets two events that score exactly alike against a later report of the
# day: a digest tells the same sentence twice (one report tells a happening once, so its two
# dated sentences start two events), and two later reports repeat it. Which of the twin events
# they join was a coin toss per day; with this many days, two runs practically never agree by
# chance (2**-11).
DAYS = [date(2025, 3, 1) + timedelta(days=3 * n) for n in range(12)]
RUNS = 2


def _sentence(day: date) -> str:
    return f"On {day.day} {day:%B %Y}, Ukraine and Russia held ceasefire talks in Jeddah."


def tied_articles() -> list[ArticleCreate]:
    published = datetime(2025, 4, 10, 9, tzinfo=UTC)
    digest = "\n\n".join(
        f"{_sentence(day)}\n\nOfficials gave no further details.\n\n{_sentence(day)}"
        for day in DAYS
    )
    articles = [ArticleCreate(text=digest, published_at=published, title="twice")]
    for n, source in enumerate(["first", "second"], start=1):
        articles.append(
            ArticleCreate(
                text="\n\n".join(f"{_sentence(day)} The {source} report said so." for day in DAYS),
                published_at=published + timedelta(hours=n),
                title=source,
            )
        )
    return articles


def grouping(engine) -> list[list[tuple[str, int]]]:
    """Each event as the sorted (article title, sentence offset) of its mentions."""
    with Session(engine) as session:
        titles = dict(session.execute(select(Article.id, Article.title)).all())
        events: dict = {}
        for event_id, article_id, start in session.execute(
            select(Mention.event_id, Mention.article_id, Mention.sentence_start)
        ):
            events.setdefault(event_id, []).append((titles[article_id], start))
    return sorted(sorted(mentions) for mentions in events.values())


def _one_by_one(session: Session, articles: list[ArticleCreate]) -> None:
    for article in articles:
        article_service.ingest(session, article, max_text_bytes=MAX_BYTES)


def _bulk(workers: int, batch_size: int):
    def ingest(session: Session, articles: list[ArticleCreate]) -> None:
        article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, workers=workers, batch_size=batch_size
        )

    return ingest


@pytest.mark.parametrize(
    "ingest",
    [_one_by_one, _bulk(0, 1), _bulk(0, 50), _bulk(2, 2)],
    ids=["one-by-one", "bulk-batch-1", "bulk-batch-50", "bulk-2-workers"],
)
def test_the_same_articles_are_grouped_the_same_way_every_run(engine, ingest):
    articles = tied_articles()
    runs = []
    for _ in range(RUNS):
        clear(engine)
        with Session(engine, expire_on_commit=False) as session:
            ingest(session, articles)
        runs.append(grouping(engine))
    # The ties are genuine: each day has twin events, one of them joined by both later reports.
    assert len(runs[0]) == 2 * len(DAYS)
    assert sorted(len(mentions) for mentions in runs[0]) == [1] * len(DAYS) + [3] * len(DAYS)
    assert all(run == runs[0] for run in runs[1:])


def test_a_tie_goes_to_the_event_created_first(engine):
    """Of twin events, the one the digest's first telling started gets the later reports."""
    with Session(engine, expire_on_commit=False) as session:
        _one_by_one(session, tied_articles())
    events = grouping(engine)
    tellings = sorted(start for mentions in events for title, start in mentions if title == "twice")
    first_tellings = set(tellings[0::2])
    for mentions in events:
        (telling,) = [start for title, start in mentions if title == "twice"]
        assert (telling in first_tellings) == (len(mentions) == 3)


def test_ids_are_in_creation_order():
    ids = [new_id() for _ in range(10_000)]
    assert ids == sorted(ids) == sorted(ids, key=str)  # as PostgreSQL and SQLite (hex) sort
    assert len(set(ids)) == len(ids)
    assert {(id_.version, id_.variant) for id_ in ids} == {(7, uuid.RFC_4122)}

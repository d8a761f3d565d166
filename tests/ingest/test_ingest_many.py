"""`ingest_many` stores what one-by-one `ingest` stores, skips what is stored, and never leaves
part of a batch behind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.articles import service as article_service
from app.articles.models import Article
from app.articles.schemas import ArticleCreate
from app.events.models import Event, Mention
from benchmarks.events import load_corpus
from tests.ingest.snapshot import snapshot

MAX_BYTES = 1 << 20


def corpus_articles() -> list[ArticleCreate]:
    """The fixture reports in publication order, plus a repeat of one and a digest of several
    (so that one article joins many events, and events gain many sources within a batch)."""
    reports = load_corpus().reports
    articles = [report.to_article(url=f"https://example.org/{report.file}") for report in reports]
    digest = "\n\n".join(report.text for report in reports[:12])
    articles.append(
        ArticleCreate(
            text=digest,
            published_at=reports[11].published_at,
            timezone=reports[11].timezone,
            title="digest",
        )
    )
    articles.append(articles[3].model_copy(update={"url": None}))  # same text: a duplicate
    articles.append(articles[5].model_copy(update={"text": articles[5].text + " Updated."}))
    return articles


def one_by_one(engine, articles, *, consolidate=True) -> list[tuple[bool, int]]:
    with Session(engine, expire_on_commit=False) as session:
        results = [
            article_service.ingest(
                session, article, max_text_bytes=MAX_BYTES, consolidate=consolidate
            )
            for article in articles
        ]
        # An article already stored reports no events of its own in a batch.
        return [(result.created, len(result.events) * result.created) for result in results]


def clear(engine) -> None:
    from app.models import metadata

    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.mark.parametrize(("workers", "batch_size"), [(0, 5), (2, 7)])
def test_batches_store_exactly_what_one_by_one_ingest_stores(engine, workers, batch_size):
    articles = corpus_articles()
    expected_outcomes = one_by_one(engine, articles)
    with Session(engine) as session:
        expected = snapshot(session)
    clear(engine)
    with Session(engine, expire_on_commit=False) as session:
        outcomes = article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, workers=workers, batch_size=batch_size
        )
    assert [(o.created, len(o.event_ids)) for o in outcomes] == expected_outcomes
    with Session(engine) as session:
        assert snapshot(session) == expected
    assert len(expected["events"]) > 15
    assert any(len(event[-1]) >= 4 for event in expected["events"])  # events with many sources


def test_consolidation_off_is_the_same_too(engine):
    articles = corpus_articles()[:10]
    one_by_one(engine, articles, consolidate=False)
    with Session(engine) as session:
        expected = snapshot(session)
    clear(engine)
    with Session(engine, expire_on_commit=False) as session:
        article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, consolidate=False, workers=0, batch_size=4
        )
    with Session(engine) as session:
        assert snapshot(session) == expected


def counts(engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return tuple(
            session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Article, Event, Mention)
        )


def test_a_second_run_stores_nothing_and_reports_the_stored_articles(engine):
    articles = corpus_articles()
    with Session(engine, expire_on_commit=False) as session:
        first = article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, workers=0, batch_size=8
        )
    stored = counts(engine)
    with Session(engine, expire_on_commit=False) as session:
        second = article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, workers=0, batch_size=8
        )
    assert counts(engine) == stored
    assert not any(outcome.created for outcome in second)
    assert [o.article_id for o in second] == [o.article_id for o in first]


def test_an_interrupted_run_keeps_whole_batches_and_a_rerun_stores_the_rest_once(
    engine, monkeypatch
):
    articles = corpus_articles()
    expected_articles = len(articles) - 2  # two repeat earlier ones (same text, same URL)
    real = article_service.event_service.store_drafts
    calls = {"n": 0}

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 13:  # the third article of the third batch
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(article_service.event_service, "store_drafts", interrupted)
    with Session(engine, expire_on_commit=False) as session, pytest.raises(KeyboardInterrupt):
        article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, workers=0, batch_size=5
        )
    monkeypatch.setattr(article_service.event_service, "store_drafts", real)
    assert counts(engine)[0] == 10  # two whole batches, nothing of the third
    with Session(engine, expire_on_commit=False) as session:
        outcomes = article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, workers=0, batch_size=5
        )
    assert sum(outcome.created for outcome in outcomes) == expected_articles - 10
    assert counts(engine)[0] == expected_articles
    with Session(engine) as session:
        resumed = snapshot(session)
    clear(engine)
    one_by_one(engine, articles)
    with Session(engine) as session:
        assert resumed == snapshot(session)


def test_a_batch_that_meets_a_concurrent_writer_falls_back_to_one_by_one(engine, monkeypatch):
    articles = corpus_articles()[:6]
    real = article_service._new_in_batch

    def stored_meanwhile(session, batch, seen, max_text_bytes):
        pending = real(session, batch, seen, max_text_bytes)
        # Another writer stores the second article after we looked, before we write.
        article_service.ingest(session, batch[1], max_text_bytes=MAX_BYTES)
        return pending

    monkeypatch.setattr(article_service, "_new_in_batch", stored_meanwhile)
    with Session(engine, expire_on_commit=False) as session:
        outcomes = article_service.ingest_many(
            session, articles, max_text_bytes=MAX_BYTES, workers=0, batch_size=10
        )
    assert [o.created for o in outcomes] == [True, False, True, True, True, True]
    assert counts(engine)[0] == 6

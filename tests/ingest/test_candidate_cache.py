"""Bulk ingest's candidate cache (`app.events.service.CandidateCache`) serves the next batch only
while nobody else writes to the database: through this session, another session of the same
engine (which may get the same pooled connection) or another connection altogether."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import Session

from app.articles import service as article_service
from app.articles.models import Article
from app.db import create_db_engine
from app.events import service as event_service
from tests.ingest.test_ingest_many import MAX_BYTES, corpus_articles

SENTINEL = [(datetime(2000, 1, 1, tzinfo=UTC), uuid.UUID(int=1), "known to the cache alone")]


def batch(session: Session, cache: event_service.CandidateCache, drafts) -> None:
    """The cache's part of one `ingest_many` transaction."""
    event_service.resume(session, cache)
    event_service.preload(session, cache, drafts)
    event_service.write_pending(session, cache)
    session.commit()


def retitle(session: Session) -> None:
    # A new title each time: SQLite does not count a write that changes nothing.
    session.execute(update(Article).values(title=f"edited {uuid.uuid4()}"))
    session.commit()


def test_the_cache_serves_the_next_batch_only_while_nobody_else_writes(engine, database_url):
    articles = corpus_articles()[:6]
    with Session(engine, expire_on_commit=False) as session:
        article_service.ingest_many(session, articles[:5], max_text_bytes=MAX_BYTES, workers=0)
    later = articles[5]
    drafts = event_service.drafts_from_text(
        later.text, published_at=later.published_at, timezone=later.timezone
    )
    other_engine = create_db_engine(database_url)

    def through_the_same_engine() -> None:
        with Session(engine) as other:
            retitle(other)

    def through_another_connection() -> None:
        with Session(other_engine) as other:
            retitle(other)

    try:
        with Session(engine) as session:
            cache = event_service.CandidateCache()
            batch(session, cache, drafts)
            assert cache.events, "the fixture articles' events are candidates of the later one"
            event_id = next(iter(cache.events))
            cache.sentences[event_id] = SENTINEL
            batch(session, cache, drafts)
            # SQLite tells whether anyone wrote; on PostgreSQL every batch reads again.
            assert (cache.sentences.get(event_id) == SENTINEL) == (backend_of(engine) == "sqlite")
            for write in (
                lambda: retitle(session),
                through_the_same_engine,
                through_another_connection,
            ):
                cache.sentences[event_id] = SENTINEL
                write()
                batch(session, cache, drafts)
                assert cache.sentences.get(event_id) != SENTINEL
    finally:
        other_engine.dispose()


def backend_of(engine) -> str:
    return engine.dialect.name

"""Article use cases: ingest (idempotently, all or nothing), list, read, delete."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.actors import service as actor_service
from app.articles import repository
from app.articles.models import Article
from app.articles.schemas import (
    ArticleCreate,
    ArticleDetail,
    ArticleIngested,
    ArticleMention,
    ArticlePage,
    ArticlePublic,
)
from app.errors import NotFound, PayloadTooLarge
from app.events import repository as event_repository
from app.events import service as event_service
from app.pagination import decode_cursor, encode_cursor, malformed_cursor

log = logging.getLogger("app.ingest")
# How often an ingest whose transaction lost a race with another writer is run again.
WRITE_ATTEMPTS = 3


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def to_public(article: Article) -> ArticlePublic:
    return ArticlePublic(
        id=article.id,
        url=article.url,
        title=article.title,
        source=article.source,
        language=article.language,
        published_at=event_service.local_time(article.published_at, article.timezone),
        timezone=article.timezone,
        text_sha256=article.text_sha256,
        characters=len(article.text),
        created_at=article.created_at,
    )


def _ingested(session: Session, article: Article, *, created: bool) -> ArticleIngested:
    event_ids = [
        mention.event_id for mention in event_repository.mentions_of_article(session, article.id)
    ]
    events = event_repository.get_events(session, dict.fromkeys(event_ids))
    events.sort(key=lambda event: (event.date_start, event.id))
    return ArticleIngested(
        **to_public(article).model_dump(),
        created=created,
        events=event_service.to_public(session, events),
    )


def ingest(
    session: Session, data: ArticleCreate, *, max_text_bytes: int, consolidate: bool = True
) -> ArticleIngested:
    """Store an article with the events its text supports, or return the one already stored.

    Extraction runs before the transaction opens, so the write is short; the article, its events
    and its mentions are committed together or not at all. The unique constraints on url and text
    hash settle a race between two posts of the same article. With `consolidate` (the default),
    each dated sentence joins the stored event it tells, if any (`app.events.consolidation`).
    """
    size = len(data.text.encode("utf-8"))
    if size > max_text_bytes:
        raise PayloadTooLarge(
            f"The article text is {size:,} bytes; the limit is {max_text_bytes:,} bytes "
            "(TIMELINE_MAX_TEXT_BYTES). Split the text or raise the limit."
        )
    digest = text_sha256(data.text)
    existing = repository.find_duplicate(session, url=data.url, text_sha256=digest)
    if existing is not None:
        return _ingested(session, existing, created=False)

    started = time.perf_counter()
    drafts = event_service.drafts_from_text(
        data.text,
        published_at=data.published_at,
        timezone=data.timezone,
        language=data.language,
        gazetteer=actor_service.gazetteer_for(session, data.language),
    )
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        article = Article(
            url=data.url,
            text_sha256=digest,
            title=data.title,
            source=data.source,
            language=data.language,
            text=data.text,
            published_at=data.published_at,
            timezone=data.timezone,
        )
        try:
            repository.add_article(session, article)
            session.flush()
            event_service.store_drafts(session, article, drafts, consolidate)
            session.commit()
            break
        except IntegrityError:
            session.rollback()
            existing = repository.find_duplicate(session, url=data.url, text_sha256=digest)
            if existing is not None:
                return _ingested(session, existing, created=False)
            # Another writer changed an event this article joins (its entity rows, say) between
            # our read and our write; the whole transaction is undone, so run it again on the
            # state that writer left.
            if attempt == WRITE_ATTEMPTS:
                raise
            log.warning("ingest conflicted with a concurrent write; retrying (%d)", attempt)
        except BaseException:
            session.rollback()
            raise
    duration_ms = (time.perf_counter() - started) * 1000
    # One line per new article; app.observability also turns it into the ingest metrics.
    log.info(
        "ingested article %s: %d events in %.1f ms",
        article.id,
        len(drafts),
        duration_ms,
        extra={
            "article_id": str(article.id),
            "events": len(drafts),
            "rules": dict(Counter(draft.expression.rule for draft in drafts)),
            "duration_ms": round(duration_ms, 2),
        },
    )
    return _ingested(session, article, created=True)


def get_article_or_404(session: Session, article_id: uuid.UUID) -> Article:
    article = repository.get_article(session, article_id)
    if article is None:
        raise NotFound(f"No article has id {article_id}. List articles with GET /v1/articles.")
    return article


def get(session: Session, article_id: uuid.UUID) -> ArticleDetail:
    article = get_article_or_404(session, article_id)
    mentions = event_repository.mentions_of_article(session, article.id)
    return ArticleDetail(
        **to_public(article).model_dump(),
        text=article.text,
        mentions=[
            ArticleMention.model_validate(mention, from_attributes=True) for mention in mentions
        ],
    )


def list_articles(session: Session, *, limit: int, cursor: str | None) -> ArticlePage:
    before = None
    if cursor:
        published_text, id_text = decode_cursor(cursor, 2)
        try:
            before = (datetime.fromisoformat(published_text), uuid.UUID(id_text))
        except ValueError:
            raise malformed_cursor() from None
        if before[0].tzinfo is None:
            raise malformed_cursor()
    rows = repository.list_articles(session, limit=limit + 1, before=before)
    page, more = rows[:limit], len(rows) > limit
    next_cursor = (
        encode_cursor(page[-1].published_at.isoformat(), str(page[-1].id)) if more else None
    )
    return ArticlePage(items=[to_public(article) for article in page], next_cursor=next_cursor)


def delete(session: Session, article_id: uuid.UUID) -> None:
    """Delete the article and its mentions; the events they backed are re-derived from the
    mentions left (their dates may widen), and those left with none go unless a curator made or
    edited them."""
    article = get_article_or_404(session, article_id)
    event_ids = repository.delete_article(session, article)
    event_service.after_mentions_removed(session, event_ids)
    session.commit()

"""Article use cases: ingest (idempotently, all or nothing), list, read, delete."""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.actors import service as actor_service
from app.articles import repository
from app.articles.extraction_pool import (
    IN_FLIGHT_BATCHES,
    Extracted,
    Extractor,
    Job,
    default_workers,
    heap_frozen,
)
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
from app.events import documents
from app.events import repository as event_repository
from app.events import service as event_service
from app.events.extraction import EventDraft
from app.pagination import decode_cursor, encode_cursor, malformed_cursor
from app.temporal.zones import local_time
from app.wire_types import SUPPORTED_LANGUAGES

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
        published_at=local_time(article.published_at, article.timezone),
        timezone=article.timezone,
        text_sha256=article.text_sha256,
        characters=len(article.text),
        created_at=article.created_at,
    )


def _ingested(
    session: Session,
    article: Article,
    *,
    created: bool,
    event_ids: Sequence[uuid.UUID] | None = None,
) -> ArticleIngested:
    if event_ids is None:
        event_ids = [
            mention.event_id
            for mention in event_repository.mentions_of_article(session, article.id)
        ]
    events = event_repository.get_events(session, dict.fromkeys(event_ids))
    events.sort(key=lambda event: (event.date_start, event.id))
    return ArticleIngested(
        **to_public(article).model_dump(),
        created=created,
        events=event_service.to_public(session, events),
    )


def _check_size(data: ArticleCreate, max_text_bytes: int) -> None:
    size = len(data.text.encode("utf-8"))
    if size > max_text_bytes:
        raise PayloadTooLarge(
            f"The article text is {size:,} bytes; the limit is {max_text_bytes:,} bytes "
            "(TIMELINE_MAX_TEXT_BYTES). Split the text or raise the limit."
        )


def _new_article(data: ArticleCreate, digest: str) -> Article:
    return Article(
        url=data.url,
        text_sha256=digest,
        title=data.title,
        source=data.source,
        language=data.language,
        text=data.text,
        published_at=data.published_at,
        timezone=data.timezone,
    )


def _log_ingested(article: Article, drafts: Sequence[EventDraft], duration_ms: float) -> None:
    # One line per new article; app.observability also turns it into the ingest metrics. Its
    # fields are not worked out when the line would not be logged (`log.info` asks the same).
    if not log.isEnabledFor(logging.INFO):
        return
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


def ingest(
    session: Session, data: ArticleCreate, *, max_text_bytes: int, consolidate: bool = True
) -> ArticleIngested:
    """Store an article with the events its text supports, or return the one already stored.

    Extraction runs before the transaction opens, so the write is short; the article, its events
    and its mentions are committed together or not at all. The unique constraints on url and text
    hash settle a race between two posts of the same article. With `consolidate` (the default),
    each dated sentence joins the stored event it tells, if any (`app.events.consolidation`).
    """
    _check_size(data, max_text_bytes)
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
    stored = _store_one(session, data, digest, drafts, consolidate)
    if isinstance(stored, Article):
        return _ingested(session, stored, created=False)
    article, targets = stored
    _log_ingested(article, drafts, (time.perf_counter() - started) * 1000)
    return _ingested(session, article, created=True, event_ids=targets)


def _store_one(
    session: Session,
    data: ArticleCreate,
    digest: str,
    drafts: Sequence[EventDraft],
    consolidate: bool,
    article_id: uuid.UUID | None = None,
) -> tuple[Article, list[uuid.UUID]] | Article:
    """Store one article with its drafts in a transaction of its own, retrying a transaction
    that lost a race; return (article, event id per draft), or the article already stored."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        article = _new_article(data, digest)
        if article_id is not None:
            article.id = article_id
        try:
            repository.add_article(session, article)
            session.flush()
            targets = event_service.store_drafts(session, article, drafts, consolidate)
            session.commit()
            return article, targets
        except IntegrityError:
            session.rollback()
            existing = repository.find_duplicate(session, url=data.url, text_sha256=digest)
            if existing is not None:
                return existing
            # Another writer changed an event this article joins (its entity rows, say) between
            # our read and our write; the whole transaction is undone, so run it again on the
            # state that writer left.
            if attempt == WRITE_ATTEMPTS:
                raise
            log.warning("ingest conflicted with a concurrent write; retrying (%d)", attempt)
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """What `ingest_many` did with one article."""

    article_id: uuid.UUID
    created: bool  # False: already stored (before this run, or earlier in it); nothing added
    event_ids: tuple[uuid.UUID, ...] = ()  # the events its sentences back, in text order


@dataclass(slots=True)
class _Pending:
    data: ArticleCreate
    digest: str
    article: Article | None = None  # None: a duplicate of `duplicate_of`
    duplicate_of: uuid.UUID | None = None
    extracted: Extracted | None = None
    targets: list[uuid.UUID] = dataclasses.field(default_factory=list)


def ingest_many(
    session: Session,
    articles: Iterable[ArticleCreate],
    *,
    max_text_bytes: int,
    consolidate: bool = True,
    workers: int | None = None,
    batch_size: int = 50,
    on_batch: Callable[[list[IngestOutcome]], None] | None = None,
    extractor: Extractor | None = None,
) -> list[IngestOutcome]:
    """`ingest` for many articles, in order, with the same result as ingesting them one by one.

    Articles already stored (same URL or text, as for `ingest`) are skipped before any work, so a
    run that was interrupted can simply be run again. The others are extracted in `workers`
    processes (default: one per CPU; 0 extracts in this process) while this process writes them
    in transactions of `batch_size` articles, all or nothing each: an interruption loses at most
    the batch being written, never part of an article. Every article is still consolidated
    against everything stored before it, earlier articles of its batch included, so the events
    are those one-by-one ingest would store. A batch that collides with a concurrent writer
    (the same article stored meanwhile) is rolled back and written one article at a time.
    `on_batch` is called with the outcomes of each batch once it is committed. `extractor`, if
    given, extracts instead of a pool of `workers` processes (and is left open): one the caller
    started early, as `timeline ingest` does (`Extractor.speculate`, `Extractor.use`).

    The events' stored documents (app.events.documents) are stored once, after the last batch:
    a busy event gains sources in batch after batch, and storing its document after each cost
    a third of the run. Until then readers build them, and a run that was interrupted leaves
    them to the next writer or `timeline migrate`.
    """
    with heap_frozen():
        outcomes = _ingest_all(
            session, articles, max_text_bytes, consolidate, workers, batch_size, on_batch, extractor
        )
        started = time.perf_counter()
        stored = documents.fill(session.get_bind())
        log.info(
            "stored the documents of %d events in %.1f s",
            stored,
            time.perf_counter() - started,
            extra={"events": stored},
        )
        return outcomes


def _ingest_all(
    session: Session,
    articles: Iterable[ArticleCreate],
    max_text_bytes: int,
    consolidate: bool,
    workers: int | None,
    batch_size: int,
    on_batch: Callable[[list[IngestOutcome]], None] | None,
    extractor: Extractor | None,
) -> list[IngestOutcome]:
    gazetteers = {
        language: actor_service.gazetteer_for(session, language) for language in SUPPORTED_LANGUAGES
    }
    session.commit()  # end the read transaction: batches start their own
    if extractor is not None:
        extractor.use(gazetteers)
        return _ingest_with(
            session, articles, max_text_bytes, consolidate, batch_size, on_batch, extractor
        )
    workers = default_workers() if workers is None else workers
    with Extractor(gazetteers, workers) as extractor:
        return _ingest_with(
            session, articles, max_text_bytes, consolidate, batch_size, on_batch, extractor
        )


def _ingest_with(
    session: Session,
    articles: Iterable[ArticleCreate],
    max_text_bytes: int,
    consolidate: bool,
    batch_size: int,
    on_batch: Callable[[list[IngestOutcome]], None] | None,
    extractor: Extractor,
) -> list[IngestOutcome]:
    outcomes: list[IngestOutcome] = []
    seen: dict[str, uuid.UUID] = {}  # url and text hash of every article of this run
    # One cache for the run: what a batch read of the events it joined serves the next one.
    cache = event_service.CandidateCache()
    in_flight: collections.deque = collections.deque()
    for batch in _batches(articles, batch_size):
        pending = _new_in_batch(session, batch, seen, max_text_bytes)
        jobs = [Job.of(p.data) for p in pending if p.article is not None]
        in_flight.append((pending, extractor.submit(jobs)))
        # Extraction of the next batches overlaps the write of this one.
        if len(in_flight) > IN_FLIGHT_BATCHES:
            _write_batch(
                session,
                *in_flight.popleft(),
                extractor,
                consolidate,
                cache,
                outcomes,
                on_batch,
            )
    while in_flight:
        _write_batch(
            session, *in_flight.popleft(), extractor, consolidate, cache, outcomes, on_batch
        )
    return outcomes


def _batches(articles: Iterable[ArticleCreate], size: int) -> Iterator[list[ArticleCreate]]:
    batch: list[ArticleCreate] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _new_in_batch(
    session: Session,
    batch: Sequence[ArticleCreate],
    seen: dict[str, uuid.UUID],
    max_text_bytes: int,
) -> list[_Pending]:
    """Each article of the batch, with a new `Article` unless it is already stored or repeats
    an earlier article of the run (one query for the batch)."""
    for data in batch:
        _check_size(data, max_text_bytes)
    digests = [text_sha256(data.text) for data in batch]
    stored = repository.find_duplicates(
        session,
        urls=[data.url for data in batch if data.url],
        text_sha256s=digests,
    )
    session.commit()
    pending = []
    for data, digest in zip(batch, digests, strict=True):
        keys = [f"sha256:{digest}", *([f"url:{data.url}"] if data.url else [])]
        earlier = next((seen[key] for key in keys if key in seen), None)
        if earlier is None:
            earlier = next((stored[key] for key in keys if key in stored), None)
        if earlier is not None:
            pending.append(_Pending(data, digest, duplicate_of=earlier))
            continue
        article = _new_article(data, digest)
        for key in keys:
            seen[key] = article.id
        pending.append(_Pending(data, digest, article=article))
    return pending


def _write_batch(
    session: Session,
    pending: list[_Pending],
    submitted: list,
    extractor: Extractor,
    consolidate: bool,
    cache: event_service.CandidateCache,
    outcomes: list[IngestOutcome],
    on_batch: Callable[[list[IngestOutcome]], None] | None,
) -> None:
    new = [p for p in pending if p.article is not None]
    for p, result in zip(new, extractor.results(submitted), strict=True):
        p.extracted = result
    try:
        if consolidate:
            event_service.resume(session, cache)
        else:
            cache.forget()  # without preload it would only grow: one batch's worth at most
        repository.insert_articles(session, [p.article for p in new])
        if consolidate:
            # One read of every event the batch may join, instead of one per article.
            event_service.preload(
                session, cache, (draft for p in new for draft in p.extracted.drafts)
            )
        for p in new:
            p.targets = event_service.store_drafts(
                session, p.article, p.extracted.drafts, consolidate, cache
            )
        event_service.write_pending(session, cache)
        session.commit()
    except IntegrityError:
        # Someone else stored one of these articles since we looked: one at a time, as
        # `ingest` does (each finds its duplicate or is stored in a transaction of its own).
        session.rollback()
        cache.forget()
        log.warning("a batch of %d articles collided with another writer; one by one", len(new))
        for p in new:
            stored = _store_one(
                session, p.data, p.digest, p.extracted.drafts, consolidate, p.article.id
            )
            if isinstance(stored, Article):
                p.duplicate_of, p.article = stored.id, None
            else:
                p.targets = stored[1]
    except BaseException:
        session.rollback()
        cache.forget()
        raise
    batch_outcomes = []
    for p in pending:
        if p.article is None:
            batch_outcomes.append(IngestOutcome(p.duplicate_of, created=False))
            continue
        batch_outcomes.append(
            IngestOutcome(p.article.id, created=True, event_ids=tuple(dict.fromkeys(p.targets)))
        )
        _log_ingested(p.article, p.extracted.drafts, p.extracted.seconds * 1000)
    outcomes.extend(batch_outcomes)
    if on_batch is not None:
        on_batch(batch_outcomes)


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

"""Each event's document: its public shape (an item of `GET /v1/events`) as JSON bytes, stored
with it in `events.document` so that lists and exports send it as it is; and its CSV row
(`events.csv_row`), which CSV exports send as it is. Both are "renderings" below.

Building the shape costs three queries' rows (the event, its actors and locations, its mentions
with their articles) and 40–110 µs an event: an export of a million events ran at 13,000
events/s, a page of fifty took milliseconds. Stored, an export reads one table.

Triggers (migration `event_documents`) clear an event's document whenever anything it shows
changes, whoever writes, so a stored document is never stale. Readers build the missing ones on
the fly (`stored_of`); every writer stores them again before it commits (`store_missing`);
`timeline migrate` fills those of an archive from before this column (`fill`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import TypeAdapter
from sqlalchemy.engine import Engine, Row
from sqlmodel import Session

from app.events import repository
from app.temporal.zones import local_time
from app.timeline.formats import PublicEvent, csv_lines, csv_row, event_json

log = logging.getLogger(__name__)

# The renderings stored per event, by column, in the order `render` gives them.
Rendering = Literal["document", "csv_row"]
RENDERINGS: tuple[Rendering, ...] = ("document", "csv_row")

# Events a writer stores in one statement, and at most in one transaction: a writer stores the
# documents its own writes cleared, a few per article, but an archive whose documents were
# never filled would otherwise be filled in the first request that writes (`fill` does that).
STORE_BATCH = 500
STORE_LIMIT = 10_000


_DATETIME_JSON = TypeAdapter(datetime)


def _published_text(published_at: object, zone_name: str) -> str:
    """An article's publication time in its own zone, exactly as pydantic writes it."""
    moment = local_time(repository.instant(published_at), zone_name)
    offset = moment.utcoffset()
    if offset is None or offset.seconds % 60 or offset.microseconds:
        # Historical zones have offsets in seconds, which isoformat writes and pydantic does not.
        return _DATETIME_JSON.dump_python(moment, mode="json")
    text = moment.isoformat()
    return text if offset else text[:-6] + "Z"


def _public_source(mentions: list[Row], articles: dict) -> dict[str, Any]:
    """One article's support of an event: its own dated sentence, the continuations beside it.

    `mentions` are rows of `repository.public_sources`, read by position: a Row's attribute
    access costs forty times its index access, and an export reads millions."""
    primary = next((m for m in mentions if m[3] <= m[6] < m[4]), mentions[0])
    (
        _event_id,
        mention_id,
        sentence,
        _sentence_start,
        _sentence_end,
        phrase,
        phrase_start,
        phrase_end,
        timex_type,
        timex_value,
        rule,
        article_id,
        url,
        title,
        published_at,
        timezone,
    ) = primary
    article = articles.get(article_id)
    if article is None:
        article = articles[article_id] = (
            repository.uuid_text(article_id),
            _published_text(published_at, timezone),
        )
    return {
        "mention_id": repository.uuid_text(mention_id),
        "article_id": article[0],
        "url": url,
        "title": title,
        "published_at": article[1],
        "phrase": phrase,
        "phrase_start": phrase_start,
        "phrase_end": phrase_end,
        "sentence": sentence,
        "timex_type": timex_type,
        "timex_value": timex_value,
        "rule": rule,
        "other_mentions": [
            {
                "mention_id": repository.uuid_text(m[1]),
                "sentence": m[2],
                "sentence_start": m[3],
                # Inherited: the date phrase stands outside the sentence (see `_is_own`).
                "inherited": not m[3] <= m[6] < m[4],
            }
            for m in mentions
            if m is not primary
        ],
    }


def _public_sources(mentions: list[Row], articles: dict) -> list[dict[str, Any]]:
    if len(mentions) == 1:
        return [_public_source(mentions, articles)]
    by_article: dict[object, list[Row]] = {}
    for mention in mentions:
        by_article.setdefault(mention[11], []).append(mention)
    return [_public_source(group, articles) for group in by_article.values()]


def public_events(session: Session, rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Events as `EventPublic` in plain values (str, int, float, bool, None, list, dict), from
    rows of `repository.list_events`: two more queries for any number of events.

    This is the read path of lists and exports: no ORM objects and no pydantic models, which
    cost ten times more than the rest. orjson writes the result byte for byte as pydantic writes
    `EventPublic` (same keys in the same order, same date, time and UUID text).

    `sources` has one entry per article (oldest first): the sentence whose date phrase dates the
    event, plus that article's other sentences backing it (`other_mentions`).
    """
    ids = [row[0] for row in rows]
    entities = repository.public_entities(session, ids)
    sources = repository.public_sources(session, ids)
    uuid_text, date_text, instant_text = (
        repository.uuid_text,
        repository.date_text,
        repository.instant_text,
    )
    # Article id and publication time by raw article id: many events cite the same articles.
    articles: dict = {}
    items = []
    # Rows unpacked by position (see `_public_source`), in `repository.PUBLIC_EVENT_COLUMNS` order.
    for (
        event_id,
        title,
        description,
        category,
        date_start,
        date_end,
        granularity,
        time,
        timex,
        confidence,
        status,
        created_at,
        updated_at,
    ) in rows:
        names = entities.get(event_id)
        mentions = sources.get(event_id)
        items.append(
            {
                "id": uuid_text(event_id),
                "title": title,
                "description": description,
                "category": category,
                "actors": names[0] if names else [],
                "locations": names[1] if names else [],
                "date_start": date_text(date_start),
                "date_end": date_text(date_end),
                "granularity": granularity,
                "time": time,
                "timex": timex,
                "confidence": float(confidence),
                "status": status,
                "sources": _public_sources(mentions, articles) if mentions else [],
                "created_at": instant_text(created_at),
                "updated_at": instant_text(updated_at),
            }
        )
    return items


def render(events: Sequence[PublicEvent]) -> list[tuple[bytes, bytes]]:
    """(document, CSV row) of each event: `event_json` and its line of `write_csv`."""
    rows = csv_lines(csv_row(event) for event in events)
    return [(event_json(event), row) for event, row in zip(events, rows, strict=True)]


def build(session: Session, rows: Sequence[Row]) -> list[tuple[bytes, bytes]]:
    """`render` of rows of `repository.PUBLIC_EVENT_COLUMNS`, in their order."""
    return render(public_events(session, rows))


def stored_of(session: Session, rows: Sequence[Row], rendering: Rendering) -> list[bytes]:
    """The `rendering` of each of rows of `repository.stored_columns(rendering)`, in their order;
    those not stored yet are built. An event deleted since the rows were read is left out."""
    stored = [row[2] for row in rows]
    if None not in stored:
        return stored
    missing = [repository.uuid_key(row[0]) for row in rows if row[2] is None]
    built_rows = repository.public_event_rows(session, missing)
    built = {
        repository.uuid_key(row[0]): rendered[RENDERINGS.index(rendering)]
        for row, rendered in zip(built_rows, build(session, built_rows), strict=True)
    }
    found = []
    for row, value in zip(rows, stored, strict=True):
        if value is None:
            value = built.get(repository.uuid_key(row[0]))
            if value is None:
                continue
        found.append(value)
    return found


def _store(session: Session, limit: int) -> int:
    stored = 0
    while stored < limit:
        # Locked on PostgreSQL (see the migration): a concurrent writer of one of these events
        # waits for this transaction, and those it holds are its own to store.
        event_ids = repository.lock_events_without_document(
            session, min(STORE_BATCH, limit - stored)
        )
        if not event_ids:
            break
        rows = repository.public_event_rows(session, event_ids)
        repository.store_documents(
            session,
            [
                (repository.uuid_key(row[0]), *rendered)
                for row, rendered in zip(rows, build(session, rows), strict=True)
            ],
        )
        if not rows:
            break
        stored += len(rows)
    return stored


def store_missing(session: Session) -> int:
    """Store the documents that the transaction's writes cleared (and any others missing, up to
    `STORE_LIMIT`); return how many. Call it after the writes, before the commit."""
    stored = _store(session, STORE_LIMIT)
    if stored == STORE_LIMIT:
        log.warning(
            "Stored %d event documents in one transaction and left the rest to readers: run "
            "`timeline migrate` to fill the documents of the whole archive.",
            stored,
        )
    return stored


def fill(engine: Engine, progress: Callable[[int, int], None] | None = None) -> int:
    """Store every missing document, in transactions of `STORE_LIMIT` events; `progress(done,
    total)` after each. Return how many."""
    with Session(engine) as session:
        total = repository.count_events_without_document(session)
    done = 0
    while done < total:
        with Session(engine) as session:
            stored = _store(session, min(STORE_LIMIT, total - done))
            session.commit()
        if not stored:
            break
        done += stored
        if progress is not None:
            progress(done, total)
    return done

"""Timeline use cases: choose the format, fingerprint the matching events, stream them page by page.

Events are read in keyset pages of `PAGE_SIZE` as they are stored (`app.events.documents`),
so an export of any size holds one page in memory and costs one query per page. Formats that
send what is stored as it is (NDJSON, CSV) never parse it; the others read each into plain
values. The ETag comes from two aggregates over the matching events (see
`app.events.repository.fingerprint`), never from the body, so a 304 costs no serialization.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import fields
from datetime import date

import orjson
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app import __version__
from app.errors import InvalidInput
from app.events import repository
from app.events.documents import Rendering, stored_of
from app.events.repository import EventFilters
from app.timeline.formats import (
    FORMATS,
    FormatSpec,
    PublicEvent,
    TimelineContext,
    TimelineFormat,
    format_from_accept,
)

PAGE_SIZE = 500
FILE_STEM = "ceasefire-timeline"
# Bump when a writer's output changes, so that clients holding an old ETag get the new bytes.
OUTPUT_REVISION = 1
# EventFilters field → the query parameter a client wrote.
QUERY_NAMES = {"date_from": "from", "date_to": "to"}


def choose_format(format_name: str | None, accept: str | None) -> FormatSpec:
    """`format=` when given (it wins over Accept), else what Accept prefers, else JSON."""
    if format_name is None:
        return FORMATS[format_from_accept(accept)]
    try:
        return FORMATS[TimelineFormat(format_name.strip().lower())]
    except ValueError:
        names = ", ".join(FORMATS)
        raise InvalidInput(
            f"Unknown format {format_name[:40]!r}. Use one of: {names} (or leave format out and "
            "send Accept: text/csv, application/x-ndjson or text/calendar).",
            errors=[{"loc": ["query", "format"], "msg": f"must be one of {names}"}],
        ) from None


def describe_filters(filters: EventFilters) -> dict[str, str]:
    """The filters in force, by query parameter name, for documents that echo their query."""
    described = {}
    for field in fields(filters):
        value = getattr(filters, field.name)
        if value is not None:
            described[QUERY_NAMES.get(field.name, field.name)] = str(value)
    return described


def entity_tag(session: Session, filters: EventFilters, spec: FormatSpec) -> tuple[str, int]:
    """(ETag, number of matching events) for this format of the matching events."""
    event_count, events_updated_at, mention_count, mentions_created_at = repository.fingerprint(
        session, filters
    )
    key = [
        __version__,
        OUTPUT_REVISION,
        spec.name,
        describe_filters(filters),
        event_count,
        events_updated_at.isoformat() if events_updated_at else None,
        mention_count,
        mentions_created_at.isoformat() if mentions_created_at else None,
    ]
    digest = hashlib.sha256(orjson.dumps(key)).hexdigest()[:32]
    return f'"{digest}"', event_count


def download_filename(filters: EventFilters, spec: FormatSpec) -> str:
    bounds = [day.isoformat() for day in (filters.date_from, filters.date_to) if day is not None]
    return "_".join([FILE_STEM, *bounds]) + "." + spec.extension


def iter_stored(
    session: Session,
    filters: EventFilters,
    *,
    rendering: Rendering = "document",
    page_size: int | None = None,
) -> Iterator[bytes]:
    """Every matching event's stored `rendering` (its JSON document, or its CSV row) in
    (date_start, id) order, one keyset page at a time."""
    page_size = page_size or PAGE_SIZE
    after = None
    while True:
        rows = repository.list_events(
            session, filters=filters, limit=page_size, after=after, rendering=rendering
        )
        if not rows:
            return
        last = rows[-1]
        after = (
            date.fromisoformat(repository.date_text(last.date_start)),
            uuid.UUID(repository.uuid_text(last.id)),
        )
        yield from stored_of(session, rows, rendering)
        if len(rows) < page_size:
            return


def iter_events(
    session: Session, filters: EventFilters, *, page_size: int | None = None
) -> Iterator[PublicEvent]:
    """The documents of `iter_stored` read into plain values."""
    return map(orjson.loads, iter_stored(session, filters, page_size=page_size))


def write(
    session: Session, filters: EventFilters, spec: FormatSpec, context: TimelineContext
) -> Iterator[bytes]:
    """The document's bytes, chunk by chunk."""
    if spec.write_stored is not None:
        return spec.write_stored(iter_stored(session, filters, rendering=spec.stored), context)
    return spec.write(iter_events(session, filters), context)


def stream(
    engine: Engine, filters: EventFilters, spec: FormatSpec, context: TimelineContext
) -> Iterator[bytes]:
    """The document's bytes, chunk by chunk, from a session that lives as long as the stream."""
    # Not the request's session: the response body is sent after the route has returned.
    with Session(engine, expire_on_commit=False) as session:
        yield from write(session, filters, spec, context)

"""Event use cases: list, read, curate, and turn an article's text into stored events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session

from app.articles.models import Article
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.events import repository
from app.events.extraction import EventDraft, extract_events
from app.events.models import Event, Mention
from app.events.schemas import EventCreate, EventPage, EventPublic, EventSource, EventUpdate
from app.pagination import decode_cursor, encode_cursor, malformed_cursor
from app.temporal import resolve
from app.temporal.zones import zone


def local_time(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(zone(zone_name))


def to_public(session: Session, events: Sequence[Event]) -> list[EventPublic]:
    """Events with their entities and sources; a constant number of queries for any page size."""
    ids = [event.id for event in events]
    entities = repository.entities_for(session, ids)
    sources = repository.sources_for(session, ids)
    return [
        EventPublic(
            id=event.id,
            title=event.title,
            description=event.description,
            category=event.category,
            actors=entities[event.id]["actor"],
            locations=entities[event.id]["location"],
            date_start=event.date_start,
            date_end=event.date_end,
            granularity=event.granularity,
            time=event.time,
            timex=event.timex,
            confidence=event.confidence,
            status=event.status,
            sources=[
                EventSource(
                    mention_id=mention.id,
                    article_id=article.id,
                    url=article.url,
                    title=article.title,
                    published_at=local_time(article.published_at, article.timezone),
                    phrase=mention.phrase,
                    phrase_start=mention.phrase_start,
                    phrase_end=mention.phrase_end,
                    sentence=mention.sentence,
                    timex_type=mention.timex_type,
                    timex_value=mention.timex_value,
                    rule=mention.rule,
                )
                for mention, article in sources[event.id]
            ],
            created_at=event.created_at,
            updated_at=event.updated_at,
        )
        for event in events
    ]


def list_events(
    session: Session,
    *,
    filters: repository.EventFilters,
    limit: int,
    cursor: str | None,
    descending: bool,
) -> EventPage:
    after = None
    if cursor:
        date_text, id_text = decode_cursor(cursor, 2)
        try:
            after = (date.fromisoformat(date_text), uuid.UUID(id_text))
        except ValueError:
            raise malformed_cursor() from None
    rows = repository.list_events(
        session, filters=filters, limit=limit + 1, after=after, descending=descending
    )
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1].date_start.isoformat(), str(page[-1].id)) if more else None
    return EventPage(items=to_public(session, page), next_cursor=next_cursor)


def get_event_or_404(session: Session, event_id: uuid.UUID) -> Event:
    event = repository.get_event(session, event_id)
    if event is None:
        raise NotFound(f"No event has id {event_id}. List events with GET /v1/events.")
    return event


def get(session: Session, event_id: uuid.UUID) -> EventPublic:
    return to_public(session, [get_event_or_404(session, event_id)])[0]


def create(session: Session, data: EventCreate) -> EventPublic:
    event = Event(
        title=data.title,
        description=data.description,
        category=data.category,
        date_start=data.date_start,
        date_end=data.date_end or data.date_start,
        granularity=data.granularity,
        time=data.time,
        timex=data.timex,
        confidence=data.confidence,
        status="confirmed",
        curated=True,
    )
    repository.add_event(session, event, actors=data.actors, locations=data.locations)
    session.commit()
    return get(session, event.id)


def update(session: Session, event_id: uuid.UUID, data: EventUpdate) -> EventPublic:
    event = get_event_or_404(session, event_id)
    changes = data.model_dump(exclude_unset=True)
    actors = changes.pop("actors", None)
    locations = changes.pop("locations", None)
    for field, value in changes.items():
        if value is None and field not in {"time", "timex", "description"}:
            raise InvalidInput(
                f"{field} cannot be null; leave it out to keep the current value.",
                errors=[{"loc": ["body", field], "msg": "may not be null"}],
            )
        setattr(event, field, value)
    if event.date_start > event.date_end:
        raise InvalidInput(
            "date_start must be on or before date_end once the change is applied.",
            errors=[{"loc": ["body", "date_start"], "msg": "after date_end"}],
        )
    if actors is not None:
        repository.replace_entities(session, event.id, "actor", actors)
    if locations is not None:
        repository.replace_entities(session, event.id, "location", locations)
    event.curated = True
    event.updated_at = utcnow()
    session.add(event)
    session.commit()
    return get(session, event.id)


def delete(session: Session, event_id: uuid.UUID) -> None:
    repository.delete_event(session, get_event_or_404(session, event_id))
    session.commit()


def drafts_from_text(
    text: str, *, published_at: datetime, timezone: str, language: str = "en"
) -> list[EventDraft]:
    """The events an article's text supports, dated against its publication time. Pure."""
    expressions = resolve(text, published_at, timezone=timezone, language=language)
    return extract_events(text, expressions, language=language)


def _clock_time(value: str) -> str | None:
    # TIMEX3 TIME values such as 2025-03-12T14:00 carry a clock time; 2025-03-12TEV does not.
    _, _, clock = value.partition("T")
    return clock[:5] if len(clock) >= 5 and clock[:2].isdigit() and clock[2] == ":" else None


def store_drafts(session: Session, article: Article, drafts: Sequence[EventDraft]) -> list[Event]:
    """Add one event and its mention per draft. The caller owns the transaction."""
    events = []
    for draft in drafts:
        expression = draft.expression
        event = Event(
            title=draft.title,
            description=draft.description,
            category=draft.category,
            date_start=expression.date_start,
            date_end=expression.date_end,
            granularity=expression.granularity or "day",
            time=_clock_time(expression.value) if expression.type == "TIME" else None,
            timex=expression.value,
            confidence=draft.confidence,
        )
        repository.add_event(session, event, actors=draft.actors, locations=draft.locations)
        repository.add_mention(
            session,
            Mention(
                event_id=event.id,
                article_id=article.id,
                sentence=draft.description,
                sentence_start=draft.sentence_start,
                sentence_end=draft.sentence_end,
                phrase=expression.text,
                phrase_start=expression.start,
                phrase_end=expression.end,
                timex_type=expression.type,
                timex_value=expression.value,
                date_start=expression.date_start,
                date_end=expression.date_end,
                granularity=expression.granularity or "day",
                mod=expression.mod,
                confidence=expression.confidence,
                rule=expression.rule,
            ),
        )
        events.append(event)
    return events

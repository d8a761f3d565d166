"""Every query on events, their entities and their mentions. Nothing else touches these tables."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, exists, or_, select, tuple_
from sqlmodel import Session

from app.articles.models import Article
from app.events.models import Event, EventEntity, Mention


@dataclass(frozen=True, slots=True)
class EventFilters:
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    actor: str | None = None
    location: str | None = None
    category: str | None = None
    article_id: uuid.UUID | None = None
    status: str | None = None
    min_confidence: float | None = None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _has_entity(kind: str, name: str):
    return exists().where(
        EventEntity.event_id == Event.id, EventEntity.kind == kind, EventEntity.name == name
    )


def _conditions(filters: EventFilters) -> list:
    conditions = []
    # Overlap, not containment: a month-long event touches every week inside it.
    if filters.date_to is not None:
        conditions.append(Event.date_start <= filters.date_to)
    if filters.date_from is not None:
        conditions.append(Event.date_end >= filters.date_from)
    if filters.category:
        conditions.append(Event.category == filters.category)
    if filters.status:
        conditions.append(Event.status == filters.status)
    if filters.min_confidence is not None:
        conditions.append(Event.confidence >= filters.min_confidence)
    if filters.actor:
        conditions.append(_has_entity("actor", filters.actor))
    if filters.location:
        conditions.append(_has_entity("location", filters.location))
    if filters.article_id is not None:
        conditions.append(
            exists().where(Mention.event_id == Event.id, Mention.article_id == filters.article_id)
        )
    if filters.q:
        # Bound parameters: whatever the user typed is only ever matched as text.
        pattern = _like_pattern(filters.q)
        conditions.append(
            or_(
                Event.title.ilike(pattern, escape="\\"),
                Event.description.ilike(pattern, escape="\\"),
                exists().where(
                    Mention.event_id == Event.id, Mention.sentence.ilike(pattern, escape="\\")
                ),
            )
        )
    return conditions


def list_events(
    session: Session,
    *,
    filters: EventFilters,
    limit: int,
    after: tuple[date, uuid.UUID] | None = None,
    descending: bool = False,
) -> list[Event]:
    """One page of events in (date_start, id) order, starting after the keyset `after`."""
    statement = select(Event).where(*_conditions(filters))
    key = tuple_(Event.date_start, Event.id)
    if after is not None:
        statement = statement.where(key < tuple_(*after) if descending else key > tuple_(*after))
    if descending:
        statement = statement.order_by(Event.date_start.desc(), Event.id.desc())
    else:
        statement = statement.order_by(Event.date_start, Event.id)
    return list(session.scalars(statement.limit(limit)))


def get_event(session: Session, event_id: uuid.UUID) -> Event | None:
    return session.get(Event, event_id)


def get_events(session: Session, event_ids: Iterable[uuid.UUID]) -> list[Event]:
    ids = list(event_ids)
    if not ids:
        return []
    return list(session.scalars(select(Event).where(Event.id.in_(ids))))


def entities_for(
    session: Session, event_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, list[str]]]:
    """Actors and locations of many events in one query, in their stored order."""
    found: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(
        lambda: {"actor": [], "location": []}
    )
    if not event_ids:
        return found
    rows = session.execute(
        select(EventEntity.event_id, EventEntity.kind, EventEntity.name)
        .where(EventEntity.event_id.in_(event_ids))
        .order_by(EventEntity.event_id, EventEntity.kind, EventEntity.position)
    )
    for event_id, kind, name in rows:
        found[event_id][kind].append(name)
    return found


def sources_for(
    session: Session, event_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[Mention, Article]]]:
    """The mentions of many events with their articles, in one query, oldest article first."""
    found: dict[uuid.UUID, list[tuple[Mention, Article]]] = defaultdict(list)
    if not event_ids:
        return found
    rows = session.execute(
        select(Mention, Article)
        .join(Article, Article.id == Mention.article_id)
        .where(Mention.event_id.in_(event_ids))
        .order_by(Mention.event_id, Article.published_at, Mention.phrase_start)
    )
    for mention, article in rows:
        found[mention.event_id].append((mention, article))
    return found


def mentions_of_article(session: Session, article_id: uuid.UUID) -> list[Mention]:
    return list(
        session.scalars(
            select(Mention).where(Mention.article_id == article_id).order_by(Mention.phrase_start)
        )
    )


def add_event(
    session: Session, event: Event, *, actors: Sequence[str], locations: Sequence[str]
) -> None:
    session.add(event)
    _add_entities(session, event.id, "actor", actors)
    _add_entities(session, event.id, "location", locations)


def _add_entities(session: Session, event_id: uuid.UUID, kind: str, names: Sequence[str]) -> None:
    for position, name in enumerate(dict.fromkeys(names)):
        session.add(EventEntity(event_id=event_id, kind=kind, name=name, position=position))


def replace_entities(
    session: Session, event_id: uuid.UUID, kind: str, names: Sequence[str]
) -> None:
    session.execute(
        delete(EventEntity).where(EventEntity.event_id == event_id, EventEntity.kind == kind)
    )
    session.flush()
    _add_entities(session, event_id, kind, names)


def add_mention(session: Session, mention: Mention) -> None:
    session.add(mention)


def delete_event(session: Session, event: Event) -> None:
    # Children first: SQLite honours ON DELETE CASCADE only with its pragma on; do not rely on it.
    session.execute(delete(Mention).where(Mention.event_id == event.id))
    session.execute(delete(EventEntity).where(EventEntity.event_id == event.id))
    session.delete(event)


def delete_unbacked_events(session: Session, event_ids: Sequence[uuid.UUID]) -> int:
    """Delete those of `event_ids` that no mention backs any more and no curator made or edited."""
    if not event_ids:
        return 0
    unbacked = select(Event.id).where(
        Event.id.in_(event_ids),
        Event.curated.is_(False),
        ~exists().where(Mention.event_id == Event.id),
    )
    doomed = list(session.scalars(unbacked))
    if doomed:
        session.execute(delete(EventEntity).where(EventEntity.event_id.in_(doomed)))
        session.execute(delete(Event).where(and_(Event.id.in_(doomed))))
    return len(doomed)

"""Every query on events, their entities and their mentions. Nothing else touches these tables."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, exists, func, insert, or_, select, tuple_, update
from sqlmodel import Session

from app.articles.models import Article
from app.events.models import SPAN_CLASS_BOUNDS, Event, EventEntity, Mention, span_class
from app.events.search import matches_text


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
        conditions.append(matches_text(Event.id, filters.q))
    return conditions


def list_events(
    session: Session,
    *,
    filters: EventFilters,
    limit: int,
    after: tuple[date, uuid.UUID] | None = None,
    descending: bool = False,
) -> list[Event]:
    """One page of events in (date_start, id) order, starting after the keyset `after`.

    With a lower date bound, an event overlaps [from, to] only if it starts at most its span
    before `from`. Asking each span class separately, with that class's longest span as the
    bound, turns the scan of every event since the archive began into a few short index range
    scans (ix_events_span_class_date_start_id); the pages merge in order here.
    """
    if filters.date_from is None:
        return _page(session, _conditions(filters), limit, after, descending)
    pages = []
    for span, bound in enumerate((*SPAN_CLASS_BOUNDS, None)):
        conditions = [*_conditions(filters), Event.span_class == span]
        if bound is not None and filters.date_from.toordinal() > bound:
            conditions.append(Event.date_start >= filters.date_from - timedelta(days=bound))
        pages.extend(_page(session, conditions, limit, after, descending))
    pages.sort(key=lambda event: (event.date_start, event.id), reverse=descending)
    return pages[:limit]


def _page(
    session: Session,
    conditions: list,
    limit: int,
    after: tuple[date, uuid.UUID] | None,
    descending: bool,
) -> list[Event]:
    statement = select(Event).where(*conditions)
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


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """What an event's source shows of its article (never the text: it can be a megabyte)."""

    id: uuid.UUID
    url: str | None
    title: str | None
    published_at: datetime
    timezone: str


def sources_for(
    session: Session, event_ids: Sequence[uuid.UUID], *, with_draft: bool = False
) -> dict[uuid.UUID, list[tuple[Mention, ArticleRef]]]:
    """The mentions of many events with their articles, in one query, oldest article first.

    `draft` (the JSON extraction record) is read only `with_draft`: showing sources needs none.
    """
    found: dict[uuid.UUID, list[tuple[Mention, ArticleRef]]] = defaultdict(list)
    if not event_ids:
        return found
    # Plain rows, not ORM objects: an event told by hundreds of reports is read on every ingest
    # that joins it, and rows are several times cheaper to build. They have the Mention's
    # attributes (`mention.phrase`, `mention.draft`, ...).
    article_columns = (
        Article.id.label("source_article_id"),
        Article.url.label("source_url"),
        Article.title.label("source_title"),
        Article.published_at.label("source_published_at"),
        Article.timezone.label("source_timezone"),
    )
    columns = [
        column
        for column in Mention.__table__.columns
        if with_draft or column.name not in ("draft", "created_at")
    ]
    rows = session.execute(
        select(*columns, *article_columns)
        .join(Article, Article.id == Mention.article_id)
        .where(Mention.event_id.in_(event_ids))
        .order_by(Mention.event_id, Article.published_at, Mention.phrase_start)
    )
    articles: dict[uuid.UUID, ArticleRef] = {}
    for row in rows:
        article = articles.get(row.source_article_id)
        if article is None:
            article = articles[row.source_article_id] = ArticleRef(
                row.source_article_id,
                row.source_url,
                row.source_title,
                row.source_published_at,
                row.source_timezone,
            )
        found[row.event_id].append((row, article))
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


def insert_events(
    session: Session,
    rows: Sequence[dict],
    names: Sequence[tuple[uuid.UUID, Sequence[str], Sequence[str]]],
) -> None:
    """Insert many new events and their actors and locations in two statements."""
    # A bulk insert skips the ORM's before_insert listener, so the derived column is set here.
    rows = [{**row, "span_class": span_class(row["date_start"], row["date_end"])} for row in rows]
    session.execute(insert(Event), rows)
    entity_rows = [
        {"event_id": event_id, "kind": kind, "name": name, "position": position}
        for event_id, actors, locations in names
        for kind, group in (("actor", actors), ("location", locations))
        for position, name in enumerate(dict.fromkeys(group))
    ]
    if entity_rows:
        session.execute(insert(EventEntity), entity_rows)


def insert_mentions(session: Session, rows: Sequence[dict]) -> None:
    if rows:
        session.execute(insert(Mention), list(rows))


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


def fingerprint(session: Session, filters: EventFilters) -> tuple:
    """(event count, latest events.updated_at, mention count, latest mentions.created_at) of the
    events matching `filters`: two aggregates, no rows loaded.

    Cheap enough to run before every timeline response, so that an unchanged timeline can be
    answered with 304 without serializing a single event.
    """
    from sqlalchemy import func
    from sqlalchemy.orm import aliased

    conditions = _conditions(filters)
    events = session.execute(
        select(func.count(Event.id), func.max(Event.updated_at)).where(*conditions)
    ).one()
    # Deleting an article removes mentions from events that survive; their sources change too.
    # An alias, so that the `q` filter's EXISTS over mentions still correlates on events only.
    backing = aliased(Mention)
    mentions = session.execute(
        select(func.count(backing.id), func.max(backing.created_at))
        .join(Event, Event.id == backing.event_id)
        .where(*conditions)
    ).one()
    return (*events, *mentions)


def candidate_events(
    session: Session,
    *,
    date_start: date,
    date_end: date,
    actors: Sequence[str],
    locations: Sequence[str],
    window_days: int,
    limit: int = 50,
) -> list[Event]:
    """Events overlapping [date_start, date_end] widened by `window_days` that share an actor
    or a location with the mention: the only events a mention may join.

    Both parts are indexed: `ix_event_entities_kind_name_event_id` finds the events naming the
    actors, `ix_events_date_start_id` / `ix_events_date_end` bound the dates. Never a scan.
    """
    conditions = [
        and_(EventEntity.kind == kind, EventEntity.name.in_(list(dict.fromkeys(names))))
        for kind, names in (("actor", actors), ("location", locations))
        if names
    ]
    if not conditions:
        return []
    sharing = select(EventEntity.event_id).where(or_(*conditions))
    statement = (
        select(Event)
        .where(
            Event.id.in_(sharing),
            Event.date_start <= date_end + timedelta(days=window_days),
            Event.date_end >= date_start - timedelta(days=window_days),
        )
        .order_by(Event.date_start, Event.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def candidate_events_for_many(
    session: Session,
    probes: Sequence[tuple[date, date, Sequence[str], Sequence[str]]],
    *,
    window_days: int,
    limit: int = 1000,
) -> list[Event]:
    """`candidate_events` for all the mentions of an article in one query: events in any of
    the probes' date windows (overlapping windows merged) naming any of their actors or places.
    The caller checks each probe against each event; this only bounds what is read."""
    window = timedelta(days=window_days)
    spans = sorted((start - window, end + window) for start, end, _, _ in probes)
    merged: list[list[date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    actors = list(dict.fromkeys(name for probe in probes for name in probe[2]))
    locations = list(dict.fromkeys(name for probe in probes for name in probe[3]))
    named = [
        and_(EventEntity.kind == kind, EventEntity.name.in_(names))
        for kind, names in (("actor", actors), ("location", locations))
        if names
    ]
    if not named or not merged:
        return []
    statement = (
        select(Event)
        .where(
            or_(*(and_(Event.date_start <= end, Event.date_end >= start) for start, end in merged)),
            Event.id.in_(select(EventEntity.event_id).where(or_(*named))),
        )
        .order_by(Event.date_start, Event.id)
        .limit(limit)
        # The ingest that reads these events may rewrite them; concurrent ingests touching the
        # same events queue here (rows locked in one order, so they cannot deadlock) instead of
        # overwriting each other. SQLite serialises writers anyway and ignores this.
        .with_for_update(of=Event)
    )
    return list(session.scalars(statement))


def sentences_for(
    session: Session, event_ids: Sequence[uuid.UUID], *, per_event: int = 10
) -> dict[uuid.UUID, list[str]]:
    """The sentences of the first `per_event` mentions backing each event, in one query."""
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    if not event_ids:
        return found
    rank = (
        func.row_number()
        .over(partition_by=Mention.event_id, order_by=(Mention.created_at, Mention.id))
        .label("rank")
    )
    ranked = (
        select(Mention.event_id, Mention.sentence, rank)
        .where(Mention.event_id.in_(list(event_ids)))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.event_id, ranked.c.sentence).where(ranked.c.rank <= per_event)
    )
    for event_id, sentence in rows:
        found[event_id].append(sentence)
    return found


def mentions_by_id(session: Session, mention_ids: Sequence[uuid.UUID]) -> list[Mention]:
    if not mention_ids:
        return []
    return list(session.scalars(select(Mention).where(Mention.id.in_(list(mention_ids)))))


def move_mentions(session: Session, mention_ids: Sequence[uuid.UUID], event_id: uuid.UUID) -> None:
    session.execute(
        update(Mention).where(Mention.id.in_(list(mention_ids))).values(event_id=event_id)
    )


def move_event_mentions(
    session: Session, from_event_ids: Sequence[uuid.UUID], event_id: uuid.UUID
) -> None:
    session.execute(
        update(Mention).where(Mention.event_id.in_(list(from_event_ids))).values(event_id=event_id)
    )


def count_mentions(session: Session, event_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(Mention.event_id, func.count())
        .where(Mention.event_id.in_(list(event_ids)))
        .group_by(Mention.event_id)
    )
    return {row[0]: row[1] for row in rows}

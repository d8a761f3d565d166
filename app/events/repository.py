"""Every query on events, their entities and their mentions. Nothing else touches these tables."""

from __future__ import annotations

import dataclasses
import functools
import operator
import re
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import identity_key
from sqlalchemy.types import NullType
from sqlmodel import Session

from app.articles.models import Article
from app.events.models import SPAN_CLASS_BOUNDS, Event, EventEntity, Mention, span_class
from app.events.search import matches_text, walk_pays


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


def _conditions(filters: EventFilters, *, walk: bool = False, on_sqlite: bool = False) -> list:
    """The filters as WHERE conditions on events. `walk`: the `q` condition tests each event
    (for a page that walks the date index in order; see app.events.search)."""
    conditions = []
    # Overlap, not containment: a month-long event touches every week inside it.
    if filters.date_to is not None:
        conditions.append(Event.date_start <= filters.date_to)
    if filters.date_from is not None:
        conditions.append(Event.date_end >= filters.date_from)
    if filters.category:
        # A walk reads the date index and tests the category on the row. Given the plain
        # column, SQLite (which cannot tell what the per-event `q` test costs) would read the
        # category's events through ix_events_category instead and test `q` on every one of
        # them: 6,600 tests at 100,000 events, 200 ms, against 17 ms walked. PostgreSQL knows
        # that cost and walks; there an expression would only blur its estimate of the category.
        unindexed = walk and on_sqlite
        category = Event.category.concat("") if unindexed else Event.category
        conditions.append(category == filters.category)
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
        conditions.append(matches_text(Event.__table__, filters.q, per_event=walk))
    return conditions


def list_events(
    session: Session,
    *,
    filters: EventFilters,
    limit: int,
    after: tuple[date, uuid.UUID] | None = None,
    descending: bool = False,
    rendering: str = "document",
) -> list[Row]:
    """One page of events in (date_start, id) order, starting after the keyset `after`: rows of
    `stored_columns(rendering)` as the driver returns them (see `uuid_text` and friends), no
    ORM.

    With a lower date bound, an event overlaps [from, to] only if it starts at most its span
    before `from`. Asking each span class separately, with that class's longest span as the
    bound, turns the scan of every event since the archive began into a few short index range
    scans (ix_events_span_class_date_start_id). The classes' pages are one statement: a UNION
    ALL of their keys (read from that index alone), merged and cut to `limit` in SQL, then
    joined to the events, so one round trip reads and returns only `limit` rows.

    That statement takes SQLAlchemy milliseconds to build, more than the database takes to run
    it; for a filter on dates alone (a calendar's query) it is built once per shape, with bound
    parameters, and reused.

    With `q`, a common word is answered by walking those same indexes in order and testing each
    event against the full-text index, which stops at the page's last match; a rare one by
    looking up its matches and testing their dates (`walk_pays` estimates which is cheaper).
    """
    walk = bool(filters.q) and walk_pays(session, filters.q, limit)
    on_sqlite = session.get_bind().dialect.name == "sqlite"
    # A rare word's matches drive the page: each is tested against the dates on its row. Split
    # by span class, PostgreSQL read each class's whole range and joined it to the matches
    # (500 ms for a year at a million events, against 1.4 ms).
    if filters.date_from is None or (filters.q and not walk):
        conditions = _conditions(filters, walk=walk, on_sqlite=on_sqlite)
        statement = _page(stored_columns(rendering), conditions, limit, after, descending)
        return list(session.execute(statement))
    lower = _span_class_lower_bounds(filters.date_from)
    bounded = tuple(bound is not None for bound in lower)
    if dataclasses.replace(filters, date_from=None, date_to=None) != EventFilters():
        conditions = _conditions(filters, walk=walk, on_sqlite=on_sqlite)
        statement = _span_class_pages(
            conditions, lower, limit, after, descending, rendering, lazy=walk and on_sqlite
        )
        return list(session.execute(statement))
    statement = _date_range_statement(
        filters.date_to is not None, bounded, after is not None, descending, rendering
    )
    values = {"date_from": filters.date_from, "limit": limit}
    if filters.date_to is not None:
        values["date_to"] = filters.date_to
    for span, bound in enumerate(lower):
        if bound is not None:
            values[f"from_{span}"] = bound
    if after is not None:
        values["after_date"], values["after_id"] = after
    return list(session.execute(statement, values))


def _span_class_lower_bounds(date_from: date) -> list[date | None]:
    """The least date_start of an event of each span class (but the last, which has none) that
    can overlap a range from `date_from`: its longest span before. None where that would reach
    before year 1."""
    return [
        date_from - timedelta(days=bound) if date_from.toordinal() > bound else None
        for bound in SPAN_CLASS_BOUNDS
    ]


def _span_class_pages(
    conditions: list,
    lower: Sequence,
    limit,
    after: tuple | None,
    descending: bool,
    rendering: str,
    *,
    lazy: bool = False,
) -> Select:
    """The statement of `list_events` with a lower date bound; `lower` holds each span class's
    least date_start (None: unbounded), the last class has none.

    Each class's page is cut to `limit`, then the pages are merged. `lazy` (for SQLite, when the
    conditions test each event at a cost: `q` walking): the classes are plain members of one
    ordered compound instead, which SQLite merges as it reads them (a co-routine per class, in
    its index's order) and stops at the `limit`th event of the merge. Cut pages would test
    `limit` events' worth in every class, each sorted before the merge: six times the work.
    PostgreSQL needs no such form: it merges the cut pages lazily already (a Merge Append of
    Limits), and given plain members it estimated the tested rows low and sorted them all.
    """
    keys = (Event.date_start, Event.id)
    parts = []
    for span, least in enumerate((*lower, None)):
        in_class = [*conditions, Event.span_class == span]
        if least is not None:
            in_class.append(Event.date_start >= least)
        if lazy:
            parts.append(_after(select(*keys).where(*in_class), after, descending))
        else:
            # A member of a compound select may not have its own ORDER BY / LIMIT on SQLite:
            # each class's page is wrapped in a subquery.
            parts.append(select(_page(keys, in_class, limit, after, descending).subquery()))
    if lazy:
        merged = union_all(*parts)
        columns = merged.selected_columns
        page = _ordered(merged, columns.date_start, columns.id, descending)
    else:
        merged = union_all(*parts).subquery()
        page = _ordered(select(merged), merged.c.date_start, merged.c.id, descending)
    page = page.limit(limit).subquery()
    statement = select(*stored_columns(rendering)).join(page, page.c.id == Event.id)
    return _ordered(statement, Event.date_start, Event.id, descending)


@functools.cache
def _date_range_statement(
    has_to: bool, bounded: tuple[bool, ...], has_after: bool, descending: bool, rendering: str
) -> Select:
    """`_span_class_pages` for filters on dates alone, with bound parameters for every value:
    date_from, date_to, from_<class>, after_date, after_id, limit."""
    date_type, id_type = Event.__table__.c.date_start.type, Event.__table__.c.id.type
    filters = EventFilters(
        date_from=bindparam("date_from", type_=date_type),
        date_to=bindparam("date_to", type_=date_type) if has_to else None,
    )
    lower = [
        bindparam(f"from_{span}", type_=date_type) if applies else None
        for span, applies in enumerate(bounded)
    ]
    after = (
        (bindparam("after_date", type_=date_type), bindparam("after_id", type_=id_type))
        if has_after
        else None
    )
    limit = bindparam("limit", type_=Integer())
    return _span_class_pages(_conditions(filters), lower, limit, after, descending, rendering)


def _raw(column):
    """`column` read as the driver returns it: no result processing (SQLAlchemy's date, UUID and
    aware-datetime processors cost more than the rest of a row)."""
    return type_coerce(column, NullType()).label(column.key)


# What the public shape of an event needs, and nothing else (never `curated`, `span_class`).
PUBLIC_EVENT_COLUMNS = tuple(
    _raw(column)
    for column in (
        Event.id,
        Event.title,
        Event.description,
        Event.category,
        Event.date_start,
        Event.date_end,
        Event.granularity,
        Event.time,
        Event.timex,
        Event.confidence,
        Event.status,
        Event.created_at,
        Event.updated_at,
    )
)


@functools.cache
def stored_columns(rendering: str) -> tuple:
    """What lists and exports read: the keyset and one stored rendering of the event
    (app.events.documents: `document` or `csv_row`)."""
    return tuple(
        _raw(column) for column in (Event.id, Event.date_start, Event.__table__.c[rendering])
    )


def _page(
    columns: Sequence,
    conditions: list,
    limit,
    after: tuple | None,
    descending: bool,
) -> Select:
    statement = _after(select(*columns).where(*conditions), after, descending)
    return _ordered(statement, Event.date_start, Event.id, descending).limit(limit)


def _after(statement: Select, after: tuple | None, descending: bool) -> Select:
    """`statement` cut to the events past the keyset `after` in the page's order."""
    if after is None:
        return statement
    key = tuple_(Event.date_start, Event.id)
    return statement.where(key < tuple_(*after) if descending else key > tuple_(*after))


def _ordered(statement: Select, date_start, event_id, descending: bool) -> Select:
    """`statement` in keyset order: (date_start, id), or its reverse."""
    if descending:
        return statement.order_by(date_start.desc(), event_id.desc())
    return statement.order_by(date_start, event_id)


def public_event_rows(session: Session, event_ids: Sequence[uuid.UUID]) -> list[Row]:
    """Rows of `PUBLIC_EVENT_COLUMNS` for these events, in the order of `event_ids`."""
    if not event_ids:
        return []
    rows = session.execute(select(*PUBLIC_EVENT_COLUMNS).where(Event.id.in_(list(event_ids))))
    by_id = {uuid_key(row.id): row for row in rows}
    return [by_id[event_id] for event_id in event_ids if event_id in by_id]


def lock_events_without_document(session: Session, limit: int) -> list[uuid.UUID]:
    """Up to `limit` events whose document is missing, locked for this transaction on
    PostgreSQL; those another transaction holds are skipped (it stores them itself)."""
    statement = (
        select(Event.id)
        .where(Event.document.is_(None))
        .order_by(Event.id)
        .limit(limit)
        .with_for_update(key_share=True, skip_locked=True)
    )
    return list(session.scalars(statement))


def count_events_without_document(session: Session) -> int:
    return session.scalar(select(func.count()).where(Event.document.is_(None))) or 0


_STORE_DOCUMENT = (
    update(Event.__table__)
    .where(Event.__table__.c.id == bindparam("event_key"))
    .values(document=bindparam("new_document"), csv_row=bindparam("new_csv_row"))
)


def store_documents(session: Session, documents: Sequence[tuple[uuid.UUID, bytes, bytes]]) -> None:
    """Store (event id, document, CSV row) of events."""
    if documents:
        session.execute(
            _STORE_DOCUMENT,
            [
                {"event_key": event_id, "new_document": document, "new_csv_row": row}
                for event_id, document, row in documents
            ],
        )


# The two queries that complete a page of events, built once: their only value is the list of
# event ids (an expanding parameter), so each use skips SQLAlchemy's statement construction.
_entities, _mentions, _articles = EventEntity.__table__, Mention.__table__, Article.__table__
_PUBLIC_ENTITIES = (
    select(_raw(_entities.c.event_id), _entities.c.kind, _entities.c.name)
    .where(type_coerce(_entities.c.event_id, NullType()).in_(bindparam("ids", expanding=True)))
    .order_by(_entities.c.event_id, _entities.c.kind, _entities.c.position)
)
# What an event's source shows: the mention's sentence and date phrase, and of its article
# what identifies it (never the text: it can be a megabyte).
_PUBLIC_SOURCES = (
    select(
        _raw(_mentions.c.event_id),
        _raw(_mentions.c.id).label("mention_id"),
        _mentions.c.sentence,
        _mentions.c.sentence_start,
        _mentions.c.sentence_end,
        _mentions.c.phrase,
        _mentions.c.phrase_start,
        _mentions.c.phrase_end,
        _mentions.c.timex_type,
        _mentions.c.timex_value,
        _mentions.c.rule,
        _raw(_mentions.c.article_id),
        _articles.c.url,
        _articles.c.title,
        _raw(_articles.c.published_at),
        _articles.c.timezone,
    )
    .join(_articles, _articles.c.id == _mentions.c.article_id)
    .where(type_coerce(_mentions.c.event_id, NullType()).in_(bindparam("ids", expanding=True)))
    .order_by(_mentions.c.event_id, _articles.c.published_at, _mentions.c.phrase_start)
)


def public_entities(
    session: Session, raw_event_ids: Sequence
) -> dict[object, tuple[list[str], list[str]]]:
    """(actors, locations) of many events, in their stored order, in one query; keyed by the
    raw event id of `list_events` rows. Events with neither are absent."""
    found: dict[object, tuple[list[str], list[str]]] = {}
    if not raw_event_ids:
        return found
    for raw_id, kind, name in session.execute(_PUBLIC_ENTITIES, {"ids": list(raw_event_ids)}):
        names = found.get(raw_id)
        if names is None:
            names = found[raw_id] = ([], [])
        names[kind == "location"].append(name)
    return found


def public_sources(session: Session, raw_event_ids: Sequence) -> dict[object, list[Row]]:
    """The mentions of many events with what their sources show of their articles, in one
    query, keyed by raw event id; each event's oldest article first, then by position."""
    found: dict[object, list[Row]] = defaultdict(list)
    if not raw_event_ids:
        return found
    for row in session.execute(_PUBLIC_SOURCES, {"ids": list(raw_event_ids)}):
        found[row[0]].append(row)
    return found


# Raw values → their JSON text. SQLite returns what SQLAlchemy stored (UUIDs as 32 hex digits,
# dates as ISO text, instants as naive UTC ISO text); psycopg returns uuid.UUID, date and aware
# datetime. Both come out exactly as pydantic writes them in `EventPublic`.


def uuid_text(value) -> str:
    if type(value) is str:
        if len(value) == 32:
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return str(uuid.UUID(value))
    return str(value)


def uuid_key(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def date_text(value) -> str:
    return value if type(value) is str else value.isoformat()


def instant(value) -> datetime:
    """A stored instant as an aware UTC datetime."""
    if type(value) is str:
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def instant_text(value) -> str:
    """A stored instant as pydantic writes an aware UTC datetime: microseconds only when
    non-zero, `Z` for the zone."""
    if type(value) is str:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return moment.isoformat() + "Z"
    else:
        moment = value
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


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
    _insert_rows(session, Event.__table__, rows)
    _insert_rows(session, EventEntity.__table__, _entity_rows(names))


def insert_mentions(session: Session, rows: Sequence[dict]) -> None:
    _insert_rows(session, Mention.__table__, rows)


def _insert_rows(session: Session, table: Table, rows: Sequence[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`.

    Core inserts, not ORM bulk inserts: the same SQL, a third of the Python. On SQLite, where
    ingest spends more in SQLAlchemy's per-row parameter handling than SQLite spends storing
    the rows, the values go through the columns' own bind processors (so they are stored
    exactly as a Core insert stores them) and straight to the driver, as one multi-row
    INSERT per `_rows_per_statement` rows rather than an executemany of one-row INSERTs.

    One statement for many rows is what makes the full-text triggers cheap: the row triggers
    on `events` and `mentions` write to the FTS5 table `events_search`, and FTS5's overhead is
    per statement, not per row. An executemany of 1,000 mentions cost ~1.6 ms per article of
    20 mentions in those triggers, one INSERT of the 1,000 rows ~0.4 ms; the triggers still
    fire for every row, so the index holds exactly what it held before. On PostgreSQL the same
    goes for the statement triggers that clear event documents (migration event_documents):
    an executemany fired them once per row, ~25 µs a row."""
    if not rows:
        return
    connection = session.connection()
    columns = tuple(rows[0])
    plan = _driver_insert(table, columns, connection.dialect)
    if plan is None:
        connection.execute(insert(table), list(rows))
        return
    head, placeholders, getter, processors = plan
    most = (
        _rows_per_statement(connection, len(columns))
        if _is_sqlite(connection)
        else max(1, min(_MAX_ROWS_PER_STATEMENT, _POSTGRESQL_MAX_PARAMETERS // len(columns)))
    )
    for start, stop in _statement_slices(len(rows), most):
        part = rows[start:stop]
        parameters: list = []
        extend = parameters.extend
        if processors:
            for row in part:
                values = list(getter(row))
                for index, process in processors:
                    values[index] = process(values[index])
                extend(values)
        else:
            for row in part:
                extend(getter(row))
        connection.exec_driver_sql(
            _values_statement(head, placeholders, len(part)), tuple(parameters)
        )


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


# PostgreSQL's wire protocol counts a statement's parameters in 16 bits.
_POSTGRESQL_MAX_PARAMETERS = 65_535
# At most this many rows per multi-row INSERT, whatever the driver allows: past a few hundred
# rows a statement saves nothing more, and its text stays small.
_MAX_ROWS_PER_STATEMENT = 1024


def _statement_slices(count: int, most: int) -> list[tuple[int, int]]:
    """(start, stop) of each statement's rows: as many of `most` rows as fit, then the rest in
    powers of two, so that whatever the batch, one table's inserts are a dozen distinct
    statements at most, prepared once and then found in the driver's statement cache."""
    slices = []
    start = 0
    while count - start >= most:
        slices.append((start, start + most))
        start += most
    size = 1 << (most.bit_length() - 1)
    while start < count:
        while size > count - start:
            size >>= 1
        slices.append((start, start + size))
        start += size
    return slices


def _rows_per_statement(connection, columns: int) -> int:
    """Rows of `columns` values that one statement may bind on this SQLite connection (its
    SQLITE_LIMIT_VARIABLE_NUMBER: 32,766 by default since SQLite 3.32, 999 before)."""
    driver_connection = connection.connection.dbapi_connection
    getlimit = getattr(driver_connection, "getlimit", None)
    variables = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 999
    return max(1, min(_MAX_ROWS_PER_STATEMENT, variables // columns))


@functools.lru_cache(maxsize=64)
def _values_statement(head: str, placeholders: str, count: int) -> str:
    """`head` VALUES `placeholders` repeated for `count` rows."""
    return f"{head} VALUES {', '.join([placeholders] * count)}"


_NAMED_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@functools.lru_cache(maxsize=32)
def _driver_insert(table: Table, columns: tuple[str, ...], dialect) -> tuple | None:
    """(the INSERT for these columns of `table` as the dialect writes it, up to VALUES; one
    row's placeholders; a getter of a row's values in their parameter order; the bind
    processors by position); None when a column left out has a default of SQLAlchemy's to fill
    in (a Core insert does that)."""
    if len(columns) < 2 or any(
        column.default is not None or column.onupdate is not None
        for column in table.columns
        if column.name not in columns
    ):
        return None
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    head, values, placeholders = compiled.string.partition(" VALUES ")
    if not values:
        return None
    if compiled.positional:
        order = compiled.positiontup
        if order is None or placeholders != "(" + ", ".join("?" * len(order)) + ")":
            return None
    else:
        # psycopg's named placeholders, %(name)s with a cast after some: positional %s keeps
        # the casts and lets one statement carry many rows.
        order = _NAMED_PLACEHOLDER.findall(placeholders)
        placeholders = _NAMED_PLACEHOLDER.sub("%s", placeholders)
    if sorted(order) != sorted(columns):
        return None
    processors = tuple(
        (index, process)
        for index, name in enumerate(order)
        if (process := table.columns[name].type.dialect_impl(dialect).bind_processor(dialect))
        is not None
    )
    return head, placeholders, operator.itemgetter(*order), processors


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
    events matching `filters`: two statements of aggregates, no rows loaded.

    Cheap enough to run before every timeline response, so that an unchanged timeline can be
    answered with 304 without serializing a single event: the aggregates read indexes alone
    (the span-class index holds updated_at, the mentions' (event_id, created_at, id) index the
    rest; migration `fingerprint_indexes`). With a lower date bound, each span class's slice is
    aggregated apart, bounded as in `list_events`, so a week of a million-event archive reads a
    week's index entries, not every event since the archive began; not with `q`, whose
    full-text lookup would run once per slice.
    """
    conditions = _conditions(filters)
    if filters.date_from is None or filters.q:
        slices = [conditions]
    else:
        lower = _span_class_lower_bounds(filters.date_from)
        slices = [
            [
                *conditions,
                Event.span_class == span,
                *([] if bound is None else [Event.date_start >= bound]),
            ]
            for span, bound in enumerate([*lower, None])
        ]
    # Deleting an article removes mentions from events that survive; their sources change too.
    # An alias, so that the `q` filter's EXISTS over mentions still correlates on events only.
    backing = aliased(Mention)
    if conditions:
        mention_parts = [
            select(func.count(), func.max(backing.created_at))
            .join(Event, Event.id == backing.event_id)
            .where(*where)
            for where in slices
        ]
    else:
        # Every mention belongs to an event (foreign key, deleted with it): no join to read.
        mention_parts = [select(func.count(), func.max(backing.created_at))]
    event_parts = [
        select(func.count(), func.max(Event.updated_at)).where(*where) for where in slices
    ]
    events = _combined_aggregates(session, event_parts)
    mentions = _combined_aggregates(session, mention_parts)
    return (*events, *mentions)


def _combined_aggregates(session: Session, parts: list[Select]) -> tuple[int, datetime | None]:
    """(sum of the counts, greatest of the maxima) of `parts`, each a (count, max) aggregate:
    one statement (a UNION ALL when there are several)."""
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = session.execute(statement).all()
    latest = [row[1] for row in rows if row[1] is not None]
    return sum(row[0] for row in rows), max(latest, default=None)


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


# What ingest reads of an event it may join, and may change (not its timestamps).
CANDIDATE_COLUMNS = (
    "id",
    "title",
    "description",
    "category",
    "date_start",
    "date_end",
    "granularity",
    "time",
    "timex",
    "confidence",
    "curated",
)


def candidate_events_for_many(
    session: Session,
    probes: Sequence[tuple[date, date, Sequence[str], Sequence[str]]],
    *,
    window_days: int,
    limit: int | None = 1000,
) -> list[Row]:
    """`candidate_events` for all the mentions of an article in one query: events in any of
    the probes' date windows (overlapping windows merged) naming any of their actors or places.
    The caller checks each probe against each event; this only bounds what is read. In
    (date_start, id) order, which is also the order `consolidation.best_match` breaks exact
    ties in: ids are in creation order (`models.new_id`), so ties go the same way every run.

    Plain rows with the columns of `CANDIDATE_COLUMNS` as attributes, not ORM objects: ingest
    reads dozens per article and writes the changed ones back in bulk (`update_events`)."""
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
    if not (actors or locations) or not merged:
        return []
    values: dict = {"actors": actors, "locations": locations}
    for index, (start, end) in enumerate(merged):
        values[f"start_{index}"], values[f"end_{index}"] = start, end
    if limit is not None:
        values["limit"] = limit
    statement = _candidate_statement(len(merged), limit is not None)
    return list(session.execute(statement, values))


@functools.lru_cache(maxsize=64)
def _candidate_statement(windows: int, limited: bool) -> Select:
    """The statement of `candidate_events_for_many` for `windows` date windows, built once,
    with bound parameters: start_<i>, end_<i>, actors, locations (lists), limit."""
    events, entities = Event.__table__, EventEntity.__table__
    date_type, name_type = events.c.date_start.type, entities.c.name.type
    named = or_(
        *(
            and_(
                entities.c.kind == kind,
                entities.c.name.in_(bindparam(group, expanding=True, type_=name_type)),
            )
            for kind, group in (("actor", "actors"), ("location", "locations"))
        )
    )
    statement = (
        select(*(events.c[name] for name in CANDIDATE_COLUMNS))
        .where(
            or_(
                *(
                    and_(
                        events.c.date_start <= bindparam(f"end_{index}", type_=date_type),
                        events.c.date_end >= bindparam(f"start_{index}", type_=date_type),
                    )
                    for index in range(windows)
                )
            ),
            events.c.id.in_(select(entities.c.event_id).where(named)),
        )
        .order_by(events.c.date_start, events.c.id)
        # The ingest that reads these events may rewrite them; concurrent ingests touching the
        # same events queue here (rows locked in one order, so they cannot deadlock) instead of
        # overwriting each other. SQLite serialises writers anyway and ignores this.
        .with_for_update(of=events)
    )
    if limited:
        statement = statement.limit(bindparam("limit", type_=Integer()))
    return statement


def candidate_cache_key(session: Session) -> tuple | None:
    """(connection, rows it has changed, data version): while it stays the same, nobody has
    written to the database, on this connection or any other; None where that cannot be told
    cheaply (everywhere but SQLite).

    SQLite's `data_version` changes whenever another connection commits, never for the
    connection's own commits, which `total_changes` counts instead (another session of this
    process may have had the same pooled connection in between)."""
    connection = session.connection()
    if not _is_sqlite(connection):
        return None
    driver_connection = connection.connection.dbapi_connection
    version = connection.exec_driver_sql("PRAGMA data_version").scalar()
    return (driver_connection, driver_connection.total_changes, version)


def update_events(session: Session, changes: Sequence[tuple[uuid.UUID, dict]]) -> None:
    """Write changed columns of many events: one executemany per set of changed columns.

    Only the columns that changed are set, as the ORM would: the full-text triggers fire on an
    update of title or description, and most joins change neither. ORM copies of these events
    in the session are expired, so a later read in the same session sees the new values."""
    events = Event.__table__
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for event_id, values in changes:
        if not values:
            continue
        values = dict(values)
        if "date_start" in values or "date_end" in values:
            values["span_class"] = span_class(values["date_start"], values["date_end"])
        groups[tuple(sorted(values))].append({"event_key": event_id, **values})
    for columns, rows in groups.items():
        statement = (
            update(events)
            .where(events.c.id == bindparam("event_key"))
            .values({name: bindparam(name, type_=events.c[name].type) for name in columns})
        )
        session.connection().execute(statement, rows)
    _expire(session, Event, [event_id for event_id, values in changes if values])


def replace_entities_many(
    session: Session, entities: Sequence[tuple[uuid.UUID, Sequence[str], Sequence[str]]]
) -> None:
    """Replace the actors and locations of many events: one delete, one insert."""
    if not entities:
        return
    session.execute(
        delete(EventEntity).where(
            EventEntity.event_id.in_([event_id for event_id, _, _ in entities])
        )
    )
    _insert_rows(session, EventEntity.__table__, _entity_rows(entities))


def _entity_rows(
    entities: Sequence[tuple[uuid.UUID, Sequence[str], Sequence[str]]],
) -> list[dict]:
    return [
        {"event_id": event_id, "kind": kind, "name": name, "position": position}
        for event_id, actors, locations in entities
        for kind, group in (("actor", actors), ("location", locations))
        for position, name in enumerate(dict.fromkeys(group))
    ]


def _expire(session: Session, model: type, ids: Sequence[uuid.UUID]) -> None:
    identity_map = session.identity_map
    for id_ in ids:
        instance = identity_map.get(identity_key(model, id_))
        if instance is not None:
            session.expire(instance)


# The reads of ingest that run once per article or batch, built once: their values are lists
# of event ids (expanding parameters), so each use skips SQLAlchemy's statement construction,
# which costs more than SQLite takes to answer them.
_CANDIDATE_ENTITIES = (
    select(_entities.c.event_id, _entities.c.kind, _entities.c.name)
    .where(_entities.c.event_id.in_(bindparam("ids", expanding=True)))
    .order_by(_entities.c.event_id, _entities.c.kind, _entities.c.position)
)
_RANKED_SENTENCES = (
    select(
        _mentions.c.event_id,
        _mentions.c.created_at,
        _mentions.c.id,
        _mentions.c.sentence,
        func.row_number()
        .over(
            partition_by=_mentions.c.event_id,
            order_by=(_mentions.c.created_at, _mentions.c.id),
        )
        .label("rank"),
    )
    .where(_mentions.c.event_id.in_(bindparam("ids", expanding=True)))
    .subquery()
)
_SENTENCE_ROWS = (
    select(
        _RANKED_SENTENCES.c.event_id,
        _RANKED_SENTENCES.c.created_at,
        _RANKED_SENTENCES.c.id,
        _RANKED_SENTENCES.c.sentence,
    )
    .where(_RANKED_SENTENCES.c.rank <= bindparam("per_event", type_=Integer()))
    .order_by(_RANKED_SENTENCES.c.event_id, _RANKED_SENTENCES.c.rank)
)
# Ids per statement: far below every database's limit on bound parameters.
_IDS_PER_STATEMENT = 5000


def _chunks(ids: Sequence[uuid.UUID]) -> Iterable[list[uuid.UUID]]:
    ids = list(ids)
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        yield ids[start : start + _IDS_PER_STATEMENT]


def candidate_entities(
    session: Session, event_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, list[str]]]:
    """`entities_for`, for ingest: actors and locations of many events, in their stored order."""
    found: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(
        lambda: {"actor": [], "location": []}
    )
    for ids in _chunks(event_ids):
        for event_id, kind, name in session.execute(_CANDIDATE_ENTITIES, {"ids": ids}):
            found[event_id][kind].append(name)
    return found


def sentence_rows_for(
    session: Session, event_ids: Sequence[uuid.UUID], *, per_event: int = 10
) -> dict[uuid.UUID, list[tuple[datetime, uuid.UUID, str]]]:
    """(created_at, mention id, sentence) of the first `per_event` mentions backing each event,
    in that order, in one query."""
    found: dict[uuid.UUID, list[tuple[datetime, uuid.UUID, str]]] = defaultdict(list)
    for ids in _chunks(event_ids):
        rows = session.execute(_SENTENCE_ROWS, {"ids": ids, "per_event": per_event})
        for event_id, created_at, mention_id, sentence in rows:
            found[event_id].append((created_at, mention_id, sentence))
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

"""Event use cases: list, read, curate (edit, merge, split), and turn an article's text into
stored events, one per happening (`app.events.consolidation` decides what joins what)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Hashable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import orjson
from sqlalchemy.engine import Row
from sqlmodel import Session

from app.articles.models import Article
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.events import consolidation, documents, repository

# Re-exported: ingest and the tests reach drafts_from_text through the service.
from app.events.extraction import EventDraft, drafts_from_text  # noqa: F401
from app.events.models import Event, Mention, new_id
from app.events.schemas import (
    EventBrief,
    EventCreate,
    EventDetail,
    EventPublic,
    EventSplit,
    EventUpdate,
)
from app.pagination import decode_cursor, encode_cursor, malformed_cursor
from app.temporal.model import TemporalExpression

if TYPE_CHECKING:
    # Only named in annotations: the page cache imports Starlette (and anyio), which the
    # bulk ingest (`timeline ingest`) would otherwise import for nothing.
    from app.page_cache import CachedBody, PageCache


def _is_own(mention: Mention | Row) -> bool:
    """True when the mention's date phrase is in its own sentence (not inherited)."""
    return mention.sentence_start <= mention.phrase_start < mention.sentence_end


def to_public(session: Session, events: Sequence[Event]) -> list[EventPublic]:
    """`public_events` of these (flushed) events as models, for single-event answers and
    ingest: the very values lists and exports show. Three queries for any number of events."""
    rows = repository.public_event_rows(session, [event.id for event in events])
    return [EventPublic.model_validate(item) for item in documents.public_events(session, rows)]


def list_events(
    session: Session,
    *,
    filters: repository.EventFilters,
    limit: int,
    cursor: str | None,
    descending: bool,
) -> bytes:
    """One page of `GET /v1/events` (`EventPage`) as JSON, from the stored event documents: one
    query, as orjson writes the page's model."""
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
    next_cursor = None
    if more:
        last = page[-1]
        next_cursor = encode_cursor(
            repository.date_text(last.date_start), repository.uuid_text(last.id)
        )
    items = b",".join(documents.stored_of(session, page, "document"))
    return b'{"items":[' + items + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"


async def list_events_body(
    session: Session,
    cache: PageCache,
    key: Hashable,
    *,
    filters: repository.EventFilters,
    limit: int,
    cursor: str | None,
    descending: bool,
    refresh: bool = False,
) -> CachedBody:
    """`list_events` as JSON bytes with their ETag, stored in `cache` under `key` (see
    app.page_cache.page_key) and taken from it while the archive is unchanged (built anew when
    `refresh`)."""
    return await cache.body(
        key,
        lambda: list_events(
            session, filters=filters, limit=limit, cursor=cursor, descending=descending
        ),
        refresh=refresh,
    )


def get_event_or_404(session: Session, event_id: uuid.UUID) -> Event:
    event = repository.get_event(session, event_id)
    if event is None:
        raise NotFound(f"No event has id {event_id}. List events with GET /v1/events.")
    return event


def get(session: Session, event_id: uuid.UUID) -> EventPublic:
    return to_public(session, [get_event_or_404(session, event_id)])[0]


def get_detail(session: Session, event_id: uuid.UUID) -> EventDetail:
    """The event with the near-duplicates a curator may want to merge into it."""
    event = get_event_or_404(session, event_id)
    public = to_public(session, [event])[0]
    facts = _event_facts(event, public.actors, public.locations)
    candidates = repository.candidate_events(
        session,
        date_start=event.date_start,
        date_end=event.date_end,
        actors=public.actors,
        locations=public.locations,
        window_days=consolidation.DUPLICATE_WINDOW_DAYS,
    )
    entities = repository.entities_for(session, [c.id for c in candidates])
    found = consolidation.possible_duplicates(
        facts,
        [_event_facts(c, entities[c.id]["actor"], entities[c.id]["location"]) for c in candidates],
    )
    by_id = {c.id: c for c in candidates}
    return EventDetail(
        **public.model_dump(),
        possible_duplicates=[
            EventBrief(
                id=by_id[other.id].id,
                title=by_id[other.id].title,
                date_start=by_id[other.id].date_start,
                date_end=by_id[other.id].date_end,
                granularity=by_id[other.id].granularity,
                similarity=round(score, 3),
            )
            for score, other in found
        ],
    )


def _commit(session: Session) -> None:
    """Commit the transaction's writes with the documents they cleared stored again."""
    session.flush()
    documents.store_missing(session)
    session.commit()


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
    _commit(session)
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
    _commit(session)
    return get(session, event.id)


def delete(session: Session, event_id: uuid.UUID) -> None:
    repository.delete_event(session, get_event_or_404(session, event_id))
    _commit(session)


def _clock_time(value: str) -> str | None:
    # TIMEX3 TIME values such as 2025-03-12T14:00 carry a clock time; 2025-03-12TEV does not.
    _, _, clock = value.partition("T")
    return clock[:5] if len(clock) >= 5 and clock[:2].isdigit() and clock[2] == ":" else None


def _expression_time(expression: TemporalExpression) -> str | None:
    """The clock time an expression gives its event ("14:00"), if it is a TIME with one."""
    return _clock_time(expression.value) if expression.type == "TIME" else None


def _expression_dates(expression: TemporalExpression) -> dict:
    """The dating fields an event and its mention facts take from the expression."""
    return {
        "date_start": expression.date_start,
        "date_end": expression.date_end,
        "granularity": expression.granularity or "day",
        "timex": expression.value,
        "time": _expression_time(expression),
    }


def _draft_record(draft: EventDraft) -> dict:
    """What a mention keeps of its draft, to re-derive its event later."""
    expression = draft.expression
    return {
        "title": draft.title,
        "category": draft.category,
        "actors": list(draft.actors),
        "locations": list(draft.locations),
        "confidence": draft.confidence,
        "inherited": draft.continues is not None,
        "time": _expression_time(expression),
    }


def _mention_row(
    draft: EventDraft, article: Article, event_id: uuid.UUID | None, now: datetime
) -> dict:
    """A `mentions` row for the draft (inserted in bulk: ORM objects cost ~1 ms each)."""
    expression = draft.expression
    return {
        "id": new_id(),
        "event_id": event_id,
        "article_id": article.id,
        "sentence": draft.description,
        "sentence_start": draft.sentence_start,
        "sentence_end": draft.sentence_end,
        "phrase": expression.text,
        "phrase_start": expression.start,
        "phrase_end": expression.end,
        "timex_type": expression.type,
        "timex_value": expression.value,
        "date_start": expression.date_start,
        "date_end": expression.date_end,
        "granularity": expression.granularity or "day",
        "mod": expression.mod,
        "confidence": expression.confidence,
        "rule": expression.rule,
        "draft": _draft_record(draft),
        "created_at": now,
    }


def _draft_facts(draft: EventDraft, article: Article) -> consolidation.MentionFacts:
    return consolidation.MentionFacts(
        **_expression_dates(draft.expression),
        title=draft.title,
        sentence=draft.description,
        category=draft.category,
        actors=tuple(draft.actors),
        locations=tuple(draft.locations),
        confidence=draft.confidence,
        article_id=article.id,
        published_at=article.published_at,
        sentence_start=draft.sentence_start,
        inherited=draft.continues is not None,
    )


def _mention_facts(
    mention: Mention, article: Article | repository.ArticleRef, event: Event | None = None
):
    record = mention.draft or {}
    return consolidation.MentionFacts(
        date_start=mention.date_start,
        date_end=mention.date_end,
        granularity=mention.granularity,
        timex=mention.timex_value,
        time=record.get("time"),
        title=record.get("title") or (event.title if event else mention.sentence[:80]),
        sentence=mention.sentence,
        category=record.get("category") or (event.category if event else "other"),
        actors=tuple(record.get("actors") or ()),
        locations=tuple(record.get("locations") or ()),
        confidence=record.get("confidence", mention.confidence),
        article_id=article.id,
        published_at=article.published_at,
        sentence_start=mention.sentence_start,
        inherited=not _is_own(mention),
    )


def _event_facts(
    event: Event,
    actors: Sequence[str],
    locations: Sequence[str],
    articles: Sequence = (),
    sentences: Sequence[str] = (),
) -> consolidation.EventFacts:
    return consolidation.EventFacts(
        id=event.id,
        date_start=event.date_start,
        date_end=event.date_end,
        title=event.title,
        description=event.description,
        category=event.category,
        actors=tuple(actors),
        locations=tuple(locations),
        articles=frozenset(articles),
        sentences=tuple(sentences),
    )


def _draft_state(draft: EventDraft) -> consolidation.Derived:
    """A new event's fields, from the draft that starts it."""
    return consolidation.Derived(
        **_expression_dates(draft.expression),
        title=draft.title,
        description=draft.description,
        category=draft.category,
        actors=list(dict.fromkeys(draft.actors)),
        locations=list(dict.fromkeys(draft.locations)),
        confidence=draft.confidence,
    )


def _state(event: Event, actors: Sequence[str], locations: Sequence[str]) -> consolidation.Derived:
    return consolidation.Derived(
        date_start=event.date_start,
        date_end=event.date_end,
        granularity=event.granularity,
        timex=event.timex,
        time=event.time,
        title=event.title,
        description=event.description,
        category=event.category,
        actors=list(actors),
        locations=list(locations),
        confidence=event.confidence,
    )


@dataclasses.dataclass(slots=True)
class _StoredEvent:
    """The columns of a stored event that ingest reads and may change."""

    id: uuid.UUID
    title: str
    description: str
    category: str
    date_start: date
    date_end: date
    granularity: str
    time: str | None
    timex: str | None
    confidence: float
    curated: bool

    @classmethod
    def of(cls, row: Row) -> _StoredEvent:
        return cls(*(getattr(row, name) for name in cls.__slots__))


@dataclasses.dataclass(slots=True)
class CandidateCache:
    """What ingest reads of the stored events, kept across the articles of one transaction.

    `ingest_many` writes a batch of articles in one transaction, and in a run of reports about
    the same happenings each article reads the same events again. `preload` reads, in one go,
    every event any article of the batch may join (the union of their date windows and names,
    rows locked on PostgreSQL); from then on `store_drafts` picks each article's candidates
    from memory, exactly as `repository.candidate_events_for_many` would (same windows, same
    order, same limit), and keeps the cache in step with everything it writes: new events,
    changed columns, entities, first sentences. Within the transaction the writes to those rows
    are ours (locked on PostgreSQL; SQLite has one writer), so the cache answers what the
    queries would.

    With a cache, `store_drafts` also leaves its writes in `writes` instead of sending them:
    every event an article changes or adds is then in the cache, so no later read of the batch
    needs them in the database, and the whole batch goes in with one statement per table
    (`write_pending`, before the commit).

    A cache may serve the next transaction too, once this one has committed: `preload` then
    keeps the entities and sentences it holds of the events the next batch may join, if
    nobody else has written to the database in between. `resume` checks that at the start of
    the next transaction, `preload` again once the transaction holds the write lock
    (`repository.candidate_cache_key`; on PostgreSQL, which cannot tell cheaply, everything
    is read again). After a rollback, `forget` everything."""

    entities: dict[uuid.UUID, dict[str, list[str]]] = dataclasses.field(default_factory=dict)
    sentences: dict[uuid.UUID, list[tuple[datetime, uuid.UUID, str]]] = dataclasses.field(
        default_factory=dict
    )
    events: dict[uuid.UUID, _StoredEvent] | None = None  # None until `preload`
    writes: _Writes = dataclasses.field(default_factory=lambda: _Writes())
    key: tuple | None = None  # `repository.candidate_cache_key` after our last read or write

    def forget(self) -> None:
        """Drop everything, pending writes included (after a rollback)."""
        self.entities, self.sentences, self.events, self.key = {}, {}, None, None
        self.writes = _Writes()


@dataclasses.dataclass(slots=True)
class _Writes:
    """What `store_drafts` has decided to write and not yet written, as final values: an event
    changed by several articles is written once, a new one inserted as it ends up."""

    new_events: dict[uuid.UUID, dict] = dataclasses.field(default_factory=dict)  # events rows
    new_names: dict[uuid.UUID, tuple[list[str], list[str]]] = dataclasses.field(
        default_factory=dict
    )  # (actors, locations) of the new events
    changed: dict[uuid.UUID, dict] = dataclasses.field(default_factory=dict)  # stored events
    renamed: dict[uuid.UUID, tuple[list[str], list[str]]] = dataclasses.field(
        default_factory=dict
    )  # new (actors, locations) of stored events
    mentions: list[dict] = dataclasses.field(default_factory=list)  # mentions rows

    def add_event(self, row: dict, actors: list[str], locations: list[str]) -> None:
        self.new_events[row["id"]] = row
        self.new_names[row["id"]] = (actors, locations)

    def change_event(self, event_id: uuid.UUID, values: dict) -> None:
        row = self.new_events.get(event_id)
        if row is not None:
            row.update(values)
        else:
            self.changed.setdefault(event_id, {}).update(values)

    def rename_event(self, event_id: uuid.UUID, actors: list[str], locations: list[str]) -> None:
        if event_id in self.new_names:
            self.new_names[event_id] = (actors, locations)
        else:
            self.renamed[event_id] = (actors, locations)

    def write(self, session: Session) -> None:
        """Send everything, one statement per table (per set of changed columns for updates)."""
        if self.new_events:
            repository.insert_events(
                session,
                list(self.new_events.values()),
                [(event_id, *names) for event_id, names in self.new_names.items()],
            )
        repository.update_events(session, list(self.changed.items()))
        repository.replace_entities_many(
            session, [(event_id, *names) for event_id, names in self.renamed.items()]
        )
        repository.insert_mentions(session, self.mentions)
        self.new_events, self.new_names, self.changed, self.renamed = {}, {}, {}, {}
        self.mentions = []


def write_pending(session: Session, cache: CandidateCache) -> None:
    """Write what `store_drafts` left in `cache` (call before the transaction commits). The
    documents of the events written are left missing: the caller stores them
    (`documents.store_missing` before this commit, or `documents.fill` after many)."""
    cache.writes.write(session)
    cache.key = repository.candidate_cache_key(session)


def resume(session: Session, cache: CandidateCache) -> None:
    """Start a transaction with `cache`, before it writes: forget what it holds unless nobody
    has written to the database since the last `write_pending`."""
    key = repository.candidate_cache_key(session)
    if key is None or key != cache.key:
        cache.forget()
    cache.key = key


def preload(session: Session, cache: CandidateCache, drafts: Iterable[EventDraft]) -> None:
    """Read every stored event that any of `drafts` (a batch's) may join into `cache`, once
    the transaction has written (it then holds the write lock on SQLite).

    What the cache holds of those events from the previous batch (entities, first sentences)
    is kept when nobody else has written since `resume` either; the rest is dropped, so that
    the cache never holds more than one batch's events."""
    key = repository.candidate_cache_key(session)
    # Since `resume` this transaction has written, so only the data version must be the same.
    if key is None or cache.key is None or key[2] != cache.key[2]:
        cache.forget()
    probes = [
        (d.expression.date_start, d.expression.date_end, d.actors, d.locations)
        for d in drafts
        if d.continues is None
    ]
    rows = (
        repository.candidate_events_for_many(
            session, probes, window_days=consolidation.CANDIDATE_WINDOW_DAYS, limit=None
        )
        if probes
        else []
    )
    cache.events = {row.id: _StoredEvent.of(row) for row in rows}
    cache.entities = {
        event_id: names for event_id, names in cache.entities.items() if event_id in cache.events
    }
    cache.sentences = {
        event_id: sentences
        for event_id, sentences in cache.sentences.items()
        if event_id in cache.events
    }
    missing = [row.id for row in rows if row.id not in cache.entities]
    if missing:
        found = repository.candidate_entities(session, missing)
        for event_id in missing:
            cache.entities[event_id] = found[event_id]


def _cached_candidates(
    cache: CandidateCache, probes: Sequence[consolidation.MentionFacts], limit: int = 1000
) -> list[_StoredEvent]:
    """`repository.candidate_events_for_many`, answered from a preloaded cache."""
    window = timedelta(days=consolidation.CANDIDATE_WINDOW_DAYS)
    spans = sorted((p.date_start - window, p.date_end + window) for p in probes)
    merged: list[list[date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    actors = {name for p in probes for name in p.actors}
    locations = {name for p in probes for name in p.locations}
    entities = cache.entities
    found = []
    for event in cache.events.values():  # type: ignore[union-attr]
        event_start, event_end = event.date_start, event.date_end
        for start, end in merged:
            if event_start <= end and event_end >= start:
                break
        else:
            continue
        names = entities[event.id]
        if not actors.isdisjoint(names["actor"]) or not locations.isdisjoint(names["location"]):
            found.append(event)
    # In the query's order, (date_start, id), which decides ties (ids are in creation order):
    # a UUID orders by its `int`, which compares without a call of UUID.__eq__/__lt__ (Python
    # methods) for every pair of equal dates.
    found.sort(key=lambda event: (event.date_start, event.id.int))
    return found[:limit]


def _viable(
    event: Row | _StoredEvent,
    names: dict[str, list[str]],
    probes: Sequence[consolidation.MentionFacts],
) -> bool:
    """Whether any probe may join the event at all (`consolidation.match_score` not None, the
    same-article rule aside): the others need no sentences read."""
    actors, locations = names["actor"], names["location"]
    event_start, event_end = event.date_start, event.date_end
    for probe in probes:
        if probe.date_start <= event_end and event_start <= probe.date_end:
            for name in probe.actors:
                if name in actors:
                    return True
            for name in probe.locations:
                if name in locations:
                    return True
    return False


def _candidates(
    session: Session,
    probes: Sequence[consolidation.MentionFacts],
    cache: CandidateCache | None = None,
) -> tuple[dict[uuid.UUID, Row | _StoredEvent], dict[uuid.UUID, dict[str, list[str]]], dict]:
    """The events any of `probes` may join, with their entities and some of their sentences:
    at most three queries for the whole article, whatever its length (fewer with a cache)."""
    cache = cache if cache is not None else CandidateCache()
    if cache.events is not None:
        rows: Sequence[Row | _StoredEvent] = _cached_candidates(cache, probes)
    else:
        rows = repository.candidate_events_for_many(
            session,
            [(p.date_start, p.date_end, p.actors, p.locations) for p in probes],
            window_days=consolidation.CANDIDATE_WINDOW_DAYS,
        )
    if not rows:
        return {}, {}, {}
    known_entities, known_sentences = cache.entities, cache.sentences
    missing = [row.id for row in rows if row.id not in known_entities]
    if missing:
        found = repository.candidate_entities(session, missing)
        for event_id in missing:
            known_entities[event_id] = found[event_id]
    entities = {}
    candidates = {}
    for row in rows:
        names = entities[row.id] = known_entities[row.id]
        if _viable(row, names, probes):
            candidates[row.id] = row
    missing = [event_id for event_id in candidates if event_id not in known_sentences]
    if missing:
        found_sentences = repository.sentence_rows_for(
            session, missing, per_event=consolidation.SENTENCES_PER_CANDIDATE
        )
        for event_id in missing:
            known_sentences[event_id] = found_sentences[event_id]
    sentences = {
        event_id: [sentence for _, _, sentence in known_sentences[event_id]]
        for event_id in candidates
    }
    return candidates, entities, sentences


def _remember(
    cache: CandidateCache,
    states: dict[uuid.UUID, consolidation.Derived],
    curated: set[uuid.UUID],
    new_ids: Sequence[uuid.UUID],
    changed: Sequence[tuple[uuid.UUID, dict]],
    mention_rows: Sequence[dict],
) -> None:
    """Bring `cache` in step with what `store_drafts` just wrote."""
    for event_id, state in states.items():
        if event_id not in curated:  # a curated event's entities were not touched
            cache.entities[event_id] = {
                "actor": list(dict.fromkeys(state.actors)),
                "location": list(dict.fromkeys(state.locations)),
            }
    for event_id in new_ids:
        cache.sentences[event_id] = []
    if cache.events is not None:
        for event_id in new_ids:
            row = _event_row(event_id, states[event_id], None)
            cache.events[event_id] = _StoredEvent(
                **{name: row[name] for name in _StoredEvent.__slots__}
            )
        for event_id, values in changed:
            event = cache.events[event_id]
            for name, value in values.items():
                if name in _StoredEvent.__slots__:
                    setattr(event, name, value)
    added: dict[uuid.UUID, list[tuple[datetime, uuid.UUID, str]]] = {}
    for row in mention_rows:
        added.setdefault(row["event_id"], []).append(
            (row["created_at"], row["id"], row["sentence"])
        )
    limit = consolidation.SENTENCES_PER_CANDIDATE
    for event_id, rows in added.items():
        known = cache.sentences.get(event_id)
        if known is not None and len(known) < limit:
            # `sentence_rows_for` orders by (created_at, id); these are the newest mentions.
            cache.sentences[event_id] = sorted([*known, *rows])[:limit]


def store_drafts(
    session: Session,
    article: Article,
    drafts: Sequence[EventDraft],
    consolidate: bool = True,
    cache: CandidateCache | None = None,
) -> list[uuid.UUID]:
    """Store one mention per draft, each joining the event it tells or starting a new one;
    return the event id of each draft.

    A continuation (a dateless sentence dated by the one before it) joins that sentence's event.
    With `consolidate`, a dated sentence joins a stored event when `consolidation.best_match`
    says it tells the same happening, and the event absorbs it (`consolidation.absorb`). Events
    this article starts are never candidates for its other dated sentences (one report tells a
    happening once), so one candidate query before the loop serves the whole article; new
    events, entities and mentions are inserted in bulk at the end, and the events joined are
    updated in bulk (only the columns that changed). The caller owns the transaction; `cache`
    (see `CandidateCache`) serves the articles of one transaction and collects their writes,
    which the caller sends with `write_pending` before it commits.
    """
    facts = [_draft_facts(draft, article) for draft in drafts]
    candidates: dict[uuid.UUID, Row | _StoredEvent] = {}
    entities: dict = {}
    sentences: dict = {}
    if consolidate and any(draft.continues is None for draft in drafts):
        probes = [f for f, draft in zip(facts, drafts, strict=True) if draft.continues is None]
        candidates, entities, sentences = _candidates(session, probes, cache)
    pool_facts = {
        event.id: _event_facts(
            event,
            entities[event.id]["actor"],
            entities[event.id]["location"],
            (),
            sentences[event.id],
        )
        for event in candidates.values()
    }
    # Events a dated sentence of this article already backs are not candidates again.
    pool = list(pool_facts.values())
    states: dict[uuid.UUID, consolidation.Derived] = {}
    new_ids: list[uuid.UUID] = []
    targets: list[uuid.UUID] = []
    now = utcnow()
    mention_rows = []
    for draft, fact in zip(drafts, facts, strict=True):
        target: uuid.UUID | None = None
        if draft.continues is not None:
            target = targets[draft.continues]
        elif pool:
            best = consolidation.best_match(fact, pool)
            if best is not None:
                target = best.id
                pool = [other for other in pool if other is not best]
        if target is None:
            target = new_id()
            new_ids.append(target)
            states[target] = _draft_state(draft)
        else:
            event = candidates.get(target)
            if event is not None and target not in states:
                names = entities[target]
                states[target] = _state(event, names["actor"], names["location"])
            if event is None or not event.curated:
                state = consolidation.absorb(states[target], fact)
                if draft.continues is not None and drafts[draft.continues].description in (
                    state.description
                ):
                    state.description = f"{state.description} {draft.description}"
                states[target] = state
        mention_rows.append(_mention_row(draft, article, target, now))
        targets.append(target)
    writes = cache.writes if cache is not None else _Writes()
    for event_id in new_ids:
        state = states[event_id]
        writes.add_event(_event_row(event_id, state, now), state.actors, state.locations)
    changed: list[tuple[uuid.UUID, dict]] = []
    for event_id, event in candidates.items():
        state = states.get(event_id)
        if state is None or event.curated:
            continue
        values = _changed_columns(event, state, now)
        if values:
            changed.append((event_id, values))
            writes.change_event(event_id, values)
        names = entities[event_id]
        if names["actor"] != state.actors or names["location"] != state.locations:
            writes.rename_event(event_id, state.actors, state.locations)
    writes.mentions.extend(mention_rows)
    if cache is None:
        writes.write(session)
        documents.store_missing(session)
    else:
        curated = {event_id for event_id, event in candidates.items() if event.curated}
        _remember(cache, states, curated, new_ids, changed, mention_rows)
    return targets


def _event_row(event_id: uuid.UUID, state: consolidation.Derived, now: datetime | None) -> dict:
    return {
        "id": event_id,
        "title": state.title[:300],
        "description": state.description,
        "category": state.category,
        "date_start": state.date_start,
        "date_end": state.date_end,
        "granularity": state.granularity,
        "time": state.time,
        "timex": state.timex,
        "confidence": state.confidence,
        "status": "extracted",
        "curated": False,
        "created_at": now,
        "updated_at": now,
    }


def _changed_columns(
    event: Row | _StoredEvent, state: consolidation.Derived, now: datetime
) -> dict:
    """The columns of a stored event that `state` changes (with `updated_at`), else {}."""
    wanted = {
        "date_start": state.date_start,
        "date_end": state.date_end,
        "granularity": state.granularity,
        "timex": state.timex,
        "time": state.time,
        "title": state.title[:300],
        "description": state.description,
        "category": state.category,
        "confidence": state.confidence,
    }
    values = {name: value for name, value in wanted.items() if getattr(event, name) != value}
    if not values:
        return {}
    if "date_start" in values or "date_end" in values:
        values["date_start"], values["date_end"] = state.date_start, state.date_end
    values["updated_at"] = now
    return values


def rederive(session: Session, events: Sequence[Event]) -> None:
    """Recompute uncurated events' fields from their mentions (a curator's edit stays)."""
    automatic = [event for event in events if not event.curated]
    if not automatic:
        return
    rows = repository.sources_for(session, [event.id for event in automatic], with_draft=True)
    for event in automatic:
        mentions = [_mention_facts(m, a, event) for m, a in rows.get(event.id, [])]
        if mentions:
            _apply(session, event, consolidation.derive(mentions))


def _apply(session: Session, event: Event, derived: consolidation.Derived) -> None:
    event.date_start, event.date_end = derived.date_start, derived.date_end
    event.granularity, event.timex, event.time = derived.granularity, derived.timex, derived.time
    event.title, event.description = derived.title[:300], derived.description
    event.category, event.confidence = derived.category, derived.confidence
    event.updated_at = utcnow()
    session.add(event)
    current = repository.entities_for(session, [event.id])[event.id]
    if current["actor"] != derived.actors:
        repository.replace_entities(session, event.id, "actor", derived.actors)
    if current["location"] != derived.locations:
        repository.replace_entities(session, event.id, "location", derived.locations)


def after_mentions_removed(session: Session, event_ids: Sequence[uuid.UUID]) -> None:
    """Re-derive events that lost mentions (dates may widen); drop those left with none.

    Curated events keep their fields and stay even without sources.
    """
    repository.delete_unbacked_events(session, event_ids)
    session.flush()
    rederive(session, repository.get_events(session, event_ids))
    session.flush()
    documents.store_missing(session)


def merge(session: Session, event_id: uuid.UUID, other_ids: Sequence[uuid.UUID]) -> EventPublic:
    """Fold `other_ids` into the event: their sources and entities move, they go."""
    target = get_event_or_404(session, event_id)
    others_ids = list(dict.fromkeys(other_ids))
    if event_id in others_ids:
        raise InvalidInput(
            "An event cannot be merged into itself; list only the other events.",
            errors=[{"loc": ["body", "event_ids"], "msg": "contains the target event"}],
        )
    others = repository.get_events(session, others_ids)
    missing = set(others_ids) - {other.id for other in others}
    if missing:
        raise NotFound(f"No event has id {sorted(map(str, missing))[0]}; nothing was merged.")
    entities = repository.entities_for(session, [event_id, *others_ids])
    actors = [name for eid in [event_id, *others_ids] for name in entities[eid]["actor"]]
    locations = [name for eid in [event_id, *others_ids] for name in entities[eid]["location"]]
    repository.move_event_mentions(session, others_ids, target.id)
    for other in others:
        repository.delete_event(session, other)
    session.flush()
    if target.curated:
        repository.replace_entities(session, target.id, "actor", list(dict.fromkeys(actors)))
        repository.replace_entities(session, target.id, "location", list(dict.fromkeys(locations)))
    else:
        rederive(session, [target])
    target.curated = True
    target.updated_at = utcnow()
    session.add(target)
    _commit(session)
    return get(session, target.id)


def split(session: Session, event_id: uuid.UUID, mention_ids: Sequence[uuid.UUID]) -> EventSplit:
    """Move `mention_ids` out of the event into a new one; both are marked curated."""
    event = get_event_or_404(session, event_id)
    wanted = list(dict.fromkeys(mention_ids))
    mentions = repository.mentions_by_id(session, wanted)
    foreign = set(wanted) - {m.id for m in mentions if m.event_id == event.id}
    if foreign:
        raise InvalidInput(
            f"Mention {sorted(map(str, foreign))[0]} does not back event {event_id}; "
            "list mention ids from this event's sources.",
            errors=[{"loc": ["body", "mention_ids"], "msg": "not a mention of this event"}],
        )
    total = repository.count_mentions(session, [event.id]).get(event.id, 0)
    if len(wanted) >= total:
        raise InvalidInput(
            "A split must leave at least one mention with the event; to move them all, "
            "edit the event instead.",
            errors=[{"loc": ["body", "mention_ids"], "msg": "takes every mention"}],
        )
    was_curated = event.curated
    created = Event(
        title=event.title,
        description=event.description,
        category=event.category,
        date_start=event.date_start,
        date_end=event.date_end,
        granularity=event.granularity,
        confidence=event.confidence,
        status=event.status,
    )
    repository.add_event(session, created, actors=[], locations=[])
    session.flush()
    repository.move_mentions(session, wanted, created.id)
    session.flush()
    session.expire_all()
    event = get_event_or_404(session, event_id)
    created = get_event_or_404(session, created.id)
    rederive(session, [created] if was_curated else [event, created])
    for item in (event, created):
        item.curated = True
        item.updated_at = utcnow()
        session.add(item)
    _commit(session)
    event_public, created_public = to_public(session, [event, created])
    return EventSplit(event=event_public, new_event=created_public)

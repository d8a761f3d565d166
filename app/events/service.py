"""Event use cases: list, read, curate (edit, merge, split), and turn an article's text into
stored events, one per happening (`app.events.consolidation` decides what joins what)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session

from app.articles.models import Article
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.events import consolidation, repository
from app.events.extraction import EventDraft, extract_events
from app.events.gazetteer import Gazetteer
from app.events.models import Event, Mention
from app.events.schemas import (
    EventBrief,
    EventCreate,
    EventDetail,
    EventPage,
    EventPublic,
    EventSource,
    EventSplit,
    EventUpdate,
    MentionBrief,
)
from app.pagination import decode_cursor, encode_cursor, malformed_cursor
from app.temporal import resolve
from app.temporal.zones import zone


def local_time(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(zone(zone_name))


def _source(mentions: list[Mention], article: repository.ArticleRef) -> EventSource:
    """One article's support of an event: its own dated sentence, the continuations beside it."""
    own = [m for m in mentions if _is_own(m)] or mentions
    primary = own[0]
    return EventSource(
        mention_id=primary.id,
        article_id=article.id,
        url=article.url,
        title=article.title,
        published_at=local_time(article.published_at, article.timezone),
        phrase=primary.phrase,
        phrase_start=primary.phrase_start,
        phrase_end=primary.phrase_end,
        sentence=primary.sentence,
        timex_type=primary.timex_type,
        timex_value=primary.timex_value,
        rule=primary.rule,
        other_mentions=[
            MentionBrief(
                mention_id=m.id,
                sentence=m.sentence,
                sentence_start=m.sentence_start,
                inherited=not _is_own(m),
            )
            for m in mentions
            if m is not primary
        ],
    )


def _is_own(mention: Mention) -> bool:
    """True when the mention's date phrase is in its own sentence (not inherited)."""
    return mention.sentence_start <= mention.phrase_start < mention.sentence_end


def _sources(rows: list[tuple[Mention, repository.ArticleRef]]) -> list[EventSource]:
    by_article: dict[uuid.UUID, tuple[list[Mention], repository.ArticleRef]] = {}
    for mention, article in rows:
        by_article.setdefault(article.id, ([], article))[0].append(mention)
    return [_source(mentions, article) for mentions, article in by_article.values()]


def to_public(session: Session, events: Sequence[Event]) -> list[EventPublic]:
    """Events with their entities and sources; a constant number of queries for any page size.

    `sources` has one entry per article (oldest first): the sentence whose date phrase dates the
    event, plus that article's other sentences backing it (`other_mentions`).
    """
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
            sources=_sources(sources[event.id]),
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
    text: str,
    *,
    published_at: datetime,
    timezone: str,
    language: str = "en",
    gazetteer: Gazetteer | None = None,
) -> list[EventDraft]:
    """The events an article's text supports, dated against its publication time. Pure."""
    expressions = resolve(text, published_at, timezone=timezone, language=language)
    return extract_events(text, expressions, language=language, gazetteer=gazetteer)


def _clock_time(value: str) -> str | None:
    # TIMEX3 TIME values such as 2025-03-12T14:00 carry a clock time; 2025-03-12TEV does not.
    _, _, clock = value.partition("T")
    return clock[:5] if len(clock) >= 5 and clock[:2].isdigit() and clock[2] == ":" else None


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
        "time": _clock_time(expression.value) if expression.type == "TIME" else None,
    }


def _mention_row(
    draft: EventDraft, article: Article, event_id: uuid.UUID | None, now: datetime
) -> dict:
    """A `mentions` row for the draft (inserted in bulk: ORM objects cost ~1 ms each)."""
    expression = draft.expression
    return {
        "id": uuid.uuid4(),
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
    expression = draft.expression
    return consolidation.MentionFacts(
        date_start=expression.date_start,
        date_end=expression.date_end,
        granularity=expression.granularity or "day",
        timex=expression.value,
        time=_clock_time(expression.value) if expression.type == "TIME" else None,
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
    expression = draft.expression
    return consolidation.Derived(
        date_start=expression.date_start,
        date_end=expression.date_end,
        granularity=expression.granularity or "day",
        timex=expression.value,
        time=_clock_time(expression.value) if expression.type == "TIME" else None,
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


def _candidates(
    session: Session, probes: Sequence[consolidation.MentionFacts]
) -> tuple[dict[uuid.UUID, Event], dict[uuid.UUID, dict[str, list[str]]], dict]:
    """The events any of `probes` may join, with their entities and some of their sentences:
    three queries for the whole article, whatever its length."""
    candidates = repository.candidate_events_for_many(
        session,
        [(p.date_start, p.date_end, p.actors, p.locations) for p in probes],
        window_days=consolidation.CANDIDATE_WINDOW_DAYS,
    )
    ids = [event.id for event in candidates]
    entities = repository.entities_for(session, ids)
    sentences = repository.sentences_for(
        session, ids, per_event=consolidation.SENTENCES_PER_CANDIDATE
    )
    return {event.id: event for event in candidates}, entities, sentences


def store_drafts(
    session: Session, article: Article, drafts: Sequence[EventDraft], consolidate: bool = True
) -> list[uuid.UUID]:
    """Store one mention per draft, each joining the event it tells or starting a new one;
    return the event id of each draft.

    A continuation (a dateless sentence dated by the one before it) joins that sentence's event.
    With `consolidate`, a dated sentence joins a stored event when `consolidation.best_match`
    says it tells the same happening, and the event absorbs it (`consolidation.absorb`). Events
    this article starts are never candidates for its other dated sentences (one report tells a
    happening once), so one candidate query before the loop serves the whole article, and new
    events, entities and mentions are inserted in bulk at the end. The caller owns the
    transaction.
    """
    facts = [_draft_facts(draft, article) for draft in drafts]
    candidates: dict[uuid.UUID, Event] = {}
    entities: dict = {}
    sentences: dict = {}
    if consolidate and any(draft.continues is None for draft in drafts):
        probes = [f for f, draft in zip(facts, drafts, strict=True) if draft.continues is None]
        candidates, entities, sentences = _candidates(session, probes)
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
    states: dict[uuid.UUID, consolidation.Derived] = {}
    stored_entities: dict[uuid.UUID, tuple[list[str], list[str]]] = {}
    new_ids: list[uuid.UUID] = []
    backed: set[uuid.UUID] = set()
    targets: list[uuid.UUID] = []
    now = utcnow()
    mention_rows = []
    for draft, fact in zip(drafts, facts, strict=True):
        target: uuid.UUID | None = None
        if draft.continues is not None:
            target = targets[draft.continues]
        elif pool_facts:
            # Events a dated sentence of this article already backs are not candidates again.
            pool = [facts for id_, facts in pool_facts.items() if id_ not in backed]
            best = consolidation.best_match(fact, pool)
            target = best.id if best is not None else None
        if target is None:
            target = uuid.uuid4()
            new_ids.append(target)
            states[target] = _draft_state(draft)
        else:
            event = candidates.get(target)
            if event is not None and target not in states:
                names = entities[target]
                states[target] = _state(event, names["actor"], names["location"])
                stored_entities[target] = (list(names["actor"]), list(names["location"]))
            if event is None or not event.curated:
                state = consolidation.absorb(states[target], fact)
                if draft.continues is not None and drafts[draft.continues].description in (
                    state.description
                ):
                    state.description = f"{state.description} {draft.description}"
                states[target] = state
        mention_rows.append(_mention_row(draft, article, target, now))
        if draft.continues is None:
            backed.add(target)
        targets.append(target)
    if new_ids:
        repository.insert_events(
            session,
            [_event_row(event_id, states[event_id], now) for event_id in new_ids],
            [
                (event_id, states[event_id].actors, states[event_id].locations)
                for event_id in new_ids
            ],
        )
    for event_id, event in candidates.items():
        if event_id in states and not event.curated:
            _apply_state(session, event, states[event_id], stored_entities[event_id])
    session.flush()
    repository.insert_mentions(session, mention_rows)
    return targets


def _event_row(event_id: uuid.UUID, state: consolidation.Derived, now: datetime) -> dict:
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


def _apply_state(
    session: Session,
    event: Event,
    state: consolidation.Derived,
    stored: tuple[list[str], list[str]],
) -> None:
    changes = {
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
    if any(getattr(event, name) != value for name, value in changes.items()):
        for name, value in changes.items():
            setattr(event, name, value)
        event.updated_at = utcnow()
        session.add(event)
    if stored[0] != state.actors:
        repository.replace_entities(session, event.id, "actor", state.actors)
    if stored[1] != state.locations:
        repository.replace_entities(session, event.id, "location", state.locations)


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
    session.commit()
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
    session.commit()
    event_public, created_public = to_public(session, [event, created])
    return EventSplit(event=event_public, new_event=created_public)

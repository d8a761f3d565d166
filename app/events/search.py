"""`q`, the full-text filter on events: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

An event matches when every word of `q` (stemmed: "talks" finds "talk") is in its title and
description, or in the sentence of one of its mentions. The indexes and the triggers that feed
FTS5 come from the migration `full_text_search`, the stored vectors PostgreSQL tests single
events with from `full_text_search_row_tests`; this module is the query side.

The condition is one SQLAlchemy element compiled per dialect, so the repository builds its
filters the same way on both databases. It comes in two forms that select the same events:

- `matches_text`: look up every matching event in the full-text index. Its cost grows with the
  number of matches (each is fetched and sorted by date before the first page is known), which
  is right for a rare word: a bulletin number costs a handful of lookups.
- `matches_text(..., per_event=True)`: test one event at a time against the index, so that a
  page walks the `(date_start, id)` index in order and stops at the page's last match. Its cost
  grows with the number of events walked, about `limit / share of events that match`, which is
  right for a common word: "ceasefire" in one event in eight costs ~400 tests at any archive
  size, where looking up its 125,000 matches in a million events took a second.

`walk_pays` picks between them from a cheap estimate of the number of matches.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar

from sqlalchemy import ColumnElement, Table, bindparam, false, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType

# Database objects the migration creates outside the models: Alembic's comparison of models
# and database skips them (app.migrations.include_object).
SEARCH_TABLE_PREFIX = "events_search"
SEARCH_INDEXES = frozenset(
    {"ix_events_search", "ix_mentions_search", "ix_events_search_vectors_event_id"}
)

_WORD = re.compile(r"\w+")

# Must be the very expressions of the GIN indexes, or PostgreSQL will not use them.
_EVENT_VECTOR = "to_tsvector('english'::regconfig, title || ' ' || description)"
_MENTION_VECTOR = "to_tsvector('english'::regconfig, sentence)"

# How many matches looking up costs as much as testing one walked event: a walked event costs
# index probes (its own text, then its mentions' sentences), a looked-up match one fetch by key
# and a sort entry. Measured on the benchmark's archives, a page of 50 for a word in one event
# in eight: on SQLite a walked event ~45 µs (two FTS5 probes) against ~6 µs a looked-up match
# (index rows, an event's and its mention's), so at 10,000 events looking up wins (9 ms against
# 22) and from 100,000 walking; on PostgreSQL ~9 µs (its stored vectors) against ~8 µs.
WALK_COST = {"sqlite": 8, "postgresql": 1}


def fts5_query(text: str) -> str:
    """Every word of `text` as a quoted FTS5 string, all required.

    Quoting makes FTS5 operators (AND, OR, NEAR, *, ^, column filters) plain words, so no input
    is a syntax error and nothing the user types is read as query language.
    """
    return " ".join(f'"{word}"' for word in _WORD.findall(text))


class EventTextMatch(ColumnElement[bool]):
    """`event_id IN (events whose text matches the query)`, per dialect."""

    # Not Boolean: on SQLite (no boolean type) SQLAlchemy would write "… IN (…) = 1", which
    # hides the IN from the planner; it then scanned the whole date index (287 ms at a million
    # events) instead of looking up the few matching rows.
    type = NullType()
    inherit_cache = True
    _traverse_internals: ClassVar = [
        ("events", InternalTraversal.dp_clauseelement),
        ("fts5", InternalTraversal.dp_clauseelement),
        ("plain", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, events: Table, text: str) -> None:
        self.events = events
        # Both forms are bound parameters of the statement, so a cached compilation is reused
        # with the next query's words.
        self.fts5 = bindparam("q_fts5", fts5_query(text), unique=True)
        self.plain = bindparam("q_plain", text, unique=True)


class EventTextTest(EventTextMatch):
    """`this event's text matches the query`, tested on the row at hand, per dialect."""

    inherit_cache = True


def matches_text(events: Table, text: str, *, per_event: bool = False) -> ColumnElement[bool]:
    """The `q` condition on the rows of `events` (the table, or an alias of it)."""
    if not _WORD.search(text):
        return false()
    return EventTextTest(events, text) if per_event else EventTextMatch(events, text)


def walk_pays(session: Session, q: str, limit: int) -> bool:
    """Whether a page of `limit` events matching `q` is cheaper walked in date order, each
    event tested (`per_event=True`), than with every match looked up and sorted.

    Walking tests about `limit * events / matches` events, looking up reads `matches`: the walk
    wins once `matches² >= WALK_COST * limit * events`. A walk for words that match far fewer
    events than estimated would read the whole archive, so estimates err towards rare.
    """
    if not _WORD.search(q):
        return False
    dialect = session.get_bind().dialect.name
    cost = WALK_COST[dialect]
    if dialect == "sqlite":
        # The index's rows: every event and every mention has a key, given in increasing order,
        # so the largest counts them (less any deleted since), in the unit of the matches.
        events = session.execute(text("SELECT max(id) FROM events_search_keys")).scalar() or 0
        # The fewest matches for which walking pays (the least n with n² >= the product).
        needed = math.isqrt(cost * limit * events - 1) + 1 if events else 0
        return needed == 0 or _has_match_number(session, fts5_query(q), needed)
    else:
        events, matches, words = _postgresql_estimate(session, q)
        threshold = math.isqrt(int(cost * limit * events)) + 1
        if words > 1 and matches >= threshold:
            # Every word is common: whether they go together is counted, not guessed ("plan"
            # and "corridor" are each in one event in eight, never in the same one).
            matches = _count(session, _POSTGRESQL_COUNT, q, threshold)
    return matches * matches >= cost * limit * events


# Whether there is an n-th match: FTS5 steps over the first n - 1 and stops. Half the time of
# counting them through a subquery (0.8 against 1.5 ms for a common word at a million events).
_FTS5_NTH_MATCH = "SELECT 1 FROM events_search WHERE events_search MATCH :q LIMIT 1 OFFSET :skip"
# Matches counted up to a threshold: the scan stops there, beyond it the answer is the same.
_POSTGRESQL_COUNT = (
    f"SELECT count(*) FROM (SELECT 1 FROM events WHERE {_EVENT_VECTOR} @@ "  # noqa: S608
    "plainto_tsquery('english'::regconfig, :q) LIMIT :threshold) AS matching"
)


def _has_match_number(session: Session, query: str, number: int) -> bool:
    found = session.execute(text(_FTS5_NTH_MATCH), {"q": query, "skip": number - 1}).first()
    return found is not None


def _count(session: Session, statement: str, query: str, threshold: int) -> int:
    return session.execute(text(statement), {"q": query, "threshold": threshold}).scalar()


def _postgresql_estimate(session: Session, q: str) -> tuple[float, float, int]:
    """(events, events with the least common word of `q`, words of `q`), from the statistics
    ANALYZE keeps of the indexed expression (pg_stats, under the index's name).

    A word outside its most common words counts as rare. The planner would guess such a word
    at half the least common listed one, which at a million events can pass for common. A real
    count of one common word would read all its matches from the GIN index: 10 ms at a million
    events, this 1 ms.
    """
    row = session.execute(
        text(
            "SELECT c.reltuples, s.most_common_elems::text::text[], s.most_common_elem_freqs,"
            " tsvector_to_array(to_tsvector('english'::regconfig, :q))"
            " FROM pg_class AS c LEFT JOIN pg_stats AS s"
            " ON s.schemaname = current_schema() AND s.tablename = 'ix_events_search'"
            " WHERE c.oid = 'events'::regclass"
        ),
        {"q": q},
    ).one()
    events, common, frequencies, lexemes = row
    events = max(events, 0.0)  # -1: never analyzed
    if not lexemes or not common:  # stop words only (match nothing), or no statistics yet
        return events, 0.0, len(lexemes or ())
    share = dict(zip(common, frequencies, strict=False))
    least = min(share.get(lexeme, 0.0) for lexeme in lexemes)
    return events, least * events, len(lexemes)


# Only compiled SQL and the constants above are spliced into these strings; the words travel
# as bound parameters.


@compiles(EventTextMatch, "sqlite")
def _sqlite(element: EventTextMatch, compiler, **kw) -> str:
    event_id = compiler.process(element.events.c.id, **kw)
    query = compiler.process(element.fts5, **kw)
    matching = f"SELECT event_id FROM events_search WHERE events_search MATCH {query}"  # noqa: S608
    return f"{event_id} IN ({matching})"


@compiles(EventTextMatch, "postgresql")
def _postgresql(element: EventTextMatch, compiler, **kw) -> str:
    event_id = compiler.process(element.events.c.id, **kw)
    query = f"plainto_tsquery('english'::regconfig, {compiler.process(element.plain, **kw)})"
    by_event = f"SELECT id FROM events WHERE {_EVENT_VECTOR} @@ {query}"  # noqa: S608
    by_mention = f"SELECT event_id FROM mentions WHERE {_MENTION_VECTOR} @@ {query}"  # noqa: S608
    # An array, not IN: the matches are then fetched by primary key whatever their estimated
    # number. With IN, an estimate of a few thousand for a word in a dozen events (a guess
    # from the statistics' least common words, which varies with ANALYZE's sample) made
    # PostgreSQL hash-join them to a scan of every event: 250 ms at a million, against 1.4 ms.
    return f"{event_id} = ANY (ARRAY({by_event} UNION {by_mention}))"


# The per-event forms name their own tables with `search_` aliases, apart from whatever the
# enclosing statement calls its tables.


@compiles(EventTextTest, "sqlite")
def _sqlite_per_event(element: EventTextTest, compiler, **kw) -> str:
    event_id = compiler.process(element.events.c.id, **kw)
    query = compiler.process(element.fts5, **kw)
    # FTS5 answers MATCH with a rowid constraint by seeking that row in each word's list of
    # rows; event_id is not indexed, so the event's rows are reached through their keys.
    in_own_text = (
        "SELECT 1 FROM events_search_keys AS search_keys"  # noqa: S608
        " JOIN events_search AS search_rows ON search_rows.rowid = search_keys.id"
        f" WHERE search_keys.source_id = {event_id} AND search_rows.events_search MATCH {query}"
    )
    in_sentences = (
        "SELECT 1 FROM mentions AS search_mentions"  # noqa: S608
        " JOIN events_search_keys AS search_keys ON search_keys.source_id = search_mentions.id"
        " JOIN events_search AS search_rows ON search_rows.rowid = search_keys.id"
        f" WHERE search_mentions.event_id = {event_id}"
        f" AND search_rows.events_search MATCH {query}"
    )
    return f"(EXISTS ({in_own_text}) OR EXISTS ({in_sentences}))"


@compiles(EventTextTest, "postgresql")
def _postgresql_per_event(element: EventTextTest, compiler, **kw) -> str:
    event_id = compiler.process(element.events.c.id, **kw)
    query = f"plainto_tsquery('english'::regconfig, {compiler.process(element.plain, **kw)})"
    # The stored vectors of the event's text and of its mentions' sentences (one row each, read
    # by ix_events_search_vectors_event_id): computing them here cost ~27 µs an event, against
    # a few for reading them. OFFSET 0 keeps the subquery a probe per event: without it
    # PostgreSQL may turn the EXISTS into a join or a hashed set of every matching row, which
    # is the lookup of all matches again.
    return (
        "EXISTS (SELECT 1 FROM events_search_vectors AS search_vectors"  # noqa: S608
        f" WHERE search_vectors.event_id = {event_id} AND search_vectors.vector @@ {query}"
        " OFFSET 0)"
    )

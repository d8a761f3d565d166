"""`q`, the full-text filter on events: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

An event matches when every word of `q` (stemmed: "talks" finds "talk") is in its title and
description, or in the sentence of one of its mentions. The indexes and the triggers that feed
FTS5 come from the migration `full_text_search`; this module is the query side.

The condition is one SQLAlchemy element compiled per dialect, so the repository builds its
filters the same way on both databases.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sqlalchemy import ColumnElement, bindparam, false
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType

# Database objects the migration creates outside the models: Alembic's comparison of models
# and database skips them (app.migrations.include_object).
SEARCH_TABLE_PREFIX = "events_search"
SEARCH_INDEXES = frozenset({"ix_events_search", "ix_mentions_search"})

_WORD = re.compile(r"\w+")

# Must be the very expressions of the GIN indexes, or PostgreSQL will not use them.
_EVENT_VECTOR = "to_tsvector('english'::regconfig, title || ' ' || description)"
_MENTION_VECTOR = "to_tsvector('english'::regconfig, sentence)"


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
        ("event_id", InternalTraversal.dp_clauseelement),
        ("fts5", InternalTraversal.dp_clauseelement),
        ("plain", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, event_id: ColumnElement, text: str) -> None:
        self.event_id = event_id
        # Both forms are bound parameters of the statement, so a cached compilation is reused
        # with the next query's words.
        self.fts5 = bindparam("q_fts5", fts5_query(text), unique=True)
        self.plain = bindparam("q_plain", text, unique=True)


def matches_text(event_id: ColumnElement, text: str) -> ColumnElement[bool]:
    if not _WORD.search(text):
        return false()
    return EventTextMatch(event_id, text)


# Only compiled SQL and the constants above are spliced into these strings; the words travel
# as bound parameters.


@compiles(EventTextMatch, "sqlite")
def _sqlite(element: EventTextMatch, compiler, **kw) -> str:
    event_id = compiler.process(element.event_id, **kw)
    query = compiler.process(element.fts5, **kw)
    matching = f"SELECT event_id FROM events_search WHERE events_search MATCH {query}"  # noqa: S608
    return f"{event_id} IN ({matching})"


@compiles(EventTextMatch, "postgresql")
def _postgresql(element: EventTextMatch, compiler, **kw) -> str:
    event_id = compiler.process(element.event_id, **kw)
    query = f"plainto_tsquery('english'::regconfig, {compiler.process(element.plain, **kw)})"
    by_event = f"SELECT id FROM events WHERE {_EVENT_VECTOR} @@ {query}"  # noqa: S608
    by_mention = f"SELECT event_id FROM mentions WHERE {_MENTION_VECTOR} @@ {query}"  # noqa: S608
    return f"{event_id} IN ({by_event} UNION {by_mention})"

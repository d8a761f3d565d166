"""The `events`, `event_entities` and `mentions` tables.

An event is a dated happening. A mention ties one event to one article: the sentence and the date
phrase that support it, with the resolved TIMEX3 value and the rule that produced it. One event is
designed to be backed by many mentions from many articles.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, LargeBinary, Text, event, text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

# Upper bounds, in days between date_start and date_end, of the span classes; a last class takes
# every longer event. An overlap query can then bound date_start from below in each class
# (date_start >= from - bound) and scan only that class's slice of the index, instead of every
# event since the archive began.
SPAN_CLASS_BOUNDS = (0, 6, 31, 92, 366)
LONGEST_SPAN_CLASS = len(SPAN_CLASS_BOUNDS)


_id_lock = threading.Lock()
_last_id_stamp = 0


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562) later than every id this process made before: events and mentions
    sort by id in the order they were created.

    Consolidation breaks exact score ties by candidate order, (date_start, id), and compares a
    mention with an event's first sentences by (created_at, id); ingest makes one article's
    events and mentions within one `created_at`. With random ids those ties went by chance, so
    the same articles ingested twice were grouped differently; in creation order they go the
    same way every run. The timestamp's 12 bits below the millisecond are its fraction (the
    RFC's method 3), and a clock that has not moved on is stepped past the last id.
    """
    global _last_id_stamp
    now = time.time_ns()
    stamp = (now // 1_000_000) << 12 | (now % 1_000_000) * 4096 // 1_000_000
    with _id_lock:
        stamp = _last_id_stamp = max(stamp, _last_id_stamp + 1)
    random_bits = int.from_bytes(os.urandom(8)) >> 2
    return uuid.UUID(
        int=(stamp >> 12) << 80 | 0x7 << 76 | (stamp & 0xFFF) << 64 | 0b10 << 62 | random_bits
    )


def span_class(date_start: date, date_end: date) -> int:
    days = (date_end - date_start).days
    return next(
        (index for index, bound in enumerate(SPAN_CLASS_BOUNDS) if days <= bound),
        LONGEST_SPAN_CLASS,
    )


class Event(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (
        # The date-range query filters on both ends and pages by (date_start, id).
        Index("ix_events_date_start_id", "date_start", "id"),
        Index("ix_events_date_end", "date_end"),
        # date_end too, so the overlap test of each span class's slice reads no rows, and
        # updated_at, so a timeline's fingerprint (its ETag) reads none either.
        Index(
            "ix_events_span_class_date_start_id_date_end_updated_at",
            "span_class",
            "date_start",
            "id",
            "date_end",
            "updated_at",
        ),
        # The events whose document a writer has yet to store (see `document`).
        Index(
            "ix_events_document_missing",
            "id",
            sqlite_where=text("document IS NULL"),
            postgresql_where=text("document IS NULL"),
        ),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    title: str = Field(max_length=300)
    description: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=40, index=True)
    date_start: date
    date_end: date
    # Derived from the dates (span_class()); kept in step by the listeners below and by
    # repository.insert_events, the one bulk path.
    span_class: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    granularity: str = Field(max_length=20)
    time: str | None = Field(default=None, max_length=16)
    timex: str | None = Field(default=None, max_length=64)
    confidence: float
    status: str = Field(default="extracted", max_length=20)
    # Set once a curator edits the event, so that no automatic step overwrites the edit.
    curated: bool = Field(default=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    # The event's public JSON (app.events.documents), which lists and exports send as stored.
    # Triggers clear it whenever anything it shows changes; None until a writer stores it again.
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    # Its CSV row, which CSV exports send as stored; missing exactly when `document` is.
    csv_row: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))


class EventEntity(SQLModel, table=True):
    """An actor or location of an event, by canonical name; indexed for the `actor=` filter."""

    __tablename__ = "event_entities"
    __table_args__ = (Index("ix_event_entities_kind_name_event_id", "kind", "name", "event_id"),)

    event_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    )
    kind: str = Field(max_length=16, primary_key=True)
    name: str = Field(max_length=200, primary_key=True)
    position: int = Field(default=0)


class Mention(SQLModel, table=True):
    __tablename__ = "mentions"
    # An event's mentions; their latest created_at (a timeline's fingerprint) and their ids
    # (the full-text keys a `q` walk probes) read from the index alone.
    __table_args__ = (Index("ix_mentions_event_id_created_at_id", "event_id", "created_at", "id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    event_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    )
    article_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    sentence: str = Field(sa_column=Column(Text, nullable=False))
    sentence_start: int
    sentence_end: int
    phrase: str = Field(max_length=500)
    phrase_start: int
    phrase_end: int
    timex_type: str = Field(max_length=16)
    timex_value: str = Field(max_length=64)
    date_start: date
    date_end: date
    granularity: str = Field(max_length=20)
    mod: str | None = Field(default=None, max_length=16)
    confidence: float
    rule: str = Field(max_length=100)
    # What extraction said about this sentence (title, category, actors, locations, confidence):
    # an event's fields are re-derived from its mentions after a join, a split or a deletion.
    draft: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


@event.listens_for(Event, "before_insert")
@event.listens_for(Event, "before_update")
def _keep_span_class(_mapper, _connection, target: Event) -> None:
    target.span_class = span_class(target.date_start, target.date_end)

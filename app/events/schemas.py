"""The shapes of events on the wire: what clients send and what they get back."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.temporal.model import GRANULARITIES

# The engine's granularities are the API's: one list, in app/temporal/model.py.
Granularity = Literal[GRANULARITIES]
EventStatus = Literal["extracted", "confirmed", "rejected"]


class EventQuery(BaseModel):
    """The filters of `GET /v1/events` and `GET /v1/timeline`, read from the query string.

    One model rather than one parameter each: FastAPI validates a model in one pass, and the
    separate parameters cost a cached page of events a third of its time."""

    date_from: date | None = Field(
        default=None, alias="from", description="Inclusive start (YYYY-MM-DD)."
    )
    date_to: date | None = Field(default=None, alias="to", description="Inclusive end.")
    q: str | None = Field(
        default=None,
        max_length=200,
        description='Words, all required and matched by stem ("talk" finds "talks"), in the '
        "title, description or source sentences; full-text indexed.",
    )
    actor: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=40)
    article_id: uuid.UUID | None = None
    status: EventStatus | None = None
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class EventPageQuery(EventQuery):
    """`EventQuery` and the page: order, size and where to continue."""

    sort: Literal["date", "-date"] = "date"
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=512)


class MentionBrief(BaseModel):
    """Another sentence of the same article that backs the event."""

    mention_id: uuid.UUID
    sentence: str
    sentence_start: int
    inherited: bool = Field(
        description="True when the sentence has no date of its own and continues the dated one."
    )


class EventSource(BaseModel):
    """One article that backs the event, with the date phrase and the sentence it stands in."""

    mention_id: uuid.UUID
    article_id: uuid.UUID
    url: str | None
    title: str | None
    published_at: datetime
    phrase: str
    phrase_start: int
    phrase_end: int
    sentence: str
    timex_type: str
    timex_value: str
    rule: str
    other_mentions: list[MentionBrief] = Field(default_factory=list)


class EventPublic(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    category: str
    actors: list[str]
    locations: list[str]
    date_start: date
    date_end: date
    granularity: str
    time: str | None
    timex: str | None
    confidence: float
    status: str
    sources: list[EventSource]
    created_at: datetime
    updated_at: datetime


class EventBrief(BaseModel):
    id: uuid.UUID
    title: str
    date_start: date
    date_end: date
    granularity: str
    similarity: float = Field(description="0..1: how alike the two events are, dates aside.")


class EventDetail(EventPublic):
    possible_duplicates: list[EventBrief] = Field(
        default_factory=list,
        description="Events that look like the same happening but were kept apart (their "
        "dates contradict, or the match was not sure enough). Merge them with "
        "POST /v1/events/{id}/merge.",
    )


class EventMerge(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class EventSplitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mention_ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class EventSplit(BaseModel):
    event: EventPublic = Field(description="The event, with the mentions it kept.")
    new_event: EventPublic = Field(description="The new event, with the mentions split off.")


class EventPage(BaseModel):
    items: list[EventPublic]
    next_cursor: str | None


def _check_interval(date_start: date | None, date_end: date | None) -> None:
    if date_start is not None and date_end is not None and date_start > date_end:
        raise ValueError("date_start must be on or before date_end")


class EventCreate(BaseModel):
    """A curator's event; it is stored as `confirmed`."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=10_000)
    category: str = Field(default="other", min_length=1, max_length=40)
    actors: list[str] = Field(default_factory=list, max_length=50)
    locations: list[str] = Field(default_factory=list, max_length=50)
    date_start: date
    date_end: date | None = None
    granularity: Granularity = "day"
    time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    timex: str | None = Field(default=None, max_length=64)
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _interval(self) -> Self:
        if self.date_end is None:
            self.date_end = self.date_start
        _check_interval(self.date_start, self.date_end)
        return self


class EventUpdate(BaseModel):
    """Any editable field of an event; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=10_000)
    category: str | None = Field(default=None, min_length=1, max_length=40)
    actors: list[str] | None = Field(default=None, max_length=50)
    locations: list[str] | None = Field(default=None, max_length=50)
    date_start: date | None = None
    date_end: date | None = None
    granularity: Granularity | None = None
    time: str | None = Field(default=None, pattern=r"^\d{2}:\d{2}$")
    timex: str | None = Field(default=None, max_length=64)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    status: EventStatus | None = None

    @model_validator(mode="after")
    def _interval(self) -> Self:
        _check_interval(self.date_start, self.date_end)
        return self

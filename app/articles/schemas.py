"""The shapes of articles on the wire."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.events.schemas import EventPublic
from app.wire_types import Language, TimezoneName, anchored


class ArticleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The article body. Dates are resolved in it.")
    published_at: datetime = Field(
        description="Publication time, ISO 8601. Without an offset, `timezone` is required."
    )
    timezone: TimezoneName | None = Field(
        default=None,
        description="IANA zone (e.g. Asia/Jerusalem) in which the article's dates are computed. "
        "Defaults to the fixed zone of published_at's offset.",
    )
    url: str | None = Field(default=None, max_length=2048)
    title: str | None = Field(default=None, max_length=1000)
    source: str | None = Field(default=None, max_length=500)
    language: Language = "en"

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty: send the article body")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _aware_publication_time(self) -> Self:
        self.published_at, self.timezone = anchored(
            "published_at", self.published_at, self.timezone
        )
        return self


class ArticleMention(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    phrase: str
    phrase_start: int
    phrase_end: int
    sentence: str
    sentence_start: int
    sentence_end: int
    timex_type: str
    timex_value: str
    date_start: date
    date_end: date
    granularity: str
    mod: str | None
    confidence: float
    rule: str


class ArticlePublic(BaseModel):
    id: uuid.UUID
    url: str | None
    title: str | None
    source: str | None
    language: str
    published_at: datetime
    timezone: str
    text_sha256: str
    characters: int
    created_at: datetime


class ArticleDetail(ArticlePublic):
    text: str
    mentions: list[ArticleMention]


class ArticleIngested(ArticlePublic):
    created: bool = Field(description="False when the article was already stored.")
    events: list[EventPublic]


class ArticlePage(BaseModel):
    items: list[ArticlePublic]
    next_cursor: str | None

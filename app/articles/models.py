"""The `articles` table: one row per ingested report, unique by URL and by text hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Article(SQLModel, table=True):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_published_at_id", "published_at", "id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Both uniques are what makes ingestion idempotent, even for two concurrent posts.
    url: str | None = Field(default=None, max_length=2048, unique=True)
    text_sha256: str = Field(max_length=64, unique=True)
    title: str | None = Field(default=None, max_length=1000)
    source: str | None = Field(default=None, max_length=500)
    language: str = Field(default="en", max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # IANA name (or a fixed offset such as +02:00) in which the article's dates are computed.
    timezone: str = Field(max_length=64)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )

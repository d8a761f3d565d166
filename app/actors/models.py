"""The `actors` and `actor_aliases` tables: actors and names curators add to the gazetteer.

The YAML gazetteer (`app/events/data/<language>/actors.yaml`) stays the base; a row here either
adds a new actor or, when its name is one of the YAML actors', adds aliases to that actor. Every
actor, from YAML or from here, has the id `actor_id(name)`, so ids are stable across both.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

ACTOR_NAMESPACE = uuid.UUID("5f0c1a52-8d8e-4c38-9a53-0d6b3e0b7a11")


def actor_id(name: str) -> uuid.UUID:
    """The stable id of the actor with canonical name `name`."""
    return uuid.uuid5(ACTOR_NAMESPACE, name)


class Actor(SQLModel, table=True):
    __tablename__ = "actors"

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20)
    short: str | None = Field(default=None, max_length=200)
    affiliation: str | None = Field(default=None, max_length=200)
    language: str = Field(default="en", max_length=16)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )


class ActorAlias(SQLModel, table=True):
    """One more surface form of an actor; matched whole-word and case-sensitively."""

    __tablename__ = "actor_aliases"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    actor_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("actors.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    alias: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False)
    )

"""Rows of a synthetic archive written straight to the tables, for tests whose archive is too
large or too particular to ingest (query plans, fingerprints): one article, events, their
entities and their mentions, each mention quoting "today" in its sentence."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.articles.models import Article
from app.events.models import Event, EventEntity, Mention, span_class


def event_row(
    title: str,
    description: str,
    category: str,
    start: date,
    end: date,
    created_at: datetime,
    updated_at: datetime,
) -> dict:
    return {
        "id": uuid.uuid4(),
        "title": title,
        "description": description,
        "category": category,
        "date_start": start,
        "date_end": end,
        "span_class": span_class(start, end),
        "granularity": "range",
        "confidence": 0.9,
        "status": "extracted",
        "curated": False,
        "created_at": created_at,
        "updated_at": updated_at,
    }


def actor_row(event_id: uuid.UUID, name: str) -> dict:
    return {"event_id": event_id, "kind": "actor", "name": name, "position": 0}


def mention_row(
    event_id: uuid.UUID,
    article_id: uuid.UUID,
    sentence: str,
    start: date,
    end: date,
    created_at: datetime,
) -> dict:
    return {
        "id": uuid.uuid4(),
        "event_id": event_id,
        "article_id": article_id,
        "sentence": sentence,
        "sentence_start": 0,
        "sentence_end": len(sentence),
        "phrase": "today",
        "phrase_start": 0,
        "phrase_end": 5,
        "timex_type": "DATE",
        "timex_value": start.isoformat(),
        "date_start": start,
        "date_end": end,
        "granularity": "day",
        "confidence": 0.9,
        "rule": "test",
        "created_at": created_at,
    }


def insert_archive(
    engine: Engine,
    article_id: uuid.UUID,
    published_at: datetime,
    events: list[dict],
    entities: list[dict],
    mentions: list[dict],
) -> None:
    """The article the mentions quote, then the rows, in one transaction."""
    with Session(engine) as session:
        session.execute(
            insert(Article),
            [
                {
                    "id": article_id,
                    "url": "https://example.org/report",
                    "text_sha256": "0" * 64,
                    "title": "Report",
                    "text": "Talks opened today.",
                    "published_at": published_at,
                    "timezone": "UTC",
                    "created_at": published_at,
                }
            ],
        )
        session.execute(insert(Event), events)
        session.execute(insert(EventEntity), entities)
        if mentions:
            session.execute(insert(Mention), mentions)
        session.commit()

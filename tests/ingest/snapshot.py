"""A database's articles, events and mentions with the random ids taken out, to compare runs."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from app.articles.models import Article
from app.events.models import Event, EventEntity, Mention


def snapshot(session: Session) -> dict:
    """Every stored event with its entities and the (article url or title, sentence, phrase) of
    each mention; every article by its text hash."""
    articles = {
        row.id: row.url or row.title or row.text_sha256
        for row in session.execute(
            select(Article.id, Article.url, Article.title, Article.text_sha256)
        )
    }
    entities: dict = {}
    for row in session.execute(select(EventEntity).order_by(EventEntity.position)):
        entity = row[0]
        entities.setdefault(entity.event_id, {"actor": [], "location": []})[entity.kind].append(
            entity.name
        )
    mentions: dict = {}
    for mention in session.scalars(select(Mention)):
        mentions.setdefault(mention.event_id, []).append(
            (articles[mention.article_id], mention.sentence_start, mention.phrase, mention.draft)
        )
    events = []
    for event in session.scalars(select(Event)):
        events.append(
            (
                event.title,
                event.description,
                event.category,
                event.date_start.isoformat(),
                event.date_end.isoformat(),
                event.granularity,
                event.time,
                event.timex,
                event.confidence,
                event.span_class,
                repr(entities.get(event.id)),
                tuple(sorted(mentions.get(event.id, []), key=repr)),
            )
        )
    return {
        "articles": sorted(articles.values()),
        "events": sorted(events, key=repr),
    }

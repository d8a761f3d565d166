"""Every query on the actors and actor_aliases tables."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import func, select
from sqlmodel import Session

from app.actors.models import Actor, ActorAlias


def version(session: Session, language: str) -> tuple:
    """Changes whenever a curator adds or edits an actor or alias: the gazetteer cache key."""
    actors = session.execute(
        select(func.count(Actor.id), func.max(Actor.updated_at)).where(Actor.language == language)
    ).one()
    aliases = session.execute(select(func.count(ActorAlias.id))).scalar_one()
    return (actors[0], actors[1], aliases)


def all_with_aliases(session: Session, language: str) -> list[tuple[Actor, list[str]]]:
    actors = list(
        session.scalars(select(Actor).where(Actor.language == language).order_by(Actor.name))
    )
    aliases: dict[uuid.UUID, list[str]] = defaultdict(list)
    if actors:
        rows = session.execute(
            select(ActorAlias.actor_id, ActorAlias.alias)
            .where(ActorAlias.actor_id.in_([actor.id for actor in actors]))
            .order_by(ActorAlias.created_at, ActorAlias.alias)
        )
        for actor_id, alias in rows:
            aliases[actor_id].append(alias)
    return [(actor, aliases[actor.id]) for actor in actors]


def get(session: Session, actor_id: uuid.UUID) -> Actor | None:
    return session.get(Actor, actor_id)


def aliases_taken(session: Session, aliases: list[str]) -> list[str]:
    if not aliases:
        return []
    return list(session.scalars(select(ActorAlias.alias).where(ActorAlias.alias.in_(aliases))))


def add(session: Session, actor: Actor) -> None:
    session.add(actor)


def add_aliases(session: Session, actor_id: uuid.UUID, aliases: list[str]) -> None:
    for alias in aliases:
        session.add(ActorAlias(actor_id=actor_id, alias=alias))

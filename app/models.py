"""Every table, imported in one place so that Alembic and the tests see the whole schema."""

from app.actors.models import Actor, ActorAlias
from app.articles.models import Article
from app.db import metadata
from app.events.models import Event, EventEntity, Mention

__all__ = ["Actor", "ActorAlias", "Article", "Event", "EventEntity", "Mention", "metadata"]

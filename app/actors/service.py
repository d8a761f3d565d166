"""Actor use cases: the merged gazetteer (YAML + curators' additions), list, read, add.

Extraction uses `gazetteer_for(session, language)`: the YAML gazetteer with the actors and
aliases stored in the database merged in. The merged gazetteer is cached per process and rebuilt
when the database's actors change (a cheap count/max query per ingest tells), so a curator's
addition is used from the next ingest on, in every worker.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from sqlmodel import Session

from app.actors import repository
from app.actors.models import Actor, actor_id
from app.actors.schemas import ActorCreate, ActorPage, ActorPublic, AliasesAdd
from app.db import utcnow
from app.errors import InvalidInput, NotFound
from app.events.gazetteer import Actor as GazetteerActor
from app.events.gazetteer import Gazetteer, load_gazetteer
from app.pagination import decode_cursor, encode_cursor

_cache: dict[str, tuple[tuple, Gazetteer]] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Listed:
    public: ActorPublic
    search: str  # lowercased name and aliases, for `q`


def _as_gazetteer_actor(actor: Actor) -> GazetteerActor:
    short = actor.short or (actor.name.split()[-1] if actor.kind == "person" else actor.name)
    return GazetteerActor(actor.name, actor.kind, short, actor.affiliation)


def gazetteer_for(session: Session, language: str = "en") -> Gazetteer:
    """The gazetteer extraction should use now: YAML plus the curators' actors and aliases."""
    key = repository.version(session, language)
    cached = _cache.get(language)
    if cached is not None and cached[0] == key:
        return cached[1]
    base = load_gazetteer(language)
    if key[0] == 0:
        gazetteer = base
    else:
        extra = [
            (_as_gazetteer_actor(actor), [actor.name, *aliases])
            for actor, aliases in repository.all_with_aliases(session, language)
        ]
        gazetteer = base.with_actors(extra)
    with _lock:
        _cache[language] = (key, gazetteer)
    return gazetteer


def invalidate() -> None:
    """Forget the merged gazetteers (the next ingest rebuilds them)."""
    with _lock:
        _cache.clear()


def _listing(session: Session, language: str) -> list[_Listed]:
    stored = {
        actor.name: (actor, aliases)
        for actor, aliases in repository.all_with_aliases(session, language)
    }
    listed = []
    for actor, aliases in load_gazetteer(language).names():
        extra = stored.pop(actor.name, (None, []))[1]
        listed.append(
            _listed(
                actor.name,
                actor.kind,
                actor.short,
                actor.affiliation,
                [*extra, *aliases],
                extra,
                "gazetteer",
            )
        )
    for actor, extra in stored.values():
        short = _as_gazetteer_actor(actor).short
        listed.append(
            _listed(
                actor.name,
                actor.kind,
                short,
                actor.affiliation,
                [actor.name, *extra],
                extra,
                "curator",
            )
        )
    listed.sort(key=lambda item: (item.public.name, str(item.public.id)))
    return listed


def _listed(name, kind, short, affiliation, aliases, extra, origin) -> _Listed:
    aliases = list(dict.fromkeys(aliases))
    public = ActorPublic(
        id=actor_id(name),
        name=name,
        kind=kind,
        short=short,
        affiliation=affiliation,
        aliases=aliases,
        origin=origin,
        curator_aliases=list(extra),
    )
    return _Listed(public, "\n".join([name, *aliases]).lower())


def list_actors(
    session: Session, *, q: str | None, limit: int, cursor: str | None, language: str = "en"
) -> ActorPage:
    """Actors by name, keyset-paged on (name, id); `q` matches names and aliases."""
    items = _listing(session, language)
    if q:
        needle = q.strip().lower()
        items = [item for item in items if needle in item.search]
    if cursor:
        name, id_text = decode_cursor(cursor, 2)
        items = [
            item for item in items if (item.public.name, str(item.public.id)) > (name, id_text)
        ]
    page, more = items[:limit], len(items) > limit
    next_cursor = encode_cursor(page[-1].public.name, str(page[-1].public.id)) if more else None
    return ActorPage(items=[item.public for item in page], next_cursor=next_cursor)


def get(session: Session, id_: uuid.UUID, language: str = "en") -> ActorPublic:
    for item in _listing(session, language):
        if item.public.id == id_:
            return item.public
    raise NotFound(f"No actor has id {id_}. List actors with GET /v1/actors.")


def _check_aliases_free(session: Session, aliases: list[str], owner: str) -> None:
    taken = repository.aliases_taken(session, aliases)
    if taken:
        raise InvalidInput(
            f"The alias {taken[0]!r} already belongs to an actor; an alias names one actor.",
            errors=[{"loc": ["body", "aliases"], "msg": f"{taken[0]!r} is taken"}],
        )
    for actor, known in load_gazetteer().names():
        clash = next((a for a in aliases if a in known and actor.name != owner), None)
        if clash is not None:
            raise InvalidInput(
                f"The alias {clash!r} already names {actor.name}; an alias names one actor.",
                errors=[{"loc": ["body", "aliases"], "msg": f"{clash!r} is taken"}],
            )


def create(session: Session, data: ActorCreate, language: str = "en") -> ActorPublic:
    new_id = actor_id(data.name)
    if repository.get(session, new_id) is not None or data.name in {
        actor.name for actor, _ in load_gazetteer(language).names()
    }:
        raise InvalidInput(
            f"An actor named {data.name!r} exists; add aliases with "
            f"POST /v1/actors/{new_id}/aliases.",
            errors=[{"loc": ["body", "name"], "msg": "already exists"}],
        )
    aliases = [alias for alias in data.aliases if alias != data.name]
    _check_aliases_free(session, [data.name, *aliases], data.name)
    repository.add(
        session,
        Actor(
            id=new_id,
            name=data.name,
            kind=data.kind,
            short=data.short,
            affiliation=data.affiliation,
            language=language,
        ),
    )
    session.flush()
    repository.add_aliases(session, new_id, aliases)
    session.commit()
    invalidate()
    return get(session, new_id, language)


def add_aliases(
    session: Session, id_: uuid.UUID, data: AliasesAdd, language: str = "en"
) -> ActorPublic:
    current = get(session, id_, language)
    new = [alias for alias in data.aliases if alias not in current.aliases]
    if not new:
        return current
    _check_aliases_free(session, new, current.name)
    stored = repository.get(session, id_)
    if stored is None:  # a YAML actor gets a row that carries the curators' aliases
        stored = Actor(
            id=id_,
            name=current.name,
            kind=current.kind,
            short=current.short,
            affiliation=current.affiliation,
            language=language,
        )
        repository.add(session, stored)
        session.flush()
    stored.updated_at = utcnow()
    session.add(stored)
    repository.add_aliases(session, id_, new)
    session.commit()
    invalidate()
    return get(session, id_, language)

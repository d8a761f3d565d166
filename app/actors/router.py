"""HTTP routes for actors: the gazetteer curators extend."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from app.actors import service
from app.actors.schemas import ActorCreate, ActorPage, ActorPublic, AliasesAdd
from app.dependencies import SessionDep, WriteKey
from app.openapi import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/actors", tags=["actors"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=ActorPage, summary="Known actors (gazetteer and curators')")
def list_actors(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="Text in name or aliases.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ActorPage:
    return service.list_actors(session, q=q, limit=limit, cursor=cursor)


@router.get("/{actor_id}", response_model=ActorPublic, summary="One actor with its aliases")
def get_actor(actor_id: uuid.UUID, session: SessionDep) -> ActorPublic:
    return service.get(session, actor_id)


@router.post(
    "",
    response_model=ActorPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[WriteKey],
    summary="Add an actor; extraction finds it from the next ingest on",
)
def create_actor(body: ActorCreate, session: SessionDep) -> ActorPublic:
    return service.create(session, body)


@router.post(
    "/{actor_id}/aliases",
    response_model=ActorPublic,
    dependencies=[WriteKey],
    summary="Add aliases to an actor; extraction uses them from the next ingest on",
)
def add_aliases(actor_id: uuid.UUID, body: AliasesAdd, session: SessionDep) -> ActorPublic:
    return service.add_aliases(session, actor_id, body)

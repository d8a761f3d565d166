"""HTTP routes for events: validate, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.dependencies import SessionDep, WriteKey
from app.errors import InvalidInput
from app.events import service
from app.events.repository import EventFilters
from app.events.schemas import (
    EventCreate,
    EventDetail,
    EventMerge,
    EventPage,
    EventPageQuery,
    EventPublic,
    EventQuery,
    EventSplit,
    EventSplitRequest,
    EventUpdate,
)
from app.openapi import PROBLEM_RESPONSES
from app.page_cache import page_key, wants_fresh

router = APIRouter(prefix="/v1/events", tags=["events"], responses=PROBLEM_RESPONSES)


def filters_of(query: EventQuery) -> EventFilters:
    date_from, date_to, q = query.date_from, query.date_to, query.q
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput(
            f"from ({date_from}) is after to ({date_to}); swap them or widen the range.",
            errors=[{"loc": ["query", "from"], "msg": "must be on or before to"}],
        )
    return EventFilters(
        date_from=date_from,
        date_to=date_to,
        q=q.strip() or None if q else None,
        actor=query.actor,
        location=query.location,
        category=query.category,
        article_id=query.article_id,
        status=query.status,
        min_confidence=query.min_confidence,
    )


async def event_filters(query: Annotated[EventQuery, Query()]) -> EventFilters:
    return filters_of(query)


FiltersDep = Annotated[EventFilters, Depends(event_filters)]


@router.get(
    "",
    response_model=EventPage,
    summary="Events overlapping a date range",
    description="Every answer carries an `ETag`: send it back in `If-None-Match` to get `304` "
    "while the page is unchanged. Pages are served from memory until the archive changes; "
    "`Cache-Control: no-cache` builds the page anew.",
    responses={304: {"description": "Not modified since the ETag given in If-None-Match"}},
)
async def list_events(
    request: Request, session: SessionDep, query: Annotated[EventPageQuery, Query()]
) -> Response:
    # The page is plain values written by orjson, not an EventPage validated and dumped by
    # FastAPI: that took most of a request's time. `response_model` still documents it. The
    # route is async so that a page kept in memory is sent without a trip through the thread
    # pool; the page cache builds new ones there.
    page = await service.list_events_body(
        session,
        request.app.state.page_cache,
        page_key(request.url.path, request.scope["query_string"]),
        filters=filters_of(query),
        limit=query.limit,
        cursor=query.cursor,
        descending=query.sort == "-date",
        refresh=wants_fresh(request.headers.get("cache-control")),
    )
    status_code, headers, body = page.answer(request.headers.get("if-none-match"))
    return Response(body, status_code=status_code, headers=headers)


@router.get(
    "/{event_id}",
    response_model=EventDetail,
    summary="One event with its sources and possible duplicates",
)
def get_event(event_id: uuid.UUID, session: SessionDep) -> EventDetail:
    return service.get_detail(session, event_id)


@router.post(
    "/{event_id}/merge",
    response_model=EventPublic,
    dependencies=[WriteKey],
    summary="Merge other events into this one (their sources move here, they go)",
)
def merge_events(event_id: uuid.UUID, body: EventMerge, session: SessionDep) -> EventPublic:
    return service.merge(session, event_id, body.event_ids)


@router.post(
    "/{event_id}/split",
    response_model=EventSplit,
    status_code=status.HTTP_201_CREATED,
    dependencies=[WriteKey],
    summary="Split mentions off this event into a new event",
)
def split_event(event_id: uuid.UUID, body: EventSplitRequest, session: SessionDep) -> EventSplit:
    return service.split(session, event_id, body.mention_ids)


@router.post(
    "",
    response_model=EventPublic,
    status_code=status.HTTP_201_CREATED,
    dependencies=[WriteKey],
    summary="Add a curator's event (status confirmed)",
)
def create_event(body: EventCreate, session: SessionDep) -> EventPublic:
    return service.create(session, body)


@router.patch(
    "/{event_id}", response_model=EventPublic, dependencies=[WriteKey], summary="Edit an event"
)
def update_event(event_id: uuid.UUID, body: EventUpdate, session: SessionDep) -> EventPublic:
    return service.update(session, event_id, body)


@router.delete(
    "/{event_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[WriteKey],
    summary="Delete an event",
)
def delete_event(event_id: uuid.UUID, session: SessionDep) -> Response:
    service.delete(session, event_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

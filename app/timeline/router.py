"""HTTP route for timelines: `GET /v1/timeline` in every format, with ETag and streaming."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.dependencies import SessionDep
from app.events.router import FiltersDep
from app.openapi import PROBLEM_RESPONSES
from app.page_cache import matches_entity_tag
from app.timeline import service
from app.timeline.formats import FORMATS, TimelineContext

router = APIRouter(prefix="/v1/timeline", tags=["timeline"], responses=PROBLEM_RESPONSES)

FORMAT_HELP = (
    "json (default: periods in date order, each with its events), timelinejs (Knight Lab "
    "TimelineJS3), vis (vis-timeline items and groups), csv, ndjson, ics (iCalendar). Wins over "
    "the Accept header."
)
MEDIA_TYPES = sorted({spec.media_type for spec in FORMATS.values()})


@router.get(
    "",
    summary="The events as a timeline, a download or a calendar feed",
    description="Takes the filters of `GET /v1/events`. The format comes from `format=` or, "
    "without it, from `Accept` (`text/csv`, `application/x-ndjson`, `text/calendar`). Every "
    "answer carries an `ETag`; send it back in `If-None-Match` to get `304` while nothing "
    "changed. Large timelines are streamed.",
    response_class=StreamingResponse,
    responses={
        200: {"description": "The timeline", "content": {media: {} for media in MEDIA_TYPES}},
        304: {"description": "Not modified since the ETag given in If-None-Match"},
    },
)
def get_timeline(
    request: Request,
    session: SessionDep,
    filters: FiltersDep,
    format_name: Annotated[
        str | None, Query(alias="format", max_length=40, description=FORMAT_HELP)
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    spec = service.choose_format(format_name, accept)
    tag, count = service.entity_tag(session, filters, spec)
    disposition = "attachment" if spec.attachment else "inline"
    headers = {
        "ETag": tag,
        # Caches may keep the body but must ask again; the ETag makes asking cheap.
        "Cache-Control": "no-cache",
        "Vary": "Accept",
    }
    if matches_entity_tag(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = (
        f'{disposition}; filename="{service.download_filename(filters, spec)}"'
    )
    context = TimelineContext(count=count, filters=service.describe_filters(filters))
    return StreamingResponse(
        service.stream(request.app.state.engine, filters, spec, context),
        media_type=spec.media_type,
        headers=headers,
    )

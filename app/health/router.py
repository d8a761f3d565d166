"""`/healthz` says the process is up; `/readyz` says the database answers at the migration head."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from app import migrations

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    # On the event loop: the process answers even when every thread of the pool is busy.
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database reachable and migrated to head")
def readyz(request: Request) -> JSONResponse:
    head = request.app.state.migration_head
    try:
        current = migrations.current_revision(request.app.state.engine)
    except SQLAlchemyError as exc:
        return JSONResponse(
            {"status": "unavailable", "detail": f"database unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    if current != head:
        return JSONResponse(
            {
                "status": "unavailable",
                "detail": f"database at revision {current}, code expects {head}: "
                "run `timeline migrate`",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ok", "revision": current})

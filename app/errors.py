"""One error hierarchy and the handlers that turn every failure into RFC 9457 problem+json.

FastAPI and Starlette are imported where a response is built or the handlers are installed,
not at import time: the service layer raises these errors from `timeline ingest` too, which
never builds a response, and importing FastAPI cost that command ~0.12 s of its start-up.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://ceasefire-timeline.dev/problems/"


class AppError(Exception):
    """Base of every error the service reports to a client on purpose."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers


class InvalidInput(AppError):
    status, slug, title = 422, "invalid-input", "Invalid input"


class MalformedBody(AppError):
    status, slug, title = 400, "malformed-body", "Malformed request body"


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class PayloadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class RateLimited(AppError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(AppError):
    status, slug, title = 503, "unavailable", "Service unavailable"


# How long a client should wait before retrying when the database is busy or unreachable.
BUSY_RETRY_AFTER_SECONDS = 1
UNAVAILABLE_RETRY_AFTER_SECONDS = 5
_BUSY_MARKERS = ("database is locked", "database is busy", "database table is locked")


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    from fastapi.responses import JSONResponse

    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (slug or HTTPStatus(status).phrase.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _describe_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    described = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        described.append({"loc": location, "msg": error.get("msg", "invalid value")})
    return described


async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
    return problem(
        exc.status, exc.title, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers
    )


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = _describe_validation_errors(exc)
    if any(error.get("type") == "json_invalid" for error in exc.errors()):
        return problem(
            400,
            MalformedBody.title,
            "The request body is not valid JSON. Send a JSON object with "
            "Content-Type: application/json.",
            slug=MalformedBody.slug,
            errors=errors,
        )
    summary = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors[:5])
    return problem(422, InvalidInput.title, summary, slug=InvalidInput.slug, errors=errors)


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    status = exc.status_code
    phrase = HTTPStatus(status).phrase
    if status == 404:
        detail = "No such resource. See /docs for the endpoints this service offers."
    elif status == 405:
        detail = "This method is not allowed here. See /docs for the methods each path accepts."
    else:
        detail = str(exc.detail) if exc.detail else phrase
    return problem(status, phrase, detail, headers=getattr(exc, "headers", None))


def request_id_of(request: Request) -> str:
    """The id RequestIdMiddleware gave this request (or '-' outside it)."""
    return request.scope.get("state", {}).get("request_id") or "-"


def internal_error(request_id: str) -> JSONResponse:
    """The 500 every unexpected failure gets: no traceback, no message, only the request id."""
    return problem(
        500,
        "Internal server error",
        "The server failed to handle this request; it has been logged. "
        f"Quote request id {request_id} when reporting it.",
        slug="internal-error",
    )


def is_database_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" (its busy timeout ran out) or a PostgreSQL deadlock or
    serialization failure: the request was fine and can be retried."""
    message = str(getattr(exc, "orig", exc)).lower()
    if any(marker in message for marker in _BUSY_MARKERS):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return sqlstate in {"40001", "40P01", "55P03"}


def is_write_conflict(exc: BaseException) -> bool:
    """A unique-constraint violation (PostgreSQL 23505, SQLite "UNIQUE constraint failed")."""
    if not isinstance(exc, IntegrityError):
        return False
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    """Busy or unreachable database: 503 with Retry-After, never a 500."""
    request_id = request_id_of(request)
    if is_write_conflict(exc):
        # A unique constraint tripped by a concurrent write the service did not settle itself:
        # retrying sees the other write. Logged in full, since it may also point at a bug.
        log.warning(
            "write conflict on %s %s",
            request.method,
            request.url.path,
            exc_info=exc,
            extra={"request_id": request_id},
        )
        return problem(
            503,
            "Write conflict",
            "Another request wrote the same rows at the same time; nothing was stored. Retry "
            f"after {BUSY_RETRY_AFTER_SECONDS} second(s).",
            slug="write-conflict",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
        )
    if is_database_busy(exc):
        log.warning(
            "database busy on %s %s: %s",
            request.method,
            request.url.path,
            type(getattr(exc, "orig", exc)).__name__,
            extra={"request_id": request_id},
        )
        return problem(
            503,
            "Database busy",
            "The database is busy with other writes. Nothing was stored; retry after "
            f"{BUSY_RETRY_AFTER_SECONDS} second(s).",
            slug="database-busy",
            headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
        )
    if not (isinstance(exc, OperationalError) and _is_unavailable(exc)):
        return await _unexpected_error(request, exc)
    log.error(
        "database unavailable on %s %s",
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"request_id": request_id},
    )
    return problem(
        503,
        "Database unavailable",
        "The database did not answer or is not migrated; nothing was stored. Retry after "
        f"{UNAVAILABLE_RETRY_AFTER_SECONDS} seconds; operators: see /readyz.",
        slug="database-unavailable",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
    )


def _is_unavailable(exc: OperationalError) -> bool:
    # SQLite reports a missing file, table or disk without a SQLSTATE; psycopg gives lost
    # connections class 08, shutdowns 57, exhausted resources 53 and system errors 58. Any other
    # SQLSTATE is a problem with the statement itself: a bug, so a logged 500.
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "53", "57", "58"))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = request_id_of(request)
    log.error(
        "unhandled error on %s %s (request id %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=exc,
        extra={"request_id": request_id},
    )
    return internal_error(request_id)


def install_error_handlers(app: FastAPI) -> None:
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)

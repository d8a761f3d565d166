"""One error hierarchy and the handlers that turn every failure into RFC 9457 problem+json."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

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


class ServiceUnavailable(AppError):
    status, slug, title = 503, "unavailable", "Service unavailable"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
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


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = request.headers.get("x-request-id", "-")
    log.error(
        "unhandled error on %s %s (request id %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=exc,
    )
    return problem(
        500,
        "Internal server error",
        "The server failed to handle this request; it has been logged. "
        f"Quote request id {request_id} when reporting it.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)

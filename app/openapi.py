"""OpenAPI fragments shared by the routers: the problem+json error shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FieldError(BaseModel):
    loc: list[str]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every error."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


def _problem(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed request body"),
    401: _problem("Missing or invalid API key (writes; reads too with TIMELINE_PUBLIC_READ=false)"),
    404: _problem("Not found"),
    413: _problem("Payload too large"),
    422: _problem("Invalid input"),
    429: _problem("Too many writes from this client; see the Retry-After header"),
    500: _problem("Unexpected failure; the body quotes the request id, the log has the rest"),
    503: _problem("Database busy or unavailable; see the Retry-After header"),
}

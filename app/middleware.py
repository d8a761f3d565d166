"""ASGI middleware: request ids, access log and metrics, the last-resort 500, and the request body
guard (size limit, then text no database can store), checked before anything is parsed."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PROBLEM_BASE, PROBLEM_JSON, internal_error
from app.observability import observe_request, route_template

access_log = logging.getLogger("app.access")
error_log = logging.getLogger("app.errors")

# A caller's X-Request-Id is kept only when it is short and plain; anything else is replaced, so
# that the id can be echoed in a header and written to logs without care.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_NUL_IN_QUERY = re.compile(rb"%00|\x00")


def _too_large_detail(max_bytes: int) -> str:
    return (
        f"The request body exceeds {max_bytes:,} bytes. Article text may be at most "
        "TIMELINE_MAX_TEXT_BYTES; split the text or raise the limit."
    )


async def _send_problem(
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> None:
    problem: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        problem["errors"] = errors
    body = orjson.dumps(problem)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _find_nul(document: Any) -> list[str] | None:
    """The location of the first string (or key) holding a NUL character, if any."""
    stack: list[tuple[Any, list[str]]] = [(document, ["body"])]
    while stack:
        value, location = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return location
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return location
                stack.append((item, [*location, key]))
        elif isinstance(value, list):
            stack.extend((item, [*location, str(index)]) for index, item in enumerate(value))
    return None


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return False


class BodyLimitMiddleware:
    """Read the whole body (at most `max_bytes`: more gets 413, whether or not Content-Length is
    honest), then refuse what no database can store: NUL characters (PostgreSQL rejects them in
    text, and stripping them would shift every character offset) and unpaired UTF-16 surrogates
    (not encodable as UTF-8). Both get a 422 that says where; so does a NUL in the query string.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _NUL_IN_QUERY.search(scope.get("query_string", b"")):
            await _send_problem(
                send,
                422,
                "invalid-input",
                "Invalid input",
                "A query parameter contains a NUL character (%00); remove it.",
                [{"loc": ["query"], "msg": "NUL characters are not allowed"}],
            )
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse_too_large(send)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away before the body was complete: nothing to answer.
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._refuse_too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body and _is_json(scope) and await self._refuse_unstorable_text(body, send):
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse_unstorable_text(self, body: bytes, send: Send) -> bool:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            # orjson names surrogate escapes it cannot pair; invalid UTF-8 bytes are a 400.
            if "surrogate" in str(exc) and "UTF-8" not in str(exc):
                await _send_problem(
                    send,
                    422,
                    "invalid-input",
                    "Invalid input",
                    "The body contains an unpaired UTF-16 surrogate escape (\\ud800-\\udfff "
                    "without its partner); such text cannot be stored. Send valid Unicode.",
                    [{"loc": ["body"], "msg": "unpaired surrogate"}],
                )
                return True
            await _send_problem(
                send,
                400,
                "malformed-body",
                "Malformed request body",
                f"The request body is not valid JSON ({exc}). Send a JSON object with "
                "Content-Type: application/json.",
                [{"loc": ["body"], "msg": str(exc)}],
            )
            return True
        location = _find_nul(document)
        if location is None:
            return False
        await _send_problem(
            send,
            422,
            "invalid-input",
            "Invalid input",
            f"{'.'.join(location)} contains a NUL character (\\u0000), which cannot be stored; "
            "remove it. (It is refused rather than stripped, because stripping would shift the "
            "character offsets of every date found after it.)",
            [{"loc": location, "msg": "NUL characters are not allowed"}],
        )
        return True

    async def _refuse_too_large(self, send: Send) -> None:
        await _send_problem(
            send, 413, "payload-too-large", "Payload too large", _too_large_detail(self.max_bytes)
        )


class RequestIdMiddleware:
    """Give every request an id (or keep the caller's plain one), echo it, log one structured
    line per request, count it in the metrics, and turn any unhandled exception into a logged
    problem+json 500 that carries the id but none of the error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _SAFE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        scope["headers"] = [
            *(header for header in scope["headers"] if header[0] != b"x-request-id"),
            (b"x-request-id", request_id.encode()),
        ]
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            error_log.error(
                "unhandled error on %s %s (request id %s)",
                scope["method"],
                scope["path"],
                request_id,
                exc_info=exc,
                extra={"request_id": request_id},
            )
            status = 500
            if not response_started:
                await internal_error(request_id)(scope, receive, send_with_id)
        finally:
            duration = time.perf_counter() - started
            route = route_template(scope)
            observe_request(scope["method"], route, status, duration)
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                scope["path"],
                status,
                duration * 1000,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                },
            )

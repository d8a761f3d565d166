"""FastAPI dependencies shared by the routers: the database session, the key checks and the
write rate limit.

They are `async def` although none awaits anything: FastAPI runs a plain `def` dependency in its
thread pool, and the hand-overs to and from that pool cost more than all of them do (a cached
page of events took 3.0 ms in process with them as `def`, 1.8 ms as `async def`). None of them
blocks: the session opens no connection until a route uses it, and its close only hands one
back to the pool."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.config import Settings
from app.errors import RateLimited, Unauthorized
from app.ratelimit import TokenBucketLimiter, client_identity, retry_after_seconds

_bearer = HTTPBearer(auto_error=False, description="A key listed in TIMELINE_API_KEYS.")


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def _key_matches(offered: str, keys: tuple[str, ...]) -> bool:
    # Check every key in constant time so the response time says nothing about near misses
    # (nor about which of several keys matched).
    offered_bytes = offered.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(offered_bytes, key.encode())
    return matched


def _limit_writes(request: Request, api_key: str | None) -> None:
    limiter: TokenBucketLimiter | None = getattr(request.app.state, "write_limiter", None)
    if limiter is None:
        return
    client = client_identity(
        api_key=api_key, client_host=request.client.host if request.client else None
    )
    wait = limiter.acquire(client)
    if wait:
        retry_after = retry_after_seconds(wait)
        raise RateLimited(
            f"Too many writes from this client; retry after {retry_after} s. The limit is "
            "TIMELINE_WRITE_RATE_PER_MINUTE per API key (or per address without a valid key).",
            retry_after=retry_after,
        )


async def require_write_key(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings_dep)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    keys = settings.write_keys
    offered = credentials.credentials if credentials is not None else None
    matched = offered is not None and bool(keys) and _key_matches(offered, keys)
    # Failed attempts count against the caller's address, which also slows down key guessing.
    _limit_writes(request, offered if matched else None)
    if not keys:
        raise Unauthorized(
            "Writes are disabled: no API key is configured. Start the service with "
            "TIMELINE_API_KEYS=<key> (comma-separate several) and send "
            "'Authorization: Bearer <key>'."
        )
    if offered is None:
        raise Unauthorized("This endpoint writes: send 'Authorization: Bearer <key>'.")
    if not matched:
        raise Unauthorized("The API key is not valid. Use a key listed in TIMELINE_API_KEYS.")


async def require_read_key(
    settings: Annotated[Settings, Depends(get_settings_dep)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Open unless TIMELINE_PUBLIC_READ=false; then a read key or a write key is needed."""
    if settings.public_read:
        return
    if credentials is None:
        raise Unauthorized(
            "Reads need a key on this server (TIMELINE_PUBLIC_READ=false): send "
            "'Authorization: Bearer <key>' with a key from TIMELINE_READ_API_KEYS or "
            "TIMELINE_API_KEYS."
        )
    if not _key_matches(credentials.credentials, settings.read_keys):
        raise Unauthorized(
            "The API key is not valid. Use a key listed in TIMELINE_READ_API_KEYS or "
            "TIMELINE_API_KEYS."
        )


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
WriteKey = Depends(require_write_key)
ReadKey = Depends(require_read_key)

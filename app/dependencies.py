"""FastAPI dependencies shared by the routers: the database session and the write-key check."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.config import Settings
from app.errors import Unauthorized

_bearer = HTTPBearer(auto_error=False, description="A key listed in TIMELINE_API_KEYS.")


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


def require_write_key(
    settings: Annotated[Settings, Depends(get_settings_dep)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    keys = settings.write_keys
    if not keys:
        raise Unauthorized(
            "Writes are disabled: no API key is configured. Start the service with "
            "TIMELINE_API_KEYS=<key> (comma-separate several) and send "
            "'Authorization: Bearer <key>'."
        )
    if credentials is None:
        raise Unauthorized("This endpoint writes: send 'Authorization: Bearer <key>'.")
    offered = credentials.credentials.encode()
    # Check every key in constant time so the response time says nothing about near misses.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(offered, key.encode())
    if not matched:
        raise Unauthorized("The API key is not valid. Use a key listed in TIMELINE_API_KEYS.")


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
WriteKey = Depends(require_write_key)

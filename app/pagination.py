"""Opaque keyset cursors: the sort key of the last row of a page, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from app.errors import InvalidInput

MAX_CURSOR_LENGTH = 512
CURSOR_VERSION = 1


def encode_cursor(*key: Any) -> str:
    raw = orjson.dumps([CURSOR_VERSION, *key])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def malformed_cursor() -> InvalidInput:
    return InvalidInput(
        "The cursor is malformed. Pass back the next_cursor value of a previous page unchanged, "
        "or leave cursor out to start from the first page.",
        errors=[{"loc": ["query", "cursor"], "msg": "malformed cursor"}],
    )


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """The key encoded in `cursor`; a 422 that says so when it is not one of ours."""
    invalid = malformed_cursor()
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeEncodeError, binascii.Error, orjson.JSONDecodeError):
        raise invalid from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != arity + 1
        or decoded[0] != CURSOR_VERSION
        or not all(isinstance(part, str) for part in decoded[1:])
    ):
        raise invalid
    return decoded[1:]

"""Field types shared by request bodies: time-zone names, languages, anchoring a naive time.

Articles and `POST /v1/resolve` accept the same zones and languages and localise their time the
same way; one definition keeps their error messages identical.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from app.temporal.zones import UnknownTimezone, localize, zone

SUPPORTED_LANGUAGES = ("en",)


def _known_zone(value: str) -> str:
    try:
        zone(value)
    except UnknownTimezone as exc:
        raise ValueError(str(exc)) from None
    return value


def _supported_language(value: str) -> str:
    if value not in SUPPORTED_LANGUAGES:
        raise ValueError(
            f"language {value!r} is not supported yet; use one of {SUPPORTED_LANGUAGES}"
        )
    return value


TimezoneName = Annotated[str, Field(max_length=64), AfterValidator(_known_zone)]
Language = Annotated[str, Field(max_length=16), AfterValidator(_supported_language)]


def anchored(field: str, moment: datetime, zone_name: str | None) -> tuple[datetime, str]:
    """`localize` for a model validator: the error names the field it is about."""
    try:
        return localize(moment, zone_name)
    except ValueError as exc:
        raise ValueError(f"{field} {exc}") from None

"""A thin HTTP wrapper over `app.temporal.resolve`."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.articles.schemas import SUPPORTED_LANGUAGES
from app.openapi import PROBLEM_RESPONSES
from app.temporal import TemporalExpression, resolve
from app.temporal.zones import UnknownTimezone, localize, zone

router = APIRouter(prefix="/v1", tags=["resolve"], responses=PROBLEM_RESPONSES)

MAX_RESOLVE_CHARACTERS = 100_000


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_RESOLVE_CHARACTERS)
    reference_time: datetime = Field(
        description="The anchor, usually the publication time. Without an offset, give timezone."
    )
    timezone: str | None = Field(default=None, max_length=64)
    language: str = "en"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                zone(value)
            except UnknownTimezone as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(
                f"language {value!r} is not supported yet; use one of {SUPPORTED_LANGUAGES}"
            )
        return value

    @model_validator(mode="after")
    def _aware(self) -> Self:
        try:
            self.reference_time, self.timezone = localize(self.reference_time, self.timezone)
        except ValueError as exc:
            raise ValueError(f"reference_time {exc}") from None
        return self


class ResolveResponse(BaseModel):
    reference_time: datetime
    timezone: str
    expressions: list[TemporalExpression]


@router.post("/resolve", response_model=ResolveResponse, summary="Resolve the dates in a text")
def resolve_text(body: ResolveRequest) -> ResolveResponse:
    expressions = resolve(
        body.text, body.reference_time, timezone=body.timezone, language=body.language
    )
    return ResolveResponse(
        reference_time=body.reference_time,
        timezone=body.timezone,
        expressions=expressions,
    )

"""A thin HTTP wrapper over `app.temporal.resolve`."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.openapi import PROBLEM_RESPONSES
from app.temporal import TemporalExpression, resolve
from app.wire_types import Language, TimezoneName, anchored

router = APIRouter(prefix="/v1", tags=["resolve"], responses=PROBLEM_RESPONSES)

MAX_RESOLVE_CHARACTERS = 100_000


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_RESOLVE_CHARACTERS)
    reference_time: datetime = Field(
        description="The anchor, usually the publication time. Without an offset, give timezone."
    )
    timezone: TimezoneName | None = None
    language: Language = "en"

    @model_validator(mode="after")
    def _aware(self) -> Self:
        self.reference_time, self.timezone = anchored(
            "reference_time", self.reference_time, self.timezone
        )
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

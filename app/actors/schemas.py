"""The shapes of actors on the wire."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ActorKind = Literal["person", "state", "organisation", "armed_group"]
AliasText = Field(min_length=1, max_length=200)


def _clean_aliases(values: list[str]) -> list[str]:
    cleaned = [" ".join(value.split()) for value in values]
    if any(not value for value in cleaned):
        raise ValueError("an alias cannot be blank")
    return list(dict.fromkeys(cleaned))


class ActorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Canonical name, shown in events.")
    kind: ActorKind
    aliases: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Other names, matched whole-word and case-sensitively. The name is one too.",
    )
    short: str | None = Field(
        default=None, max_length=200, description="Name in headlines (persons: the surname)."
    )
    affiliation: str | None = Field(
        default=None, max_length=200, description="The state or group a person speaks for."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("name cannot be blank")
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, values: list[str]) -> list[str]:
        return _clean_aliases(values)


class AliasesAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aliases: list[str] = Field(min_length=1, max_length=100)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, values: list[str]) -> list[str]:
        return _clean_aliases(values)


class ActorPublic(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    short: str
    affiliation: str | None
    aliases: list[str]
    origin: Literal["gazetteer", "curator"] = Field(
        description="gazetteer: from the YAML data shipped with the service (curators may add "
        "aliases); curator: added through the API."
    )
    curator_aliases: list[str] = Field(description="The aliases curators added.")


class ActorPage(BaseModel):
    items: list[ActorPublic]
    next_cursor: str | None

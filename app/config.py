"""Runtime configuration: one Settings object read from the environment (and `.env`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")
DEFAULT_DATABASE_URL = f"sqlite:///{DEFAULT_DATA_DIR / 'timeline.db'}"
MEBIBYTE = 1024 * 1024


class Settings(BaseSettings):
    """Every knob of the service. Each field documents itself in `timeline --help` and README."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db.",
    )
    api_keys: str = Field(
        default="",
        validation_alias=AliasChoices("TIMELINE_API_KEYS", "api_keys"),
        description="Comma-separated bearer keys allowed to write. Empty: writes are refused.",
    )
    host: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("HOST", "host"),
        description="Interface `timeline serve` listens on.",
    )
    port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("PORT", "port"),
        description="Port `timeline serve` listens on.",
    )
    max_text_bytes: int = Field(
        default=MEBIBYTE,
        ge=1,
        validation_alias=AliasChoices("TIMELINE_MAX_TEXT_BYTES", "max_text_bytes"),
        description="Largest article text accepted, in UTF-8 bytes; larger gets 413.",
    )
    log_level: str = Field(
        default="info",
        validation_alias=AliasChoices("TIMELINE_LOG_LEVEL", "log_level"),
        description="Python log level for the service's own loggers.",
    )
    seeds_dir: Path = Field(
        default=Path(__file__).resolve().parent.parent / "seeds",
        validation_alias=AliasChoices("TIMELINE_SEEDS_DIR", "seeds_dir"),
        description="Folder `timeline seed` loads (articles.json and the texts it names).",
    )
    cors_origins: str = Field(
        default="",
        validation_alias=AliasChoices("TIMELINE_CORS_ORIGINS", "cors_origins"),
        description="Comma-separated origins whose browser pages may read the API (CORS, reads "
        "only). Empty: no CORS headers.",
    )

    # --- security and operations (SECURITY.md) ---
    read_api_keys: str = Field(
        default="",
        validation_alias=AliasChoices("TIMELINE_READ_API_KEYS", "read_api_keys"),
        description="Comma-separated bearer keys that may read (not write) when "
        "TIMELINE_PUBLIC_READ=false. Write keys can always read.",
    )
    public_read: bool = Field(
        default=True,
        validation_alias=AliasChoices("TIMELINE_PUBLIC_READ", "public_read"),
        description="true: reads are open. false: every /v1 endpoint needs a key (a read or a "
        "write key); /healthz, /readyz, /metrics, the docs and the page stay open.",
    )
    max_request_bytes: int | None = Field(
        default=None,
        ge=1024,
        validation_alias=AliasChoices("TIMELINE_MAX_BODY_BYTES", "max_request_bytes"),
        description="Largest request body in bytes; larger gets 413 before parsing. Default: "
        "2 x TIMELINE_MAX_TEXT_BYTES + 64 KiB, so a text at its limit fits even JSON-escaped.",
    )
    write_rate_per_minute: int = Field(
        default=120,
        ge=0,
        validation_alias=AliasChoices("TIMELINE_WRITE_RATE_PER_MINUTE", "write_rate_per_minute"),
        description="Writes each client (API key, else IP address) may make per minute, per "
        "server process; beyond it 429 with Retry-After. 0 turns the limit off.",
    )
    write_burst: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("TIMELINE_WRITE_BURST", "write_burst"),
        description="Writes a client may make at once before the rate applies. Default: "
        "TIMELINE_WRITE_RATE_PER_MINUTE.",
    )
    page_cache_mb: int = Field(
        default=64,
        ge=0,
        validation_alias=AliasChoices("TIMELINE_PAGE_CACHE_MB", "page_cache_mb"),
        description="Memory, per server process, for finished pages of GET /v1/events, kept "
        "while the archive does not change (never stale: any write makes them miss). 0 turns "
        "it off.",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        validation_alias=AliasChoices("TIMELINE_LOG_FORMAT", "log_format"),
        description="json: one JSON object per line on stderr; text: human-readable; auto: "
        "text on a terminal, json otherwise.",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("must be one of critical, error, warning, info, debug")
        return value

    @property
    def cors_origin_list(self) -> tuple[str, ...]:
        return tuple(origin.strip() for origin in self.cors_origins.split(",") if origin.strip())

    @property
    def write_keys(self) -> tuple[str, ...]:
        return tuple(key.strip() for key in self.api_keys.split(",") if key.strip())

    @property
    def read_keys(self) -> tuple[str, ...]:
        """Keys that may read when reads are not public: read-only keys and write keys."""
        extra = tuple(key.strip() for key in self.read_api_keys.split(",") if key.strip())
        return self.write_keys + extra

    @property
    def max_body_bytes(self) -> int:
        if self.max_request_bytes is not None:
            return self.max_request_bytes
        # Room for the JSON envelope and escaping around the largest allowed text.
        return self.max_text_bytes * 2 + 64 * 1024


@cache
def get_settings() -> Settings:
    return Settings()

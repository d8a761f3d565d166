"""Runtime configuration: one Settings object read from the environment (and `.env`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.lower()
        if value not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError("must be one of critical, error, warning, info, debug")
        return value

    @property
    def write_keys(self) -> tuple[str, ...]:
        return tuple(key.strip() for key in self.api_keys.split(",") if key.strip())

    @property
    def max_body_bytes(self) -> int:
        # Room for the JSON envelope and escaping around the largest allowed text.
        return self.max_text_bytes * 2 + 64 * 1024


@cache
def get_settings() -> Settings:
    return Settings()

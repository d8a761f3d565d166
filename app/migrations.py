"""Runs Alembic from code: `timeline migrate`, the service's start-up check, and the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from app.config import get_settings
from app.db import ARCHIVE_VERSION_TABLE
from app.events.search import SEARCH_INDEXES, SEARCH_TABLE_PREFIX

REPO_ROOT = Path(__file__).resolve().parent.parent


def migrations_dir() -> Path:
    """The Alembic folder: beside the package in a checkout, or where the image put it."""
    for candidate in (REPO_ROOT / "migrations", Path.cwd() / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError("the migrations/ folder was not found beside app/ or in the cwd")


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option(
        "sqlalchemy.url", (database_url or get_settings().database_url).replace("%", "%%")
    )
    return config


def include_object(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """Leave out of model/database comparison what migrations create beside the models: the
    full-text search tables, triggers' keys and indexes (see app.events.search), and the
    archive's change counter (see app.db.ArchiveWatch)."""
    if type_ == "table" and name and _beside_the_models(name):
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)


def user_tables(names: set[str]) -> set[str]:
    """Table names without the tables that are not models: full-text search (and FTS5's
    shadow tables), the archive's change counter."""
    return {name for name in names if not _beside_the_models(name)}


def _beside_the_models(table: str) -> bool:
    return table.startswith(SEARCH_TABLE_PREFIX) or table == ARCHIVE_VERSION_TABLE


def upgrade(
    database_url: str | None = None,
    revision: str = "head",
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Upgrade to `revision`; once at head (by name or by id), also store the event documents
    that the migrations left missing (app.events.documents), calling `progress(done, total)`
    as they are stored."""
    config = alembic_config(database_url)
    command.upgrade(config, revision)
    from app.db import create_db_engine
    from app.events import documents

    engine = create_db_engine(config.get_main_option("sqlalchemy.url"))
    try:
        if current_revision(engine) == head_revision():
            documents.fill(engine, progress)
    finally:
        engine.dispose()


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

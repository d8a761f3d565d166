"""Database plumbing: engine per URL, sessions, the metadata naming convention, column types.

Everything that knows which database we talk to lives here; repositories only see a Session.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel, create_engine

# Named constraints let Alembic's batch mode on SQLite (and every later migration) address them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata

SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_POOL_SIZE = 20


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always read back as an aware datetime.

    SQLite has no time-zone-aware column type; without this, values come back naive and compare
    wrongly against aware ones.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_pool_options(url: str) -> dict:
    """A file database keeps as many connections as a loaded server uses at once (the default,
    five, closes the rest as they come back): a connection opened anew costs the page cache
    its stored pages (see `archive_observation`). In-memory databases keep their own pool."""
    database = make_url(url).database
    if not database or database == ":memory:" or "mode=memory" in url:
        return {}
    return {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}


class ArchiveObservation(NamedTuple):
    """What a connection tells of the database's state: `shared` when `state` means the same
    through every connection (PostgreSQL), else it only compares with earlier states of the
    same connection (SQLite)."""

    shared: bool
    state: Hashable


def archive_observation(connection: Connection) -> ArchiveObservation:
    """The database's state as far as committed data goes: it differs after any commit.

    PostgreSQL: the current snapshot (xmin:xmax:in-progress ids) changes with every commit or
    rollback of a transaction that wrote, in any database of the cluster, and never goes back.
    SQLite: `data_version` changes when another connection commits, `total_changes()` when this
    one writes."""
    if connection.dialect.name == "postgresql":
        return ArchiveObservation(
            True, connection.exec_driver_sql("SELECT pg_current_snapshot()::text").scalar()
        )
    row = connection.exec_driver_sql("SELECT total_changes(), * FROM pragma_data_version").one()
    return ArchiveObservation(False, tuple(row))


def create_db_engine(url: str) -> Engine:
    """An engine for `url` with the per-database settings this service relies on."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **_sqlite_pool_options(url),
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

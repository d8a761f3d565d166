"""Database plumbing: engine per URL, sessions, the metadata naming convention, column types.

Everything that knows which database we talk to lives here; repositories only see a Session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Hashable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
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

logger = logging.getLogger(__name__)

# PostgreSQL only: the counter of committed changes the page cache watches (see ArchiveWatch).
ARCHIVE_VERSION_TABLE = "archive_version"


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


class ArchiveWatch:
    """One connection of its own, outside the pool, that tells whether anyone has committed.

    `version()` changes after every commit to the archive, by any connection of any process:
    - SQLite: `PRAGMA data_version` of a connection changes when another connection commits,
      and this one never writes;
    - PostgreSQL: `archive_version.changes`, which triggers bump in every transaction that
      writes a table a page shows, at its commit (migration `archive_version`). Read in
      autocommit, it is the committed state now.
    None when it cannot be told (an in-memory SQLite database has no other connections to
    watch; a database not yet migrated; a lost connection, reopened on the next call).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._connection = None
        self._async_connection = None
        self._async_loop: asyncio.AbstractEventLoop | None = None
        self._query = (
            f"SELECT changes FROM {ARCHIVE_VERSION_TABLE}"  # noqa: S608 - a constant
            if engine.dialect.name == "postgresql"
            else "PRAGMA data_version"
        )
        database = engine.url.database
        # A local file read in microseconds, never blocked by a writer (WAL): safe to ask
        # from an event loop.
        self.local = engine.dialect.name == "sqlite"
        self._watchable = not self.local or not (
            not database or database == ":memory:" or "mode=memory" in str(engine.url)
        )

    def version(self) -> Hashable | None:
        if not self._watchable:
            return None
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._open()
                cursor = self._connection.cursor()
                try:
                    cursor.execute(self._query)
                    return cursor.fetchone()[0]
                finally:
                    cursor.close()
            except (DBAPIError, self._engine.dialect.loaded_dbapi.Error) as error:
                logger.warning(
                    "archive version unreadable (%s); pages are built anew until it answers",
                    type(error).__name__,
                )
                self._close()
                return None

    async def version_async(self) -> Hashable | None:
        """`version()` for an event loop. SQLite answers from the file at once (microseconds,
        never blocked by a writer in WAL mode); PostgreSQL asks over a connection of the loop's
        own, so a request waits for the answer without a trip through the thread pool."""
        if self.local:
            return self.version()
        loop = asyncio.get_running_loop()
        try:
            if self._async_connection is None or self._async_loop is not loop:
                # One loop per server process; a new loop (tests start one per client) gets
                # its own connection, as one loop's connection cannot serve another.
                self._async_connection = await psycopg.AsyncConnection.connect(
                    self._engine.url.set(drivername="postgresql").render_as_string(
                        hide_password=False
                    ),
                    autocommit=True,
                )
                self._async_loop = loop
            # psycopg serialises the tasks that share the connection.
            cursor = await self._async_connection.execute(self._query)
            return (await cursor.fetchone())[0]
        except psycopg.Error as error:
            logger.warning(
                "archive version unreadable (%s); pages are built anew until it answers",
                type(error).__name__,
            )
            self._async_connection = None
            return None

    def _open(self):
        pooled = self._engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # it never returns to the pool: closing it is ours to do
        if self._engine.dialect.name == "postgresql":
            connection.autocommit = True
        return connection

    def _close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        with self._lock:
            self._close()

    async def close_async(self) -> None:
        self.close()
        if self._async_connection is not None:
            with contextlib.suppress(Exception):
                await self._async_connection.close()
            self._async_connection = None


def create_db_engine(url: str) -> Engine:
    """An engine for `url` with the per-database settings this service relies on."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

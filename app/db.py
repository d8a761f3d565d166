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
# Page cache of each SQLite connection (KiB). SQLite's default, 2 MiB, holds little of a large
# archive's indexes: at a million events a `q` page read most of its B-tree pages from the OS
# again (16.9 ms against 10.8 with 32 MiB and the pool's warmest connection first).
SQLITE_CACHE_KIB = 32 * 1024

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
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


class ArchiveWatch:
    """A connection of its own, outside the pool, that tells whether anyone has committed.

    `version()` changes after every commit to the archive, by any connection of any process:
    - SQLite: `PRAGMA data_version` of a connection changes when another connection commits,
      and this one never writes. It is read from the file in microseconds and never waits for
      a writer (WAL), so it is asked right on the event loop.
    - PostgreSQL: `archive_version.changes`, which triggers bump in every transaction that
      writes a table a page shows, at its commit (migration `archive_version`). Read in
      autocommit over an async connection of the event loop's own, so that a request waits for
      the answer without a trip through the thread pool.
    None when it cannot be told (an in-memory SQLite database has no other connections to
    watch; a database not yet migrated; a lost connection, reopened on the next call).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection = None
        self._lock = threading.Lock()  # one SQLite connection, asked from any thread with a loop
        self._loop: asyncio.AbstractEventLoop | None = None
        # PostgreSQL: the read of the counter in flight, and the one queued behind it.
        self._reads_loop: asyncio.AbstractEventLoop | None = None
        self._in_flight: asyncio.Task | None = None
        self._queued: asyncio.Task | None = None
        database = engine.url.database
        self._on_postgresql = engine.dialect.name == "postgresql"
        self._watchable = self._on_postgresql or not (
            not database or database == ":memory:" or "mode=memory" in str(engine.url)
        )

    async def version(self) -> Hashable | None:
        if not self._watchable:
            return None
        try:
            if self._on_postgresql:
                return await self._postgresql_version()
            return self._sqlite_version()
        except (DBAPIError, self._engine.dialect.loaded_dbapi.Error) as error:
            logger.warning(
                "archive version unreadable (%s); pages are built anew until it answers",
                type(error).__name__,
            )
            await self.close()
            return None

    def _sqlite_version(self) -> int:
        with self._lock:
            if self._connection is None:
                pooled = self._engine.raw_connection()
                self._connection = pooled.driver_connection
                pooled.detach()  # it never returns to the pool: closing it is ours to do
            return self._connection.execute("PRAGMA data_version").fetchone()[0]

    async def _postgresql_version(self) -> int:
        """The counter, read by a query sent after this call began, shared with the calls that
        began before that query was sent.

        Under load every stored page asked its own round trip, one after another on the one
        connection. Now the calls arriving while a read is in flight wait for it to end and
        share the next read: two round trips at most, one query for all of them. A read that
        began before a call is never its answer, so a client that has just committed sees its
        own change.
        """
        loop = asyncio.get_running_loop()
        if self._reads_loop is not loop:
            self._in_flight, self._queued, self._reads_loop = None, None, loop
        if self._queued is None:
            self._queued = loop.create_task(self._read_after(self._in_flight))
        # Shielded: a client that goes away does not cancel the read the others wait for.
        return await asyncio.shield(self._queued)

    async def _read_after(self, previous: asyncio.Task | None) -> int:
        if previous is not None:
            # It may have been sent before some of this read's callers began: wait, then read.
            with contextlib.suppress(Exception):
                await previous
        # Sent from here on: calls that begin now queue for the next read.
        self._in_flight, self._queued = asyncio.current_task(), None
        try:
            return await self._read_counter()
        finally:
            if self._in_flight is asyncio.current_task():
                self._in_flight = None

    async def _read_counter(self) -> int:
        # Imported here: only a server on PostgreSQL needs it, and it costs every command
        # ~75 ms of start-up (bulk ingest on SQLite included).
        import psycopg

        loop = asyncio.get_running_loop()
        if self._connection is None or self._loop is not loop:
            # One loop per server process; a new loop (tests start one per client) gets its own
            # connection, as one loop's connection cannot serve another.
            self._connection = await psycopg.AsyncConnection.connect(
                self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                autocommit=True,
            )
            self._loop = loop
        cursor = await self._connection.execute(
            f"SELECT changes FROM {ARCHIVE_VERSION_TABLE}"  # noqa: S608 - a constant
        )
        return (await cursor.fetchone())[0]

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            closed = connection.close()
            if closed is not None:  # psycopg's AsyncConnection.close is a coroutine
                await closed


def create_db_engine(url: str) -> Engine:
    """An engine for `url` with the per-database settings this service relies on."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            # The most recently used connection first: its page cache is the warm one.
            pool_use_lifo=True,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)

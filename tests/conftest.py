"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, each test isolated.

PostgreSQL comes from TEST_POSTGRES_URL (default: the local server's `test` database). Each test
session works in a schema of its own, migrated once; every test starts from empty tables. When
CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from app import migrations
from app.config import Settings
from app.main import create_app
from app.models import metadata

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WRITE_KEY = "test-write-key"
BACKENDS = ["sqlite", "postgresql"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _postgres_or_skip() -> None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        message = f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} unreachable: {exc}"
        if in_ci():
            pytest.fail(message + " (CI=true: database tests must run on PostgreSQL)")
        pytest.skip(message)


def postgres_schema_url(schema: str) -> str:
    """A URL whose connections work inside `schema` (created if missing)."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"


def drop_postgres_schema(schema: str) -> None:
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def new_schema_name() -> str:
    return f"ct_test_{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory) -> Iterator[dict[str, str | None]]:
    """A migrated SQLite file to copy per test and, when reachable, a migrated PG schema."""
    sqlite_template = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrations.upgrade(f"sqlite:///{sqlite_template}")
    templates: dict[str, str | None] = {"sqlite": str(sqlite_template), "postgresql": None}
    schema = new_schema_name()
    try:
        url = postgres_schema_url(schema)
        migrations.upgrade(url)
        templates["postgresql"] = url
    except Exception:
        schema = None
    yield templates
    if schema:
        drop_postgres_schema(schema)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    if request.param == "postgresql":
        _postgres_or_skip()
    return request.param


@pytest.fixture
def database_url(backend, migrated_templates, tmp_path) -> str:
    """An empty, migrated database of the backend under test."""
    if backend == "sqlite":
        target = tmp_path / "timeline.db"
        shutil.copyfile(migrated_templates["sqlite"], target)
        return f"sqlite:///{target}"
    url = migrated_templates["postgresql"]
    assert url, "PostgreSQL answered but the test schema could not be migrated"
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(table.name for table in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, api_keys=WRITE_KEY)


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {WRITE_KEY}"}

"""Alembic: upgrade, downgrade, upgrade again on both databases; the models match head."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app import migrations
from app.models import metadata
from tests.conftest import drop_postgres_schema, new_schema_name, postgres_schema_url


@pytest.fixture
def empty_database_url(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = new_schema_name()
    yield postgres_schema_url(schema)
    drop_postgres_schema(schema)


def _tables(url: str) -> set[str]:
    """Every table but Alembic's own, full-text search tables included."""
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": migrations.include_object}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url):
    expected = set(metadata.tables)
    migrations.upgrade(empty_database_url)
    assert migrations.user_tables(_tables(empty_database_url)) == expected
    migrations.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) == set()
    migrations.upgrade(empty_database_url)
    assert migrations.user_tables(_tables(empty_database_url)) == expected


def test_models_and_migrations_agree(empty_database_url):
    migrations.upgrade(empty_database_url)
    assert _differences(empty_database_url) == []

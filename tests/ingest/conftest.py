"""Fixtures of the bulk-ingest tests."""

from __future__ import annotations

import pytest

from app.db import create_db_engine


@pytest.fixture
def engine(database_url):
    """An engine on the test database (SQLite or PostgreSQL), disposed of after the test."""
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()

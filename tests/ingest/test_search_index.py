"""Bulk ingest keeps the full-text tables that triggers feed exactly in step with the events and
mentions it stores: SQLite's index (`events_search`), however its inserts are cut into
statements, and PostgreSQL's stored vectors (`events_search_vectors`, read by `q`'s walk)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.articles import service as article_service
from app.db import create_db_engine
from app.events import repository
from tests.ingest.test_ingest_many import MAX_BYTES, corpus_articles

# What the index must hold: one row per event (title and description) and one per mention
# (its sentence), each tagged with the event it finds, keyed through events_search_keys.
EXPECTED = """
    SELECT id, id, title || ' ' || description FROM events
    UNION ALL SELECT id, event_id, sentence FROM mentions
"""
INDEXED = """
    SELECT k.source_id, s.event_id, s.body
    FROM events_search_keys AS k JOIN events_search AS s ON s.rowid = k.id
"""
# PostgreSQL: the same rows as vectors, as the GIN indexes compute them.
EXPECTED_VECTORS = """
    SELECT id, id, to_tsvector('english'::regconfig, title || ' ' || description)::text
    FROM events
    UNION ALL
    SELECT id, event_id, to_tsvector('english'::regconfig, sentence)::text FROM mentions
"""
STORED_VECTORS = "SELECT source_id, event_id, vector::text FROM events_search_vectors"


@pytest.mark.parametrize("rows_per_statement", [1024, 5])
def test_bulk_ingest_indexes_every_event_and_mention(database_url, monkeypatch, rows_per_statement):
    # 5: on SQLite every batch's rows go in as many statements of 5, 4, 2 and 1 rows.
    monkeypatch.setattr(repository, "_MAX_ROWS_PER_STATEMENT", rows_per_statement)
    engine = create_db_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            article_service.ingest_many(
                session, corpus_articles(), max_text_bytes=MAX_BYTES, workers=0, batch_size=7
            )
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                expected = sorted(connection.execute(text(EXPECTED_VECTORS)).all())
                stored = sorted(connection.execute(text(STORED_VECTORS)).all())
                assert len(expected) > 50
                assert stored == expected
                return
            expected = sorted(connection.execute(text(EXPECTED)).all())
            indexed = sorted(connection.execute(text(INDEXED)).all())
            rows = connection.execute(text("SELECT count(*) FROM events_search")).scalar()
            found = connection.execute(
                text("SELECT count(*) FROM events_search WHERE events_search MATCH '\"talks\"'")
            ).scalar()
    finally:
        engine.dispose()
    assert len(expected) > 50
    assert indexed == expected
    assert rows == len(expected)  # no row of the index without its key
    assert found > 0


def test_a_batch_of_rows_is_one_insert_statement_per_table(database_url):
    """The triggers on these tables cost per statement (FTS5's, and PostgreSQL's that clear
    event documents): a batch's events and their actors go in as one statement each (of up to
    1,024 rows; the rest of a batch in powers of two)."""
    from datetime import UTC, date, datetime

    from app.events.models import Event
    from tests.statements import captured_statements

    engine = create_db_engine(database_url)
    now = datetime.now(UTC)
    events = [
        {
            "id": uuid.uuid4(),
            "title": f"Talks, round {number}",
            "description": "",
            "category": "talks",
            "date_start": date(2025, 3, 1),
            "date_end": date(2025, 3, 1),
            "granularity": "day",
            "confidence": 0.9,
            "status": "extracted",
            "curated": False,
            "created_at": now,
            "updated_at": now,
        }
        for number in range(1024)
    ]
    names = [(event["id"], ["Ukraine"], []) for event in events]
    try:
        with Session(engine) as session, captured_statements(engine) as statements:
            repository.insert_events(session, events, names)
            session.commit()
        inserts = [
            (statement.split("(")[0].strip(), type(parameters))
            for statement, parameters in statements
            if statement.startswith("INSERT")
        ]
        # One row of parameters each: an executemany (a list of rows) is a statement per row.
        assert inserts == [("INSERT INTO events", tuple), ("INSERT INTO event_entities", tuple)]
        with Session(engine) as session:
            assert session.scalar(text("SELECT count(*) FROM event_entities")) == len(events)
            assert session.scalar(text("SELECT count(*) FROM events")) == len(events)
            assert session.get(Event, events[7]["id"]).title == "Talks, round 7"
    finally:
        engine.dispose()

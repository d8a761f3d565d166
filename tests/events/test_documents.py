"""Stored event documents (app.events.documents) on both databases: every writer leaves each
event's document equal to the one built from its rows, the triggers clear it whatever writes,
readers build the missing ones, and on PostgreSQL concurrent writers never leave one stale."""

from __future__ import annotations

import threading
import uuid

import orjson
import pytest
from sqlalchemy import create_engine, text, update
from sqlmodel import Session

from app.articles.schemas import ArticleCreate
from app.articles.service import ingest_many
from app.events import documents, repository
from app.events.models import Event
from app.migrations import upgrade
from app.timeline.formats import CSV_HEADER, TimelineContext, write_csv
from tests.api.test_curation import JEDDAH, UNRELATED, _events, _post

ALL_EVENTS = {"limit": 500}


def _stored(engine) -> dict[uuid.UUID, tuple[bytes | None, bytes | None]]:
    """Every event's stored (document, CSV row), by id."""
    with Session(engine) as session:
        rows = session.execute(
            Event.__table__.select().with_only_columns(Event.id, Event.document, Event.csv_row)
        ).all()
    return {event_id: (document, row) for event_id, document, row in rows}


def _documents(engine) -> dict[uuid.UUID, bytes | None]:
    """Every event's stored document (None: missing), by id."""
    return {event_id: stored[0] for event_id, stored in _stored(engine).items()}


def _built(engine) -> dict[uuid.UUID, tuple[bytes, bytes]]:
    """Every event's (document, CSV row) as built now from its rows."""
    with Session(engine) as session:
        ids = list(_stored(engine))
        rows = repository.public_event_rows(session, ids)
        return dict(zip(ids, documents.build(session, rows), strict=True))


def assert_documents_current(engine) -> None:
    """Every event has a stored document and CSV row, equal to those built from its rows."""
    stored = _stored(engine)
    assert stored, "no events to check"
    assert [event_id for event_id, pair in stored.items() if None in pair] == []
    assert stored == _built(engine)


@pytest.fixture
def engine(client):
    return client.app.state.engine


def test_every_api_writer_leaves_the_documents_current(client, auth, engine):
    posted = {key: _post(client, auth, JEDDAH[key]) for key in ("tuesday", "yesterday")}
    assert_documents_current(engine)  # ingest, and an event joined by a second report
    (event,) = _events(client)
    unrelated = _post(client, auth, UNRELATED)
    assert_documents_current(engine)
    response = client.patch(
        f"/v1/events/{event['id']}",
        json={"title": "Jeddah talks", "actors": ["Ukraine"], "locations": ["Jeddah"]},
        headers=auth,
    )
    assert response.status_code == 200
    assert_documents_current(engine)
    mention = response.json()["sources"][1]["mention_id"]
    split = client.post(
        f"/v1/events/{event['id']}/split", json={"mention_ids": [mention]}, headers=auth
    )
    assert split.status_code == 201, split.text
    assert_documents_current(engine)
    merged = client.post(
        f"/v1/events/{event['id']}/merge",
        json={"event_ids": [split.json()["new_event"]["id"]]},
        headers=auth,
    )
    assert merged.status_code == 200, merged.text
    assert_documents_current(engine)
    created = client.post(
        "/v1/events",
        json={
            "title": "Observers arrive",
            "date_start": "2025-03-20",
            "granularity": "day",
            "category": "other",
            "actors": ["OSCE"],
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    assert_documents_current(engine)
    for article in (posted["tuesday"], unrelated):
        assert client.delete(f"/v1/articles/{article['id']}", headers=auth).status_code == 204
        assert_documents_current(engine)
    assert client.delete(f"/v1/events/{created.json()['id']}", headers=auth).status_code == 204
    assert_documents_current(engine)


def test_bulk_ingest_leaves_the_documents_current(settings, engine, client):
    articles = [ArticleCreate(**JEDDAH[key]) for key in JEDDAH] + [ArticleCreate(**UNRELATED)]
    with Session(engine) as session:
        outcomes = ingest_many(
            session, articles, max_text_bytes=settings.max_text_bytes, workers=0, batch_size=2
        )
    assert len(outcomes) == 5
    assert_documents_current(engine)


def test_lists_and_exports_send_the_stored_documents(client, auth, engine):
    for key in JEDDAH:
        _post(client, auth, JEDDAH[key])
    _post(client, auth, UNRELATED)
    stored = _documents(engine)
    listed = client.get("/v1/events", params=ALL_EVENTS)
    assert listed.content == (
        b'{"items":['
        + b",".join(stored[uuid.UUID(e["id"])] for e in listed.json()["items"])
        + b'],"next_cursor":null}'
    )
    order = [uuid.UUID(event["id"]) for event in _events(client)]
    exported = client.get("/v1/timeline", params={"format": "ndjson"})
    assert exported.content.splitlines() == [stored[event_id] for event_id in order]
    rows = {event_id: row for event_id, (_document, row) in _stored(engine).items()}
    exported = client.get("/v1/timeline", params={"format": "csv"})
    assert exported.content == CSV_HEADER + b"".join(rows[event_id] for event_id in order)
    # The stored rows are what the writer of values writes.
    assert exported.content == b"".join(write_csv(listed.json()["items"], TimelineContext()))


def _clear_documents(engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(Event.__table__).values(document=None))


def test_missing_documents_are_built_by_readers_and_filled_by_migrate(
    client, auth, engine, database_url
):
    for key in JEDDAH:
        _post(client, auth, JEDDAH[key])
    _post(client, auth, UNRELATED)
    listed = client.get("/v1/events", params=ALL_EVENTS).content
    exports = {
        name: client.get("/v1/timeline", params={"format": name}).content
        for name in ("ndjson", "csv", "json")
    }
    _clear_documents(engine)
    # A page the server had stored would not tell: ask for one built anew.
    fresh = {"Cache-Control": "no-cache"}
    assert client.get("/v1/events", params=ALL_EVENTS, headers=fresh).content == listed
    for name, body in exports.items():
        assert client.get("/v1/timeline", params={"format": name}).content == body
    assert set(_documents(engine).values()) == {None}  # readers never write
    upgrade(database_url)
    assert_documents_current(engine)


def _change(engine, statement: str, **values) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), values)


def _missing(engine) -> set[uuid.UUID]:
    return {event_id for event_id, document in _documents(engine).items() if document is None}


def test_triggers_clear_the_documents_whatever_writes(client, auth, engine):
    article = _post(client, auth, JEDDAH["tuesday"])
    (event,) = article["events"]
    _post(client, auth, UNRELATED)
    event_id = uuid.UUID(event["id"])
    raw_id = event_id.hex if engine.dialect.name == "sqlite" else event_id
    raw_article = uuid.UUID(article["id"]).hex if engine.dialect.name == "sqlite" else article["id"]
    changes = [
        ("UPDATE events SET title = 'Renamed' WHERE id = :id", {"id": raw_id}),
        ("UPDATE events SET confidence = 0.5 WHERE id = :id", {"id": raw_id}),
        (
            "INSERT INTO event_entities (event_id, kind, name, position) "
            "VALUES (:id, 'actor', 'Zeta', 9)",
            {"id": raw_id},
        ),
        ("UPDATE event_entities SET position = 3 WHERE event_id = :id", {"id": raw_id}),
        ("DELETE FROM event_entities WHERE event_id = :id AND name = 'Zeta'", {"id": raw_id}),
        ("UPDATE mentions SET phrase_start = phrase_start WHERE event_id = :id", {"id": raw_id}),
        ("UPDATE articles SET title = 'A new headline' WHERE id = :id", {"id": raw_article}),
        (
            "UPDATE articles SET url = 'https://example.org/moved' WHERE id = :id",
            {"id": raw_article},
        ),
    ]
    for statement, values in changes:
        with Session(engine) as session:
            documents.store_missing(session)
            session.commit()
        assert _missing(engine) == set()
        _change(engine, statement, **values)
        assert _missing(engine) == {event_id}, statement
    with Session(engine) as session:
        documents.store_missing(session)
        session.commit()
    assert orjson.loads(_documents(engine)[event_id])["sources"][0]["title"] == "A new headline"
    assert_documents_current(engine)
    # Storing a document, or an update that changes nothing it shows, clears nothing.
    _change(engine, "UPDATE events SET curated = curated WHERE id = :id", id=raw_id)
    _change(engine, "UPDATE articles SET text = text WHERE id = :id", id=raw_article)
    assert _missing(engine) == set()
    # A deleted mention clears its event's document.
    _change(engine, "DELETE FROM mentions WHERE event_id = :id", id=raw_id)
    assert _missing(engine) == {event_id}


def test_writer_storing_documents_waits_for_no_one_and_is_never_left_stale(
    client, auth, engine, backend
):
    """PostgreSQL: a transaction that changes an event while another stores its document either
    waits for it (and then clears what it stored) or is skipped by it."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    (event,) = _post(client, auth, JEDDAH["tuesday"])["events"]
    event_id = uuid.UUID(event["id"])
    insert_actor = (
        "INSERT INTO event_entities (event_id, kind, name, position) "
        "VALUES (:id, 'actor', :name, 9)"
    )
    other = create_engine(engine.url)
    try:
        # 1. The document is missing and a writer stores it while another adds an actor: the
        # second waits for the first to commit, then clears the document it stored.
        _change(engine, "UPDATE events SET title = 'Renamed' WHERE id = :id", id=event_id)
        storing = Session(engine)
        assert documents.store_missing(storing) == 1
        finished = threading.Event()

        def add_actor() -> None:
            _change(other, insert_actor, id=event_id, name="Alpha")
            finished.set()

        adding = threading.Thread(target=add_actor)
        adding.start()
        assert not finished.wait(0.5), "the actor was added while the document was being stored"
        storing.commit()
        storing.close()
        adding.join(10)
        assert finished.is_set()
        assert _missing(engine) == {event_id}
        # 2. An uncommitted change holds the event: a writer storing documents skips it.
        with other.connect() as holding:
            holding.execute(text(insert_actor), {"id": event_id, "name": "Beta"})
            with Session(engine) as session:
                # Waiting here would wait forever: `holding` commits after this.
                session.execute(text("SET LOCAL lock_timeout = '5s'"))
                assert documents.store_missing(session) == 0
                session.commit()
            holding.commit()
        with Session(engine) as session:
            documents.store_missing(session)
            session.commit()
        assert orjson.loads(_documents(engine)[event_id])["actors"][-2:] == ["Alpha", "Beta"]
        assert_documents_current(engine)
    finally:
        other.dispose()

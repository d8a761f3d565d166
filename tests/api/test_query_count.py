"""No N+1 queries: a page of events with their sources costs the same few statements whatever
its size, on both databases, for `GET /v1/events` and `GET /v1/timeline`.

Statements are counted at the engine (`before_cursor_execute`), so every query the request makes
is seen, whichever layer issues it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import Session

from app.articles.models import Article
from app.events import documents
from app.events.models import Event, EventEntity, Mention, span_class
from app.events.schemas import EventPage
from tests.statements import captured_statements

SOURCES_PER_EVENT = 3


def _store(engine, count: int, documents_stored: bool = True) -> None:
    """`count` events, one a day, each with two actors, a location and three sources (two
    articles, one of them with a second, inherited sentence); with their documents stored as
    writers store them, or missing (an archive not yet filled: readers build them)."""
    published = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)
    articles = [
        {
            "id": uuid.uuid4(),
            "url": f"https://example.org/{index}",
            "text_sha256": f"{index:064x}",
            "title": f"Report {index}",
            "text": "Talks opened today. They went on.",
            "published_at": published + timedelta(hours=index),
            "timezone": "Europe/Kyiv",
            "created_at": published,
        }
        for index in range(2)
    ]
    events, entities, mentions = [], [], []
    for index in range(count):
        day = date(2025, 1, 1) + timedelta(days=index)
        event_id = uuid.uuid4()
        events.append(
            {
                "id": event_id,
                "title": f"Talks, round {index}",
                "description": "Talks opened today.",
                "category": "talks",
                "date_start": day,
                "date_end": day,
                "span_class": span_class(day, day),
                "granularity": "day",
                "confidence": 0.9,
                "status": "extracted",
                "curated": False,
                "created_at": published,
                "updated_at": published,
            }
        )
        for position, (kind, name) in enumerate(
            (("actor", "Ukraine"), ("actor", "Russia"), ("location", "Istanbul"))
        ):
            entities.append(
                {"event_id": event_id, "kind": kind, "name": name, "position": position}
            )
        for article, sentence_start in ((articles[0], 0), (articles[0], 20), (articles[1], 0)):
            mentions.append(
                {
                    "id": uuid.uuid4(),
                    "event_id": event_id,
                    "article_id": article["id"],
                    "sentence": "Talks opened today." if sentence_start == 0 else "They went on.",
                    "sentence_start": sentence_start,
                    "sentence_end": sentence_start + 19,
                    "phrase": "today",
                    "phrase_start": 13,
                    "phrase_end": 18,
                    "timex_type": "DATE",
                    "timex_value": day.isoformat(),
                    "date_start": day,
                    "date_end": day,
                    "granularity": "day",
                    "confidence": 0.9,
                    "rule": "test",
                    "created_at": published,
                }
            )
    with Session(engine) as session:
        session.execute(insert(Article), articles)
        session.execute(insert(Event), events)
        session.execute(insert(EventEntity), entities)
        session.execute(insert(Mention), mentions)
        if documents_stored:
            documents.store_missing(session)
        session.commit()


def _statements(client, path: str, params: dict) -> tuple[int, object]:
    with captured_statements(client.app.state.engine) as statements:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
    return len(statements), response


# A page's statements: the page of stored documents; with documents missing, also the events'
# rows, their entities and their sources, for the whole page at once.
PAGE_STATEMENTS = {True: 1, False: 4}


@pytest.mark.parametrize("documents_stored", [True, False], ids=["stored", "missing"])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"from": "2025-01-01", "to": "2025-12-31"},
        {"sort": "-date", "from": "2025-01-01"},
        {"actor": "Ukraine"},
    ],
    ids=["all", "date-range", "descending", "actor"],
)
def test_a_page_of_events_costs_the_same_statements_for_5_and_50_events(
    client, params, documents_stored
):
    _store(client.app.state.engine, 60, documents_stored)
    counts = {}
    for limit in (5, 50):
        counts[limit], response = _statements(client, "/v1/events", {**params, "limit": limit})
        items = response.json()["items"]
        assert len(items) == limit
        assert all(len(item["sources"]) == 2 for item in items)  # two articles each
        assert all(len(item["sources"][0]["other_mentions"]) == 1 for item in items)
        assert all(item["actors"] == ["Ukraine", "Russia"] for item in items)
    # Nothing per event.
    assert counts[5] == counts[50] == PAGE_STATEMENTS[documents_stored], counts
    # The same page again comes from memory (app.page_cache, whose version check runs on a
    # connection of its own): no statement on the pool at all.
    repeat, again = _statements(client, "/v1/events", {**params, "limit": 50})
    assert repeat == 0
    assert again.content == response.content


def test_the_next_page_costs_the_same_as_the_first(client):
    _store(client.app.state.engine, 60)
    first_count, first = _statements(client, "/v1/events", {"limit": 5, "from": "2025-01-01"})
    cursor = first.json()["next_cursor"]
    next_count, _ = _statements(
        client, "/v1/events", {"limit": 5, "from": "2025-01-01", "cursor": cursor}
    )
    assert first_count == next_count == PAGE_STATEMENTS[True]


@pytest.mark.parametrize("documents_stored", [True, False], ids=["stored", "missing"])
@pytest.mark.parametrize("format_name", ["ndjson", "csv", "json", "ics"])
@pytest.mark.parametrize("bounds", [{}, {"from": "2025-01-01"}], ids=["to", "from-to"])
def test_a_timeline_costs_the_same_statements_for_5_and_50_events(
    client, format_name, bounds, documents_stored
):
    """Two aggregates for the ETag, then a page's statements per keyset page of 500."""
    _store(client.app.state.engine, 60, documents_stored)
    counts = {}
    for size, last_day in ((5, "2025-01-05"), (50, "2025-02-19")):
        params = {**bounds, "to": last_day, "format": format_name}
        counts[size], response = _statements(client, "/v1/timeline", params)
        if format_name == "ndjson":
            events = [json.loads(line) for line in response.text.splitlines()]
            assert len(events) == size
            assert all(len(event["sources"]) == 2 for event in events)
    assert counts[5] == counts[50] == 2 + PAGE_STATEMENTS[documents_stored], counts


def test_the_lean_read_path_writes_the_bytes_pydantic_would(client):
    """Lists and exports skip the models; what they write is what `EventPublic` would write,
    and what the single-event route (which builds the models) shows."""
    _store(client.app.state.engine, 3)
    response = client.get("/v1/events")
    items = response.json()["items"]
    page = EventPage.model_validate_json(response.content)
    assert response.content == page.model_dump_json().encode()
    for item in items:
        detail = client.get(f"/v1/events/{item['id']}").json()
        detail.pop("possible_duplicates")
        assert detail == item

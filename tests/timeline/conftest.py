"""A small timeline with every shape the formats must handle, stored through the API.

Curator events give exact dates and hostile text; one ingested article gives an event with a
source sentence, a date phrase and a link.
"""

from __future__ import annotations

from typing import Any

import pytest

JEDDAH_ARTICLE = {
    "text": "Yesterday, after a meeting in Saudi Arabia, Kyiv backed a 30-day ceasefire.",
    "published_at": "2025-03-12T20:00:00",
    "timezone": "Asia/Jerusalem",
    "url": "https://example.org/jeddah",
    "title": "Kyiv backs a 30-day ceasefire",
}
HOSTILE_TITLE = '=HYPERLINK("https://evil.example") <b>"quoted", comma</b>'

CURATED_EVENTS: list[dict[str, Any]] = [
    {
        "title": "Ukrainian troops cross into the Kursk region",
        "category": "territorial_change",
        "actors": ["Ukraine"],
        "locations": ["Kursk"],
        "date_start": "2024-08-01",
        "date_end": "2024-08-31",
        "granularity": "month",
        "description": "Ukraine stunned the Russian army in August.",
    },
    {
        "title": "A year of talks about talks",
        "category": "talks",
        "date_start": "2023-01-01",
        "date_end": "2023-12-31",
        "granularity": "year",
    },
    {
        "title": "Russian troops recapture five settlements",
        "category": "territorial_change",
        "actors": ["Russia"],
        "date_start": "2025-03-08",
        "date_end": "2025-03-12",
        "granularity": "range",
    },
    {
        "title": "Delegations meet again",
        "category": "talks",
        "date_start": "2025-03-11",
        "granularity": "time",
        "time": "14:00",
    },
    {
        "title": HOSTILE_TITLE,
        "description": "Line one\nline two, with <script>alert(1)</script>",
        "category": "statement",
        "actors": ["Side A", "Side B"],
        "date_start": "2025-03-15",
    },
]


@pytest.fixture
def timeline(client, auth) -> list[dict[str, Any]]:
    """Stores the small timeline; returns its events as GET /v1/events lists them."""
    for event in CURATED_EVENTS:
        response = client.post("/v1/events", json=event, headers=auth)
        assert response.status_code == 201, response.text
    response = client.post("/v1/articles", json=JEDDAH_ARTICLE, headers=auth)
    assert response.status_code == 201, response.text
    events = client.get("/v1/events", params={"limit": 500}).json()["items"]
    assert len(events) >= len(CURATED_EVENTS) + 1
    return events


def jeddah_event(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(event for event in events if event["sources"])

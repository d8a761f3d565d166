"""The pure parts of timelines: content negotiation, ETag matching, periods, phrase positions."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from app.page_cache import matches_entity_tag
from app.timeline.formats import TimelineFormat, format_from_accept, period_of, phrase_span


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, TimelineFormat.JSON),
        ("", TimelineFormat.JSON),
        ("*/*", TimelineFormat.JSON),
        ("TEXT/CSV", TimelineFormat.CSV),
        ("application/ndjson", TimelineFormat.NDJSON),
        ("text/calendar;charset=utf-8", TimelineFormat.ICS),
        ("text/csv;q=0, application/x-ndjson;q=0.1", TimelineFormat.NDJSON),
        ("text/csv;q=nonsense, text/calendar", TimelineFormat.ICS),
        ("image/png", TimelineFormat.JSON),
    ],
)
def test_accept_header_negotiation(accept, expected):
    assert format_from_accept(accept) == expected


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
    ],
)
def test_if_none_match(header, matches):
    assert matches_entity_tag(header, '"abc"') is matches


@pytest.mark.parametrize(
    ("sentence", "phrase", "span"),
    [
        ("Yesterday, they met.", "Yesterday", (0, 9)),
        ("They met yesterday.", "Yesterday", (9, 18)),
        ("🇺🇦 troops crossed in August.", "August", (21, 27)),
        ("No date here.", "August", None),
        ("İstanbul talks on Friday.", "friday", None),
        ("Talks on Friday.", "", None),
    ],
)
def test_phrase_position_inside_its_sentence(sentence, phrase, span):
    assert phrase_span(sentence, phrase) == span
    if span:
        assert sentence[span[0] : span[1]].lower() == phrase.lower()


def _event(date_start: date, date_end: date, granularity: str) -> dict:
    """An event as GET /v1/events lists it (what the writers receive)."""
    moment = "2025-03-12T00:00:00Z"
    return {
        "id": str(uuid.uuid4()),
        "title": "t",
        "description": "d",
        "category": "talks",
        "actors": [],
        "locations": [],
        "date_start": date_start.isoformat(),
        "date_end": date_end.isoformat(),
        "granularity": granularity,
        "time": None,
        "timex": None,
        "confidence": 1.0,
        "status": "confirmed",
        "sources": [],
        "created_at": moment,
        "updated_at": moment,
    }


@pytest.mark.parametrize(
    ("start", "end", "granularity", "key", "level"),
    [
        (date(2025, 3, 11), date(2025, 3, 11), "day", "2025-03-11", "day"),
        (date(2025, 3, 11), date(2025, 3, 11), "part_of_day", "2025-03-11", "day"),
        (date(2024, 2, 1), date(2024, 2, 29), "month", "2024-02", "month"),
        (date(2024, 1, 1), date(2024, 12, 31), "year", "2024", "year"),
        (date(2025, 3, 10), date(2025, 3, 16), "week", "2025-03-10/2025-03-16", "week"),
        (date(2024, 8, 1), date(2024, 8, 15), "month", "2024-08-01/2024-08-15", "month"),
    ],
)
def test_periods(start, end, granularity, key, level):
    period = period_of(_event(start, end, granularity))
    assert (period.key, period.granularity) == (key, level)

"""The date-range query returns exactly the overlapping events, in order, page after page.

The repository answers a range query per span class (app.events.models.span_class); this checks
it against a plain filter over every stored event, on both databases, for events of every span.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from app.events.models import Event

SPANS = (0, 1, 3, 6, 7, 20, 31, 32, 60, 92, 93, 200, 366, 367, 1000, 3650)
EDGE_DAY = date(2023, 3, 1)


@pytest.fixture
def stored_events(client) -> list[Event]:
    rng = random.Random(5)
    events = []
    with Session(client.app.state.engine, expire_on_commit=False) as session:
        for number in range(240):
            start = date(2020, 1, 1) + timedelta(days=rng.randrange(6 * 365))
            # Some events share a start day, so the id must break ties in the order.
            if number % 10 == 0 and events:
                start = events[-1].date_start
            event = Event(
                title=f"event {number}",
                description="synthetic",
                category="talks",
                date_start=start,
                date_end=start + timedelta(days=rng.choice(SPANS)),
                granularity="range",
                confidence=0.9,
            )
            session.add(event)
            events.append(event)
        # Events ending exactly on the first queried day, one per span: each starts as early as
        # its span allows, the edge of its span class's window.
        for span in SPANS:
            event = Event(
                title=f"edge {span}",
                description="synthetic",
                category="talks",
                date_start=EDGE_DAY - timedelta(days=span),
                date_end=EDGE_DAY,
                granularity="range",
                confidence=0.9,
            )
            session.add(event)
            events.append(event)
        session.commit()
    return events


def _walk(client, params: dict, limit: int) -> list[str]:
    seen, cursor = [], None
    while True:
        page_params = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/events", params=page_params)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_range_pages_match_a_plain_overlap_filter(client, stored_events):
    rng = random.Random(9)
    ranges = [(EDGE_DAY, EDGE_DAY + timedelta(days=6)), (date(2019, 1, 1), date(2019, 12, 31))]
    for _ in range(12):
        first = date(2019, 6, 1) + timedelta(days=rng.randrange(8 * 365))
        ranges.append((first, first + timedelta(days=rng.choice((0, 6, 30, 200)))))
    for date_from, date_to in ranges:
        expected = sorted(
            (e for e in stored_events if e.date_start <= date_to and e.date_end >= date_from),
            key=lambda e: (e.date_start, e.id),
        )
        for sort, ordered in (("date", expected), ("-date", expected[::-1])):
            params = {"from": date_from.isoformat(), "to": date_to.isoformat(), "sort": sort}
            assert _walk(client, params, limit=7) == [str(e.id) for e in ordered], params


def test_open_ended_and_extreme_ranges(client, stored_events):
    everything = sorted(stored_events, key=lambda e: (e.date_start, e.id))
    assert _walk(client, {"from": "0001-01-01"}, limit=50) == [str(e.id) for e in everything]
    since = date(2024, 1, 1)
    expected = [str(e.id) for e in everything if e.date_end >= since]
    assert _walk(client, {"from": since.isoformat()}, limit=50) == expected
    assert _walk(client, {"from": "9999-12-31"}, limit=50) == []


def test_span_class_follows_edits(client, stored_events, auth):
    event = stored_events[0]
    far = (event.date_start + timedelta(days=900)).isoformat()
    response = client.patch(f"/v1/events/{event.id}", json={"date_end": far}, headers=auth)
    assert response.status_code == 200, response.text
    just_before_end = (event.date_start + timedelta(days=899)).isoformat()
    ids = _walk(client, {"from": just_before_end, "to": just_before_end}, limit=100)
    assert str(event.id) in ids

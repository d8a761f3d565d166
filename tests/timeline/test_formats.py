"""Every format of GET /v1/timeline, read back by a real parser, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
from icalendar import Calendar

from tests.timeline.conftest import HOSTILE_TITLE, jeddah_event

SCHEMAS = Path(__file__).parent / "schemas"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def _get(client, **params):
    response = client.get("/v1/timeline", params=params)
    assert response.status_code == 200, response.text
    return response


def _by_title(events, title):
    return next(event for event in events if event["title"] == title)


def test_json_has_periods_in_order_with_months_and_years_in_their_own_buckets(client, timeline):
    document = _get(client).json()
    assert document["count"] == len(timeline)
    periods = document["periods"]
    keys = [period["period"] for period in periods]
    assert keys[:2] == ["2023", "2024-08"]
    assert "2025-03-08/2025-03-12" in keys
    assert keys.index("2025-03-08/2025-03-12") < keys.index("2025-03-11") < keys.index("2025-03-15")
    month = periods[1]
    assert (month["granularity"], month["date_start"], month["date_end"]) == (
        "month",
        "2024-08-01",
        "2024-08-31",
    )
    assert [event["title"] for event in month["events"]] == [
        "Ukrainian troops cross into the Kursk region"
    ]
    day = periods[keys.index("2025-03-11")]
    assert day["granularity"] == "day"
    assert all(event["date_start"] == "2025-03-11" for event in day["events"])
    # Every event once, exactly as GET /v1/events shows it.
    flattened = [event for period in periods for event in period["events"]]
    assert sorted(flattened, key=lambda event: event["id"]) == sorted(
        timeline, key=lambda event: event["id"]
    )


def test_timelinejs_matches_the_schema_and_keeps_month_precision(client, timeline):
    document = _get(client, format="timelinejs").json()
    jsonschema.validate(document, _schema("timelinejs.schema.json"))
    assert document["title"]["text"]["headline"] == "Ceasefire Timeline"
    slides = {slide["unique_id"]: slide for slide in document["events"]}
    assert set(slides) == {event["id"] for event in timeline}

    month = slides[_by_title(timeline, "Ukrainian troops cross into the Kursk region")["id"]]
    assert month["start_date"] == {"year": 2024, "month": 8}
    assert "end_date" not in month
    assert month["group"] == "territorial_change"
    year = slides[_by_title(timeline, "A year of talks about talks")["id"]]
    assert year["start_date"] == {"year": 2023}
    span = slides[_by_title(timeline, "Russian troops recapture five settlements")["id"]]
    assert span["start_date"] == {"year": 2025, "month": 3, "day": 8}
    assert span["end_date"] == {"year": 2025, "month": 3, "day": 12}
    timed = slides[_by_title(timeline, "Delegations meet again")["id"]]
    assert timed["start_date"] == {"year": 2025, "month": 3, "day": 11, "hour": 14, "minute": 0}

    jeddah = slides[jeddah_event(timeline)["id"]]
    assert "<mark>Yesterday</mark>, after a meeting in Saudi Arabia" in jeddah["text"]["text"]
    assert '<a href="https://example.org/jeddah"' in jeddah["text"]["text"]
    hostile = slides[_by_title(timeline, HOSTILE_TITLE)["id"]]
    assert "<b>" not in hostile["text"]["headline"]
    assert "&lt;b&gt;" in hostile["text"]["headline"]
    assert "<script>" not in hostile["text"]["text"]


def test_vis_matches_the_schema_with_exclusive_range_ends(client, timeline):
    document = _get(client, format="vis").json()
    jsonschema.validate(document, _schema("vis.schema.json"))
    items = {item["id"]: item for item in document["items"]}
    assert set(items) == {event["id"] for event in timeline}
    assert {group["id"] for group in document["groups"]} == {e["category"] for e in timeline}

    month = items[_by_title(timeline, "Ukrainian troops cross into the Kursk region")["id"]]
    assert (month["type"], month["start"], month["end"]) == ("range", "2024-08-01", "2024-09-01")
    assert month["group"] == "territorial_change"
    assert "granularity-month" in month["className"].split()
    day = items[jeddah_event(timeline)["id"]]
    assert (day["type"], day["start"]) == ("box", "2025-03-11")
    timed = items[_by_title(timeline, "Delegations meet again")["id"]]
    assert timed["start"] == "2025-03-11T14:00"
    for item in document["items"]:
        if "end" in item:
            assert date.fromisoformat(item["end"]) > date.fromisoformat(item["start"][:10])
    hostile = items[_by_title(timeline, HOSTILE_TITLE)["id"]]
    assert hostile["text"] == HOSTILE_TITLE
    assert "<" not in hostile["content"] and "<" not in hostile["title"]


def test_csv_is_rfc_4180_with_one_row_per_event(client, timeline):
    response = _get(client, format="csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.count("\r\n") == len(timeline) + 1  # CRLF, no embedded line ends
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[0] == [
        "id",
        "title",
        "date_start",
        "date_end",
        "granularity",
        "category",
        "actors",
        "locations",
        "confidence",
        "status",
        "sources",
    ]
    records = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(records) == {event["id"] for event in timeline}
    hostile = records[_by_title(timeline, HOSTILE_TITLE)["id"]]
    # Quotes and commas survive; a spreadsheet sees text, not a formula.
    assert hostile["title"] == "'" + HOSTILE_TITLE
    assert hostile["actors"] == "Side A; Side B"
    jeddah = records[jeddah_event(timeline)["id"]]
    assert jeddah["sources"] == "https://example.org/jeddah"
    assert (jeddah["date_start"], jeddah["date_end"], jeddah["granularity"]) == (
        "2025-03-11",
        "2025-03-11",
        "day",
    )
    month = records[_by_title(timeline, "Ukrainian troops cross into the Kursk region")["id"]]
    assert (month["locations"], month["granularity"]) == ("Kursk", "month")
    assert float(month["confidence"]) == 1.0


def test_ndjson_lines_are_the_events_of_the_list_endpoint(client, timeline):
    response = _get(client, format="ndjson")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = response.text.split("\n")
    assert lines[-1] == ""
    parsed = [json.loads(line) for line in lines[:-1]]
    assert parsed == timeline  # same order, same fields, same values


def test_ics_is_a_calendar_of_all_day_events_with_stable_uids(client, timeline):
    raw = _get(client, format="ics").content
    calendar = Calendar.from_ical(raw)
    assert str(calendar["version"]) == "2.0"
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == len(timeline)
    by_uid = {str(vevent["uid"]): vevent for vevent in vevents}
    assert set(by_uid) == {f"{event['id']}@ceasefire-timeline" for event in timeline}

    jeddah = by_uid[f"{jeddah_event(timeline)['id']}@ceasefire-timeline"]
    assert jeddah.decoded("dtstart") == date(2025, 3, 11)
    assert jeddah.decoded("dtend") == date(2025, 3, 12)  # exclusive
    assert str(jeddah["url"]) == "https://example.org/jeddah"
    assert "after a meeting in Saudi Arabia" in str(jeddah["description"])
    month_id = _by_title(timeline, "Ukrainian troops cross into the Kursk region")["id"]
    month = by_uid[f"{month_id}@ceasefire-timeline"]
    assert month.decoded("dtstart") == date(2024, 8, 1)
    assert month.decoded("dtend") == date(2024, 8, 31) + timedelta(days=1)
    assert str(month["status"]) == "CONFIRMED"
    hostile = by_uid[f"{_by_title(timeline, HOSTILE_TITLE)['id']}@ceasefire-timeline"]
    assert str(hostile["summary"]) == HOSTILE_TITLE
    assert str(hostile["description"]).startswith("Line one\nline two")
    # The same feed twice: the same UIDs and bytes, so calendars update rather than duplicate.
    assert _get(client, format="ics").content == raw


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv", "text/csv"),
        ("application/x-ndjson", "application/x-ndjson"),
        ("text/calendar", "text/calendar"),
        ("application/json", "application/json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/json"),
        ("text/csv;q=0.5, text/calendar;q=0.9", "text/calendar"),
    ],
)
def test_accept_header_selects_the_format(client, timeline, accept, expected):
    response = client.get("/v1/timeline", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)
    assert "Accept" in response.headers["vary"]


def test_format_parameter_wins_over_accept(client, timeline):
    response = client.get(
        "/v1/timeline", params={"format": "ndjson"}, headers={"Accept": "text/csv"}
    )
    assert response.headers["content-type"].startswith("application/x-ndjson")


def test_unknown_format_is_a_422_that_lists_the_formats(client):
    response = client.get("/v1/timeline", params={"format": "xml"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    for name in ("json", "timelinejs", "vis", "csv", "ndjson", "ics"):
        assert name in problem["detail"]
    assert problem["errors"][0]["loc"] == ["query", "format"]


def test_filters_of_the_events_endpoint_apply(client, timeline):
    params = {"from": "2025-03-11", "to": "2025-03-11", "category": "talks"}
    expected = client.get("/v1/events", params=params).json()["items"]
    assert expected
    lines = _get(client, format="ndjson", **params).text.splitlines()
    assert [json.loads(line) for line in lines] == expected
    document = _get(client, **params).json()
    assert document["filters"] == params
    # Every filter of /v1/events, text search and entities included, selects the same events.
    for params in (
        {"q": "Saudi"},
        {"actor": "Ukraine"},
        {"location": "Kursk"},
        {"status": "confirmed", "min_confidence": "0.5"},
    ):
        expected = client.get("/v1/events", params=params).json()["items"]
        assert expected, params
        lines = _get(client, format="ndjson", **params).text.splitlines()
        assert [json.loads(line) for line in lines] == expected
        assert _get(client, format="vis", **params).json()["count"] == len(expected)
    bad = client.get("/v1/timeline", params={"from": "2025-03-12", "to": "2025-03-01"})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("format_name", "disposition"),
    [
        ("csv", 'attachment; filename="ceasefire-timeline_2025-03-01_2025-03-31.csv"'),
        ("ics", 'attachment; filename="ceasefire-timeline_2025-03-01_2025-03-31.ics"'),
        ("ndjson", 'attachment; filename="ceasefire-timeline_2025-03-01_2025-03-31.ndjson"'),
        ("json", 'inline; filename="ceasefire-timeline_2025-03-01_2025-03-31.json"'),
    ],
)
def test_downloads_are_named_after_the_range(client, format_name, disposition):
    response = _get(client, format=format_name, **{"from": "2025-03-01", "to": "2025-03-31"})
    assert response.headers["content-disposition"] == disposition


def test_empty_timeline_is_still_a_valid_document_in_every_format(client):
    assert _get(client).json()["periods"] == []
    jsonschema.validate(_get(client, format="timelinejs").json(), _schema("timelinejs.schema.json"))
    jsonschema.validate(_get(client, format="vis").json(), _schema("vis.schema.json"))
    assert _get(client, format="ndjson").text == ""
    assert len(list(csv.reader(io.StringIO(_get(client, format="csv").text)))) == 1
    assert Calendar.from_ical(_get(client, format="ics").content).walk("VEVENT") == []

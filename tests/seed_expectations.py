"""What the seed report must yield, checked through HTTP by the API and end-to-end tests.

Each row: a date-range query and, for each event it must return, words that its description
must all contain.
"""

from __future__ import annotations

from datetime import date
from typing import Any

SEED_QUERIES: list[tuple[dict[str, str], list[tuple[str, ...]]]] = [
    (
        {"from": "2025-03-12", "to": "2025-03-12"},
        [
            ("Putin", "arrived in the Kursk region"),
            ("Gerasimov",),
            ("430 Ukrainian soldiers",),
            ("Syrskyi",),
            ("Zakharova",),
            ("Trump", "devastating economic measures"),
        ],
    ),
    (
        {"from": "2025-03-11", "to": "2025-03-11"},
        [
            ("Saudi Arabia", "meeting"),
            ("renew military aid", "intelligence sharing"),
            ("Zelensky", "harsh measures"),
        ],
    ),
    ({"from": "2024-08-01", "to": "2024-08-31"}, [("stunned the Russian army",)]),
    ({"from": "2025-03-07", "to": "2025-03-12"}, [("five settlements",)]),
]


def find_event(events: list[dict[str, Any]], words: tuple[str, ...]) -> dict[str, Any] | None:
    for event in events:
        if all(word in event["description"] for word in words):
            return event
    return None


def check_seed_timeline(get_json) -> None:
    """`get_json(params) -> list of events` asks the running service; assert the seed table."""
    for params, expected in SEED_QUERIES:
        events = get_json(params)
        for words in expected:
            event = find_event(events, words)
            assert event is not None, f"no event with {words} for {params}: {events}"
            assert event["date_start"] <= params["to"] and event["date_end"] >= params["from"]

    incursion = find_event(
        get_json({"from": "2024-08-01", "to": "2024-08-31"}), SEED_QUERIES[2][1][0]
    )
    assert (incursion["date_start"], incursion["date_end"], incursion["granularity"]) == (
        "2024-08-01",
        "2024-08-31",
        "month",
    )
    settlements = find_event(
        get_json({"from": "2025-03-07", "to": "2025-03-12"}), ("five settlements",)
    )
    assert (settlements["date_start"], settlements["date_end"]) == ("2025-03-08", "2025-03-12")

    everything = get_json({})
    assert everything, "the seed produced no events"
    for event in everything:
        assert date.fromisoformat(event["date_start"]) >= date(2024, 8, 1), event
        assert date.fromisoformat(event["date_end"]) <= date(2025, 3, 12), event

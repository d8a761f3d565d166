"""The foundation's seed table, through HTTP on both databases."""

from __future__ import annotations

from app.seeding import load_seeds
from tests.seed_expectations import check_seed_timeline


def _seed(client) -> None:
    from sqlmodel import Session

    settings = client.app.state.settings
    with Session(client.app.state.engine) as session:
        load_seeds(session, settings.seeds_dir, max_text_bytes=settings.max_text_bytes)


def _events(client):
    def get_json(params):
        response = client.get("/v1/events", params={**params, "limit": 500})
        assert response.status_code == 200, response.text
        assert response.json()["next_cursor"] is None
        return response.json()["items"]

    return get_json


def test_seed_timeline_holds(client):
    _seed(client)
    check_seed_timeline(_events(client))


def test_seeding_twice_adds_nothing(client):
    _seed(client)
    first = client.get("/v1/events", params={"limit": 500}).json()["items"]
    _seed(client)
    second = client.get("/v1/events", params={"limit": 500}).json()["items"]
    assert [e["id"] for e in first] == [e["id"] for e in second]
    assert len(client.get("/v1/articles").json()["items"]) == 1


def test_every_event_has_a_source_pointing_at_its_phrase(client):
    _seed(client)
    article_id = client.get("/v1/articles").json()["items"][0]["id"]
    text = client.get(f"/v1/articles/{article_id}").json()["text"]
    for event in client.get("/v1/events", params={"limit": 500}).json()["items"]:
        (source,) = event["sources"]
        assert text[source["phrase_start"] : source["phrase_end"]] == source["phrase"]
        assert source["phrase_start"] >= 0
        assert source["sentence"] in text
        assert source["published_at"] == "2025-03-12T20:00:00+02:00"
        assert source["rule"]


def test_seed_events_are_titled_like_headlines(client):
    _seed(client)
    events = client.get("/v1/events", params={"limit": 500}).json()["items"]
    titles = sorted((event["date_start"], event["title"]) for event in events)
    assert titles == SEED_TITLES


# The seed article's stored events, oldest first: present tense, no articles, no leading date or
# trailing attribution. (Its two continuations, "Putin meets Gerasimov" and "Russian forces take
# 430 Ukrainian soldiers prisoner during counteroffensive", are mentions of the first two events
# of 12 March below; tests/events/test_extraction.py lists every draft.)
SEED_TITLES = [
    ("2024-08-01", "Ukraine stuns Russian army"),
    (
        "2025-03-08",
        "Russian troops recapture five settlements and 259 square kilometres of territory",
    ),
    (
        "2025-03-11",
        "US and Ukrainian delegations issue joint statement; Kyiv backs American proposal",
    ),
    (
        "2025-03-11",
        "United States agrees to renew military aid and intelligence sharing with Ukraine",
    ),
    ("2025-03-11", "Zelensky calls on Washington to take harsh measures against Russia"),
    ("2025-03-12", "Kremlin releases footage of meeting"),
    ("2025-03-12", "Putin arrives in Kursk region, appearing in military uniform for first time"),
    ("2025-03-12", "Syrskyi says his units in Kursk region are manoeuvring"),
    ("2025-03-12", "Trump warns he could impose devastating economic measures on Russia"),
    ("2025-03-12", "Zakharova says Moscow will not accept ceasefire"),
]

"""Events through the ASGI app: range queries, filters, paging, curation, on both databases."""

from __future__ import annotations

ARTICLE = {
    "published_at": "2025-03-12T20:00:00+02:00",
    "timezone": "Asia/Jerusalem",
}
SENTENCES = [
    "Yesterday, US and Ukrainian delegations met in Saudi Arabia.",
    "Putin arrived in the Kursk region today.",
    "Ukraine stunned the Russian army in August.",
    "In the last five days, Russian troops recaptured five settlements.",
]


def _ingest(client, auth, text: str, **extra) -> dict:
    response = client.post("/v1/articles", json={**ARTICLE, "text": text, **extra}, headers=auth)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_range_query_returns_overlapping_events_in_date_order(client, auth):
    _ingest(client, auth, " ".join(SENTENCES))
    items = client.get("/v1/events").json()["items"]
    assert [item["date_start"] for item in items] == sorted(item["date_start"] for item in items)
    in_range = client.get("/v1/events", params={"from": "2025-03-09", "to": "2025-03-10"}).json()
    # Only the five-day range (03-08..03-12) overlaps 9–10 March.
    assert [item["date_start"] for item in in_range["items"]] == ["2025-03-08"]
    august = client.get("/v1/events", params={"from": "2024-08-15", "to": "2024-08-15"}).json()
    assert [item["granularity"] for item in august["items"]] == ["month"]
    after = client.get("/v1/events", params={"from": "2025-03-12"}).json()["items"]
    assert {item["date_end"] for item in after} == {"2025-03-12"}
    assert len(after) == 2


def test_sort_descending_and_cursor_paging_visit_every_event_once(client, auth):
    for day in range(1, 10):
        _ingest(
            client,
            auth,
            f"Talks round {day} opened today in Istanbul.",
            published_at=f"2025-05-{day:02d}T10:00:00+03:00",
            timezone="Europe/Istanbul",
        )
    for sort in ("date", "-date"):
        seen, cursor = [], None
        while True:
            params = {"limit": 4, "sort": sort, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/events", params=params).json()
            seen += [item["date_start"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        expected = [f"2025-05-{day:02d}" for day in range(1, 10)]
        assert seen == (expected if sort == "date" else expected[::-1])


def test_cursor_is_stable_while_rows_are_added(client, auth):
    for day in (1, 2, 3):
        _ingest(
            client,
            auth,
            f"Round {day} opened today.",
            published_at=f"2025-05-0{day}T10:00:00+00:00",
        )
    first = client.get("/v1/events", params={"limit": 2}).json()
    _ingest(
        client, auth, "An earlier round opened today.", published_at="2025-04-01T10:00:00+00:00"
    )
    rest = client.get("/v1/events", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [item["date_start"] for item in rest["items"]] == ["2025-05-03"]


def test_filters_by_actor_location_category_status_confidence_article_and_text(client, auth):
    jeddah = _ingest(client, auth, SENTENCES[0])
    _ingest(client, auth, SENTENCES[1], url="https://example.org/kursk")
    event = jeddah["events"][0]
    assert "Ukraine" in event["actors"] and "Saudi Arabia" in event["locations"]
    assert _ids(client.get("/v1/events", params={"actor": "Ukraine"})) == [event["id"]]
    assert _ids(client.get("/v1/events", params={"location": "Saudi Arabia"})) == [event["id"]]
    assert _ids(client.get("/v1/events", params={"category": event["category"]})) == [event["id"]]
    assert _ids(client.get("/v1/events", params={"article_id": jeddah["id"]})) == [event["id"]]
    assert _ids(client.get("/v1/events", params={"q": "saudi"})) == [event["id"]]
    assert len(_ids(client.get("/v1/events", params={"status": "extracted"}))) == 2
    assert _ids(client.get("/v1/events", params={"status": "confirmed"})) == []
    assert _ids(client.get("/v1/events", params={"min_confidence": 1.0})) == []


def test_sql_in_q_is_only_text(client, auth):
    _ingest(client, auth, SENTENCES[0])
    for q in ("'; DROP TABLE events; --", "%", "_", "\\", "' OR '1'='1", "1%' OR 1=1 --"):
        assert _ids(client.get("/v1/events", params={"q": q})) == [], q
    assert len(_ids(client.get("/v1/events"))) == 1


def test_curator_creates_edits_and_deletes_an_event(client, auth):
    created = client.post(
        "/v1/events",
        json={
            "title": "Black Sea ceasefire announced",
            "description": "The White House announced a Black Sea ceasefire.",
            "category": "ceasefire_declared",
            "actors": ["United States", "Russia", "Ukraine"],
            "locations": ["Black Sea"],
            "date_start": "2025-03-25",
        },
        headers=auth,
    )
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["status"] == "confirmed" and event["date_end"] == "2025-03-25"
    assert event["actors"] == ["United States", "Russia", "Ukraine"]
    patched = client.patch(
        f"/v1/events/{event['id']}",
        json={"title": "Black Sea truce agreed", "actors": ["Russia"], "date_end": "2025-03-26"},
        headers=auth,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "Black Sea truce agreed"
    assert patched.json()["actors"] == ["Russia"]
    assert patched.json()["date_end"] == "2025-03-26"
    detail = client.get(f"/v1/events/{event['id']}").json()
    assert detail.pop("possible_duplicates") == []
    assert detail == patched.json()
    assert _ids(client.get("/v1/events", params={"actor": "United States"})) == []
    assert client.delete(f"/v1/events/{event['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/events/{event['id']}").status_code == 404


def test_patch_that_inverts_the_interval_is_refused_and_changes_nothing(client, auth):
    event = client.post(
        "/v1/events", json={"title": "T", "date_start": "2025-03-25"}, headers=auth
    ).json()
    response = client.patch(
        f"/v1/events/{event['id']}", json={"date_start": "2025-04-01"}, headers=auth
    )
    assert response.status_code == 422
    assert client.get(f"/v1/events/{event['id']}").json()["date_start"] == "2025-03-25"


def test_deleting_an_extracted_event_keeps_the_article(client, auth):
    article = _ingest(client, auth, SENTENCES[0])
    event_id = article["events"][0]["id"]
    assert client.delete(f"/v1/events/{event_id}", headers=auth).status_code == 204
    assert client.get(f"/v1/articles/{article['id']}").json()["mentions"] == []


# The seed report's timeline as a reader sees it: one row per happening, continuations joined.
SEED_EVENTS = [
    (
        "2024-08-01",
        "territorial_change",
        "Ukraine stuns Russian army",
        ["Ukraine", "Russia"],
        [],
    ),
    (
        "2025-03-08",
        "territorial_change",
        "Russian troops recapture five settlements and 259 square kilometres of territory",
        ["Russia", "Valery Gerasimov"],
        [],
    ),
    (
        "2025-03-11",
        "aid",
        "United States agrees to renew military aid and intelligence sharing with Ukraine",
        ["United States", "Ukraine"],
        [],
    ),
    (
        "2025-03-11",
        "proposal",
        "Zelensky calls on Washington to take harsh measures against Russia",
        ["Volodymyr Zelensky", "United States", "Russia"],
        [],
    ),
    (
        "2025-03-11",
        "talks",
        "US and Ukrainian delegations issue joint statement; Kyiv backs American proposal",
        ["United States", "Ukraine"],
        ["Saudi Arabia"],
    ),
    (
        "2025-03-12",
        "rejection",
        "Zakharova says Moscow will not accept ceasefire",
        ["Maria Zakharova", "Russia", "United States"],
        [],
    ),
    (
        "2025-03-12",
        "statement",
        "Syrskyi says his units in Kursk region are manoeuvring",
        ["Oleksandr Syrskyi"],
        ["Kursk region"],
    ),
    (
        "2025-03-12",
        "talks",
        "Kremlin releases footage of meeting",
        ["Russia", "Valery Gerasimov", "Ukraine"],
        [],
    ),
    (
        "2025-03-12",
        "threat",
        "Trump warns he could impose devastating economic measures on Russia",
        ["Donald Trump", "Russia"],
        [],
    ),
    (
        "2025-03-12",
        "visit",
        "Putin arrives in Kursk region, appearing in military uniform for first time",
        ["Vladimir Putin", "Valery Gerasimov"],
        ["Kursk region"],
    ),
]


def test_seed_events_carry_titles_actors_locations_and_categories(client):
    from sqlmodel import Session

    from app.seeding import load_seeds

    settings = client.app.state.settings
    with Session(client.app.state.engine) as session:
        load_seeds(session, settings.seeds_dir, max_text_bytes=settings.max_text_bytes)
    items = client.get("/v1/events", params={"limit": 500}).json()["items"]
    listed = sorted(
        (e["date_start"], e["category"], e["title"], e["actors"], e["locations"]) for e in items
    )
    assert listed == sorted(SEED_EVENTS)
    # A dateless sentence that continues a dated one joins its event as another mention.
    footage = next(e for e in items if e["title"] == "Kremlin releases footage of meeting")
    (source,) = footage["sources"]
    (continuation,) = source["other_mentions"]
    assert continuation["inherited"] and "430 Ukrainian soldiers" in continuation["sentence"]
    assert "430 Ukrainian soldiers" in footage["description"]

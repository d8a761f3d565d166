"""`q`: full-text search over titles, descriptions and source sentences, on both databases, kept
in step as events are merged, split, edited and deleted, and answered from the full-text index."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app.events import repository

ARTICLE = {"published_at": "2025-03-12T20:00:00+02:00", "timezone": "Asia/Jerusalem"}
JEDDAH = "Yesterday, US and Ukrainian delegations held talks in Saudi Arabia."
KURSK = "Putin arrived in the Kursk region today."


def _ingest(client, auth, text_: str, url: str) -> dict:
    response = client.post(
        "/v1/articles", json={**ARTICLE, "text": text_, "url": url}, headers=auth
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def _search(client, q: str) -> list[str]:
    response = client.get("/v1/events", params={"q": q})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


# `q` is answered by looking up every match or, for a common word, by testing each event on a
# walk of the date index (app.events.search); both read what the triggers keep in step.
BOTH_PLANS = pytest.mark.parametrize(
    "walk", [False, True], ids=["looked-up", "walked"], indirect=True
)


@pytest.fixture
def walk(request, monkeypatch) -> bool:
    monkeypatch.setattr(repository, "walk_pays", lambda *_args: request.param)
    return request.param


@BOTH_PLANS
@pytest.mark.usefixtures("walk")
def test_words_are_stemmed_all_required_and_case_blind(client, auth):
    jeddah = _ingest(client, auth, JEDDAH, "https://example.org/jeddah")["events"][0]["id"]
    kursk = _ingest(client, auth, KURSK, "https://example.org/kursk")["events"][0]["id"]
    assert _search(client, "talk") == [jeddah]  # "talks" in the sentence
    assert _search(client, "SAUDI arabia") == [jeddah]
    assert _search(client, "delegations Kursk") == []  # every word must be there
    assert _search(client, "kursk") == [kursk]
    assert _search(client, "Istanbul") == []


def test_query_language_and_punctuation_are_plain_text(client, auth):
    _ingest(client, auth, JEDDAH, "https://example.org/jeddah")
    for q in ('"', "talks AND", "NEAR(talks", "talks*", "-talks", "body:talks", "^talks", "'"):
        response = client.get("/v1/events", params={"q": q})
        assert response.status_code == 200, (q, response.text)
    # Operators become words; words that are not in the text find nothing.
    assert _search(client, "talks OR Kursk") == []
    assert len(_search(client, "talks, (Saudi)!")) == 1
    assert _search(client, "%") == [] and _search(client, "***") == []


@BOTH_PLANS
@pytest.mark.usefixtures("walk")
def test_index_follows_merge_split_edit_and_delete(client, auth):
    jeddah = _ingest(client, auth, JEDDAH, "https://example.org/jeddah")
    kursk = _ingest(client, auth, KURSK, "https://example.org/kursk")
    target, other = jeddah["events"][0]["id"], kursk["events"][0]["id"]

    merged = client.post(
        f"/v1/events/{target}/merge", json={"event_ids": [other]}, headers=auth
    ).json()
    assert _search(client, "Putin") == [target]  # the moved mention's sentence
    kursk_mention = next(s["mention_id"] for s in merged["sources"] if "Putin" in s["sentence"])

    split = client.post(
        f"/v1/events/{target}/split", json={"mention_ids": [kursk_mention]}, headers=auth
    )
    assert split.status_code in (200, 201), split.text
    split_id = split.json()["new_event"]["id"]
    assert _search(client, "Putin") == [split_id]
    assert _search(client, "delegations") == [target]

    edited = client.patch(
        f"/v1/events/{target}", json={"description": "Ceasefire proposal agreed"}, headers=auth
    )
    assert edited.status_code == 200, edited.text
    assert _search(client, "proposal agreed") == [target]

    # An uncurated event goes with its only article, and its words with it.
    odesa = _ingest(client, auth, "Drones struck Odesa overnight.", "https://example.org/odesa")
    assert _search(client, "Odesa") == [odesa["events"][0]["id"]]
    assert client.delete(f"/v1/articles/{odesa['id']}", headers=auth).status_code == 204
    assert _search(client, "Odesa") == []


def test_search_reads_the_full_text_index(client, auth, backend, database_url):
    _ingest(client, auth, JEDDAH, "https://example.org/jeddah")
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            if backend == "sqlite":
                plan = connection.execute(
                    text(
                        "EXPLAIN QUERY PLAN SELECT id FROM events WHERE id IN (SELECT event_id"
                        " FROM events_search WHERE events_search MATCH '\"talks\"')"
                    )
                ).all()
                assert any("VIRTUAL TABLE INDEX" in row[-1] for row in plan), plan
            else:
                # A handful of rows is cheaper to scan; forbid that to see the index is usable.
                connection.execute(text("SET LOCAL enable_seqscan = off"))
                for table, vector in (
                    ("events", "title || ' ' || description"),
                    ("mentions", "sentence"),
                ):
                    plan = "\n".join(
                        row[0]
                        for row in connection.execute(
                            text(
                                f"EXPLAIN SELECT 1 FROM {table} WHERE to_tsvector("
                                f"'english'::regconfig, {vector}) @@ plainto_tsquery("
                                "'english'::regconfig, 'talks')"
                            )
                        )
                    )
                    assert f"ix_{table}_search" in plan, plan
    finally:
        engine.dispose()

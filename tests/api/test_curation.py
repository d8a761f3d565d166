"""One event per happening, through HTTP on both databases: consolidation on ingest, possible
duplicates, curators' merge and split, and re-derivation when an article is deleted."""

from __future__ import annotations

import pytest

# The example: four reports, four ways to say 11 March 2025, one happening.
JEDDAH = {
    "week": {
        "text": "Last week's talks in Jeddah between the US and Ukraine ended with Kyiv backing "
        "a 30-day ceasefire.",
        "published_at": "2025-03-18T09:00:00+02:00",
        "timezone": "Europe/Kyiv",
        "url": "https://example.org/week",
    },
    "tuesday": {
        "text": "US and Ukrainian delegations met in Jeddah on Tuesday, and Kyiv backed a 30-day "
        "ceasefire.",
        "published_at": "2025-03-11T21:00:00+03:00",
        "timezone": "Asia/Riyadh",
        "url": "https://example.org/tuesday",
    },
    "yesterday": {
        "text": "Yesterday, Ukrainian and American officials held talks in Jeddah and Kyiv "
        "endorsed a US proposal for a 30-day ceasefire.",
        "published_at": "2025-03-12T08:00:00+02:00",
        "timezone": "Europe/Kyiv",
        "url": "https://example.org/yesterday",
    },
    "march-11": {
        "text": "The US and Ukraine met in Jeddah on March 11 and Kyiv agreed to a 30-day "
        "ceasefire proposal.",
        "published_at": "2025-03-14T10:00:00+02:00",
        "timezone": "Europe/Kyiv",
        "url": "https://example.org/march-11",
    },
}
CONTRADICTING = {
    "text": "US and Ukrainian delegations met in Jeddah on Wednesday, and Kyiv backed a 30-day "
    "ceasefire.",
    "published_at": "2025-03-13T10:00:00+03:00",
    "timezone": "Asia/Riyadh",
    "url": "https://example.org/wednesday",
}
UNRELATED = {
    "text": "Putin declared an Easter truce on Saturday.",
    "published_at": "2025-04-19T20:00:00+03:00",
    "timezone": "Europe/Moscow",
    "url": "https://example.org/easter",
}


def _post(client, auth, article: dict) -> dict:
    response = client.post("/v1/articles", json=article, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def _events(client) -> list[dict]:
    response = client.get("/v1/events", params={"limit": 500})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_four_reports_of_the_jeddah_talks_become_one_event_with_four_sources(client, auth):
    # The vaguest report first: the event starts as a week and narrows to the day.
    first = _post(client, auth, JEDDAH["week"])
    (week_event,) = first["events"]
    assert (week_event["date_start"], week_event["date_end"]) == ("2025-03-10", "2025-03-16")
    articles = [first] + [_post(client, auth, JEDDAH[key]) for key in JEDDAH if key != "week"]

    (event,) = _events(client)
    assert event["id"] == week_event["id"]
    assert (event["date_start"], event["date_end"], event["granularity"]) == (
        "2025-03-11",
        "2025-03-11",
        "day",
    )
    assert {source["article_id"] for source in event["sources"]} == {a["id"] for a in articles}
    assert {source["phrase"] for source in event["sources"]} == {
        "Last week",
        "Tuesday",
        "Yesterday",
        "March 11",
    }
    assert {"United States", "Ukraine"} <= set(event["actors"])
    assert event["locations"] == ["Jeddah"]
    assert event["category"] in {"talks", "acceptance", "agreement"}
    assert len(event["title"].split()) <= 12


def test_contradicting_dates_stay_apart_and_show_as_possible_duplicates(client, auth):
    _post(client, auth, JEDDAH["tuesday"])
    _post(client, auth, CONTRADICTING)
    _post(client, auth, UNRELATED)
    events = _events(client)
    jeddah = [e for e in events if "Jeddah" in e["locations"]]
    assert sorted(e["date_start"] for e in jeddah) == ["2025-03-11", "2025-03-12"]
    tuesday = next(e for e in jeddah if e["date_start"] == "2025-03-11")
    detail = client.get(f"/v1/events/{tuesday['id']}").json()
    duplicates = detail["possible_duplicates"]
    assert [d["date_start"] for d in duplicates] == ["2025-03-12"]
    assert set(duplicates[0]) >= {"id", "title", "date_start", "date_end"}
    # The list endpoint keeps the API.md shape: no duplicate look-up per row.
    assert "possible_duplicates" not in tuesday


def test_merge_moves_sources_and_survives_later_ingests(client, auth):
    _post(client, auth, JEDDAH["tuesday"])
    _post(client, auth, CONTRADICTING)
    events = _events(client)
    target, other = sorted(events, key=lambda e: e["date_start"])
    merged = client.post(
        f"/v1/events/{target['id']}/merge", json={"event_ids": [other["id"]]}, headers=auth
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert len(body["sources"]) == 2
    assert [e["id"] for e in _events(client)] == [target["id"]]
    assert client.get(f"/v1/events/{other['id']}").status_code == 404

    # A curator's edit is never overwritten by a later automatic join.
    patched = client.patch(
        f"/v1/events/{target['id']}",
        json={"title": "US and Ukraine meet in Jeddah; Kyiv backs 30-day ceasefire"},
        headers=auth,
    )
    assert patched.status_code == 200
    _post(client, auth, JEDDAH["yesterday"])
    _post(client, auth, JEDDAH["week"])
    after = client.get(f"/v1/events/{target['id']}").json()
    assert after["title"] == "US and Ukraine meet in Jeddah; Kyiv backs 30-day ceasefire"
    assert after["date_start"] == patched.json()["date_start"]
    assert len(_events(client)) == 1
    assert len(after["sources"]) == 4


def test_merge_errors_are_problems(client, auth):
    _post(client, auth, JEDDAH["tuesday"])
    (event,) = _events(client)
    url = f"/v1/events/{event['id']}/merge"
    assert client.post(url, json={"event_ids": [event["id"]]}).status_code == 401
    itself = client.post(url, json={"event_ids": [event["id"]]}, headers=auth)
    assert itself.status_code == 422
    assert itself.headers["content-type"].startswith("application/problem+json")
    missing = client.post(
        url, json={"event_ids": ["00000000-0000-0000-0000-000000000000"]}, headers=auth
    )
    assert missing.status_code == 404
    assert client.post(url, json={"event_ids": []}, headers=auth).status_code == 422
    unknown = "/v1/events/00000000-0000-0000-0000-000000000000/merge"
    assert client.post(unknown, json={"event_ids": [event["id"]]}, headers=auth).status_code == 404


def test_split_moves_mentions_into_a_new_curated_event(client, auth):
    for key in ("tuesday", "yesterday", "march-11"):
        _post(client, auth, JEDDAH[key])
    (event,) = _events(client)
    assert len(event["sources"]) == 3
    moved = event["sources"][0]["mention_id"]
    response = client.post(
        f"/v1/events/{event['id']}/split", json={"mention_ids": [moved]}, headers=auth
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["event"]["id"] == event["id"]
    assert len(body["event"]["sources"]) == 2
    assert [s["mention_id"] for s in body["new_event"]["sources"]] == [moved]
    assert body["new_event"]["date_start"] == "2025-03-11"
    assert body["new_event"]["title"]
    assert len(_events(client)) == 2

    # Curated events are not joined together again by a later ingest.
    _post(client, auth, JEDDAH["week"])
    assert len(_events(client)) == 2


def test_split_errors_are_problems(client, auth):
    _post(client, auth, JEDDAH["tuesday"])
    _post(client, auth, UNRELATED)
    jeddah, easter = sorted(_events(client), key=lambda e: e["date_start"])
    url = f"/v1/events/{jeddah['id']}/split"
    own = jeddah["sources"][0]["mention_id"]
    foreign = easter["sources"][0]["mention_id"]
    assert client.post(url, json={"mention_ids": [own]}).status_code == 401
    everything = client.post(url, json={"mention_ids": [own]}, headers=auth)
    assert everything.status_code == 422 and "at least one" in everything.json()["detail"]
    not_ours = client.post(url, json={"mention_ids": [foreign]}, headers=auth)
    assert not_ours.status_code == 422
    assert client.post(url, json={"mention_ids": []}, headers=auth).status_code == 422


def test_deleting_articles_rederives_the_events_they_backed(client, auth):
    posted = {key: _post(client, auth, JEDDAH[key]) for key in JEDDAH}
    (event,) = _events(client)
    assert event["granularity"] == "day"
    for key in ("tuesday", "yesterday", "march-11"):
        response = client.delete(f"/v1/articles/{posted[key]['id']}", headers=auth)
        assert response.status_code == 204
    (left,) = _events(client)
    assert left["id"] == event["id"]
    # Only the "last week" report is left: the dates widen back to the week.
    assert (left["date_start"], left["date_end"], left["granularity"]) == (
        "2025-03-10",
        "2025-03-16",
        "week",
    )
    assert [s["phrase"] for s in left["sources"]] == ["Last week"]
    client.delete(f"/v1/articles/{posted['week']['id']}", headers=auth)
    assert _events(client) == []


def test_deleting_an_article_keeps_a_curated_event(client, auth):
    article = _post(client, auth, JEDDAH["tuesday"])
    (event,) = article["events"]
    client.patch(f"/v1/events/{event['id']}", json={"status": "confirmed"}, headers=auth)
    assert client.delete(f"/v1/articles/{article['id']}", headers=auth).status_code == 204
    kept = client.get(f"/v1/events/{event['id']}").json()
    assert kept["status"] == "confirmed" and kept["sources"] == []


def test_consolidation_keeps_different_happenings_of_one_report_apart(client, auth):
    text = (
        "The United States and Ukraine held talks in Jeddah on Tuesday. "
        "The United States also agreed on Tuesday to resume military aid to Ukraine."
    )
    article = _post(
        client,
        auth,
        {"text": text, "published_at": "2025-03-11T21:00:00+03:00", "timezone": "Asia/Riyadh"},
    )
    assert len(article["events"]) == 2


@pytest.mark.parametrize("path", ["merge", "split"])
def test_curation_endpoints_are_documented(client, path):
    paths = client.get("/openapi.json").json()["paths"]
    assert "post" in paths[f"/v1/events/{{event_id}}/{path}"]

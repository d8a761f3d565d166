"""Actors through HTTP on both databases: the gazetteer curators extend, used by extraction."""

from __future__ import annotations

from app.actors.models import actor_id

ARTICLE = {"published_at": "2025-05-16T18:00:00+03:00", "timezone": "Europe/Istanbul"}


def _ingest(client, auth, text_: str, **extra) -> dict:
    response = client.post("/v1/articles", json={**ARTICLE, "text": text_, **extra}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_list_is_keyset_paged_and_filtered(client):
    first = client.get("/v1/actors", params={"limit": 5})
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 5 and page["next_cursor"]
    names = [item["name"] for item in page["items"]]
    assert names == sorted(names)
    seen = list(names)
    cursor = page["next_cursor"]
    while cursor:
        page = client.get("/v1/actors", params={"limit": 50, "cursor": cursor}).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) and "Volodymyr Zelensky" in seen

    found = client.get("/v1/actors", params={"q": "zelenskyy"}).json()["items"]
    assert [item["name"] for item in found] == ["Volodymyr Zelensky"]
    zelensky = found[0]
    assert {"Zelensky", "Zelenskyy", "Volodymyr Zelensky"} <= set(zelensky["aliases"])
    assert zelensky["origin"] == "gazetteer" and zelensky["short"] == "Zelensky"
    assert client.get(f"/v1/actors/{zelensky['id']}").json() == zelensky
    assert client.get("/v1/actors", params={"cursor": "nonsense"}).status_code == 422


def test_created_actor_is_found_by_the_next_ingest(client, auth):
    before = _ingest(client, auth, "Negotiator Ozan Ceyhun Demirbag chaired talks on Friday.")
    assert "Umar Khalidov" not in str(before)
    body = {
        "name": "Umar Khalidov",
        "kind": "person",
        "aliases": ["Khalidov", "Chechen envoy Khalidov"],
        "affiliation": "Russia",
    }
    assert client.post("/v1/actors", json=body).status_code == 401
    created = client.post("/v1/actors", json=body, headers=auth)
    assert created.status_code == 201, created.text
    actor = created.json()
    assert actor["id"] == str(actor_id("Umar Khalidov"))
    assert actor["origin"] == "curator" and actor["short"] == "Khalidov"
    assert client.get(f"/v1/actors/{actor['id']}").json() == actor

    article = _ingest(client, auth, "Khalidov met the Ukrainian delegation in Istanbul today.")
    (event,) = article["events"]
    assert event["actors"][0] == "Umar Khalidov"
    assert event["title"].startswith("Khalidov meets")


def test_aliases_added_to_a_gazetteer_actor_are_used(client, auth):
    zelensky = client.get("/v1/actors", params={"q": "Volodymyr Zelensky"}).json()["items"][0]
    response = client.post(
        f"/v1/actors/{zelensky['id']}/aliases", json={"aliases": ["Ze"]}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert "Ze" in response.json()["aliases"] and response.json()["curator_aliases"] == ["Ze"]
    assert response.json()["origin"] == "gazetteer"
    article = _ingest(client, auth, "Ze arrived in Istanbul today for the talks.")
    (event,) = article["events"]
    assert event["actors"] == ["Volodymyr Zelensky"]


def test_actor_errors_are_problems(client, auth):
    duplicate = client.post(
        "/v1/actors", json={"name": "Vladimir Putin", "kind": "person"}, headers=auth
    )
    assert duplicate.status_code == 422
    assert duplicate.headers["content-type"].startswith("application/problem+json")
    taken = client.post(
        "/v1/actors",
        json={"name": "Someone New", "kind": "person", "aliases": ["Putin"]},
        headers=auth,
    )
    assert taken.status_code == 422 and "Putin" in taken.json()["detail"]
    bad_kind = client.post("/v1/actors", json={"name": "X", "kind": "wizard"}, headers=auth)
    assert bad_kind.status_code == 422
    missing = "/v1/actors/00000000-0000-0000-0000-000000000000"
    assert client.get(missing).status_code == 404
    assert (
        client.post(f"{missing}/aliases", json={"aliases": ["A"]}, headers=auth).status_code == 404
    )


def test_unknown_person_after_a_title_is_still_an_actor(client, auth):
    article = _ingest(
        client, auth, "Turkish spokesman Omer Celik said today that the talks had ended."
    )
    (event,) = article["events"]
    assert "Omer Celik" in event["actors"]
    assert event["title"].startswith("Celik says")

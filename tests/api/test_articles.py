"""Articles through the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, select

from app.articles import service as article_service
from app.articles.models import Article
from app.articles.schemas import ArticleCreate
from app.events.models import Event, Mention

JEDDAH = {
    "text": "Yesterday, after a meeting in Saudi Arabia, Ukraine backed a 30-day ceasefire.",
    "published_at": "2025-03-12T20:00:00+02:00",
    "timezone": "Asia/Jerusalem",
    "url": "https://example.org/jeddah",
    "title": "Kyiv backs ceasefire",
    "source": "Example",
}


def test_ingest_returns_article_with_events(client, auth):
    response = client.post("/v1/articles", json=JEDDAH, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] is True
    assert body["timezone"] == "Asia/Jerusalem"
    assert body["published_at"] == "2025-03-12T20:00:00+02:00"
    (event,) = body["events"]
    assert (event["date_start"], event["date_end"], event["granularity"]) == (
        "2025-03-11",
        "2025-03-11",
        "day",
    )
    assert event["status"] == "extracted"
    assert event["sources"][0]["phrase"] == "Yesterday"
    assert event["sources"][0]["phrase_start"] == 0


def test_posting_the_same_article_again_returns_the_stored_one(client, auth):
    first = client.post("/v1/articles", json=JEDDAH, headers=auth)
    again = client.post("/v1/articles", json=JEDDAH, headers=auth)
    same_text_other_url = client.post(
        "/v1/articles", json={**JEDDAH, "url": "https://example.org/copy"}, headers=auth
    )
    assert (first.status_code, again.status_code, same_text_other_url.status_code) == (
        201,
        200,
        200,
    )
    assert first.json()["id"] == again.json()["id"] == same_text_other_url.json()["id"]
    assert again.json()["created"] is False
    assert [e["id"] for e in again.json()["events"]] == [e["id"] for e in first.json()["events"]]
    assert len(client.get("/v1/articles").json()["items"]) == 1


def test_same_url_with_edited_text_is_the_same_article(client, auth):
    client.post("/v1/articles", json=JEDDAH, headers=auth)
    edited = client.post(
        "/v1/articles", json={**JEDDAH, "text": JEDDAH["text"] + " More."}, headers=auth
    )
    assert edited.status_code == 200


def test_naive_time_with_zone_is_wall_clock_time_there(client, auth):
    body = {**JEDDAH, "published_at": "2025-03-12T00:30:00", "timezone": "Europe/Kyiv"}
    response = client.post("/v1/articles", json=body, headers=auth)
    assert response.status_code == 201
    assert response.json()["published_at"] == "2025-03-12T00:30:00+02:00"
    assert response.json()["events"][0]["date_start"] == "2025-03-11"


def test_offset_without_zone_computes_dates_in_that_offset(client, auth):
    # 23:30 UTC on 11 March is already 12 March at +02:00, so "yesterday" is 11 March.
    body = {k: v for k, v in JEDDAH.items() if k != "timezone"}
    body["published_at"] = "2025-03-12T01:30:00+02:00"
    response = client.post("/v1/articles", json=body, headers=auth)
    assert response.status_code == 201
    assert response.json()["timezone"] == "+02:00"
    assert response.json()["events"][0]["date_start"] == "2025-03-11"


def test_list_articles_pages_with_a_cursor(client, auth):
    for day in range(1, 6):
        client.post(
            "/v1/articles",
            json={
                **JEDDAH,
                "url": f"https://example.org/{day}",
                "text": f"Article {day}: talks resumed yesterday.",
                "published_at": f"2025-03-0{day}T12:00:00+00:00",
            },
            headers=auth,
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/articles", params=params).json()
        seen += [item["published_at"][:10] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["2025-03-05", "2025-03-04", "2025-03-03", "2025-03-02", "2025-03-01"]


def test_article_detail_lists_mentions_with_offsets(client, auth):
    created = client.post("/v1/articles", json=JEDDAH, headers=auth).json()
    detail = client.get(f"/v1/articles/{created['id']}").json()
    assert detail["text"] == JEDDAH["text"]
    (mention,) = detail["mentions"]
    assert detail["text"][mention["phrase_start"] : mention["phrase_end"]] == mention["phrase"]
    assert mention["event_id"] == created["events"][0]["id"]
    assert mention["timex_value"] == "2025-03-11"
    assert mention["rule"]


def test_delete_article_removes_its_mentions_and_unbacked_events(client, auth):
    created = client.post("/v1/articles", json=JEDDAH, headers=auth).json()
    curated = client.post(
        "/v1/events",
        json={"title": "Curator note", "date_start": "2025-03-11"},
        headers=auth,
    ).json()
    assert client.delete(f"/v1/articles/{created['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1/articles/{created['id']}").status_code == 404
    assert client.get(f"/v1/events/{created['events'][0]['id']}").status_code == 404
    remaining = client.get("/v1/events").json()["items"]
    assert [event["id"] for event in remaining] == [curated["id"]]


def _ingest_concurrently(engine, payload: dict, writers: int) -> list:
    barrier = threading.Barrier(writers)
    results, errors = [], []

    def post() -> None:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                results.append(
                    article_service.ingest(
                        session, ArticleCreate.model_validate(payload), max_text_bytes=1 << 20
                    )
                )
            except Exception as exc:  # collected and asserted on below
                errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.parametrize("writers", [2, 8])
def test_concurrent_posts_of_one_article_store_one_row(client, writers):
    engine = client.app.state.engine
    results = _ingest_concurrently(engine, JEDDAH, writers)
    assert sum(result.created for result in results) == 1
    assert len({result.id for result in results}) == 1
    with Session(engine) as session:
        assert len(session.exec(select(Article)).all()) == 1
        assert len(session.exec(select(Event)).all()) == 1
        assert len(session.exec(select(Mention)).all()) == 1


def test_a_second_report_of_a_happening_joins_its_event(client, auth):
    first = client.post(
        "/v1/articles",
        json={
            "text": "Russian and Ukrainian delegations met in Istanbul on Friday.",
            "published_at": "2025-05-16T18:00:00+03:00",
            "timezone": "Europe/Istanbul",
        },
        headers=auth,
    ).json()
    second = client.post(
        "/v1/articles",
        json={
            "text": "Russian and Ukrainian negotiators held talks in Istanbul yesterday.",
            "published_at": "2025-05-17T08:00:00+01:00",
            "timezone": "Europe/London",
        },
        headers=auth,
    )
    assert second.status_code == 201, second.text
    (event,) = second.json()["events"]
    assert event["id"] == first["events"][0]["id"]
    assert len(event["sources"]) == 2
    detail = client.get(f"/v1/articles/{second.json()['id']}").json()
    assert [m["event_id"] for m in detail["mentions"]] == [event["id"]]

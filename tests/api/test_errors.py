"""Bad input gets a clear problem+json 4xx and stores nothing, on both databases."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from app.articles.models import Article
from app.events import service as event_service
from app.events.models import Event, EventEntity, Mention
from tests.conftest import WRITE_KEY

GOOD = {
    "text": "Yesterday the delegations met in Jeddah.",
    "published_at": "2025-03-12T20:00:00+02:00",
    "timezone": "Asia/Jerusalem",
}


def assert_problem(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    for word in words:
        assert word.lower() in (body["detail"] + str(body.get("errors", ""))).lower(), body
    return body


def assert_nothing_stored(client) -> None:
    with Session(client.app.state.engine) as session:
        for table in (Article, Event, Mention, EventEntity):
            assert session.exec(select(table)).all() == [], table


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"published_at": None}, ("published_at",)),
        ({"published_at": "next thursday-ish"}, ("published_at",)),
        ({"published_at": "2025-03-12T20:00:00", "timezone": None}, ("published_at", "timezone")),
        ({"timezone": "Mars/Olympus_Mons"}, ("unknown time zone",)),
        ({"text": ""}, ("text",)),
        ({"text": "   \n "}, ("empty",)),
        ({"text": 42}, ("text",)),
        ({"published_at": ["2025"]}, ("published_at",)),
        ({"url": "javascript:alert(1)"}, ("url",)),
        ({"language": "xx"}, ("language",)),
        ({"extra_field": 1}, ("extra_field",)),
    ],
)
def test_invalid_article_is_refused_with_422(client, auth, change, words):
    body = {**GOOD, **change}
    body = {key: value for key, value in body.items() if value is not None}
    body = assert_problem(client.post("/v1/articles", json=body, headers=auth), 422, *words)
    assert body["errors"], body
    assert all({"loc", "msg"} <= error.keys() for error in body["errors"])
    assert_nothing_stored(client)


def test_text_over_the_limit_gets_413_that_names_the_limit(client, auth):
    limit = client.app.state.settings.max_text_bytes
    body = {**GOOD, "text": "a" * (limit + 1)}
    assert_problem(client.post("/v1/articles", json=body, headers=auth), 413, f"{limit:,}")
    assert_nothing_stored(client)


def test_body_over_the_request_limit_gets_413_before_parsing(client, auth):
    limit = client.app.state.settings.max_body_bytes
    response = client.post(
        "/v1/articles",
        content=b'{"text": "' + b"a" * (limit + 10) + b'"}',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert_problem(response, 413, "exceeds")


def test_body_that_is_not_json_gets_400(client, auth):
    response = client.post(
        "/v1/articles",
        content=b"text=hello",
        headers={**auth, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "not valid JSON")
    assert_nothing_stored(client)


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({}, ("Authorization",)),
        ({"Authorization": "Bearer wrong"}, ("not valid",)),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, ("Authorization",)),
    ],
)
def test_writes_need_a_valid_key(client, headers, words):
    event = {"title": "t", "date_start": "2025-01-01"}
    assert_problem(client.post("/v1/articles", json=GOOD, headers=headers), 401, *words)
    assert_problem(client.post("/v1/events", json=event, headers=headers), 401)
    assert_problem(client.patch(f"/v1/events/{uuid.uuid4()}", json={}, headers=headers), 401)
    assert_problem(client.delete(f"/v1/articles/{uuid.uuid4()}", headers=headers), 401)
    assert_problem(client.delete(f"/v1/events/{uuid.uuid4()}", headers=headers), 401)
    assert_nothing_stored(client)


def test_without_configured_keys_writes_explain_how_to_set_one(settings):
    from starlette.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings.model_copy(update={"api_keys": ""}))) as client:
        response = client.post(
            "/v1/articles", json=GOOD, headers={"Authorization": f"Bearer {WRITE_KEY}"}
        )
    assert_problem(response, 401, "TIMELINE_API_KEYS")


@pytest.mark.parametrize(
    "path",
    [f"/v1/articles/{uuid.uuid4()}", f"/v1/events/{uuid.uuid4()}", "/v1/nothing-here"],
)
def test_unknown_ids_and_paths_get_404(client, path):
    assert_problem(client.get(path), 404)


def test_unknown_id_on_write_gets_404(client, auth):
    assert_problem(client.delete(f"/v1/articles/{uuid.uuid4()}", headers=auth), 404)
    assert_problem(
        client.patch(f"/v1/events/{uuid.uuid4()}", json={"title": "x"}, headers=auth), 404
    )


def test_malformed_id_gets_422(client):
    assert_problem(client.get("/v1/events/not-a-uuid"), 422, "event_id")


def test_wrong_method_gets_405(client):
    assert_problem(client.put("/v1/events"), 405)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"from": "2025-03-12", "to": "2025-03-11"}, ("after",)),
        ({"from": "12/03/2025"}, ("from",)),
        ({"cursor": "not-a-cursor"}, ("cursor",)),
        ({"cursor": "W10"}, ("cursor",)),
        ({"cursor": "WzEsIngiLCJ5Il0"}, ("cursor",)),
        ({"cursor": "x" * 600}, ("cursor",)),
        ({"limit": 0}, ("limit",)),
        ({"limit": 501}, ("limit",)),
        ({"limit": "ten"}, ("limit",)),
        ({"sort": "title"}, ("sort",)),
        ({"min_confidence": 2}, ("min_confidence",)),
        ({"q": "x" * 201}, ("q",)),
        ({"status": "maybe"}, ("status",)),
    ],
)
def test_bad_event_queries_get_422(client, params, words):
    assert_problem(client.get("/v1/events", params=params), 422, *words)


def test_bad_article_cursor_gets_422(client):
    assert_problem(client.get("/v1/articles", params={"cursor": "Zm9v"}), 422, "cursor")


def test_failure_while_storing_leaves_no_rows(client, auth, monkeypatch):
    def explode(session, article, drafts, *_):
        session.flush()
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(event_service, "store_drafts", explode)
    response = client.post("/v1/articles", json=GOOD, headers=auth)
    body = assert_problem(response, 500, "request id")
    assert "disk on fire" not in response.text and "Traceback" not in response.text
    assert body["title"] == "Internal server error"
    assert_nothing_stored(client)


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "date_start": "2025-03-01"},
        {"title": "t", "date_start": "2025-03-02", "date_end": "2025-03-01"},
        {"title": "t", "date_start": "yesterday"},
        {"title": "t", "date_start": "2025-03-01", "granularity": "fortnight"},
        {"title": "t", "date_start": "2025-03-01", "confidence": 7},
        {"title": "t", "date_start": "2025-03-01", "status": "confirmed"},
    ],
)
def test_invalid_curator_event_gets_422(client, auth, body):
    assert_problem(client.post("/v1/events", json=body, headers=auth), 422)
    assert_nothing_stored(client)

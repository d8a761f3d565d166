"""Who may write and read, the request limits, the write rate limit, and that every error (404,
405, 413, 422, 429, 500, 503) is problem+json that leaks nothing."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from starlette.testclient import TestClient

from app import db as app_db
from app.events import service as event_service
from app.main import create_app
from app.ratelimit import TokenBucketLimiter
from tests.api.test_errors import GOOD, assert_nothing_stored, assert_problem
from tests.conftest import WRITE_KEY

OTHER_KEY = "second-key-for-rotation"
READ_KEY = "read-only-key"


def _client(settings, **changes) -> TestClient:
    return TestClient(
        create_app(settings.model_copy(update=changes)), raise_server_exceptions=False
    )


def test_two_keys_are_valid_at_once_for_rotation(settings):
    with _client(settings, api_keys=f"{WRITE_KEY}, {OTHER_KEY}") as client:
        for key in (WRITE_KEY, OTHER_KEY):
            article = {**GOOD, "text": f"Yesterday the delegations met ({key})."}
            response = client.post(
                "/v1/articles", json=article, headers={"Authorization": f"Bearer {key}"}
            )
            assert response.status_code == 201, response.text
        wrong = client.post("/v1/articles", json=GOOD, headers={"Authorization": "Bearer x"})
        assert_problem(wrong, 401, "not valid")


def test_keys_are_never_logged(settings, caplog):
    caplog.set_level(logging.DEBUG)
    with _client(settings) as client:
        client.post("/v1/articles", json=GOOD, headers={"Authorization": f"Bearer {WRITE_KEY}"})
        client.post("/v1/articles", json=GOOD, headers={"Authorization": "Bearer guessed-key"})
    logged = "\n".join(record.getMessage() + str(vars(record)) for record in caplog.records)
    assert "ingested article" in logged and "POST /v1/articles" in logged
    assert WRITE_KEY not in logged and "guessed-key" not in logged


def test_private_reads_need_a_key_but_health_stays_open(settings):
    with _client(settings, public_read=False, read_api_keys=READ_KEY) as client:
        assert_problem(client.get("/v1/events"), 401, "TIMELINE_PUBLIC_READ")
        assert_problem(client.get("/v1/articles", headers={"Authorization": "Bearer no"}), 401)
        for key in (READ_KEY, WRITE_KEY):
            response = client.get("/v1/events", headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 200, response.text
        # A read key does not write.
        read_only = client.post(
            "/v1/articles", json=GOOD, headers={"Authorization": f"Bearer {READ_KEY}"}
        )
        assert_problem(read_only, 401)
        for path in ("/healthz", "/readyz", "/metrics"):
            assert client.get(path).status_code == 200, path


def test_public_reads_are_open_by_default(client):
    assert client.get("/v1/events").status_code == 200


def test_configured_body_limit_gets_413(settings):
    with _client(settings, max_request_bytes=2048) as client:
        article = {**GOOD, "text": "word " * 1000}
        response = client.post(
            "/v1/articles", json=article, headers={"Authorization": f"Bearer {WRITE_KEY}"}
        )
        assert_problem(response, 413, "2,048")


def test_body_without_content_length_is_limited_too(settings):
    with _client(settings, max_request_bytes=2048) as client:

        def chunks():
            for _ in range(10):
                yield b" " * 1024

        response = client.post(
            "/v1/articles",
            content=chunks(),
            headers={"Authorization": f"Bearer {WRITE_KEY}", "Content-Type": "application/json"},
        )
        assert_problem(response, 413)


def test_writes_over_the_rate_get_429_with_retry_after(settings):
    with _client(settings, write_rate_per_minute=3) as client:
        headers = {"Authorization": f"Bearer {WRITE_KEY}"}
        statuses = [
            client.post(
                "/v1/events", json={"title": "t", "date_start": "2025-01-01"}, headers=headers
            ).status_code
            for _ in range(3)
        ]
        assert statuses == [201, 201, 201]
        refused = client.post(
            "/v1/events", json={"title": "t", "date_start": "2025-01-01"}, headers=headers
        )
        body = assert_problem(refused, 429, "TIMELINE_WRITE_RATE_PER_MINUTE")
        assert body["title"] == "Too many requests"
        assert 1 <= int(refused.headers["Retry-After"]) <= 20
        # Reads are not limited; the counter shows the refusal.
        assert client.get("/v1/events").status_code == 200
        assert "timeline_rate_limited_total" in client.get("/metrics").text


def test_key_guessing_is_rate_limited_by_address(settings):
    with _client(settings, write_rate_per_minute=2) as client:
        guesses = [
            client.post("/v1/articles", json=GOOD, headers={"Authorization": f"Bearer g{i}"})
            for i in range(3)
        ]
        assert [g.status_code for g in guesses] == [401, 401, 429]


def test_token_bucket_refills_with_time():
    now = [0.0]
    limiter = TokenBucketLimiter(60, burst=2, clock=lambda: now[0])
    assert limiter.acquire("a") == 0 and limiter.acquire("a") == 0
    assert limiter.acquire("a") == pytest.approx(1.0)
    assert limiter.acquire("b") == 0  # clients are independent
    now[0] += 1.0
    assert limiter.acquire("a") == 0
    assert TokenBucketLimiter(0).acquire("a") == 0  # 0 turns the limit off


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nowhere", 404),
        ("PUT", "/v1/events", 405),
        ("GET", "/v1/events?limit=9999", 422),
        ("GET", "/v1/events?q=%00", 422),
    ],
)
def test_errors_are_problem_json_with_a_request_id(client, method, path, status):
    response = client.request(method, path)
    assert_problem(response, status)
    assert response.headers["x-request-id"]


def test_request_id_is_kept_when_plain_and_replaced_when_not(client):
    assert (
        client.get("/healthz", headers={"X-Request-Id": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    replaced = client.get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"] != "bad id\twith spaces"


def test_500_logs_the_traceback_with_the_request_id_and_returns_none_of_it(
    client, auth, monkeypatch, caplog
):
    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(event_service, "drafts_from_text", explode)
    response = client.post("/v1/articles", json=GOOD, headers={**auth, "X-Request-Id": "req-42"})
    body = assert_problem(response, 500, "req-42")
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] == "req-42"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].request_id == "req-42" and errors[0].exc_info
    assert body["type"].endswith("internal-error")


def test_sqlite_busy_database_gets_503_with_retry_after(tmp_path, settings, monkeypatch):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's busy timeout")
    monkeypatch.setattr(app_db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = settings.database_url.removeprefix("sqlite:///")
    with _client(settings) as client:
        blocker = sqlite3.connect(path, isolation_level=None, timeout=0.1)
        blocker.execute("BEGIN IMMEDIATE")
        blocker.execute("DELETE FROM articles")
        try:
            response = client.post(
                "/v1/articles", json=GOOD, headers={"Authorization": f"Bearer {WRITE_KEY}"}
            )
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        body = assert_problem(response, 503, "busy")
        assert response.headers["Retry-After"] == "1"
        assert body["type"].endswith("database-busy")
        assert_nothing_stored(client)


def test_unreachable_database_gets_503_not_500(settings):
    with _client(settings, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none") as client:
        response = client.get("/v1/events")
        assert_problem(response, 503, "retry")
        assert response.headers["Retry-After"]
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200


def test_unsettled_unique_violation_is_a_retryable_503(client, auth, monkeypatch):
    """What a race between two writers joining one event looks like to a client."""
    from sqlalchemy.exc import IntegrityError

    class UniqueViolation(Exception):
        sqlstate = "23505"

    def clash(*_args, **_kwargs):
        raise IntegrityError("INSERT INTO event_entities …", {}, UniqueViolation("duplicate key"))

    monkeypatch.setattr(event_service, "store_drafts", clash)
    response = client.post("/v1/articles", json=GOOD, headers=auth)
    body = assert_problem(response, 503, "retry")
    assert body["type"].endswith("write-conflict") and response.headers["Retry-After"] == "1"
    assert_nothing_stored(client)

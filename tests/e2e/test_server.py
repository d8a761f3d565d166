"""End to end: the `timeline` command migrates, seeds and serves; HTTP against the real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import drop_postgres_schema, new_schema_name, postgres_schema_url
from tests.live_server import LiveServer, live_server, run_timeline
from tests.seed_expectations import check_seed_timeline

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(backend, tmp_path) -> Iterator[LiveServer]:
    schema = new_schema_name() if backend == "postgresql" else None
    url = postgres_schema_url(schema) if schema else None
    try:
        with live_server(tmp_path, database_url=url) as running:
            yield running
    finally:
        if schema:
            drop_postgres_schema(schema)


def test_seeded_server_serves_the_seed_timeline(server):
    base = server.base

    def get_json(params):
        response = httpx.get(f"{base}/v1/events", params={**params, "limit": 500})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    check_seed_timeline(get_json)


def test_server_writes_resolves_and_explains_errors(server):
    base = server.base
    article = {
        "text": "The negotiators met in Istanbul on Friday.",
        "published_at": "2025-05-17T09:00:00+03:00",
        "timezone": "Europe/Istanbul",
    }
    assert httpx.post(f"{base}/v1/articles", json=article).status_code == 401
    created = httpx.post(
        f"{base}/v1/articles", json=article, headers={"Authorization": f"Bearer {server.key}"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["events"][0]["date_start"] == "2025-05-16"
    resolved = httpx.post(
        f"{base}/v1/resolve",
        json={"text": "yesterday", "reference_time": "2025-03-12T20:00:00+02:00"},
    ).json()
    assert resolved["expressions"][0]["value"] == "2025-03-11"
    broken = httpx.get(f"{base}/v1/events", params={"from": "2025-03-12", "to": "2025-03-01"})
    assert broken.status_code == 422
    assert broken.headers["content-type"].startswith("application/problem+json")
    assert httpx.get(f"{base}/docs").status_code == 200
    assert "x-request-id" in broken.headers


def test_seeding_again_adds_nothing(server):
    base, env = server.base, server.env
    before = httpx.get(f"{base}/v1/events", params={"limit": 500}).json()["items"]
    result = run_timeline(["seed"], env)
    assert "0 article(s) added" in result.stderr
    after = httpx.get(f"{base}/v1/events", params={"limit": 500}).json()["items"]
    assert len(before) == len(after)

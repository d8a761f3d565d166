"""End to end: the `timeline` command migrates, seeds and serves; HTTP against the real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import drop_postgres_schema, new_schema_name, postgres_schema_url
from tests.seed_expectations import check_seed_timeline

pytestmark = pytest.mark.e2e
TIMELINE = str(Path(sys.executable).parent / "timeline")
KEY = "e2e-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [TIMELINE, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def server(backend, tmp_path) -> Iterator[tuple[str, dict[str, str]]]:
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'e2e.db'}"
    else:
        schema = new_schema_name()
        url = postgres_schema_url(schema)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "TIMELINE_API_KEYS": KEY, "PORT": str(port)}
    _run(["migrate"], env)
    _run(["seed"], env)
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [TIMELINE, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("server did not start: " + (tmp_path / "server.log").read_text())
            time.sleep(0.2)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        if schema:
            drop_postgres_schema(schema)


def test_seeded_server_serves_the_seed_timeline(server):
    base, _ = server

    def get_json(params):
        response = httpx.get(f"{base}/v1/events", params={**params, "limit": 500})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    check_seed_timeline(get_json)


def test_server_writes_resolves_and_explains_errors(server):
    base, _ = server
    article = {
        "text": "The negotiators met in Istanbul on Friday.",
        "published_at": "2025-05-17T09:00:00+03:00",
        "timezone": "Europe/Istanbul",
    }
    assert httpx.post(f"{base}/v1/articles", json=article).status_code == 401
    created = httpx.post(
        f"{base}/v1/articles", json=article, headers={"Authorization": f"Bearer {KEY}"}
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
    base, env = server
    before = httpx.get(f"{base}/v1/events", params={"limit": 500}).json()["items"]
    result = _run(["seed"], env)
    assert "0 article(s) added" in result.stderr
    after = httpx.get(f"{base}/v1/events", params={"limit": 500}).json()["items"]
    assert len(before) == len(after)

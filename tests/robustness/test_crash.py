"""Crash safety: `kill -9` a real server in the middle of a bulk ingest, start it again, and find
every article either stored whole, with its events and mentions, or absent."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session

from app.db import create_db_engine
from app.events import service as event_service
from tests.conftest import drop_postgres_schema, new_schema_name, postgres_schema_url
from tests.live_server import TIMELINE, wait_until_ready
from tests.live_server import free_port as _free_port
from tests.live_server import run_timeline as _run

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
KEY = "crash-key"
# Enough that the kill, sent once a fifth are stored, lands well before the last one.
ARTICLES = 200
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _article(number: int) -> dict:
    published = datetime(2025, 1, 1, 12, tzinfo=UTC) + timedelta(days=number)
    sentences = [
        f"On {DAYS[i % 5]}, negotiators from Qatar and Egypt met in Doha (round {i})."
        for i in range(4)
    ]
    sentences.append(f"Yesterday, Israel and Hamas agreed to a pause. Report {number}.")
    return {
        "text": " ".join(sentences),
        "published_at": published.isoformat(),
        "timezone": "UTC",
        "url": f"https://example.org/crash/{number}",
    }


def _start(env: dict[str, str], log_path) -> tuple[subprocess.Popen, str]:
    log = log_path.open("a")
    process = subprocess.Popen([TIMELINE, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{env['PORT']}"
    wait_until_ready(base, process, log_path)
    return process, base


def _post_all(base: str, numbers: list[int], stop: threading.Event) -> list[int]:
    statuses = []
    with httpx.Client(timeout=30) as client:
        for number in numbers:
            if stop.is_set():
                break
            try:
                response = client.post(
                    f"{base}/v1/articles",
                    json=_article(number),
                    headers={"Authorization": f"Bearer {KEY}"},
                )
                statuses.append(response.status_code)
            except httpx.TransportError:
                break  # the server is gone
    return statuses


def _check_consistent(url: str) -> int:
    """Every article stored whole or not at all; returns the number of articles."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            orphan_mentions = session.execute(
                text(
                    "SELECT count(*) FROM mentions m LEFT JOIN articles a ON a.id = m.article_id "
                    "WHERE a.id IS NULL"
                )
            ).scalar_one()
            assert orphan_mentions == 0
            unbacked = session.execute(
                text(
                    "SELECT count(*) FROM events e WHERE NOT e.curated AND NOT EXISTS "
                    "(SELECT 1 FROM mentions m WHERE m.event_id = e.id)"
                )
            ).scalar_one()
            assert unbacked == 0
            rows = session.execute(
                text(
                    "SELECT a.text, a.published_at, a.timezone, a.language, "
                    "(SELECT count(*) FROM mentions m WHERE m.article_id = a.id) FROM articles a"
                )
            ).all()
            for article_text, published_at, zone, language, mentions in rows:
                if isinstance(published_at, str):  # SQLite hands back text
                    published_at = datetime.fromisoformat(published_at)
                if published_at.tzinfo is None:
                    published_at = published_at.replace(tzinfo=UTC)
                drafts = event_service.drafts_from_text(
                    article_text, published_at=published_at, timezone=zone, language=language
                )
                assert mentions == len(drafts), "an article was stored without all its mentions"
            return len(rows)
    finally:
        engine.dispose()


def test_kill_9_mid_ingest_leaves_whole_articles_or_none(backend, tmp_path):
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'crash.db'}"
    else:
        schema = new_schema_name()
        url = postgres_schema_url(schema)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TIMELINE_API_KEYS": KEY,
        "PORT": str(_free_port()),
        "TIMELINE_WRITE_RATE_PER_MINUTE": "0",
        "TIMELINE_LOG_LEVEL": "warning",
    }
    try:
        _run(["migrate"], env)
        process, base = _start(env, tmp_path / "server.log")
        stop = threading.Event()
        numbers = list(range(ARTICLES))
        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(_post_all, base, numbers[i::4], stop) for i in range(4)]
            # Let a good part of the ingest happen, then pull the plug without warning.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                stored = httpx.get(f"{base}/v1/articles", params={"limit": 500}).json()["items"]
                if len(stored) >= ARTICLES // 5:
                    break
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            stop.set()
            statuses = [status for future in futures for status in future.result()]
        assert 500 not in statuses
        stored_before = _check_consistent(url)
        assert ARTICLES // 5 <= stored_before < ARTICLES, "the kill came too late to test much"

        process, base = _start(env, tmp_path / "server.log")
        try:
            final = _post_all(base, numbers, threading.Event())
            assert (
                final.count(200) == stored_before and final.count(201) == ARTICLES - stored_before
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
        assert _check_consistent(url) == ARTICLES
        print(f"{backend}: killed with {stored_before}/{ARTICLES} stored; consistent after restart")
    finally:
        if schema:
            drop_postgres_schema(schema)

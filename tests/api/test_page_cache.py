"""`GET /v1/events` pages come from memory while the archive is unchanged, and never stale.

On both databases: a repeated page is served from the cache with the same bytes and ETag; any
write, through the API or through a connection the server knows nothing about (another process
such as `timeline ingest`), makes the next page fresh; If-None-Match gives 304; `Cache-Control:
no-cache` builds anew; TIMELINE_PAGE_CACHE_MB=0 turns it off.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session

from app.config import Settings
from app.db import ArchiveWatch, create_db_engine
from app.events.models import Event
from app.main import create_app
from app.page_cache import CachedBody, PageCache, wants_fresh

WEEK = {"from": "2025-03-10", "to": "2025-03-16"}
run = asyncio.run


def _store_event(engine, title: str, day: date = date(2025, 3, 11)) -> None:
    with Session(engine) as session:
        session.add(
            Event(
                title=title,
                description="synthetic",
                category="talks",
                date_start=day,
                date_end=day,
                granularity="day",
                confidence=0.9,
            )
        )
        session.commit()


def _titles(response) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


def test_repeated_page_is_served_from_memory_with_the_same_bytes(client):
    _store_event(client.app.state.engine, "Talks in Jeddah")
    cache = client.app.state.page_cache
    first = client.get("/v1/events", params=WEEK)
    hits = cache.hits
    second = client.get("/v1/events", params=WEEK)
    assert first.status_code == second.status_code == 200
    assert cache.hits == hits + 1
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"] == "no-cache"
    assert _titles(second) == ["Talks in Jeddah"]


def test_other_queries_are_other_pages(client):
    _store_event(client.app.state.engine, "Talks in Jeddah")
    week = client.get("/v1/events", params=WEEK)
    later = client.get("/v1/events", params={"from": "2025-04-01"})
    newest_first = client.get("/v1/events", params={**WEEK, "sort": "-date", "limit": 5})
    assert _titles(week) == ["Talks in Jeddah"]
    assert _titles(later) == []
    assert _titles(newest_first) == ["Talks in Jeddah"]
    assert later.headers["etag"] != week.headers["etag"]


def test_a_write_through_the_api_shows_at_once(client, auth):
    _store_event(client.app.state.engine, "Talks in Jeddah")
    before = client.get("/v1/events", params=WEEK)
    event_id = before.json()["items"][0]["id"]
    edited = client.patch(f"/v1/events/{event_id}", json={"title": "Talks end"}, headers=auth)
    assert edited.status_code == 200
    after = client.get("/v1/events", params=WEEK)
    assert _titles(after) == ["Talks end"]
    assert after.headers["etag"] != before.headers["etag"]
    assert client.delete(f"/v1/events/{event_id}", headers=auth).status_code == 204
    assert _titles(client.get("/v1/events", params=WEEK)) == []


def test_a_write_by_another_process_shows_at_once(client, database_url):
    """Another engine stands for another process (`timeline ingest`, a second worker)."""
    _store_event(client.app.state.engine, "Talks in Jeddah")
    cache = client.app.state.page_cache
    assert _titles(client.get("/v1/events", params=WEEK)) == ["Talks in Jeddah"]
    other = create_engine(database_url)
    try:
        _store_event(other, "Ceasefire backed", day=date(2025, 3, 12))
        hits = cache.hits
        assert _titles(client.get("/v1/events", params=WEEK)) == [
            "Talks in Jeddah",
            "Ceasefire backed",
        ]
        assert cache.hits == hits
        with other.begin() as connection:
            connection.execute(text("DELETE FROM events WHERE title = 'Talks in Jeddah'"))
        assert _titles(client.get("/v1/events", params=WEEK)) == ["Ceasefire backed"]
    finally:
        other.dispose()


def test_writes_outside_the_archive_keep_the_pages(client, database_url, backend, tmp_path):
    """PostgreSQL: a transaction that writes elsewhere on the server (here a temporary table in
    the same database) leaves the archive's version alone; SQLite: another database file."""
    _store_event(client.app.state.engine, "Talks in Jeddah")
    cache = client.app.state.page_cache
    client.get("/v1/events", params=WEEK)
    elsewhere = (
        create_engine(database_url)
        if backend == "postgresql"
        else create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    )
    try:
        with elsewhere.begin() as connection:
            connection.execute(text("CREATE TEMPORARY TABLE scratch (x integer)"))
            connection.execute(text("INSERT INTO scratch VALUES (1)"))
        hits = cache.hits
        assert _titles(client.get("/v1/events", params=WEEK)) == ["Talks in Jeddah"]
        assert cache.hits == hits + 1
    finally:
        elsewhere.dispose()


def test_emptying_a_table_shows_at_once(client, database_url, backend):
    _store_event(client.app.state.engine, "Talks in Jeddah")
    assert _titles(client.get("/v1/events", params=WEEK)) == ["Talks in Jeddah"]
    other = create_engine(database_url)
    emptying = (
        "TRUNCATE events, event_entities, mentions CASCADE"
        if backend == "postgresql"
        else "DELETE FROM events"
    )
    try:
        with other.begin() as connection:
            connection.execute(text(emptying))
        assert _titles(client.get("/v1/events", params=WEEK)) == []
    finally:
        other.dispose()


def test_if_none_match_gives_304_without_a_body(client):
    _store_event(client.app.state.engine, "Talks in Jeddah")
    tag = client.get("/v1/events", params=WEEK).headers["etag"]
    unchanged = client.get("/v1/events", params=WEEK, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == tag
    listed = client.get("/v1/events", params=WEEK, headers={"If-None-Match": f'"x", W/{tag}'})
    assert listed.status_code == 304
    _store_event(client.app.state.engine, "Ceasefire backed")
    changed = client.get("/v1/events", params=WEEK, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert len(changed.json()["items"]) == 2


def test_cache_control_no_cache_builds_the_page_anew(client):
    _store_event(client.app.state.engine, "Talks in Jeddah")
    cache = client.app.state.page_cache
    first = client.get("/v1/events", params=WEEK)
    hits, misses = cache.hits, cache.misses
    fresh = client.get("/v1/events", params=WEEK, headers={"Cache-Control": "no-cache"})
    assert (cache.hits, cache.misses) == (hits, misses)
    assert fresh.content == first.content
    assert fresh.headers["etag"] == first.headers["etag"]


def test_a_page_built_while_someone_commits_is_not_kept(client, database_url):
    """The version read before building differs from the one after: the page may mix states."""
    _store_event(client.app.state.engine, "Talks in Jeddah")
    cache: PageCache = client.app.state.page_cache
    other = create_engine(database_url)

    def build_during_a_commit() -> bytes:
        _store_event(other, "Ceasefire backed")
        return b"built while the archive changed"

    try:
        run(cache.body(("probe",), build_during_a_commit))
        hits = cache.hits
        rebuilt = run(cache.body(("probe",), lambda: b"built again"))
        assert rebuilt.body == b"built again"
        assert cache.hits == hits
    finally:
        other.dispose()


@pytest.fixture
def uncached_client(database_url):
    settings = Settings(database_url=database_url, page_cache_mb=0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def test_zero_megabytes_turns_the_cache_off(uncached_client):
    _store_event(uncached_client.app.state.engine, "Talks in Jeddah")
    first = uncached_client.get("/v1/events", params=WEEK)
    second = uncached_client.get("/v1/events", params=WEEK, headers={"If-None-Match": "*"})
    cache = uncached_client.app.state.page_cache
    assert (cache.hits, cache.misses) == (0, 0)
    assert _titles(first) == ["Talks in Jeddah"]
    assert "etag" in first.headers
    assert second.status_code == 304


def test_byte_budget_drops_the_least_recently_used_pages(client):
    cache = PageCache(client.app.state.engine, max_bytes=250)
    try:
        for name in ("a", "b", "c"):
            run(cache.body((name,), lambda name=name: name.encode() * 100))
        kept = {name for name in "abc" if (name,) in cache._entries}
        assert kept == {"b", "c"}
        run(cache.body(("b",), lambda: b"unused"))  # b is now the most recent
        run(cache.body(("d",), lambda: b"d" * 100))
        assert {key[0] for key in cache._entries} == {"b", "d"}
        # Larger than the whole budget: served, never kept.
        assert run(cache.body(("huge",), lambda: b"h" * 300)).body == b"h" * 300
        assert ("huge",) not in cache._entries
    finally:
        run(cache.close())


def test_concurrent_readers_get_whole_pages(client):
    for number in range(30):
        _store_event(client.app.state.engine, f"event {number}")
    expected = client.get("/v1/events", params=WEEK).content
    bodies: list[bytes] = []

    def read() -> None:
        for _ in range(10):
            bodies.append(client.get("/v1/events", params=WEEK).content)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert bodies == [expected] * 80


def test_an_in_memory_database_is_never_cached():
    """Its pages could not be told apart from another connection's empty database."""
    engine = create_engine("sqlite://")
    cache = PageCache(engine, max_bytes=1024)
    try:
        run(cache.body(("page",), lambda: b"first"))
        assert run(cache.body(("page",), lambda: b"second")).body == b"second"
        assert (cache.hits, cache.misses) == (0, 0)
    finally:
        run(cache.close())
        engine.dispose()


def test_etag_is_a_digest_of_the_body():
    assert CachedBody.of(b"x").etag == CachedBody.of(b"x").etag
    assert CachedBody.of(b"x").etag != CachedBody.of(b"y").etag
    assert CachedBody.of(b"x").etag.startswith('"')


def test_an_unreachable_database_is_not_cached_and_not_hidden(tmp_path):
    """The watch cannot open its connection: the page is built (and its error reported) as
    without a cache, and nothing is stored."""
    missing = tmp_path / "no-such-folder" / "timeline.db"
    engine = create_engine(f"sqlite:///{missing}")
    cache = PageCache(engine, max_bytes=1024)
    try:
        assert run(cache.body(("page",), lambda: b"built")).body == b"built"
        assert (cache.hits, cache.misses, len(cache._entries)) == (0, 0, 0)
    finally:
        run(cache.close())
        engine.dispose()


@pytest.mark.parametrize(
    ("header", "fresh"),
    [
        (None, False),
        ("", False),
        ("no-cache", True),
        ("No-Store", True),
        ("max-age=0", False),
        ("max-age=0, no-cache", True),
        ("private", False),
    ],
)
def test_which_cache_control_builds_anew(header, fresh):
    assert wants_fresh(header) is fresh


def test_a_stored_page_is_sent_before_routing_with_the_same_answer(client):
    """The second request is answered by StoredPagesMiddleware: same bytes, same headers, and
    still logged and counted under its route."""
    _store_event(client.app.state.engine, "Talks in Jeddah")
    first = client.get("/v1/events", params=WEEK)
    cache = client.app.state.page_cache
    hits, counted = cache.hits, _events_requests_counted(client)
    second = client.get("/v1/events", params=WEEK)
    assert cache.hits == hits + 1
    assert second.content == first.content
    for header in ("content-type", "etag", "cache-control", "content-length"):
        assert second.headers[header] == first.headers[header], header
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert _events_requests_counted(client) == counted + 1


def _events_requests_counted(client) -> float:
    """The metrics' count of answered GET /v1/events (the registry is the process's)."""
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(
            'timeline_http_requests_total{method="GET",route="/v1/events",status="200"}'
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_query_spelled_another_way_is_another_page(client):
    _store_event(client.app.state.engine, "Talks in Jeddah")
    cache = client.app.state.page_cache
    week = client.get("/v1/events?from=2025-03-10&to=2025-03-16")
    misses = cache.misses
    swapped = client.get("/v1/events?to=2025-03-16&from=2025-03-10")
    assert cache.misses == misses + 1
    assert swapped.content == week.content


def test_invalid_queries_are_never_stored(client):
    for _ in range(2):
        response = client.get("/v1/events", params={"from": "2025-13-45"})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
    assert client.app.state.page_cache._entries == {}


def test_reads_behind_a_key_are_checked_every_time(database_url):
    """With TIMELINE_PUBLIC_READ=false no page is sent before the route's key check."""
    settings = Settings(database_url=database_url, api_keys="k", public_read=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as keyed:
        _store_event(keyed.app.state.engine, "Talks in Jeddah")
        with_key = {"Authorization": "Bearer k"}
        assert keyed.get("/v1/events", params=WEEK, headers=with_key).status_code == 200
        assert keyed.get("/v1/events", params=WEEK, headers=with_key).status_code == 200
        assert keyed.get("/v1/events", params=WEEK).status_code == 401


def test_stored_pages_carry_cors_headers(database_url):
    settings = Settings(database_url=database_url, cors_origins="https://news.example")
    with TestClient(create_app(settings), raise_server_exceptions=False) as browser:
        origin = {"Origin": "https://news.example"}
        browser.get("/v1/events", params=WEEK, headers=origin)
        hits = browser.app.state.page_cache.hits
        stored = browser.get("/v1/events", params=WEEK, headers=origin)
        assert browser.app.state.page_cache.hits == hits + 1
        assert stored.headers["access-control-allow-origin"] == "https://news.example"
        assert "ETag" in stored.headers["access-control-expose-headers"]


def test_concurrent_version_reads_share_a_query_begun_after_each_call(database_url, backend):
    """PostgreSQL's archive counter is read by one query for the calls that wait together, and
    a call never gets the answer of a query sent before it began: a commit made before the call
    shows, even while an older read is still in flight."""
    if backend != "postgresql":
        pytest.skip("SQLite's version is a pragma of the watcher's own connection, read at once")
    engine, other = create_db_engine(database_url), create_engine(database_url)
    watch = ArchiveWatch(engine)
    reads = []
    read_counter = watch._read_counter

    async def slow_read() -> int:
        value = await read_counter()  # the query runs now; its answer arrives later
        reads.append(value)
        await asyncio.sleep(0.3)
        return value

    watch._read_counter = slow_read

    async def scenario() -> None:
        _store_event(other, "Talks open")  # connected: the commit below takes milliseconds
        before = await watch.version()
        together = await asyncio.gather(*(watch.version() for _ in range(40)))
        assert set(together) == {before}
        assert len(reads) <= 3  # the first call's, then at most two for the forty
        in_flight = asyncio.ensure_future(watch.version())
        await asyncio.sleep(0.01)  # its query has run; its answer is on the way
        await asyncio.to_thread(_store_event, other, "Talks resume")
        after = await watch.version()
        assert in_flight.done() and in_flight.result() == before  # answered first
        assert after != before
        await watch.close()

    try:
        run(scenario())
    finally:
        engine.dispose()
        other.dispose()

"""Finished response bodies of read endpoints, kept while the archive does not change.

A timeline frontend asks for the same few weeks again and again. Building a page of events costs
milliseconds of SQL and Python; sending a stored one costs one cheap statement. A stored body is
only ever sent for the archive version it was built from (`app.db.ArchiveWatch`: any commit, by
any process, changes it), so no answer is ever stale.

A body is stored only when the version read before building it equals the one read after:
nothing was committed in between, so every query of the page saw the same archive.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import ArchiveWatch


def matches_entity_tag(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 If-None-Match: weak comparison against a list of tags, or `*`."""
    if not if_none_match:
        return False
    offered = [candidate.strip() for candidate in if_none_match.split(",")]
    return "*" in offered or tag in (candidate.removeprefix("W/") for candidate in offered)


def wants_fresh(cache_control: str | None) -> bool:
    """`Cache-Control: no-cache` (or `no-store`) from the client: build the page anew.

    Not `max-age=0`, which browsers send on every plain reload: a stored page is never stale
    (see the module), and they revalidate with If-None-Match anyway."""
    if not cache_control:
        return False
    directives = {part.strip().lower() for part in cache_control.split(",")}
    return bool(directives & {"no-cache", "no-store"})


@dataclass(frozen=True, slots=True)
class CachedBody:
    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> CachedBody:
        # A strong validator from the bytes themselves: equal ETags mean equal bodies.
        return cls(body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"')

    def answer(self, if_none_match: str | None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of the JSON page for a request with this If-None-Match."""
        # Caches may keep the body but must ask again; the ETag makes asking cheap.
        headers = {"ETag": self.etag, "Cache-Control": "no-cache"}
        if matches_entity_tag(if_none_match, self.etag):
            return 304, headers, b""
        return 200, {**headers, "Content-Type": "application/json"}, self.body


def page_key(path: str, query_string: bytes) -> tuple[str, bytes]:
    """A page's key: its path and query string as sent. The body is a function of them (and of
    the archive); two spellings of one query are two entries, never a wrong answer."""
    return (path, query_string)


async def _inline(build: Callable[[], bytes]) -> bytes:
    return build()


class PageCache:
    """Bodies by request key and archive version, least recently used first out, within a byte
    budget. Thread-safe: pages are built in the thread pool."""

    def __init__(self, engine: Engine, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # SQLite pages are built on the event loop: a read there never waits on I/O worth the
        # name (WAL readers do not wait for writers), and the hand-over to the thread pool cost
        # more than the page. Under load it was worse: the loop and the pool's threads took the
        # GIL in turns: one-week pages built anew ran at 440 requests/s, 640 inline (100,000
        # events, 16 connections).
        self._build = _inline if engine.dialect.name == "sqlite" else run_in_threadpool
        self._watch = ArchiveWatch(engine)
        self._entries: OrderedDict[Hashable, tuple[Hashable, CachedBody]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    async def body(
        self, key: Hashable, build: Callable[[], bytes], *, refresh: bool = False
    ) -> CachedBody:
        """The body for `key`: stored if still current (unless `refresh`), else built (in the
        thread pool: `build` may block) and stored when nothing was committed meanwhile.

        A page served from memory never leaves the event loop: the hand-over to the thread pool
        and back cost more than the rest of it."""
        before = await self._version() if self.enabled else None
        if before is None:
            return CachedBody.of(await self._build(build))
        if not refresh:
            stored = self._lookup(key, before)
            if stored is not None:
                return stored
            self.misses += 1
        cached = CachedBody.of(await self._build(build))
        if await self._version() == before:
            self._store(key, before, cached)
        return cached

    async def stored(self, key: Hashable) -> CachedBody | None:
        """The body stored for `key` if it is still current, else None (nothing is built)."""
        if not self.enabled:
            return None
        version = await self._version()
        return None if version is None else self._lookup(key, version)

    def _lookup(self, key: Hashable, version: Hashable) -> CachedBody | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    async def _version(self) -> Hashable | None:
        return await self._watch.version()

    async def close(self) -> None:
        await self._watch.close()

    def _store(self, key: Hashable, version: Hashable, cached: CachedBody) -> None:
        size = len(cached.body)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[1].body)
            self._entries[key] = (version, cached)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._size -= len(evicted.body)


class StoredPagesMiddleware:
    """Sends a stored page for a GET of `path` before routing, validation and dependencies:
    a page is only stored after the route built it from these very query parameters, so they
    were valid, and it is only sent while the archive is unchanged. Anything else (a first
    request, `Cache-Control: no-cache`, a changed archive) goes on to the route, which builds
    and stores the page. The outer middlewares still log, count and decorate the answer.

    Only for a server with open reads: where reads need a key, the route checks it each time.
    """

    def __init__(self, app: ASGIApp, *, cache: PageCache, path: str, route: object) -> None:
        self.app = app
        self.cache = cache
        self.path = path
        # The route a stored page stands for, named in the access log and the metrics.
        self.route = route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if wants_fresh(headers.get("cache-control")):
            await self.app(scope, receive, send)
            return
        page = await self.cache.stored(page_key(scope["path"], scope["query_string"]))
        if page is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = self.route
        status, answer_headers, body = page.answer(headers.get("if-none-match"))
        raw_headers = [
            (name.lower().encode(), value.encode()) for name, value in answer_headers.items()
        ]
        if status == 200:
            raw_headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})

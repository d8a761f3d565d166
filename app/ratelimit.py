"""Per-client write rate limit: an in-process token bucket per API key (else per client IP).

The buckets live in the memory of one server process: with `timeline serve --workers N` each
worker keeps its own, so a client may make up to N times the configured rate in total. A limit
shared by every process would need a shared store (Redis, the database); one process per container
behind a load balancer keeps the per-process figure exact per container.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Past this many tracked clients, buckets that have refilled completely are dropped: a full
# bucket is the same as no bucket, so forgetting it changes nothing but the memory used.
MAX_TRACKED_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """`rate_per_minute` tokens a minute per client, at most `burst` saved up. Thread-safe."""

    def __init__(
        self,
        rate_per_minute: int,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate_per_second = rate_per_minute / 60
        self.capacity = float(burst or rate_per_minute or 1)
        self.enabled = rate_per_minute > 0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, client: str) -> float:
        """Take one token for `client`: 0.0 when allowed, else the seconds until one is free."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= MAX_TRACKED_CLIENTS:
                    self._forget_full_buckets(now)
                bucket = self._buckets[client] = _Bucket(self.capacity, now)
            else:
                bucket.tokens = min(
                    self.capacity, bucket.tokens + (now - bucket.updated) * self.rate_per_second
                )
                bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate_per_second

    def _forget_full_buckets(self, now: float) -> None:
        full_after = self.capacity / self.rate_per_second
        for client, bucket in list(self._buckets.items()):
            if now - bucket.updated >= full_after:
                del self._buckets[client]


def retry_after_seconds(wait: float) -> int:
    """Retry-After is whole seconds; round up so that a retry at that time succeeds."""
    return max(1, math.ceil(wait))


def client_identity(*, api_key: str | None, client_host: str | None) -> str:
    """The bucket name: a digest of the key (never the key itself), else the client address."""
    if api_key:
        return "key:" + hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return "ip:" + (client_host or "unknown")

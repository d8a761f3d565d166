"""Logs and metrics: structured log lines on stderr and the Prometheus metrics behind /metrics.

Logging is configured once per app start (`configure_logging`): one JSON object per line on
stderr (or readable text on a terminal), for the service's own loggers and uvicorn's alike.

Metrics are process-wide (the prometheus-client registry). With `timeline serve --workers N`
each worker counts its own requests, so a scrape sees one worker's figures, unless
PROMETHEUS_MULTIPROC_DIR names an empty, writable folder before start: then /metrics adds up every
worker's files (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

# --- logging ---------------------------------------------------------------------------------

# Attributes every LogRecord has; anything else on a record came in through `extra=` and is
# written as a field of its own.
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colour codes
}
_OUR_HANDLER = "_timeline_handler"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the `extra=` fields, and the
    traceback as a single string field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(fields)s")

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            key: value
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_") and key != "fields"
        }
        record.fields = "".join(f" {key}={value}" for key, value in fields.items())
        return super().format(record)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _wants_json(log_format: str) -> bool:
    if log_format == "auto":
        return not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return log_format == "json"


def configure_logging(*, level: str = "info", log_format: str = "auto") -> None:
    """Route the service's and uvicorn's logs to one stderr handler. Idempotent: calling it again
    replaces the handler it installed before."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OUR_HANDLER, False):
            root.removeHandler(handler)
    handler = _StderrHandler()
    setattr(handler, _OUR_HANDLER, True)
    handler.setFormatter(JsonFormatter() if _wants_json(log_format) else TextFormatter())
    root.addHandler(handler)
    logging.getLogger("app").setLevel(level.upper())
    # uvicorn installs its own text handlers; send its lines through ours instead. Its access
    # log, when `timeline serve` turned it off (app.access replaces it), stays off.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        if uvicorn_logger.handlers:
            uvicorn_logger.handlers = []
            uvicorn_logger.propagate = True
    # The ingest log line feeds the ingest metrics, whatever level is configured for output.
    ingest_log = logging.getLogger("app.ingest")
    ingest_log.setLevel(logging.INFO)
    if not any(isinstance(h, _IngestMetricsHandler) for h in ingest_log.handlers):
        ingest_log.addHandler(_IngestMetricsHandler())
    # ...while what is printed still honours TIMELINE_LOG_LEVEL.
    handler.addFilter(_LevelGate(level))


class _LevelGate(logging.Filter):
    """Drop the service's own records below the configured level (app.ingest is kept at INFO
    for the metrics, so its level alone does not decide what is printed)."""

    def __init__(self, level: str) -> None:
        super().__init__()
        self.levelno = logging.getLevelName(level.upper())

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith("app") or record.levelno >= self.levelno


# --- metrics ---------------------------------------------------------------------------------

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "timeline_http_requests",
    "HTTP requests by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "timeline_http_request_duration_seconds",
    "Time from request start to the end of the response, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
ARTICLES_INGESTED = Counter("timeline_articles_ingested", "New articles stored.")
EVENTS_INGESTED = Counter(
    "timeline_events_ingested", "Event mentions extracted from new articles and stored."
)
RULES_FIRED = Counter(
    "timeline_rules_fired",
    "Temporal rules behind the stored mentions of new articles, by rule name.",
    ["rule"],
)
EXTRACTION_SECONDS = Histogram(
    "timeline_extraction_seconds",
    "Time to ingest one new article: resolve its dates, draft its events and store them.",
    buckets=LATENCY_BUCKETS,
)
RATE_LIMITED = Counter("timeline_rate_limited", "Writes refused with 429 by the rate limit.")

# Requests that match no route are counted under one label, so that scanners probing random
# paths cannot create a time series per path.
UNMATCHED_ROUTE = "<unmatched>"


def route_template(scope: dict[str, Any]) -> str:
    """The path template of the route that handled the request (`/v1/events/{event_id}`)."""
    route = scope.get("route")
    if route is None and "endpoint" in scope:
        # Plain Starlette routes (/openapi.json, /docs) name only their endpoint.
        for candidate in getattr(scope.get("app"), "routes", ()):
            if getattr(candidate, "endpoint", None) is scope["endpoint"]:
                route = candidate
                break
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path or UNMATCHED_ROUTE


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)
    if status == 429:
        RATE_LIMITED.inc()


class _IngestMetricsHandler(logging.Handler):
    """Turns the ingest log line (`app.ingest`, extras: events, rules, duration_ms) into
    metrics, so that the ingest code reports once and the numbers cannot disagree."""

    def emit(self, record: logging.LogRecord) -> None:
        events = getattr(record, "events", None)
        if events is None:
            return
        ARTICLES_INGESTED.inc()
        EVENTS_INGESTED.inc(events)
        for rule, count in (getattr(record, "rules", None) or {}).items():
            RULES_FIRED.labels(rule).inc(count)
        duration_ms = getattr(record, "duration_ms", None)
        if duration_ms is not None:
            EXTRACTION_SECONDS.observe(duration_ms / 1000)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics_endpoint(_request: Request) -> Response:
    """`GET /metrics`: Prometheus text exposition of this process's (or all workers') metrics."""
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)

"""The FastAPI application: routers, error handlers, middleware, and what start-up prepares."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from app import __version__, migrations
from app.actors.router import router as actors_router
from app.articles.router import router as articles_router
from app.config import MEBIBYTE, Settings, get_settings
from app.db import create_db_engine
from app.dependencies import ReadKey
from app.errors import install_error_handlers
from app.events.router import router as events_router
from app.health.router import router as health_router
from app.middleware import BodyLimitMiddleware, RequestIdMiddleware
from app.observability import configure_logging, metrics_endpoint
from app.page_cache import PageCache, StoredPagesMiddleware
from app.ratelimit import TokenBucketLimiter
from app.resolving.router import router as resolve_router
from app.temporal import resolve
from app.timeline.cors import install_cors
from app.timeline.page import mount_page_assets
from app.timeline.page import router as page_router
from app.timeline.router import router as timeline_router

DESCRIPTION = """
Turns news reports about ceasefire negotiations into a dated, queryable timeline.

Post an article with its publication time; the service finds every temporal expression,
resolves it in the article's own time zone, and stores the dated statements as events you can
query by date range. Writes need `Authorization: Bearer <key>` (keys from `TIMELINE_API_KEYS`).
"""


def _warm_up(app: FastAPI) -> None:
    # Compiles the temporal rules now, so the first request does not pay for it; the same for
    # the OpenAPI document (a third of a second to build), which FastAPI keeps once built.
    resolve("yesterday", datetime(2025, 1, 1, tzinfo=UTC))
    app.openapi()
    # What start-up built lives as long as the process: moved out of the collector's sight, a
    # full collection no longer walks it, which stalled every request in flight.
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, log_format=settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _warm_up(app)
        yield
        await app.state.page_cache.close()
        app.state.engine.dispose()

    app = FastAPI(
        title="Ceasefire Timeline",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = create_db_engine(settings.database_url)
    app.state.migration_head = migrations.head_revision()
    app.state.page_cache = PageCache(app.state.engine, settings.page_cache_mb * MEBIBYTE)
    app.state.write_limiter = TokenBucketLimiter(
        settings.write_rate_per_minute, settings.write_burst
    )
    install_error_handlers(app)
    app.include_router(health_router)
    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    # ReadKey lets everything through unless TIMELINE_PUBLIC_READ=false.
    for router in (articles_router, events_router, resolve_router):
        app.include_router(router, dependencies=[ReadKey])
    app.include_router(actors_router, dependencies=[ReadKey])
    app.include_router(timeline_router, dependencies=[ReadKey])
    app.include_router(page_router)
    mount_page_assets(app)
    # Middleware added first runs innermost: stored pages are sent inside the request id, the
    # access log, the metrics and CORS, like any answer.
    if settings.public_read:
        app.add_middleware(
            StoredPagesMiddleware,
            cache=app.state.page_cache,
            path=events_router.prefix,
            route=_route(events_router, events_router.prefix, "GET"),
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    install_cors(app, settings)
    return app


def _route(router: APIRouter, path: str, method: str) -> APIRoute:
    return next(
        route
        for route in router.routes
        if isinstance(route, APIRoute) and route.path == path and method in route.methods
    )

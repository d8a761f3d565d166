"""Cross-origin reads: browser pages on the origins in TIMELINE_CORS_ORIGINS may read the API."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from app.config import Settings


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Answer CORS for GET/HEAD from the configured origins; without origins, send no headers."""
    origins = settings.cors_origin_list
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        # Reads only: a write from another origin needs a preflight, and that preflight fails.
        allow_methods=["GET", "HEAD"],
        # Authorization: a server with TIMELINE_PUBLIC_READ=false wants a read key on reads too.
        allow_headers=["Accept", "If-None-Match", "Authorization"],
        expose_headers=["ETag", "Content-Disposition", "X-Request-Id"],
        max_age=600,
    )

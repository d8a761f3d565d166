"""The timeline page at `/`: our HTML, JS and CSS from web/, vis-timeline from web/node_modules.

vis-timeline is installed by `make install` (`npm ci` in web/) and never committed. Without it the
page still loads, lists the events and says how to install the library.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from app.errors import NotFound


def _web_dir() -> Path:
    """web/ beside the package in a checkout, or in the working directory (the Docker image)."""
    candidates = (Path(__file__).resolve().parents[2] / "web", Path.cwd() / "web")
    return next((path for path in candidates if (path / "index.html").is_file()), candidates[0])


WEB_DIR = _web_dir()
ASSETS_DIR = WEB_DIR / "assets"
VENDOR_FILES = {
    "vis-timeline.js": (
        "node_modules/vis-timeline/standalone/umd/vis-timeline-graph2d.min.js",
        "text/javascript; charset=utf-8",
    ),
    "vis-timeline.css": (
        "node_modules/vis-timeline/styles/vis-timeline-graph2d.min.css",
        "text/css; charset=utf-8",
    ),
}
# The page only ever loads its own files and reads this API; event text cannot add scripts.
# Styles may be inline because vis-timeline positions its items with style attributes.
PAGE_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
MISSING_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ceasefire Timeline</title></head>
<body><h1>Ceasefire Timeline</h1>
<p>The timeline page is not part of this installation (no <code>web/</code> folder beside the
<code>app</code> package). The API works: see <a href="/docs">/docs</a>, or
<a href="/v1/timeline">/v1/timeline</a> for the events.</p></body></html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def timeline_page() -> Response:
    index = WEB_DIR / "index.html"
    if not index.is_file():
        return HTMLResponse(MISSING_PAGE)
    return FileResponse(
        index,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": PAGE_SECURITY_POLICY, "Cache-Control": "no-cache"},
    )


@router.get("/vendor/{name}")
def vendor_file(name: str) -> Response:
    if name not in VENDOR_FILES:
        raise NotFound(f"No vendor file {name[:80]!r}; the page uses {', '.join(VENDOR_FILES)}.")
    relative, media_type = VENDOR_FILES[name]
    path = WEB_DIR / relative
    if not path.is_file():
        raise NotFound(
            f"{name} is not installed: run `make install` (it runs `npm ci` in web/) and reload."
        )
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})


def mount_page_assets(app: FastAPI) -> None:
    """Serve web/assets/ (our own JS and CSS) under /assets/."""
    app.mount("/assets", StaticFiles(directory=ASSETS_DIR, check_dir=False), name="assets")

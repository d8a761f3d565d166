"""The timeline page in a real headless Chromium, used the way a reader would use it.

Playwright (from PyPI) drives Debian's Chromium at /usr/bin/chromium: Playwright cannot download
its own browser on these machines. Locally a missing Chromium skips these tests; with CI=true it
fails them. Screenshots go to artifacts/ (git-ignored); with TIMELINE_DOCS_SCREENSHOT=1 the
overview is also written to docs/timeline-page.png, the picture in the README.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT, in_ci
from tests.live_server import LiveServer, live_server
from tests.seed_expectations import find_event

pytestmark = pytest.mark.e2e

CHROMIUM = Path(os.environ.get("TIMELINE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO_ROOT / "artifacts"
DOCS_SCREENSHOT = REPO_ROOT / "docs" / "timeline-page.png"
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if in_ci():
            pytest.fail(message + " (CI=true: the browser test must run)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    opened = context.new_page()
    opened.set_default_timeout(TIMEOUT_MS)
    script_errors: list[str] = []
    opened.on("pageerror", lambda error: script_errors.append(str(error)))
    yield opened
    context.close()
    assert not script_errors, f"the page raised: {script_errors}"


def _events(server: LiveServer, **params: str) -> list[dict]:
    response = httpx.get(f"{server.base}/v1/events", params={**params, "limit": 500})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _open(page, server: LiveServer) -> None:
    page.goto(f"{server.base}/")
    page.wait_for_selector("body[data-ready='true']")


def _filter(page, date_from: str, date_to: str) -> None:
    page.fill("#filter-from", date_from)
    page.fill("#filter-to", date_to)
    page.click("#apply")
    # The click starts a request; wait until the page has drawn its answer, not the old list.
    page.wait_for_selector("body[data-loading='false']")


def _screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def test_reader_finds_filters_and_reads_the_sources(page, server):
    jeddah = find_event(
        _events(server, **{"from": "2025-03-11", "to": "2025-03-11"}), ("Saudi Arabia", "meeting")
    )
    incursion = find_event(
        _events(server, **{"from": "2024-08-01", "to": "2024-08-31"}), ("stunned the Russian army",)
    )
    assert jeddah and incursion

    _open(page, server)
    assert page.locator("#notice").is_hidden()
    assert page.locator(".vis-timeline").is_visible()
    # The Jeddah meeting is on the timeline and in the list, dated 11 March 2025.
    assert page.locator(".vis-item", has_text=jeddah["title"]).count() == 1
    entry = page.locator(".event-button", has_text=jeddah["title"])
    assert "11 March 2025" in entry.inner_text()

    # August 2024 alone: the Kursk incursion is one month-long band, not a dot on 1 August.
    _filter(page, "2024-08-01", "2024-08-31")
    page.wait_for_function("() => document.querySelectorAll('.event-button').length === 1")
    band = page.locator(".vis-item.granularity-month", has_text=incursion["title"])
    band.wait_for()
    assert page.locator(".vis-item .item-label").count() == 1
    box = band.bounding_box()
    timeline_box = page.locator(".vis-center").bounding_box()
    assert box["width"] > 0.8 * timeline_box["width"], (box, timeline_box)
    assert "August 2024" in page.locator(".event-button").inner_text()

    # Click it: its sentence, the date phrase marked, and a link to the article.
    band.click()
    details = page.locator("#details")
    details.locator(".event-title", has_text=incursion["title"]).wait_for()
    source = incursion["sources"][0]
    assert details.locator(".sentence").first.inner_text() == source["sentence"]
    assert details.locator("mark.phrase").first.inner_text() == source["phrase"] == "August"
    assert details.locator("a").first.get_attribute("href") == source["url"]
    assert "August 2024" in details.locator(".when").text_content()
    _screenshot(page, "timeline-august-2024.png")

    # Back to everything; choosing the Jeddah meeting in the list selects it on the timeline.
    page.click("#reset-filters")
    page.locator(".vis-item", has_text=jeddah["title"]).wait_for()
    page.locator(".event-button", has_text=jeddah["title"]).click()
    details.locator(".event-title", has_text=jeddah["title"]).wait_for()
    marked = details.locator("mark.phrase").first.inner_text()
    assert marked == jeddah["sources"][0]["phrase"]
    assert "Saudi Arabia" in details.locator(".sentence").first.inner_text()
    assert page.locator(".vis-item.vis-selected", has_text=jeddah["title"]).count() == 1
    overview = _screenshot(page, "timeline-page.png")
    if os.environ.get("TIMELINE_DOCS_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(overview, DOCS_SCREENSHOT)


def test_category_and_text_filters(page, server):
    _open(page, server)
    page.select_option("#filter-category", "talks")
    page.click("#apply")
    page.wait_for_selector("body[data-loading='false']")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.entry-category')]"
        ".every(node => node.textContent === 'talks')"
    )
    talks = _events(server, category="talks")
    page.wait_for_function(
        f"() => document.querySelectorAll('.vis-item .item-label').length === {len(talks)}"
    )

    page.select_option("#filter-category", "")
    page.fill("#filter-q", "Gerasimov")
    page.click("#apply")
    page.wait_for_selector("body[data-loading='false']")
    matching = _events(server, q="Gerasimov")
    page.wait_for_function(
        f"() => document.querySelectorAll('.event-button').length === {len(matching)}"
    )
    assert "?q=Gerasimov&format=csv" in page.locator("#download-csv").get_attribute("href")


def test_page_without_the_library_lists_events_and_says_how_to_fix_it(page, server):
    page.route("**/vendor/vis-timeline.js", lambda route: route.abort())
    _open(page, server)
    notice = page.locator("#notice")
    assert notice.is_visible()
    assert "make install" in notice.inner_text()
    assert page.locator(".event-button").count() == len(_events(server))


def test_event_text_is_never_markup(page, server):
    hostile = {
        "text": 'Yesterday, <img src=x onerror="window.pwned=1"> delegates met in Geneva '
        "<script>window.pwned=2</script> to discuss the truce.",
        "published_at": "2025-03-21T10:00:00+01:00",
        "title": "<b>bold</b> claim",
    }
    created = httpx.post(
        f"{server.base}/v1/articles",
        json=hostile,
        headers={"Authorization": f"Bearer {server.key}"},
    )
    assert created.status_code == 201, created.text
    article = created.json()
    try:
        assert article["events"], "the hostile article produced no event to render"
        _open(page, server)
        _filter(page, "2025-03-20", "2025-03-20")
        page.locator(".event-button").first.click()
        page.locator("#details .sentence").first.wait_for()
        assert "<img" in page.locator("#details .sentence").first.inner_text()
        assert page.locator("img, script:not([src])").count() == 0
        assert page.locator("#details a").count() == 0  # no URL, no link
        assert page.evaluate("() => window.pwned") is None
    finally:
        httpx.delete(
            f"{server.base}/v1/articles/{article['id']}",
            headers={"Authorization": f"Bearer {server.key}"},
        )

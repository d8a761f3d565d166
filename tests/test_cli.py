"""The `timeline` command: every subcommand has --help; resolve, ingest and export work."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings

runner = CliRunner()


@pytest.mark.parametrize("command", ["serve", "migrate", "seed", "ingest", "resolve", "export"])
def test_every_command_has_help(command):
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_resolve_prints_the_expressions_as_json():
    result = runner.invoke(
        cli, ["resolve", "Yesterday they met.", "--reference-time", "2025-03-12T20:00:00+02:00"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["timezone"] == "+02:00"
    assert data["expressions"][0]["value"] == "2025-03-11"


def test_resolve_refuses_a_naive_time_without_zone():
    result = runner.invoke(cli, ["resolve", "today", "--reference-time", "2025-03-12T20:00:00"])
    assert result.exit_code == 2


@pytest.fixture
def cli_database(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_ingest_then_export_csv_and_ndjson(cli_database, tmp_path):
    articles = tmp_path / "articles.ndjson"
    articles.write_text(
        "\n".join(
            json.dumps(
                {
                    "text": f"Talks round {day} opened today in Istanbul.",
                    "published_at": f"2025-05-{day:02d}T10:00:00+03:00",
                    "url": f"https://example.org/{day}",
                }
            )
            for day in (1, 2, 3)
        )
    )
    plain = tmp_path / "plain.txt"
    plain.write_text("Yesterday the delegations met in Jeddah.")
    result = runner.invoke(
        cli,
        [
            "ingest",
            str(articles),
            str(plain),
            "--published-at",
            "2025-03-12T20:00:00",
            "--timezone",
            "Asia/Jerusalem",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Ingested 4 new, 0 already stored, 0 failed" in result.output
    again = runner.invoke(cli, ["ingest", str(articles)])
    assert "0 new, 3 already stored" in again.output

    exported = runner.invoke(cli, ["export", "--format", "csv", "--from", "2025-05-01"])
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [row["date_start"] for row in rows] == ["2025-05-01", "2025-05-02", "2025-05-03"]
    assert rows[0]["sources"] == "https://example.org/1"

    ndjson = runner.invoke(cli, ["export", "--format", "ndjson"])
    lines = [json.loads(line) for line in ndjson.stdout.splitlines()]
    assert lines[0]["date_start"] == "2025-03-11"
    assert len(lines) == 4


def test_migrate_fills_the_event_documents_an_archive_lacks(cli_database, tmp_path):
    from sqlalchemy import create_engine, text

    from app.migrations import head_revision

    articles = tmp_path / "articles.ndjson"
    articles.write_text(
        json.dumps(
            {
                "text": "Talks opened today in Istanbul. Yesterday the delegations arrived.",
                "published_at": "2025-05-02T10:00:00+03:00",
            }
        )
    )
    assert runner.invoke(cli, ["ingest", str(articles)]).exit_code == 0
    engine = create_engine(cli_database)
    missing = text("SELECT count(*) FROM events WHERE document IS NULL OR csv_row IS NULL")
    try:
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 2
            assert connection.execute(missing).scalar() == 0
            exported = runner.invoke(cli, ["export", "--format", "ndjson"]).stdout
            # As an archive from before the documents were stored.
            connection.execute(text("UPDATE events SET document = NULL, csv_row = NULL"))
        # Named by its id, the head fills them too (the default, "head", in test_documents).
        result = runner.invoke(cli, ["migrate", "--revision", head_revision()])
        assert result.exit_code == 0, result.output
        with engine.connect() as connection:
            assert connection.execute(missing).scalar() == 0
        assert runner.invoke(cli, ["export", "--format", "ndjson"]).stdout == exported
    finally:
        engine.dispose()


def test_ingest_reports_bad_records_and_fails(cli_database, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"text": "", "published_at": "2025-03-12T20:00:00Z"}]))
    result = runner.invoke(cli, ["ingest", str(bad)])
    assert result.exit_code == 1
    assert "1 failed" in result.output


@pytest.fixture
def unusable_database(monkeypatch, tmp_path, request):
    """DATABASE_URL naming a database the commands cannot use: an unmigrated SQLite file, or a
    PostgreSQL server nobody listens for."""
    url = {
        "unmigrated": f"sqlite:///{tmp_path / 'empty.db'}",
        "unreachable": "postgresql+psycopg://postgres:secret@127.0.0.1:1/timeline",
    }[request.param]
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield request.param
    get_settings.cache_clear()


@pytest.mark.parametrize("unusable_database", ["unmigrated", "unreachable"], indirect=True)
@pytest.mark.parametrize("command", ["seed", "ingest", "export"])
def test_commands_explain_a_database_they_cannot_use(unusable_database, command, tmp_path):
    articles = tmp_path / "articles.ndjson"
    articles.write_text(
        json.dumps({"text": "Talks opened today.", "published_at": "2025-05-01T10:00:00Z"})
    )
    arguments = {"seed": [], "ingest": [str(articles)], "export": ["--format", "csv"]}[command]
    result = runner.invoke(cli, [command, *arguments])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # said, not raised
    if unusable_database == "unmigrated":
        assert "is not migrated" in result.output and "timeline migrate" in result.output
    else:
        assert "Cannot reach the database" in result.output
        assert "secret" not in result.output  # the password stays out of the message
    assert "Traceback" not in result.output


def test_migrate_explains_an_unreachable_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/timeline")
    get_settings.cache_clear()
    try:
        result = runner.invoke(cli, ["migrate"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "Cannot reach the database" in result.output

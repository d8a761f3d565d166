"""`timeline ingest`: folders and NDJSON in bulk, idempotent, resumable after a kill, and a bad
input file stops the run with a clear message before anything is stored."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from app.articles.models import Article
from app.cli import cli
from app.config import get_settings
from app.db import create_db_engine
from app.events.models import Event, Mention
from benchmarks.events import load_corpus
from tests.ingest.snapshot import snapshot

runner = CliRunner()
TIMELINE = str(Path(sys.executable).parent / "timeline")


@pytest.fixture
def cli_database(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def records(copies: int = 1) -> list[dict]:
    """The fixture reports as article records; `copies` > 1 adds distinct variants of each."""
    found = []
    for copy in range(copies):
        for report in load_corpus().reports:
            suffix = f" (Copy {copy}.)" if copy else ""
            found.append(
                {
                    "text": report.text + suffix,
                    "published_at": report.published_at.isoformat(),
                    "timezone": report.timezone,
                    "source": report.source,
                    "url": f"https://example.org/{copy}/{report.file}",
                    "title": report.file,
                }
            )
    return found


def counts(database_url: str) -> tuple[int, int, int]:
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            return tuple(
                session.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Article, Event, Mention)
            )
    finally:
        engine.dispose()


def write_ndjson(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def test_a_folder_of_json_ndjson_and_text_is_ingested_once(cli_database, tmp_path):
    items = records()
    folder = tmp_path / "in"
    (folder / "more").mkdir(parents=True)
    write_ndjson(folder / "a.ndjson", items[:10])
    (folder / "b.json").write_text(json.dumps(items[10:20]), encoding="utf-8")
    (folder / "more" / "c.jsonl").write_text(
        "".join(json.dumps(item) + "\n" for item in items[20:]), encoding="utf-8"
    )
    (folder / "more" / "d.txt").write_text("Yesterday the delegations met in Jeddah.")
    (folder / ".hidden.json").write_text("not json at all")
    (folder / "notes.md").write_text("# not an article")
    args = ["ingest", str(folder), "--published-at", "2025-03-12T20:00:00+02:00", "--workers", "2"]
    result = runner.invoke(cli, [*args, "--batch-size", "7"])
    assert result.exit_code == 0, result.output
    assert f"Ingested {len(items) + 1} new, 0 already stored, 0 failed" in result.output
    stored = counts(cli_database)
    assert stored[0] == len(items) + 1 and stored[1] > 15
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert f"Ingested 0 new, {len(items) + 1} already stored" in again.output
    assert counts(cli_database) == stored


def test_a_bad_record_stops_the_run_before_anything_is_stored(cli_database, tmp_path):
    items = records()[:6]
    good = write_ndjson(tmp_path / "good.ndjson", items[:3])
    bad = tmp_path / "bad.ndjson"
    bad.write_text(
        json.dumps(items[3])
        + "\n"
        + '{"text": "Talks resumed today.", "published_at": "yesterday"}\n'
        + "{not json\n"
        + json.dumps({**items[4], "url": "ftp://example.org/x"})
        + "\n"
        + "[1, 2]\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["ingest", str(good), str(bad)])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert f"{bad}:2: published_at:" in output
    assert f"{bad}:3: cannot be read:" in output
    assert f"{bad}:4: url: Value error, url must start with http:// or https://" in output
    assert f"{bad}:5: expected a JSON object" in output
    assert "4 failed: nothing was stored" in output
    assert counts(cli_database) == (0, 0, 0)

    skipped = runner.invoke(cli, ["ingest", str(good), str(bad), "--skip-invalid"])
    assert skipped.exit_code == 1
    assert "Ingested 4 new, 0 already stored, 4 failed" in " ".join(skipped.output.split())
    assert counts(cli_database)[0] == 4


def test_plain_text_without_a_publication_time_is_refused(cli_database, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("Yesterday the delegations met in Jeddah.")
    result = runner.invoke(cli, ["ingest", str(text)])
    assert result.exit_code == 1
    assert "needs --published-at" in result.output
    assert counts(cli_database) == (0, 0, 0)


def test_a_killed_run_leaves_whole_batches_and_a_rerun_stores_the_rest_once(cli_database, tmp_path):
    items = records(copies=12)  # 288 articles
    source = write_ndjson(tmp_path / "articles.ndjson", items)
    env = {**os.environ, "DATABASE_URL": cli_database}
    command = [TIMELINE, "ingest", str(source), "--batch-size", "8", "--workers", "0"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while counts(cli_database)[0] < 16 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    stored = counts(cli_database)[0]
    assert 16 <= stored < len(items), "the run was not interrupted midway"
    assert stored % 8 == 0  # whole batches only
    engine = create_db_engine(cli_database)
    try:
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        message = " ".join(rerun.stderr.split())
        assert f"Ingested {len(items) - stored} new, {stored} already stored" in message
        with Session(engine) as session:
            resumed = snapshot(session)
        assert len(resumed["articles"]) == len(items)
    finally:
        engine.dispose()

    # The same as one uninterrupted run: no article was left half stored by the kill (the rerun
    # skips stored articles, so a partial one would stay partial).
    from app.models import metadata

    engine = create_db_engine(cli_database)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    clean = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stderr
    with Session(engine) as session:
        assert snapshot(session) == resumed
    engine.dispose()

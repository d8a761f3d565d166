"""The extraction pool gives what extraction in this process gives, whether a job was started
ahead (`Extractor.speculate`) or not, and restarts its workers when the gazetteer changes; and
`timeline ingest`, which starts the workers before it reads the curators' actors, stores what
ingest in one process stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import Session
from typer.testing import CliRunner

from app.actors import service as actor_service
from app.actors.schemas import ActorCreate
from app.articles import service as article_service
from app.articles.extraction_pool import Extractor, Job, extract, yaml_gazetteers
from app.articles.schemas import ArticleCreate
from app.cli import cli
from app.config import get_settings
from app.db import create_db_engine
from app.events.gazetteer import Actor
from benchmarks.events import load_corpus
from tests.ingest.snapshot import snapshot
from tests.ingest.test_ingest_many import clear

NEWCOMER = "Zorblat Quux"
# A happening of its own (no other report tells of 2 February), so that where it goes does not
# hang on a tie between events, which their random ids would break.
NEWCOMER_TEXT = f"On 2 February 2025, {NEWCOMER} visited the front line near Reykjavik."


def corpus_jobs() -> list[Job]:
    return [
        Job(report.text, report.published_at, report.timezone, "en")
        for report in load_corpus().reports
    ]


def drafts(extracted) -> list:
    return [extracted_one.drafts for extracted_one in extracted]


def test_speculated_and_submitted_jobs_give_what_this_process_extracts():
    gazetteers = yaml_gazetteers(["en"])
    jobs = corpus_jobs()[:12]
    expected = [extract(job, gazetteers).drafts for job in jobs]
    with Extractor(gazetteers, 2) as extractor:
        # Ahead: the first eight; two of them are never asked for (stored articles, say).
        extractor.speculate(jobs[:8])
        wanted = [1, 9, 3, 0, 10, 7, 11, 4, 5]
        results = list(extractor.results(extractor.submit([jobs[i] for i in wanted])))
    assert drafts(results) == [expected[i] for i in wanted]


def test_other_gazetteers_restart_the_workers_and_drop_what_was_done_ahead():
    base = yaml_gazetteers(["en"])
    merged = {"en": base["en"].with_actors([(Actor(NEWCOMER, "person", "Quux", None), [NEWCOMER])])}
    job = Job(NEWCOMER_TEXT, datetime(2025, 2, 3, tzinfo=UTC), "UTC", "en")
    before = extract(job, base).drafts
    after = extract(job, merged).drafts
    assert before != after and NEWCOMER in after[0].actors
    with Extractor(base, 2) as extractor:
        extractor.speculate([job])
        extractor.use(dict(base))  # the same gazetteers: nothing changes
        assert drafts(extractor.results(extractor.submit([job]))) == [before]
        extractor.speculate([job])
        extractor.use(merged)
        assert drafts(extractor.results(extractor.submit([job]))) == [after]


def test_the_command_uses_the_curators_actors_like_ingest_in_one_process(
    database_url, monkeypatch, tmp_path
):
    """`timeline ingest` starts its workers with the data files' gazetteer, before it reads
    the database; an actor a curator added must still be found in every article."""
    reports = load_corpus().reports[:8]
    records = [
        {
            "text": (NEWCOMER_TEXT + "\n\n" if index == 2 else "") + report.text,
            "published_at": report.published_at.isoformat(),
            "timezone": report.timezone,
            "url": f"https://example.org/{report.file}",
            "title": report.file,
        }
        for index, report in enumerate(reports)
    ]
    source = tmp_path / "articles.ndjson"
    source.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    engine = create_db_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            actor_service.create(session, ActorCreate(name=NEWCOMER, kind="person"))
        monkeypatch.setenv("DATABASE_URL", database_url)
        get_settings.cache_clear()
        try:
            args = ["ingest", str(source), "--workers", "2", "--batch-size", "3"]
            result = CliRunner().invoke(cli, args)
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        with Session(engine, expire_on_commit=False) as session:
            by_command = snapshot(session)
        assert NEWCOMER in repr(by_command)

        clear(engine)
        with Session(engine, expire_on_commit=False) as session:
            actor_service.create(session, ActorCreate(name=NEWCOMER, kind="person"))
            article_service.ingest_many(
                session,
                [ArticleCreate.model_validate(record) for record in records],
                max_text_bytes=1 << 20,
                workers=0,
                batch_size=3,
            )
            assert snapshot(session) == by_command
    finally:
        actor_service.invalidate()
        engine.dispose()

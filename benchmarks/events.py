"""Events benchmark: extraction and consolidation on the fixture corpus, and ingest speed.

    .venv/bin/python benchmarks/events.py [--articles N] [--words W] [--json]

Quality, on `tests/fixtures/reports/` and its `truth.yaml` (every report ingested in publication
order through the service layer into a fresh, migrated SQLite database, consolidation on):

* **mention recall** — share of annotated sentences that became a mention;
* **date accuracy** — share of those whose event, after consolidation, has the happening's true
  dates (`date_start` and `date_end` both right);
* **B-cubed F1** — clustering of those mentions into events against the true happenings;
* **events real** — share of extracted events backed by at least one annotated sentence.

Speed: N synthetic articles of ~W words, each a different rotation of the corpus reports (so
consolidation has real work: most sentences join events), ingested on SQLite with
consolidation on, and again with it off, in the same run: one by one through
`app.articles.service.ingest` (what `POST /v1/articles` does), and in bulk through
`app.articles.service.ingest_many` (what `timeline ingest` does). Extraction (temporal
resolution included) is timed alone, in one process, as the floor of one-by-one ingest. The
writer of `ingest_many` is then timed alone too (drafts extracted beforehand; CPU time), with
and without the full-text search triggers, to show what each part of ingest costs.

Prints a Markdown block for the "## Events" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml
from sqlmodel import Session, select

from benchmarks.common import (
    REPO_ROOT,
    command_line,
    machine_description,
    machine_markdown,
    markdown_table,
)

CORPUS_DIR = REPO_ROOT / "tests" / "fixtures" / "reports"
TARGETS = {"date_accuracy": 0.95, "bcubed_f1": 0.90, "events_real": 0.90}
SPEED_TARGET = 100.0  # articles of ~1,000 words per second, consolidation on
MAX_TEXT_BYTES = 1 << 20


@dataclass(frozen=True)
class Annotation:
    sentence: str
    happening: str


@dataclass(frozen=True)
class Report:
    file: str
    text: str
    published_at: datetime
    timezone: str
    source: str
    annotations: tuple[Annotation, ...]

    def to_article(self, url: str | None = None):
        """The report as the service's input (`ArticleCreate`), titled by its file name."""
        from app.articles.schemas import ArticleCreate

        return ArticleCreate(
            text=self.text,
            published_at=self.published_at,
            timezone=self.timezone,
            source=self.source,
            url=url,
            title=self.file,
        )


@dataclass
class Corpus:
    happenings: dict[str, tuple[date, date, str]]
    reports: list[Report]


@dataclass
class Quality:
    annotated: int
    found: int
    dated_right: int
    events: int
    real_events: int
    happenings: int
    bcubed_precision: float
    bcubed_recall: float
    misses: list[str] = field(default_factory=list)
    wrong_dates: list[str] = field(default_factory=list)
    unreal: list[str] = field(default_factory=list)

    @property
    def mention_recall(self) -> float:
        return self.found / self.annotated if self.annotated else 0.0

    @property
    def date_accuracy(self) -> float:
        return self.dated_right / self.found if self.found else 0.0

    @property
    def bcubed_f1(self) -> float:
        p, r = self.bcubed_precision, self.bcubed_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def events_real(self) -> float:
        return self.real_events / self.events if self.events else 0.0


def load_corpus(directory: Path = CORPUS_DIR) -> Corpus:
    truth = yaml.safe_load((directory / "truth.yaml").read_text(encoding="utf-8"))
    happenings = {
        key: (value["date"], value.get("date_end", value["date"]), value["title"])
        for key, value in truth["happenings"].items()
    }
    reports = []
    for entry in truth["reports"]:
        text = (directory / entry["file"]).read_text(encoding="utf-8")
        annotations = tuple(Annotation(m["sentence"], m["happening"]) for m in entry["mentions"])
        for annotation in annotations:
            if annotation.sentence not in text:
                raise ValueError(f"{entry['file']}: {annotation.sentence!r} is not in the text")
            if annotation.happening not in happenings:
                raise ValueError(f"{entry['file']}: unknown happening {annotation.happening!r}")
        reports.append(
            Report(
                file=entry["file"],
                text=text,
                published_at=datetime.fromisoformat(entry["published_at"]),
                timezone=entry["timezone"],
                source=entry["source"],
                annotations=annotations,
            )
        )
    reports.sort(key=lambda report: report.published_at)
    return Corpus(happenings, reports)


def fresh_database(directory: Path):
    """A migrated SQLite database in `directory` and its engine."""
    from app import migrations
    from app.db import create_db_engine

    url = f"sqlite:///{directory / 'events-benchmark.db'}"
    migrations.upgrade(url)
    return create_db_engine(url)


def ingest(session: Session, report: Report, *, consolidate: bool = True, url: str | None = None):
    from app.articles import service as article_service
    from app.articles.schemas import ArticleCreate

    data = ArticleCreate(
        text=report.text,
        published_at=report.published_at,
        timezone=report.timezone,
        source=report.source,
        url=url,
        title=report.file,
    )
    return article_service.ingest(
        session, data, max_text_bytes=MAX_TEXT_BYTES, consolidate=consolidate
    )


def bcubed(predicted: dict[int, object], gold: dict[int, str]) -> tuple[float, float]:
    """B-cubed precision and recall of a clustering of items against the gold one."""
    by_predicted: dict[object, set[int]] = defaultdict(set)
    by_gold: dict[str, set[int]] = defaultdict(set)
    for item, cluster in predicted.items():
        by_predicted[cluster].add(item)
        by_gold[gold[item]].add(item)
    if not predicted:
        return 0.0, 0.0
    precision = recall = 0.0
    for item in predicted:
        same_predicted = by_predicted[predicted[item]]
        same_gold = by_gold[gold[item]]
        correct = len(same_predicted & same_gold)
        precision += correct / len(same_predicted)
        recall += correct / len(same_gold)
    return precision / len(predicted), recall / len(predicted)


def evaluate(corpus: Corpus, session: Session) -> Quality:
    """Ingest the corpus through the service layer and score the stored events."""
    from app.events import repository as event_repository
    from app.events.models import Event

    predicted: dict[int, object] = {}
    gold: dict[int, str] = {}
    annotated = 0
    dated_right = 0
    misses, wrong_dates = [], []
    real_event_ids: set = set()
    item = 0
    for report in corpus.reports:
        ingested = ingest(session, report)
        mentions = event_repository.mentions_of_article(session, ingested.id)
        for annotation in report.annotations:
            annotated += 1
            found = [m for m in mentions if annotation.sentence in m.sentence]
            if not found:
                misses.append(f"{report.file}: {annotation.sentence}")
                continue
            predicted[item] = found[0].event_id
            gold[item] = annotation.happening
            item += 1
    events = {event.id: event for event in session.exec(select(Event)).all()}
    for index, event_id in predicted.items():
        event = events[event_id]
        real_event_ids.add(event_id)
        true_start, true_end, _ = corpus.happenings[gold[index]]
        if (event.date_start, event.date_end) == (true_start, true_end):
            dated_right += 1
        else:
            wrong_dates.append(
                f"{gold[index]}: event {event.title!r} {event.date_start}..{event.date_end}, "
                f"true {true_start}..{true_end}"
            )
    precision, recall = bcubed(predicted, gold)
    unreal = [
        f"{event.title!r} {event.date_start}"
        for event_id, event in events.items()
        if event_id not in real_event_ids
    ]
    return Quality(
        annotated=annotated,
        found=len(predicted),
        dated_right=dated_right,
        events=len(events),
        real_events=len(real_event_ids),
        happenings=len(set(gold.values())),
        bcubed_precision=precision,
        bcubed_recall=recall,
        misses=misses,
        wrong_dates=wrong_dates,
        unreal=unreal,
    )


def measure_quality(corpus: Corpus | None = None) -> Quality:
    corpus = corpus or load_corpus()
    with tempfile.TemporaryDirectory() as directory:
        engine = fresh_database(Path(directory))
        try:
            with Session(engine, expire_on_commit=False) as session:
                return evaluate(corpus, session)
        finally:
            engine.dispose()


def synthetic_articles(corpus: Corpus, count: int, words: int) -> list[Report]:
    """`count` distinct articles of about `words` words, each a rotation of the corpus reports."""
    reports = corpus.reports
    articles = []
    for number in range(count):
        parts, size, index = [], 0, number % len(reports)
        first = reports[index]
        while size < words:
            text = reports[index % len(reports)].text.strip()
            parts.append(text)
            size += len(text.split())
            index += 1
        parts.append(f"This is digest number {number}.")
        articles.append(
            Report(
                file=f"digest-{number}",
                text="\n\n".join(parts),
                published_at=first.published_at,
                timezone=first.timezone,
                source="Digest",
                annotations=(),
            )
        )
    return articles


@dataclass
class Speed:
    mode: str
    articles: int
    words: int
    seconds: float
    events: int

    @property
    def per_second(self) -> float:
        return self.articles / self.seconds

    @property
    def ms_per_article(self) -> float:
        return 1000 * self.seconds / self.articles


def measure_speed(
    corpus: Corpus, count: int, words: int, workers: int | None = None
) -> list[Speed]:
    from app.events.models import Event
    from app.events.service import drafts_from_text

    articles = synthetic_articles(corpus, count, words)
    total_words = sum(len(article.text.split()) for article in articles)
    results = []
    # Warm the caches (rules, gazetteer) outside the timed loops.
    drafts_from_text(articles[0].text, published_at=articles[0].published_at, timezone="UTC")
    started = time.perf_counter()
    for article in articles:
        drafts_from_text(article.text, published_at=article.published_at, timezone=article.timezone)
    results.append(
        Speed("extraction only (no database)", count, total_words, time.perf_counter() - started, 0)
    )
    from app.articles.extraction_pool import default_workers

    workers = default_workers() if workers is None else workers
    for mode, consolidate, batch in (
        ("ingest, consolidation off", False, False),
        ("ingest, consolidation on", True, False),
        (f"ingest_many ({workers} workers), consolidation off", False, True),
        (f"ingest_many ({workers} workers), consolidation on", True, True),
    ):
        with tempfile.TemporaryDirectory() as directory:
            engine = fresh_database(Path(directory))
            try:
                with Session(engine, expire_on_commit=False) as session:
                    started = time.perf_counter()
                    if batch:
                        ingest_batch(session, articles, consolidate=consolidate, workers=workers)
                    else:
                        for article in articles:
                            ingest(session, article, consolidate=consolidate)
                    seconds = time.perf_counter() - started
                    events = len(session.exec(select(Event.id)).all())
            finally:
                engine.dispose()
        results.append(Speed(mode, count, total_words, seconds, events))
    return results


@dataclass
class WriterCost:
    mode: str
    articles: int
    cpu_seconds: float  # this process's CPU time: Python, SQLAlchemy and SQLite together
    events: int

    @property
    def ms_per_article(self) -> float:
        return 1000 * self.cpu_seconds / self.articles


WRITER_MODES = (
    ("consolidation on", True, True),
    ("consolidation on, full-text triggers dropped", True, False),
    ("consolidation off", False, True),
    ("consolidation off, full-text triggers dropped", False, False),
)


def measure_writer(corpus: Corpus, count: int, words: int) -> list[WriterCost]:
    """The writer of `ingest_many` alone: the articles' drafts are extracted first, outside the
    timing, and handed to it in place of the worker processes (0 workers, extraction replaced
    by a lookup), so what is timed is consolidation, the inserts and the commits. Each mode
    gets a fresh database; "triggers dropped" removes the full-text search triggers of
    `events_search` from it, to show what keeping the index in step costs."""
    from sqlalchemy import text

    from app.articles import extraction_pool
    from app.events.gazetteer import load_gazetteer
    from app.events.models import Event

    articles = synthetic_articles(corpus, count, words)
    gazetteers = {"en": load_gazetteer("en")}
    extracted = {
        article.text: extraction_pool.extract(
            extraction_pool.Job(article.text, article.published_at, article.timezone, "en"),
            gazetteers,
        )
        for article in articles
    }
    results = []
    original = extraction_pool.extract
    extraction_pool.extract = lambda job, gazetteers=None: extracted[job.text]
    try:
        # The first mode twice: its first run warms this process's caches and is not kept.
        for index, (mode, consolidate, triggers) in enumerate((WRITER_MODES[0], *WRITER_MODES)):
            with tempfile.TemporaryDirectory() as directory:
                engine = fresh_database(Path(directory))
                try:
                    if not triggers:
                        with engine.begin() as connection:
                            names = connection.execute(
                                text(
                                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                    "AND name LIKE 'events_search_%'"
                                )
                            ).scalars()
                            for name in list(names):
                                connection.execute(text(f'DROP TRIGGER "{name}"'))
                    with Session(engine, expire_on_commit=False) as session:
                        started = time.process_time()
                        ingest_batch(session, articles, consolidate=consolidate, workers=0)
                        seconds = time.process_time() - started
                        events = len(session.exec(select(Event.id)).all())
                finally:
                    engine.dispose()
            if index:
                results.append(WriterCost(mode, count, seconds, events))
    finally:
        extraction_pool.extract = original
    return results


def ingest_batch(session: Session, reports: list[Report], *, consolidate: bool, workers: int):
    """The reports through `app.articles.service.ingest_many` (batches of 50, the default)."""
    from app.articles import service as article_service

    articles = [report.to_article() for report in reports]
    return article_service.ingest_many(
        session, articles, max_text_bytes=MAX_TEXT_BYTES, consolidate=consolidate, workers=workers
    )


def report_markdown(
    quality: Quality,
    speeds: list[Speed],
    argv: list[str] | None = None,
    writer: list[WriterCost] | None = None,
) -> str:
    def verdict(value: float, target: float) -> str:
        return "yes" if value >= target else "**no**"

    precision_recall = f"{quality.bcubed_precision:.3f} / {quality.bcubed_recall:.3f}"
    rows = [
        ("mention recall (annotated sentences found)", f"{quality.mention_recall:.3f}", "–", "–"),
        (
            "event date accuracy",
            f"{quality.date_accuracy:.3f}",
            f">= {TARGETS['date_accuracy']}",
            verdict(quality.date_accuracy, TARGETS["date_accuracy"]),
        ),
        (
            "B-cubed F1 (mentions vs true happenings)",
            f"{quality.bcubed_f1:.3f}",
            f">= {TARGETS['bcubed_f1']}",
            verdict(quality.bcubed_f1, TARGETS["bcubed_f1"]),
        ),
        ("B-cubed precision / recall", precision_recall, "–", "–"),
        (
            "extracted events that are real happenings",
            f"{quality.events_real:.3f}",
            f">= {TARGETS['events_real']}",
            verdict(quality.events_real, TARGETS["events_real"]),
        ),
    ]
    lines = [
        "```sh",
        command_line(argv),
        "```",
        "",
        f"Corpus: {len(load_corpus().reports)} reports in `tests/fixtures/reports/`, "
        f"{quality.annotated} annotated sentences about {quality.happenings} happenings; "
        f"{quality.events} events stored.",
        "",
        markdown_table(["measure", "value", "target", "met"], rows),
        "",
    ]
    speed_rows = [
        (
            s.mode,
            f"{s.per_second:.1f}",
            f"{s.ms_per_article:.1f}",
            f"{s.words / s.seconds:,.0f}",
            s.events if s.mode.startswith("ingest") else "–",
        )
        for s in speeds
    ]
    if speeds:
        words = speeds[0].words // speeds[0].articles
        by_mode = {s.mode: s for s in speeds}
        single_off, single_on = (
            by_mode["ingest, consolidation off"],
            by_mode["ingest, consolidation on"],
        )
        batch_off, batch_on = speeds[-2], speeds[-1]

        def verdict_speed(speed: Speed) -> str:
            return "met" if speed.per_second >= SPEED_TARGET else "**not met**"

        lines += [
            f"Ingest speed, {speeds[0].articles} articles of ~{words} words, SQLite file "
            "database: `app.articles.service.ingest` one article per call (one transaction "
            "each, the POST path, response with every source of every event touched "
            "included), and `app.articles.service.ingest_many` (extraction in worker "
            "processes, batches of 50 articles per transaction, no response bodies):",
            "",
            markdown_table(
                ["mode", "articles/s", "ms/article", "words/s", "events stored"], speed_rows
            ),
            "",
            f"Speed target: >= {SPEED_TARGET:.0f} articles/s with consolidation on. One by one: "
            f"{single_on.per_second:.1f} ({verdict_speed(single_on)}); consolidation costs "
            f"{single_on.ms_per_article - single_off.ms_per_article:.1f} ms per article. "
            f"Batch: {batch_on.per_second:.1f} ({verdict_speed(batch_on)}); consolidation costs "
            f"{batch_on.ms_per_article - batch_off.ms_per_article:.1f} ms per article.",
            "",
        ]
    if writer:
        by_mode = {cost.mode: cost for cost in writer}
        on = by_mode["consolidation on"]
        untriggered = by_mode["consolidation on, full-text triggers dropped"]
        share = (on.ms_per_article - untriggered.ms_per_article) / on.ms_per_article
        lines += [
            f"The writer of `ingest_many` alone ({on.articles} articles, drafts extracted "
            "beforehand and handed over in place of the workers; CPU time of the one process, "
            "SQLite included; full-text triggers dropped in a copy of the schema to measure "
            "them):",
            "",
            markdown_table(
                ["writer", "CPU ms/article", "events stored"],
                [(cost.mode, f"{cost.ms_per_article:.2f}", cost.events) for cost in writer],
            ),
            "",
            f"The full-text triggers take {share:.0%} of the writer with consolidation on "
            f"({on.ms_per_article - untriggered.ms_per_article:.2f} ms per article).",
            "",
        ]
    if speeds or writer:
        lines.append(machine_markdown(machine_description()) + _load_note())
    return "\n".join(lines)


def _load_note() -> str:
    try:
        load = os.getloadavg()[0]
    except OSError:
        return ""
    return f" Load average during the run: {load:.1f}."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="synthetic articles to time")
    parser.add_argument("--words", type=int, default=1000, help="words per synthetic article")
    parser.add_argument("--no-speed", action="store_true", help="quality only")
    parser.add_argument(
        "--workers", type=int, default=None, help="ingest_many workers [default: one per CPU]"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--verbose", action="store_true", help="list misses and wrong dates")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = load_corpus()
    quality = measure_quality(corpus)
    speeds = [] if args.no_speed else measure_speed(corpus, args.articles, args.words, args.workers)
    writer = [] if args.no_speed else measure_writer(corpus, args.articles, args.words)
    if args.json:
        print(
            json.dumps(
                {
                    "mention_recall": quality.mention_recall,
                    "date_accuracy": quality.date_accuracy,
                    "bcubed_f1": quality.bcubed_f1,
                    "events_real": quality.events_real,
                    "speed": {s.mode: s.per_second for s in speeds},
                    "writer_ms_per_article": {w.mode: w.ms_per_article for w in writer},
                },
                indent=2,
            )
        )
    else:
        print(report_markdown(quality, speeds, None, writer))
    if args.verbose:
        for title, items in (
            ("missed", quality.misses),
            ("wrong dates", quality.wrong_dates),
            ("not real", quality.unreal),
        ):
            for entry in items:
                print(f"{title}: {entry}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

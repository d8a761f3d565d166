"""Ingest benchmark: one POST per article against a started server, and `timeline ingest` in bulk.

    .venv/bin/python benchmarks/ingest.py [--articles N] [--bulk-articles M] [--db sqlite,...]

For each database (a fresh SQLite file; a fresh schema of the PostgreSQL at TEST_POSTGRES_URL):

* **POST /v1/articles**: `timeline serve` (uvicorn, one worker, write rate limit off) on a freshly
  migrated database; one client posts N articles one after the other, each waiting for its
  response (201 with the article's events), as a script without a bulk path would.
* **`timeline ingest`**: the M articles in one NDJSON file, into another freshly migrated
  database, by the command a user runs (batched transactions, extraction in one worker process
  per CPU); timed from the command's start to its exit, process start-up included.

The articles are those of `benchmarks/events.py`: ~1,000 words each, rotations of the fixture
reports (`tests/fixtures/reports/`), so nearly every dated sentence joins an event that ends up
backed by hundreds of reports. Consolidation is on in both paths. Prints a Markdown block for the
"## Ingest" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import create_engine, text

from benchmarks.common import command_line, machine_description, machine_markdown, markdown_table
from benchmarks.events import load_corpus, synthetic_articles

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TIMELINE = str(Path(sys.executable).parent / "timeline")
BULK_TARGET = 200.0  # articles/s, SQLite, issue #7
RATIO_TARGET = 5.0


@dataclass
class Run:
    database: str
    path: str
    articles: int
    seconds: float
    words: int

    @property
    def per_second(self) -> float:
        return self.articles / self.seconds


def records(count: int) -> list[dict]:
    articles = synthetic_articles(load_corpus(), count, 1000)
    return [
        {
            "text": article.text,
            "published_at": article.published_at.isoformat(),
            "timezone": article.timezone,
            "source": article.source,
            "title": article.file,
            "url": f"https://example.org/digest/{article.file}",
        }
        for article in articles
    ]


class Database:
    """A fresh, empty database of one backend; `url` for the processes that use it."""

    def __init__(self, backend: str, directory: Path, name: str) -> None:
        self.backend = backend
        self.schema = None
        if backend == "sqlite":
            self.url = f"sqlite:///{directory / (name + '.db')}"
        else:
            self.schema = f"bench_ingest_{uuid.uuid4().hex[:10]}"
            engine = create_engine(POSTGRES_URL)
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            engine.dispose()
            separator = "&" if "?" in POSTGRES_URL else "?"
            self.url = f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={self.schema}')}"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "TIMELINE_API_KEYS": "bench-key",
            "TIMELINE_WRITE_RATE_PER_MINUTE": "0",
            "TIMELINE_LOG_LEVEL": "warning",
        }
        subprocess.run([TIMELINE, "migrate"], env=self.env, check=True, capture_output=True)

    def drop(self) -> None:
        if self.schema:
            engine = create_engine(POSTGRES_URL)
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            engine.dispose()


def measure_posts(database: Database, items: list[dict], directory: Path) -> float:
    from tests.live_server import free_port, wait_until_ready

    port = free_port()
    env = {**database.env, "PORT": str(port)}
    log = (directory / "server.log").open("w")
    server = subprocess.Popen([TIMELINE, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, server, directory / "server.log")
        headers = {"Authorization": "Bearer bench-key"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            client.get("/healthz")
            started = time.perf_counter()
            for item in items:
                response = client.post("/v1/articles", json=item)
                if response.status_code != 201:
                    raise RuntimeError(f"POST answered {response.status_code}: {response.text}")
            return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def measure_bulk(database: Database, items: list[dict], directory: Path) -> float:
    source = directory / "articles.ndjson"
    source.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    started = time.perf_counter()
    result = subprocess.run(
        [TIMELINE, "ingest", str(source)], env=database.env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0 or f"Ingested {len(items)} new" not in result.stderr:
        raise RuntimeError("timeline ingest failed: " + result.stderr[-2000:])
    return seconds


def run(backends: list[str], posts: int, bulk: int) -> list[Run]:
    items = records(max(posts, bulk))
    runs = []
    for backend in backends:
        for path, count, measure in (
            ("POST /v1/articles, one per article", posts, measure_posts),
            ("`timeline ingest` (bulk)", bulk, measure_bulk),
        ):
            with tempfile.TemporaryDirectory() as name:
                directory = Path(name)
                database = Database(backend, directory, "ingest")
                try:
                    chosen = items[:count]
                    seconds = measure(database, chosen, directory)
                finally:
                    database.drop()
            words = sum(len(item["text"].split()) for item in chosen)
            runs.append(Run(backend, path, count, seconds, words))
            print(f"{backend}: {path}: {count / seconds:.1f} articles/s", file=sys.stderr)
    return runs


def report_markdown(runs: list[Run]) -> str:
    rows = [
        (
            run.database,
            run.path,
            run.articles,
            f"{run.seconds:.1f}",
            f"{run.per_second:.1f}",
            f"{run.words / run.seconds:,.0f}",
        )
        for run in runs
    ]
    lines = [
        "```sh",
        command_line(),
        "```",
        "",
        markdown_table(["database", "path", "articles", "seconds", "articles/s", "words/s"], rows),
        "",
    ]
    for database in dict.fromkeys(run.database for run in runs):
        post = next((r for r in runs if r.database == database and r.path.startswith("POST")), None)
        bulk = next(
            (r for r in runs if r.database == database and not r.path.startswith("POST")), None
        )
        if post and bulk:
            ratio = bulk.per_second / post.per_second
            verdicts = [f"bulk / POST = **{ratio:.1f}×** (target ≥ {RATIO_TARGET:.0f}×)"]
            if database == "sqlite":
                met = "met" if bulk.per_second >= BULK_TARGET else "**not met**"
                verdicts.append(
                    f"bulk {bulk.per_second:.1f} articles/s (target ≥ {BULK_TARGET:.0f}: {met})"
                )
            lines.append(f"- {database}: " + "; ".join(verdicts) + ".")
    try:
        load = f" Load average at the end: {os.getloadavg()[0]:.1f}."
    except OSError:
        load = ""
    lines += ["", machine_markdown(machine_description()) + load]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="articles posted one by one")
    parser.add_argument("--bulk-articles", type=int, default=1000, help="articles in bulk")
    parser.add_argument("--db", default="sqlite,postgresql", help="comma-separated backends")
    args = parser.parse_args(argv)
    runs = run(args.db.split(","), args.articles, args.bulk_articles)
    print(report_markdown(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

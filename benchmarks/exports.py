"""Timeline export benchmark: CSV and NDJSON of N events through the HTTP endpoint of a server.

Owns:

* bulk-loading a fresh SQLite database with N synthetic events (each with two actors, a location
  and one mention of one of 100 articles, as extraction would store them), without the ORM's
  unit of work so that loading a million rows takes a minute, not an hour;
* starting `timeline serve` on it (a fresh process per format, so peak memory is per format),
  streaming `GET /v1/timeline?format=F` with httpx, and reporting events/second and the server
  process's peak resident memory (Linux VmHWM) beside its resident memory before the export;
* a baseline in the same run: paging through `GET /v1/events?limit=500` with the cursor, the way
  a client would export without this endpoint;
* an in-process breakdown of where an export's time goes (keyset pages from the database, building
  the events' public shape, the format writer), on a sample of the same database.

Run from the repo root:

    .venv/bin/python benchmarks/exports.py                     # 100,000 events
    .venv/bin/python benchmarks/exports.py --million           # 1,000,000 events
    .venv/bin/python benchmarks/exports.py --events 20000 --skip-baseline   # a quick look

Prints a Markdown block for the "Timeline exports" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

try:
    from benchmarks import common
except ModuleNotFoundError:  # run by path from a venv without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import common

common.ensure_repo_on_path()

TIMELINE = str(Path(sys.executable).parent / "timeline")
FORMATS = ("csv", "ndjson")
ARTICLES = 100
BATCH = 5_000
CATEGORIES = ("talks", "statement", "threat", "aid", "visit", "proposal", "rejection")
ACTORS = ("Ukraine", "Russia", "United States", "Saudi Arabia", "Turkey", "European Union")
LOCATIONS = ("Jeddah", "Kursk", "Istanbul", "Kyiv", "Moscow", "Geneva")


@dataclass
class ExportRun:
    name: str
    events: int
    seconds: float
    body_bytes: int
    rss_before_mb: float | None
    peak_rss_mb: float | None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def bulk_load(database_url: str, count: int) -> None:
    """N events with entities and one mention each, inserted in batches with Core inserts."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from app import migrations
    from app.articles.models import Article
    from app.db import create_db_engine
    from app.events.models import Event, EventEntity, Mention

    migrations.upgrade(database_url)
    engine = create_db_engine(database_url)
    published = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)
    sentence = (
        "Yesterday, after a meeting in Saudi Arabia that lasted more than eight hours, the "
        "delegations issued a joint statement backing a 30-day ceasefire."
    )
    articles = [
        Article(
            url=f"https://example.org/bench/{index}",
            text_sha256=f"{index:064x}",
            title=f"Benchmark report {index}",
            text=sentence,
            published_at=published,
            timezone="Europe/Kyiv",
        )
        for index in range(ARTICLES)
    ]
    first_day = date(2015, 1, 1)
    # One model instance per table gives every column, defaults included, even columns added
    # after this script was written; each row is a copy with its own values.
    event_row = Event(
        title="",
        description=sentence,
        category="talks",
        date_start=first_day,
        date_end=first_day,
        granularity="day",
        confidence=0.9,
    ).model_dump()
    entity_row = EventEntity(event_id=uuid.uuid4(), kind="actor", name="").model_dump()
    mention_row = Mention(
        event_id=uuid.uuid4(),
        article_id=articles[0].id,
        sentence=sentence,
        sentence_start=0,
        sentence_end=len(sentence),
        phrase="Yesterday",
        phrase_start=0,
        phrase_end=9,
        timex_type="DATE",
        timex_value="",
        date_start=first_day,
        date_end=first_day,
        granularity="day",
        confidence=0.95,
        rule="bench",
    ).model_dump()
    with Session(engine) as session:
        session.execute(insert(Article), [article.model_dump() for article in articles])
        for offset in range(0, count, BATCH):
            events, entities, mentions = [], [], []
            for index in range(offset, min(offset + BATCH, count)):
                day = first_day + timedelta(days=index % 3650)
                monthly = index % 10 == 0
                event_id = uuid.uuid4()
                start = day.replace(day=1) if monthly else day
                end = day.replace(day=28) if monthly else day
                granularity = "month" if monthly else "day"
                timex = f"{day:%Y-%m}" if monthly else day.isoformat()
                events.append(
                    {
                        **event_row,
                        "id": event_id,
                        "title": f"Delegations meet for round {index} of ceasefire talks",
                        "category": CATEGORIES[index % len(CATEGORIES)],
                        "date_start": start,
                        "date_end": end,
                        "granularity": granularity,
                        "timex": timex,
                    }
                )
                names = (ACTORS[index % len(ACTORS)], ACTORS[(index + 1) % len(ACTORS)])
                for position, name in enumerate(names):
                    entities.append(
                        {**entity_row, "event_id": event_id, "name": name, "position": position}
                    )
                entities.append(
                    {
                        **entity_row,
                        "event_id": event_id,
                        "kind": "location",
                        "name": LOCATIONS[index % len(LOCATIONS)],
                    }
                )
                mentions.append(
                    {
                        **mention_row,
                        "id": uuid.uuid4(),
                        "event_id": event_id,
                        "article_id": articles[index % ARTICLES].id,
                        "timex_value": timex,
                        "date_start": start,
                        "date_end": end,
                        "granularity": granularity,
                    }
                )
            session.execute(insert(Event), events)
            session.execute(insert(EventEntity), entities)
            session.execute(insert(Mention), mentions)
            session.commit()
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_mb(pid: int, field: str) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Server:
    """`timeline serve` on the benchmark database, stopped on exit."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
            "TIMELINE_LOG_LEVEL": "warning",
        }
        self.log = (workdir / "server.log").open("w")
        self.process = subprocess.Popen(
            [TIMELINE, "serve"], env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=workdir
        )

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"server did not start; see {self.log.name}")

    def __exit__(self, *_exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def export_over_http(server: Server, format_name: str, expected: int) -> ExportRun:
    rss_before = _memory_mb(server.process.pid, "VmRSS")
    lines = body_bytes = 0
    started = time.perf_counter()
    with httpx.stream(
        "GET", f"{server.base}/v1/timeline", params={"format": format_name}, timeout=None
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            body_bytes += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - started
    events = lines - 1 if format_name == "csv" else lines
    if events != expected:
        raise RuntimeError(f"{format_name}: {events} events exported, {expected} stored")
    return ExportRun(
        f"`GET /v1/timeline?format={format_name}`",
        events,
        seconds,
        body_bytes,
        rss_before,
        _memory_mb(server.process.pid, "VmHWM"),
    )


def page_through_events(server: Server, expected: int) -> ExportRun:
    rss_before = _memory_mb(server.process.pid, "VmRSS")
    events = body_bytes = 0
    cursor = None
    started = time.perf_counter()
    with httpx.Client(timeout=None) as client:
        while True:
            params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
            response = client.get(f"{server.base}/v1/events", params=params)
            response.raise_for_status()
            body_bytes += len(response.content)
            page = response.json()
            events += len(page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
    seconds = time.perf_counter() - started
    if events != expected:
        raise RuntimeError(f"paging: {events} events read, {expected} stored")
    return ExportRun(
        "baseline: `GET /v1/events?limit=500` page by page",
        events,
        seconds,
        body_bytes,
        rss_before,
        _memory_mb(server.process.pid, "VmHWM"),
    )


def breakdown(database_url: str, sample: int) -> list[tuple[str, float]]:
    """Seconds per 10,000 events for each stage of an export, measured in this process."""
    from sqlmodel import Session

    from app.db import create_db_engine
    from app.events import repository
    from app.events.repository import EventFilters
    from app.events.service import to_public
    from app.timeline.formats import FORMATS as WRITERS
    from app.timeline.formats import TimelineContext, TimelineFormat
    from app.timeline.service import PAGE_SIZE

    engine = create_db_engine(database_url)
    filters = EventFilters()
    pages = []
    started = time.perf_counter()
    with Session(engine) as session:
        after = None
        read = 0
        while read < sample:
            rows = repository.list_events(session, filters=filters, limit=PAGE_SIZE, after=after)
            if not rows:
                break
            after = (rows[-1].date_start, rows[-1].id)
            read += len(rows)
            pages.append(rows)
        rows_seconds = time.perf_counter() - started
        started = time.perf_counter()
        public = [event for rows in pages for event in to_public(session, rows)]
        public_seconds = time.perf_counter() - started
    engine.dispose()
    per = 10_000 / max(len(public), 1)
    stages = [
        ("keyset pages of `Event` rows (SQL + ORM)", rows_seconds * per),
        ("entities + sources, `EventPublic` built (`to_public`)", public_seconds * per),
    ]
    for name in FORMATS:
        spec = WRITERS[TimelineFormat(name)]
        started = time.perf_counter()
        for _chunk in spec.write(public, TimelineContext()):
            pass
        stages.append((f"`{name}` writer", (time.perf_counter() - started) * per))
    return stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events to load and export")
    parser.add_argument("--million", action="store_true", help="1,000,000 events")
    parser.add_argument("--skip-baseline", action="store_true", help="no /v1/events paging run")
    parser.add_argument("--sample", type=int, default=20_000, help="events in the breakdown")
    parser.add_argument("--keep", type=Path, help="keep the database in this folder")
    args = parser.parse_args(argv)
    count = 1_000_000 if args.million else args.events

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="timeline-exports-"))
    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "exports.db"
    database_url = f"sqlite:///{database}"
    if database.exists():
        print(f"reusing {database}", file=sys.stderr)
    else:
        started = time.perf_counter()
        bulk_load(database_url, count)
        print(f"loaded {count:,} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    runs = []
    for format_name in FORMATS:
        with Server(database_url, workdir) as server:
            runs.append(export_over_http(server, format_name, count))
            print(f"{format_name}: {runs[-1].events_per_second:,.0f} events/s", file=sys.stderr)
    if not args.skip_baseline:
        with Server(database_url, workdir) as server:
            runs.append(page_through_events(server, count))
    stages = breakdown(database_url, min(args.sample, count))

    print(f"### {count:,} events, SQLite\n")
    print(
        common.markdown_table(
            [
                "export",
                "events",
                "seconds",
                "events/s",
                "MB sent",
                "server RSS before (MB)",
                "server peak RSS (MB)",
            ],
            [
                (
                    run.name,
                    common.thousands(run.events),
                    f"{run.seconds:.1f}",
                    common.thousands(run.events_per_second),
                    f"{run.body_bytes / 1e6:.0f}",
                    f"{run.rss_before_mb:.0f}" if run.rss_before_mb else None,
                    f"{run.peak_rss_mb:.0f}" if run.peak_rss_mb else None,
                )
                for run in runs
            ],
        )
    )
    print(f"\nWhere the time goes (in process, first {min(args.sample, count):,} events):\n")
    print(
        common.markdown_table(
            ["stage", "seconds per 10,000 events"],
            [(name, f"{seconds:.2f}") for name, seconds in stages],
        )
    )
    print(f"\nCommand: `{common.command_line()}`")
    print(common.machine_markdown(common.machine_description()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

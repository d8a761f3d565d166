"""Timeline export benchmark: every format of N events through the HTTP endpoint of a server.

Owns:

* bulk-loading a fresh SQLite database with N synthetic events, exactly as
  `benchmarks/query_load.py` does (spread over 2014-2026 with bursts around negotiation rounds,
  one to three actors, a location and one source sentence per event, one article each), through
  the driver directly so that a million events load in minutes;
* starting `timeline serve` on it (a fresh process per format, so peak memory is per format),
  streaming `GET /v1/timeline?format=F` with httpx, and reporting events/second and the server
  process's peak resident memory (Linux VmHWM) beside its resident memory before the export;
* a baseline in the same run: a raw cursor dump of the very rows an export reads (the events'
  stored documents in keyset pages of 500), through the sqlite3 driver with no formatting at
  all: what the database alone costs. Each export is reported as a share of it. For reference,
  a dump of the rows the documents are built from (the events, their entities, their mentions
  with their articles), which is what an export read before documents were stored;
* an in-process breakdown of where an export's time goes (keyset pages of documents, reading
  them into values, building them anew, the format writers), on a sample of the same database.

Run from the repo root:

    .venv/bin/python benchmarks/exports.py                     # 1,000,000 events, csv + ndjson
    .venv/bin/python benchmarks/exports.py --events 100000 --formats all
    .venv/bin/python benchmarks/exports.py --events 20000      # a quick look

Prints a Markdown block for the "Timeline exports" section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

try:
    from benchmarks import common
except ModuleNotFoundError:  # run by path from a venv without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import common

common.ensure_repo_on_path()

from benchmarks.query_load import load_archive  # noqa: E402 - needs the repo on the path

TIMELINE = str(Path(sys.executable).parent / "timeline")
ALL_FORMATS = ("csv", "ndjson", "json", "timelinejs", "vis", "ics")
PAGE = 500


@dataclass
class ExportRun:
    name: str
    events: int
    seconds: float
    body_bytes: int
    rss_before_mb: float | None
    peak_rss_mb: float | None
    # Until the response's headers arrived: what the server does before the first event
    # (the filters, the fingerprint its ETag is made of).
    headers_seconds: float | None = None

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def raw_dump(database: Path, expected: int, *, documents: bool = True) -> ExportRun:
    """The rows of an export read with the bare sqlite3 driver into tuples that nothing formats:
    what the database alone costs. With `documents`, the keyset pages of stored documents an
    export reads; without, the rows those documents are built from (the events, then their
    entities and their mentions joined to their articles, as readers ask for them when a
    document is missing)."""
    connection = sqlite3.connect(database)
    columns = (
        "id, date_start, document"
        if documents
        else "id, date_start, title, description, category, date_end, granularity, time, "
        "timex, confidence, status, created_at, updated_at"
    )
    events_sql = f"SELECT {columns} FROM events {{where}} ORDER BY date_start, id LIMIT ?"
    entities_sql = (
        "SELECT event_id, kind, name FROM event_entities WHERE event_id IN ({ids}) "
        "ORDER BY event_id, kind, position"
    )
    sources_sql = (
        "SELECT m.event_id, m.id, m.sentence, m.sentence_start, m.sentence_end, m.phrase, "
        "m.phrase_start, m.phrase_end, m.timex_type, m.timex_value, m.rule, m.article_id, "
        "a.url, a.title, a.published_at, a.timezone FROM mentions m "
        "JOIN articles a ON a.id = m.article_id WHERE m.event_id IN ({ids}) "
        "ORDER BY m.event_id, a.published_at, m.phrase_start"
    )
    read = 0
    after = None
    started = time.perf_counter()
    while True:
        if after is None:
            rows = connection.execute(events_sql.format(where=""), (PAGE,)).fetchall()
        else:
            where = "WHERE (date_start, id) > (?, ?)"
            rows = connection.execute(events_sql.format(where=where), (*after, PAGE)).fetchall()
        if not rows:
            break
        if not documents:
            ids = [row[0] for row in rows]
            marks = ",".join("?" * len(ids))
            connection.execute(entities_sql.format(ids=marks), ids).fetchall()
            connection.execute(sources_sql.format(ids=marks), ids).fetchall()
        elif any(row[2] is None for row in rows):
            raise RuntimeError("an event has no stored document: was the archive migrated?")
        read += len(rows)
        after = (rows[-1][1], rows[-1][0])
    seconds = time.perf_counter() - started
    connection.close()
    if read != expected:
        raise RuntimeError(f"raw dump: {read} events read, {expected} stored")
    name = (
        "baseline: raw sqlite3 cursor dump of the stored documents an export reads"
        if documents
        else "reference: raw sqlite3 dump of the rows documents are built from"
    )
    return ExportRun(name, read, seconds, 0, None, None)


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


# One occurrence per event in each format's body: how the client counts what it received.
EVENT_MARKERS = {
    "csv": b"\n",
    "ndjson": b"\n",
    "json": b'"sources":',
    "timelinejs": b'"unique_id":',
    "vis": b'"className":',
    "ics": b"BEGIN:VEVENT",
}


def export_over_http(server: Server, format_name: str, expected: int) -> ExportRun:
    rss_before = _memory_mb(server.process.pid, "VmRSS")
    marker = EVENT_MARKERS[format_name]
    found = body_bytes = 0
    tail = b""
    started = time.perf_counter()
    with httpx.stream(
        "GET", f"{server.base}/v1/timeline", params={"format": format_name}, timeout=None
    ) as response:
        headers_seconds = time.perf_counter() - started
        response.raise_for_status()
        for chunk in response.iter_bytes():
            body_bytes += len(chunk)
            # A marker may straddle two chunks: the last one's end (too short to hold a whole
            # marker) is searched again with this one.
            window = tail + chunk
            found += window.count(marker)
            tail = chunk[-(len(marker) - 1) :] if len(marker) > 1 else b""
    seconds = time.perf_counter() - started
    events = found - 1 if format_name == "csv" else found
    if events != expected:
        raise RuntimeError(f"{format_name}: {events} events exported, {expected} stored")
    return ExportRun(
        f"`GET /v1/timeline?format={format_name}`",
        events,
        seconds,
        body_bytes,
        rss_before,
        _memory_mb(server.process.pid, "VmHWM"),
        headers_seconds,
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


def breakdown(database_url: str, sample: int, formats: list[str]) -> list[tuple[str, float]]:
    """Seconds per 10,000 events for each stage of an export, measured in this process."""
    import orjson
    from sqlmodel import Session

    from app.db import create_db_engine
    from app.events import documents, repository
    from app.events.repository import EventFilters
    from app.timeline.formats import FORMATS as WRITERS
    from app.timeline.formats import TimelineContext, TimelineFormat
    from app.timeline.service import iter_stored

    engine = create_db_engine(database_url)
    filters = EventFilters()
    with Session(engine) as session:
        started = time.perf_counter()
        stored = list(zip(range(sample), iter_stored(session, filters), strict=False))
        pages_seconds = time.perf_counter() - started
        stored = [document for _index, document in stored]
        started = time.perf_counter()
        public = [orjson.loads(document) for document in stored]
        loads_seconds = time.perf_counter() - started
        # What a reader does for an event whose document is missing, and a writer to store it.
        ids = [repository.uuid_key(event["id"]) for event in public[:10_000]]
        started = time.perf_counter()
        for start in range(0, len(ids), PAGE):
            rows = repository.public_event_rows(session, ids[start : start + PAGE])
            documents.build(session, rows)
        build_seconds = time.perf_counter() - started
    engine.dispose()
    per = 10_000 / max(len(public), 1)
    stages = [
        ("keyset pages of stored documents (`iter_stored`)", pages_seconds * per),
        (
            "documents read into values (`orjson.loads`, all formats but ndjson and csv)",
            loads_seconds * per,
        ),
        (
            "documents built anew from their rows (when missing; 3 queries a page)",
            build_seconds * 10_000 / max(len(ids), 1),
        ),
    ]
    for name in formats:
        spec = WRITERS[TimelineFormat(name)]
        started = time.perf_counter()
        if spec.stored == "document":
            for _chunk in spec.write_stored(stored, TimelineContext()):
                pass
        elif spec.stored is not None:
            rows = [rendered[1] for rendered in documents.render(public)]
            started = time.perf_counter()
            for _chunk in spec.write_stored(rows, TimelineContext()):
                pass
        else:
            for _chunk in spec.write(public, TimelineContext()):
                pass
        stages.append((f"`{name}` writer", (time.perf_counter() - started) * per))
    return stages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events to load and export")
    parser.add_argument(
        "--formats",
        default="csv,ndjson",
        help=f"comma-separated, or all ({', '.join(ALL_FORMATS)})",
    )
    parser.add_argument(
        "--paging-baseline", action="store_true", help="also page through GET /v1/events"
    )
    parser.add_argument("--sample", type=int, default=50_000, help="events in the breakdown")
    parser.add_argument("--keep", type=Path, help="keep the database in this folder (and reuse it)")
    parser.add_argument(
        "--published-order",
        action="store_true",
        help="load the events in their articles' publication order, as an archive ingested over "
        "time stores them (default: generated order, dates at random)",
    )
    args = parser.parse_args(argv)
    count = args.events
    formats = list(ALL_FORMATS) if args.formats == "all" else args.formats.split(",")

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="timeline-exports-"))
    workdir.mkdir(parents=True, exist_ok=True)
    order = "-published-order" if args.published_order else ""
    database = workdir / f"exports-{count}{order}.db"
    database_url = f"sqlite:///{database}"
    if database.exists():
        print(f"reusing {database}", file=sys.stderr)
    else:
        seconds = load_archive(database_url, count, published_order=args.published_order)
        print(f"loaded {count:,} events in {seconds:.1f} s", file=sys.stderr)

    # The baseline first and last: the machine's speed may drift during a long run.
    baselines = [raw_dump(database, count)]
    rows_dump = raw_dump(database, count, documents=False)
    runs = []
    for format_name in formats:
        with Server(database_url, workdir) as server:
            runs.append(export_over_http(server, format_name, count))
            print(f"{format_name}: {runs[-1].events_per_second:,.0f} events/s", file=sys.stderr)
    if args.paging_baseline:
        with Server(database_url, workdir) as server:
            runs.append(page_through_events(server, count))
    baselines.append(raw_dump(database, count))
    baseline = max(baselines, key=lambda run: run.events_per_second)
    sample = min(args.sample, count)
    stages = breakdown(database_url, sample, formats)

    layout = "in publication order" if args.published_order else "in generated (random date) order"
    print(f"### {count:,} events, SQLite, loaded {layout}\n")
    print(
        common.markdown_table(
            [
                "export",
                "events",
                "seconds",
                "headers after (s)",
                "events/s",
                "of raw dump",
                "MB sent",
                "server RSS before (MB)",
                "server peak RSS (MB)",
            ],
            [
                (
                    run.name,
                    common.thousands(run.events),
                    f"{run.seconds:.1f}",
                    f"{run.headers_seconds:.2f}" if run.headers_seconds is not None else None,
                    common.thousands(run.events_per_second),
                    f"{run.events_per_second / baseline.events_per_second:.0%}",
                    f"{run.body_bytes / 1e6:,.0f}" if run.body_bytes else None,
                    f"{run.rss_before_mb:.0f}" if run.rss_before_mb else None,
                    f"{run.peak_rss_mb:.0f}" if run.peak_rss_mb else None,
                )
                for run in [*runs, baseline, rows_dump]
            ],
        )
    )
    speeds = " and ".join(f"{run.events_per_second:,.0f}" for run in baselines)
    print(f"\nRaw dump before and after the exports: {speeds} events/s (the faster is the 100%).")
    print(f"\nWhere the time goes (in process, first {sample:,} events):\n")
    print(
        common.markdown_table(
            ["stage", "seconds per 10,000 events"],
            [(name, f"{seconds:.2f}") for name, seconds in stages],
        )
    )
    print(f"\nCommand: `{common.command_line()}`")
    print(common.machine_markdown(common.machine_description()))
    print(f"Load average at the end: {os.getloadavg()[0]:.1f}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Query benchmark: a bulk-loaded archive, a started server, load from a separate process.

    .venv/bin/python benchmarks/query_load.py            # SQLite + PostgreSQL, 10k/100k/1M
    .venv/bin/python benchmarks/query_load.py --quick    # 10k and 100k, short runs
    .venv/bin/python benchmarks/query_load.py --db sqlite --scales 1000000 --duration 10

For each database and archive size it bulk-loads synthetic events spread over 2014-2026 with
bursts around negotiation rounds, starts `timeline serve` (uvicorn; several workers on
PostgreSQL), and drives it with `wrk` (Debian's package) from its own process: requests per second
and p50/p99 latency for a one-week range, a one-year range with limit=50, an actor filter, a `q`
text search, and `/healthz` — a constant JSON body from the same app, the framework's ceiling in
the same run; each wrk run follows one unmeasured second of the same load. wrk repeats the same
pages, which the server keeps in memory (app.page_cache), so the range, actor and rare-word
queries run again with `Cache-Control: no-cache`, every page built anew. A sequential client
then measures each query's median latency at each archive size and walks a cursor 1,000 pages
deep, comparing page 1,000 with page 1; it always asks for pages built anew. The query plans
(EXPLAIN) of each query are printed beside the figures.

The archive is synthetic on purpose: sizes up to a million events are needed, and the figures
must be reproducible from a fresh clone without any download.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import command_line, machine_description, markdown_table

POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TIMELINE = str(Path(sys.executable).parent / "timeline")
FIRST_DAY, LAST_DAY = date(2014, 1, 1), date(2026, 10, 31)
ACTORS = [
    "Ukraine", "Russia", "United States", "Volodymyr Zelensky", "Vladimir Putin", "Donald Trump",
    "European Union", "NATO", "Turkey", "Saudi Arabia", "Qatar", "Israel", "Hamas", "Egypt",
    "United Nations", "Sergey Lavrov", "Marco Rubio", "Steve Witkoff", "Andriy Yermak", "China",
]  # fmt: skip
LOCATIONS = [
    "Kyiv", "Moscow", "Jeddah", "Riyadh", "Istanbul", "Geneva", "Doha", "Cairo", "Gaza",
    "Kursk region", "Black Sea", "Minsk", "Washington", "Brussels", "Ankara",
]  # fmt: skip
CATEGORIES = [
    "talks", "proposal", "acceptance", "rejection", "ceasefire_declared", "ceasefire_violated",
    "agreement", "aid", "sanctions", "threat", "statement", "military_action",
    "territorial_change", "prisoners", "visit",
]  # fmt: skip
VERBS = ["met", "proposed", "rejected", "accepted", "announced", "discussed", "warned", "signed"]
TOPICS = ["a ceasefire", "prisoner exchange", "energy truce", "peace plan", "aid package",
          "sanctions", "maritime corridor", "security guarantees"]  # fmt: skip
BULLETINS = 100_000
# Granularities with their share of events and how many days they span.
GRANULARITY_MIX = [("day", 0.84, 0), ("week", 0.05, 6), ("month", 0.06, 30), ("year", 0.02, 364),
                   ("range", 0.03, None)]  # fmt: skip


# --------------------------------------------------------------------------- archive


def _negotiation_rounds(rng: random.Random) -> list[date]:
    span = (LAST_DAY - FIRST_DAY).days
    return sorted(FIRST_DAY + timedelta(days=rng.randrange(span)) for _ in range(160))


def _event_day(rng: random.Random, rounds: list[date]) -> date:
    span = (LAST_DAY - FIRST_DAY).days
    if rng.random() < 0.6:  # bursts: most reporting clusters around a negotiation round
        day = rng.choice(rounds) + timedelta(days=round(rng.gauss(0, 5)))
    else:
        day = FIRST_DAY + timedelta(days=rng.randrange(span))
    return min(max(day, FIRST_DAY), LAST_DAY)


def _granularity(rng: random.Random) -> tuple[str, int]:
    pick, total = rng.random(), 0.0
    for name, share, span in GRANULARITY_MIX:
        total += share
        if pick <= total:
            return name, (rng.randrange(2, 30) if span is None else span)
    return "day", 0


def generate_rows(count: int, seed: int = 7) -> Iterator[tuple[dict, dict, list[dict], dict]]:
    """(article, event, entities, mention) rows; one article per event keeps joins realistic."""
    from app.events.models import span_class

    rng = random.Random(seed)
    rounds = _negotiation_rounds(rng)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    for _ in range(count):
        start = _event_day(rng, rounds)
        granularity, span = _granularity(rng)
        end = start + timedelta(days=span)
        actors = rng.sample(ACTORS[:6], 1) + rng.sample(ACTORS, rng.randrange(0, 3))
        actors = list(dict.fromkeys(actors))
        location = rng.choice(LOCATIONS)
        # The bulletin number gives `q` a selective word (about one event in BULLETINS) beside
        # the topics' common ones (one event in eight).
        sentence = (
            f"{actors[0]} {rng.choice(VERBS)} {rng.choice(TOPICS)} in {location} "
            f"with {rng.choice(ACTORS)}, bulletin {rng.randrange(BULLETINS)} said."
        )
        article_id, event_id = uuid.uuid4(), uuid.uuid4()
        published = datetime.combine(end, datetime.min.time(), UTC) + timedelta(hours=18)
        article = {
            "id": article_id,
            "url": f"https://example.org/{article_id.hex}",
            "text_sha256": article_id.hex + article_id.hex,
            "title": sentence[:80],
            "source": "synthetic",
            "language": "en",
            "text": sentence,
            "published_at": published,
            "timezone": "UTC",
            "created_at": now,
        }
        event = {
            "id": event_id,
            "title": sentence[:-16],
            "description": sentence,
            "category": rng.choice(CATEGORIES),
            "date_start": start,
            "date_end": end,
            "span_class": span_class(start, end),
            "granularity": granularity,
            "time": None,
            "timex": start.isoformat(),
            "confidence": round(rng.uniform(0.5, 0.99), 2),
            "status": "extracted",
            "curated": False,
            "created_at": now,
            "updated_at": now,
        }
        entities = [
            {"event_id": event_id, "kind": "actor", "name": name, "position": position}
            for position, name in enumerate(actors)
        ] + [{"event_id": event_id, "kind": "location", "name": location, "position": 0}]
        mention = {
            "id": uuid.uuid4(),
            "event_id": event_id,
            "article_id": article_id,
            "sentence": sentence,
            "sentence_start": 0,
            "sentence_end": len(sentence),
            "phrase": "today",
            "phrase_start": 0,
            "phrase_end": 5,
            "timex_type": "DATE",
            "timex_value": start.isoformat(),
            "date_start": start,
            "date_end": end,
            "granularity": granularity,
            "mod": None,
            "confidence": event["confidence"],
            "rule": "synthetic",
            "created_at": now,
        }
        yield article, event, entities, mention


def _chunks(
    count: int, size: int, *, published_order: bool = False
) -> Iterator[tuple[list, list, list, list]]:
    rows: Iterable = generate_rows(count)
    if published_order:
        # As an archive ingested over the years stores them: in the order their articles came.
        rows = sorted(rows, key=lambda row: row[0]["published_at"])
    batch: tuple[list, list, list, list] = ([], [], [], [])
    for article, event, entities, mention in rows:
        batch[0].append(article)
        batch[1].append(event)
        batch[2].extend(entities)
        batch[3].append(mention)
        if len(batch[1]) >= size:
            yield batch
            batch = ([], [], [], [])
    if batch[1]:
        yield batch


def _sqlite_value(value: object) -> object:
    # The formats SQLAlchemy itself stores on SQLite; raw executemany skips its type layer.
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _bulk_insert(connection, table, rows: list[dict]) -> None:
    """Insert through the driver directly: SQLAlchemy's per-row type processing dominates at 1M."""
    columns = list(rows[0])
    raw = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        placeholders = ", ".join("?" for _ in columns)
        raw.executemany(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})",
            [tuple(_sqlite_value(row[c]) for c in columns) for row in rows],
        )
        return
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[c] for c in columns])


# The revision before the full-text indexes. Loading there and then upgrading builds the index
# in one pass (the migration's backfill), as an archive from before search would be upgraded,
# instead of a trigger or a GIN update per row.
BEFORE_SEARCH_REVISION = "78dea082124e"


def load_archive(url: str, count: int, *, published_order: bool = False) -> float:
    """Migrate `url` and bulk-load `count` events; returns seconds spent (indexing included).
    The events go in generated order (their dates at random), or with `published_order` in
    the order of their articles' publication."""
    from app import migrations
    from app.db import create_db_engine
    from app.models import Article, Event, EventEntity, Mention

    migrations.upgrade(url, BEFORE_SEARCH_REVISION)
    engine = create_db_engine(url)
    tables = [Article.__table__, Event.__table__, EventEntity.__table__, Mention.__table__]
    started = time.perf_counter()
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA synchronous=OFF")
        for batch in _chunks(count, 20_000, published_order=published_order):
            for table, rows in zip(tables, batch, strict=True):
                _bulk_insert(connection, table, rows)
    migrations.upgrade(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- server and load


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def started_server(url: str, workers: int) -> Iterator[str]:
    import httpx

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "TIMELINE_LOG_LEVEL": "warning"}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server, closed below
    process = subprocess.Popen(
        [TIMELINE, "serve", "--workers", str(workers)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("server did not start:\n" + log.read().decode(errors="replace"))
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
        _stop_leftover_queries(url)


def _stop_leftover_queries(url: str) -> None:
    """End the PostgreSQL backends a stopped server left running (a slow query goes on after its
    client is gone), so that they do not weigh on the next measurement."""
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).query.get("application_name")
    if not url.startswith("postgresql") or not name:
        return
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    admin.dispose()


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


_LATENCY_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _LATENCY_UNITS[unit]


def run_wrk(
    base: str,
    paths: list[str],
    *,
    duration: int,
    connections: int,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """wrk from its own process, rotating over `paths`; non-2xx answers are counted as errors."""
    quoted = ", ".join(json.dumps(path) for path in paths)
    lua_headers = ", ".join(
        f"[{json.dumps(name)}] = {json.dumps(value)}" for name, value in (headers or {}).items()
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            f"local paths = {{{quoted}}}\nlocal headers = {{{lua_headers}}}\nlocal i = 0\n"
            "request = function()\n"
            "  i = i % #paths + 1\n"
            "  return wrk.format('GET', paths[i], headers)\n"
            "end\n"
        )
    try:
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency",
             "-s", script.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: .*", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    return LoadResult(rps, p50, p99, errors)


def warm_then_run_wrk(base: str, paths: list[str], **options) -> LoadResult:
    """`run_wrk` after one unmeasured second of the same load: the steady state, with every
    page the server keeps already built once, as after its first minute in service."""
    run_wrk(base, paths, **{**options, "duration": 1})
    return run_wrk(base, paths, **options)


def _weeks(count: int, rng: random.Random) -> list[str]:
    paths = []
    for _ in range(count):
        monday = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days - 7))
        monday -= timedelta(days=monday.weekday())
        paths.append(f"/v1/events?from={monday}&to={monday + timedelta(days=6)}")
    return paths


# Queries run again under load with `Cache-Control: no-cache` (the q common word is left out:
# at ~1 s a request, 16 clients only time out).
BYPASSED = ("one-week range", "one-year range, limit=50", "actor filter, limit=50",
            "q rare word, limit=50")  # fmt: skip


def query_paths() -> dict[str, list[str]]:
    rng = random.Random(11)
    return {
        "bare endpoint (/healthz)": ["/healthz"],
        "one-week range": _weeks(50, rng),
        "one-year range, limit=50": [
            f"/v1/events?from={year}-01-01&to={year}-12-31&limit=50" for year in range(2014, 2026)
        ],
        "actor filter, limit=50": [
            f"/v1/events?actor={quote(actor)}&limit=50" for actor in ACTORS[:10]
        ],
        "q common word, limit=50": [f"/v1/events?q={t.split()[-1]}&limit=50" for t in TOPICS],
        "q rare word, limit=50": [
            f"/v1/events?q=bulletin+{rng.randrange(BULLETINS)}&limit=50" for _ in range(12)
        ],
    }


# The sequential figures measure the database and the read path, not the page cache: every
# request asks for a page built anew.
UNCACHED = {"Cache-Control": "no-cache"}


def cursor_walk(base: str, pages: int, repeats: int = 15) -> tuple[float, float]:
    """Median latency (ms) of page 1 and of page `pages` of a cursor walk at limit=50."""
    import httpx

    with httpx.Client(base_url=base, timeout=30, headers=UNCACHED) as client:
        cursor, last_cursor = None, None
        for _ in range(pages - 1):
            params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
            cursor = client.get("/v1/events", params=params).json()["next_cursor"]
            if cursor is None:
                break
            last_cursor = cursor

        def median_ms(params: dict) -> float:
            timings = []
            for _ in range(repeats):
                started = time.perf_counter()
                client.get("/v1/events", params=params).raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
            return statistics.median(timings)

        first = median_ms({"limit": 50})
        deep = median_ms({"limit": 50, "cursor": last_cursor}) if last_cursor else float("nan")
    return first, deep


def sequential_median_ms(base: str, paths: list[str], repeats: int = 3) -> float:
    import httpx

    timings = []
    with httpx.Client(base_url=base, timeout=30, headers=UNCACHED) as client:
        client.get(paths[0])
        for _ in range(repeats):
            for path in paths:
                started = time.perf_counter()
                client.get(path).raise_for_status()
                timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# --------------------------------------------------------------------------- query plans


def query_plans(url: str) -> dict[str, list[str]]:
    """EXPLAIN of the SQL the service runs for each benchmark query, captured as it runs."""
    from sqlalchemy import event
    from sqlmodel import Session

    from app.db import create_db_engine
    from app.events import service
    from app.events.repository import EventFilters

    engine = create_db_engine(url)
    captured: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    cases = {
        "one-week range": EventFilters(date_from=date(2022, 3, 7), date_to=date(2022, 3, 13)),
        "one-year range, limit=50": EventFilters(
            date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)
        ),
        "actor filter, limit=50": EventFilters(actor="Ukraine"),
        "q common word, limit=50": EventFilters(q="corridor"),
        "q rare word, limit=50": EventFilters(q="bulletin 4711"),
    }
    plans = {}
    with Session(engine) as session:
        for name, filters in cases.items():
            captured.clear()
            service.list_events(session, filters=filters, limit=50, cursor=None, descending=False)
            # The page query: `q` estimates the word's frequency first (walk_pays), and later
            # statements read what the page shows.
            statement, parameters = next((s, p) for s, p in captured if "ORDER BY" in s)
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            with engine.connect() as connection:
                rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
            plans[name] = [str(row[-1]) for row in rows]
    engine.dispose()
    return plans


# --------------------------------------------------------------------------- orchestration


@contextlib.contextmanager
def database(kind: str, scale: int, workdir: Path, *, keep: bool = False) -> Iterator[str]:
    """A database for one archive: a file in `workdir` on SQLite, a schema on PostgreSQL
    (dropped at the end unless `keep`, which names it after the scale so a later run finds it)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'archive-{scale}.db'}"
        return
    from sqlalchemy import create_engine, text

    schema = f"bench_kept_{scale}" if keep else f"bench_{scale}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    try:
        # The application name marks the server's backends (see _stop_leftover_queries).
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        if not keep:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def kept_archive(url: str, count: int) -> bool:
    """True when `url` holds a whole archive of `count` events from an earlier `--keep` run;
    it is then migrated to head (the new revisions run on it as on any archive) and analyzed.
    Anything else found there is cleared for a fresh load."""
    from sqlalchemy import create_engine, inspect, text

    from app import migrations

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if "events" in inspect(connection).get_table_names():
                stored = connection.execute(text("SELECT count(*) FROM events")).scalar()
                if stored == count:
                    migrations.upgrade(url)
                    with engine.begin() as analyzing:
                        analyzing.exec_driver_sql("ANALYZE")
                    return True
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                for table in inspect(connection).get_table_names():
                    connection.execute(text(f'DROP TABLE "{table}" CASCADE'))
    finally:
        engine.dispose()
    if engine.dialect.name == "sqlite":
        Path(engine.url.database).unlink(missing_ok=True)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--scales", default="10000,100000,1000000")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL worker counts to compare")
    parser.add_argument("--pages", type=int, default=1000, help="cursor walk depth")
    parser.add_argument("--quick", action="store_true", help="10k and 100k events, 3 s runs")
    parser.add_argument("--json", type=Path, help="write all figures here too")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the archives (SQLite files in this folder, PostgreSQL schemas bench_kept_N) "
        "and reuse them in later runs: loading a million events takes minutes",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk (Debian)", file=sys.stderr)
        return 2
    if args.quick:
        args.scales, args.duration, args.pages = "10000,100000", 3, 200
    scales = [int(s) for s in args.scales.split(",")]
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    paths = query_paths()
    report: dict = {"command": command_line(), "machine": machine_description(), "runs": []}
    print(f"# Query benchmark\n\n`{report['command']}`\n")
    print(f"Machine: {report['machine']}\n")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ct-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        for kind in kinds:
            scale_rows = []
            for scale in scales:
                with database(kind, scale, workdir, keep=bool(args.keep)) as url:
                    if args.keep and kept_archive(url, scale):
                        loaded = "kept from an earlier run, migrated to head"
                    else:
                        loaded = f"loaded in {load_archive(url, scale):.0f} s"
                    print(f"## {kind}, {scale:,} events ({loaded})\n")
                    worker_counts = (
                        [1] if kind == "sqlite" else [int(w) for w in args.workers.split(",")]
                    )
                    if scale != max(scales):
                        worker_counts = [1]
                    sequential = {}
                    for workers in worker_counts:
                        with started_server(url, workers) as base:
                            if workers == 1:
                                sequential = {
                                    name: sequential_median_ms(base, plist[:12])
                                    for name, plist in paths.items()
                                }
                                first, deep = cursor_walk(base, args.pages)
                            if scale != max(scales):
                                continue
                            rows = []
                            results = {
                                name: warm_then_run_wrk(base, plist, duration=args.duration,
                                                        connections=args.connections)
                                for name, plist in paths.items()
                            }  # fmt: skip
                            # The same queries with every page built anew: what the cache saves.
                            for name in BYPASSED:
                                results[f"{name}, page cache bypassed"] = warm_then_run_wrk(
                                    base, paths[name], duration=args.duration,
                                    connections=args.connections, headers=UNCACHED,
                                )  # fmt: skip
                            ceiling = results["bare endpoint (/healthz)"].requests_per_second
                            for name, result in results.items():
                                rows.append([
                                    name, f"{result.requests_per_second:,.0f}",
                                    f"{result.requests_per_second / ceiling:.0%}",
                                    f"{result.p50_ms:.1f}", f"{result.p99_ms:.1f}", result.errors,
                                ])  # fmt: skip
                            print(f"### {workers} worker(s), {args.connections} connections, "
                                  f"{args.duration} s each\n")  # fmt: skip
                            print(markdown_table(
                                ["query", "req/s", "of bare", "p50 ms", "p99 ms", "errors"], rows
                            ))  # fmt: skip
                            print()
                            report["runs"].append({
                                "db": kind, "scale": scale, "workers": workers,
                                "results": {n: vars(r) for n, r in results.items()},
                            })  # fmt: skip
                    scale_rows.append((scale, sequential, first, deep))
                    print("Query plans:\n")
                    for name, plan in query_plans(url).items():
                        print(f"- {name}: `" + " / ".join(plan)[:400] + "`")
                    print()
            print(f"### {kind}: sequential median latency (ms) by archive size\n")
            names = [n for n in paths if not n.startswith("bare")]
            rows = [
                [f"{scale:,}", *(f"{seq[n]:.1f}" for n in names), f"{first:.1f}", f"{deep:.1f}"]
                for scale, seq, first, deep in scale_rows
            ]
            print(markdown_table(["events", *names, "cursor page 1", f"page {args.pages}"], rows))
            if len(scale_rows) > 1:
                small, large = scale_rows[0], scale_rows[-1]
                ratios = ", ".join(f"{n}: {large[1][n] / small[1][n]:.2f}x" for n in names)
                print(f"\n{large[0]:,} vs {small[0]:,} events: {ratios}; "
                      f"page {args.pages} vs page 1: {large[3] / large[2]:.2f}x\n")  # fmt: skip
            report["runs"].append({"db": kind, "sequential": scale_rows})
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

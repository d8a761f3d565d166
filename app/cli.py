"""The `timeline` command: serve, migrate, seed, ingest, resolve, export."""

from __future__ import annotations

import functools
import json
import secrets
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from app.config import Settings, get_settings

cli = typer.Typer(
    help="Ceasefire Timeline: news reports in, a dated timeline of events out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)

LOCAL_KEY_FILE = "local-api-key"


def _session(settings: Settings):
    from sqlmodel import Session

    from app.db import create_db_engine

    return Session(create_db_engine(settings.database_url), expire_on_commit=False)


def _local_key(settings: Settings) -> str:
    """The key `serve --local-key` uses: kept beside the default database, made once."""
    path = Path("data") / LOCAL_KEY_FILE
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(24)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on [env HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [env PORT].")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    local_key: Annotated[
        bool,
        typer.Option(
            "--local-key",
            help="When TIMELINE_API_KEYS is unset, create (once) a write key in "
            "data/local-api-key and use it. For local development.",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API with uvicorn."""
    import os

    import uvicorn

    settings = get_settings()
    host = host or settings.host
    port = port or settings.port
    if local_key and not settings.write_keys:
        os.environ["TIMELINE_API_KEYS"] = _local_key(settings)
        get_settings.cache_clear()
        settings = get_settings()
    base = f"http://{host}:{port}"
    err.print(f"Ceasefire Timeline on {base}  (database: {_redact(settings.database_url)})")
    err.print(f"API docs: {base}/docs   OpenAPI: {base}/openapi.json")
    if settings.write_keys:
        if local_key:
            err.print(f"Local write key: {settings.write_keys[0]}")
            err.print(f"  curl -H 'Authorization: Bearer {settings.write_keys[0]}' …")
        else:
            err.print(f"Writes accept {len(settings.write_keys)} key(s) from TIMELINE_API_KEYS.")
    else:
        err.print("Writes are disabled: set TIMELINE_API_KEYS to allow them.")
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,
    )


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _database_problem(url: str, *, migrated: bool = True) -> str | None:
    """What keeps a command from using the database at `url`, in words for its user: it cannot
    be reached, or (`migrated`: the command needs it so) it is not at the code's revision. None
    when neither: the error that asked is then a bug, and shown as one."""
    from sqlalchemy.exc import DBAPIError

    from app import migrations
    from app.db import create_db_engine

    engine = create_db_engine(url)
    try:
        current = migrations.current_revision(engine)
    except DBAPIError as error:
        reason = str(error.orig or error).strip().splitlines()[0]
        return (
            f"Cannot reach the database at {_redact(url)}: {reason}. Check DATABASE_URL and "
            "that the database server is running."
        )
    finally:
        engine.dispose()
    head = migrations.head_revision()
    if migrated and current != head:
        found = "it has no revision" if current is None else f"it is at revision {current}"
        return (
            f"The database at {_redact(url)} is not migrated ({found}; this version of the "
            f"service needs {head}). Run `timeline migrate`, then this command again."
        )
    return None


def _database_errors_explained(*, migrated: bool = True) -> Callable[[Callable], Callable]:
    """A command whose database is unreachable or (`migrated`) not migrated says so and exits
    with 1, instead of a traceback. Whatever it had committed stays (each batch is whole)."""

    def explained(command: Callable) -> Callable:
        @functools.wraps(command)
        def run(*args, **kwargs):
            from sqlalchemy.exc import DBAPIError

            try:
                return command(*args, **kwargs)
            except DBAPIError as error:
                problem = _database_problem(get_settings().database_url, migrated=migrated)
                if problem is None:
                    raise
                err.print(f"[red]{problem}[/red]")
                raise typer.Exit(1) from error

        return run

    return explained


@cli.command()
@_database_errors_explained(migrated=False)
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (Alembic upgrade, to head by default)."""
    from app import migrations

    settings = get_settings()
    progress = Progress(
        TextColumn("[bold]event documents"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    task = None

    def stored(done: int, total: int) -> None:
        # Shown only when an upgraded archive has documents to fill (app.events.documents).
        nonlocal task
        if task is None:
            progress.start()
            task = progress.add_task("documents", total=total)
        progress.update(task, completed=done)

    try:
        migrations.upgrade(settings.database_url, revision, progress=stored)
    finally:
        progress.stop()
    err.print(f"Database {_redact(settings.database_url)} is at revision {revision}.")


@cli.command()
@_database_errors_explained()
def seed(
    seeds_dir: Annotated[
        Path | None, typer.Option("--dir", help="Seed folder [env TIMELINE_SEEDS_DIR].")
    ] = None,
) -> None:
    """Load the seed articles (seeds/articles.json). Already stored ones are skipped."""
    from app.seeding import SeedError, load_seeds

    settings = get_settings()
    try:
        with _session(settings) as session:
            results = load_seeds(
                session, seeds_dir or settings.seeds_dir, max_text_bytes=settings.max_text_bytes
            )
    except SeedError as exc:
        err.print(f"[red]Seeding failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    created = sum(result.created for result in results)
    events = sum(len(result.events) for result in results if result.created)
    err.print(
        f"Seeds: {created} article(s) added with {events} event(s); "
        f"{len(results) - created} already stored."
    )


ARTICLE_SUFFIXES = frozenset({".json", ".ndjson", ".jsonl", ".txt"})
# Article text `timeline ingest` keeps from its checking pass rather than reading again (~64 MB).
_KEPT_TEXT_CHARS = 16 * 1024 * 1024


def _input_files(paths: list[Path]) -> list[Path]:
    """The files to read: each file named, and the article files under each folder named
    (.json, .ndjson, .jsonl, .txt, hidden ones aside), in name order."""
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    found
                    for found in path.rglob("*")
                    if found.is_file()
                    and found.suffix in ARTICLE_SUFFIXES
                    and not any(part.startswith(".") for part in found.relative_to(path).parts)
                )
            )
        else:
            files.append(path)
    return files


def _article_records(path: Path, defaults: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, record) for each article of the file; the record is a dict, or the error that
    kept it from being read ("where" is file:line, or file#index in a JSON list)."""
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            yield str(path), exc
            return
        items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items):
            yield (f"{path}#{index}" if isinstance(data, list) else str(path)), item
    elif path.suffix in {".ndjson", ".jsonl"}:
        try:
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    if line.strip():
                        try:
                            yield f"{path}:{number}", json.loads(line)
                        except json.JSONDecodeError as exc:
                            yield f"{path}:{number}", exc
        except (OSError, UnicodeDecodeError) as exc:
            yield str(path), exc
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield str(path), exc
            return
        if "published_at" not in defaults:
            yield str(path), ValueError("a plain-text article needs --published-at")
            return
        yield str(path), {**defaults, "title": path.name, "text": text}


def _validated(where: str, record: Any, max_text_bytes: int):
    """The ArticleCreate of a record, or a one-line reason it is not one."""
    from app.articles.schemas import ArticleCreate

    if isinstance(record, Exception):
        return f"{where}: cannot be read: {record}"
    if not isinstance(record, dict):
        return f"{where}: expected a JSON object (an article), got {type(record).__name__}"
    try:
        article = ArticleCreate.model_validate(record)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'article'}: {error['msg']}"
            for error in exc.errors()
        )
        return f"{where}: {problems}"
    size = len(article.text.encode("utf-8"))
    if size > max_text_bytes:
        return f"{where}: text is {size:,} bytes, over TIMELINE_MAX_TEXT_BYTES ({max_text_bytes:,})"
    return article


@cli.command()
@_database_errors_explained()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            help="Articles: .json (an object or a list), .ndjson/.jsonl (one per line), plain "
            "text (needs --published-at), or folders of them.",
        ),
    ],
    published_at: Annotated[
        datetime | None, typer.Option(help="Publication time for plain-text files.")
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone for plain-text files.")] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Articles per transaction (all or nothing each).")
    ] = 50,
    workers: Annotated[
        int | None,
        typer.Option(min=0, help="Extraction processes [default: one per CPU; 0: none]."),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Store the valid articles even when some records are invalid."
        ),
    ] = False,
) -> None:
    """Ingest article files in bulk: batched transactions, extraction in parallel, a progress bar.

    Every record is checked first; an invalid one stops the run before anything is stored
    (unless --skip-invalid). Articles already stored (same URL or same text) are skipped, so an
    interrupted run is resumed by running it again: each batch is committed whole or not at all.
    """
    import atexit
    import gc
    import time

    from app.articles.extraction_pool import (
        IN_FLIGHT_BATCHES,
        Extractor,
        Job,
        default_workers,
        heap_frozen,
        yaml_gazetteers,
    )
    from app.wire_types import SUPPORTED_LANGUAGES

    settings = get_settings()
    defaults: dict[str, Any] = {"timezone": timezone}
    if published_at is not None:
        defaults["published_at"] = published_at
    files = _input_files(paths)
    # First pass: check every record (and count them for the progress bar). The valid articles
    # are kept while their texts stay under _KEPT_TEXT_CHARS in all, so that a run of modest
    # size does not read and validate every record twice; a larger one reads them again.
    problems: list[str] = []
    total = 0
    kept: list | None = []
    kept_chars = 0
    # The first articles, which the workers start on before the database is even opened.
    ahead: list = []
    ahead_count = (IN_FLIGHT_BATCHES + 1) * batch_size
    for path in files:
        for where, record in _article_records(path, defaults):
            checked = _validated(where, record, settings.max_text_bytes)
            if isinstance(checked, str):
                problems.append(checked)
                continue
            total += 1
            if len(ahead) < ahead_count:
                ahead.append(checked)
            if kept is not None:
                kept_chars += len(checked.text)
                if kept_chars > _KEPT_TEXT_CHARS:
                    kept = None
                else:
                    kept.append(checked)
    for problem in problems[:50]:
        err.print(problem, style="red", markup=False, highlight=False)
    if len(problems) > 50:
        err.print(f"… and {len(problems) - 50} more invalid records.", style="red")
    if problems and not skip_invalid:
        err.print(
            f"Ingested 0 new, 0 already stored, {len(problems)} failed: nothing was stored. "
            "Fix the records above, or pass --skip-invalid to store the valid ones."
        )
        raise typer.Exit(1)

    def articles() -> Iterator:
        if kept is not None:
            kept.reverse()
            while kept:
                yield kept.pop()  # each one freed once stored
            return
        for path in files:
            for where, record in _article_records(path, defaults):
                checked = _validated(where, record, settings.max_text_bytes)
                if not isinstance(checked, str):
                    yield checked

    created = existing = 0
    events: set = set()
    progress = Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=err,
    )
    started = time.perf_counter()
    # The extraction workers start now, on the first articles, with the data files'
    # gazetteers: the database code is not imported yet (SQLAlchemy, the models: ~0.4 s of
    # start-up), and they extract while this process imports it, connects and checks which
    # articles are stored. Extraction is a function of the text and the gazetteer, so
    # `ingest_many` takes what they did ahead for every article it finds new; if curators have
    # added actors, it restarts them with the merged gazetteer (`Extractor.use`).
    extractor = Extractor(
        yaml_gazetteers(SUPPORTED_LANGUAGES),
        default_workers() if workers is None else workers,
    )
    with heap_frozen(), extractor:
        extractor.speculate([Job.of(article) for article in ahead])
        del ahead
        from app.articles import service as article_service

        session = _session(settings)
        try:
            with session, progress:
                task = progress.add_task("ingest", total=total, rate="")

                def on_batch(outcomes: list) -> None:
                    nonlocal created, existing
                    created += sum(outcome.created for outcome in outcomes)
                    existing += sum(not outcome.created for outcome in outcomes)
                    events.update(
                        event_id for outcome in outcomes for event_id in outcome.event_ids
                    )
                    done = created + existing
                    rate = f"{done / max(time.perf_counter() - started, 1e-9):,.0f} articles/s"
                    progress.update(task, completed=done, rate=rate)

                article_service.ingest_many(
                    session,
                    articles(),
                    max_text_bytes=settings.max_text_bytes,
                    batch_size=batch_size,
                    on_batch=on_batch,
                    extractor=extractor,
                )
        finally:
            # Its connections closed now rather than by the collector at exit (see below):
            # SQLite folds its write-ahead log into the database when the last one closes.
            session.get_bind().dispose()
    seconds = time.perf_counter() - started
    # The process ends soon after the command: at exit the interpreter collects garbage once
    # more, over every object still tracked (the modules, the compiled rules, what the run left:
    # ~0.15 s after a run of 1,000 articles, with both cores idle). Frozen, they are left out
    # of it and freed with the process; what needed closing is closed (the database's
    # connections above, the files, the workers). Registered once, so that commands run in
    # one process (tests) do not add it again.
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    err.print(
        f"Ingested {created} new, {existing} already stored, {len(problems)} failed "
        f"in {seconds:.1f} s ({(created + existing) / max(seconds, 1e-9):,.0f} articles/s); "
        f"the new articles back {len(events)} event(s)."
    )
    if problems:
        raise typer.Exit(1)


@cli.command("resolve")
def resolve_command(
    text: Annotated[str, typer.Argument(help="Text to search for temporal expressions.")],
    reference_time: Annotated[
        datetime, typer.Option(help="Anchor time, e.g. 2025-03-12T20:00:00+02:00.")
    ],
    timezone: Annotated[
        str | None, typer.Option(help="IANA zone for calendar dates (needed for a naive time).")
    ] = None,
) -> None:
    """Resolve the temporal expressions in TEXT and print them as JSON."""
    from app.temporal import resolve
    from app.temporal.zones import localize

    try:
        anchor, zone_name = localize(reference_time, timezone)
    except ValueError as exc:
        err.print(f"[red]--reference-time {exc}[/red]")
        raise typer.Exit(2) from exc
    expressions = resolve(text, anchor, timezone=zone_name)
    json.dump(
        {
            "reference_time": anchor.isoformat(),
            "timezone": zone_name,
            "expressions": [expression.to_dict() for expression in expressions],
        },
        sys.stdout,
        indent=2,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")


@cli.command()
@_database_errors_explained()
def export(
    format_: Annotated[
        str,
        typer.Option(
            "--format", help="json, timelinejs, vis, csv, ndjson or ics: those of GET /v1/timeline."
        ),
    ] = "ndjson",
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default stdout).")
    ] = None,
) -> None:
    """Export stored events, page by page (never the whole table in memory)."""
    from app.errors import InvalidInput
    from app.events.repository import EventFilters
    from app.timeline import service as timeline_service
    from app.timeline.formats import TimelineContext

    try:
        spec = timeline_service.choose_format(format_, None)
    except InvalidInput as exc:
        err.print(f"--format: {exc.detail}", style="red", markup=False)
        raise typer.Exit(2) from exc
    try:
        filters = EventFilters(
            date_from=date.fromisoformat(date_from) if date_from else None,
            date_to=date.fromisoformat(date_to) if date_to else None,
        )
    except ValueError as exc:
        err.print(f"[red]--from/--to must be YYYY-MM-DD: {exc}[/red]")
        raise typer.Exit(2) from exc
    settings = get_settings()
    # The same writers as GET /v1/timeline: one implementation per format.
    stream = output.open("wb") if output else sys.stdout.buffer
    try:
        with _session(settings) as session:
            _, count = timeline_service.entity_tag(session, filters, spec)
            context = TimelineContext(
                count=count, filters=timeline_service.describe_filters(filters)
            )
            for chunk in timeline_service.write(session, filters, spec, context):
                stream.write(chunk)
    finally:
        if output:
            stream.close()
        else:
            stream.flush()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

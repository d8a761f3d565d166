"""The `timeline` command: serve, migrate, seed, ingest, resolve, export."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
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


@cli.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations (Alembic upgrade, to head by default)."""
    from app import migrations

    settings = get_settings()
    migrations.upgrade(settings.database_url, revision)
    err.print(f"Database {_redact(settings.database_url)} is at revision {revision}.")


@cli.command()
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


def _article_records(path: Path, defaults: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if path.suffix in {".json"}:
        data = json.loads(path.read_text(encoding="utf-8"))
        yield from data if isinstance(data, list) else [data]
    elif path.suffix in {".ndjson", ".jsonl"}:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)
    else:
        yield {**defaults, "text": path.read_text(encoding="utf-8")}


@cli.command()
def ingest(
    files: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="Articles: .json (an object or a list), .ndjson/.jsonl (one per line), or plain "
            "text (needs --published-at).",
        ),
    ],
    published_at: Annotated[
        datetime | None, typer.Option(help="Publication time for plain-text files.")
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone for plain-text files.")] = None,
) -> None:
    """Ingest article files into the database, with a progress bar. Re-running skips stored ones."""
    from app.articles import service as article_service
    from app.articles.schemas import ArticleCreate
    from app.errors import AppError

    settings = get_settings()
    defaults: dict[str, Any] = {"timezone": timezone}
    if published_at is not None:
        defaults["published_at"] = published_at
    created = existing = failed = 0
    records = [(path, record) for path in files for record in _article_records(path, defaults)]
    progress = Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
    )
    with _session(settings) as session, progress:
        task = progress.add_task("ingest", total=len(records))
        for path, record in records:
            try:
                result = article_service.ingest(
                    session,
                    ArticleCreate.model_validate(record),
                    max_text_bytes=settings.max_text_bytes,
                )
            except (ValidationError, AppError) as exc:
                failed += 1
                progress.console.print(f"[red]{path}[/red]: {exc}")
            else:
                created += result.created
                existing += not result.created
            progress.advance(task)
    err.print(f"Ingested {created} new, {existing} already stored, {failed} failed.")
    if failed:
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
            for chunk in spec.write(timeline_service.iter_events(session, filters), context):
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

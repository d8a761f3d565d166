"""Loads `seeds/` (articles.json and the text files it names) through the normal ingest path."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError
from sqlmodel import Session

from app.articles import service as article_service
from app.articles.schemas import ArticleCreate, ArticleIngested


class SeedError(ValueError):
    pass


def read_seed_articles(seeds_dir: Path) -> list[ArticleCreate]:
    manifest = seeds_dir / "articles.json"
    if not manifest.is_file():
        raise SeedError(f"{manifest} does not exist")
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    articles = []
    for position, entry in enumerate(entries):
        entry = dict(entry)
        text_file = seeds_dir / entry.pop("file")
        try:
            articles.append(ArticleCreate(text=text_file.read_text(encoding="utf-8"), **entry))
        except (OSError, ValidationError) as exc:
            raise SeedError(f"seed #{position} ({text_file.name}) is invalid: {exc}") from exc
    return articles


def load_seeds(session: Session, seeds_dir: Path, *, max_text_bytes: int) -> list[ArticleIngested]:
    """Ingest every seed article; already stored ones are left as they are."""
    return [
        article_service.ingest(session, article, max_text_bytes=max_text_bytes)
        for article in read_seed_articles(seeds_dir)
    ]

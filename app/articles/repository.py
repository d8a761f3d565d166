"""Every query on the articles table."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, or_, select, tuple_
from sqlmodel import Session

from app.articles.models import Article
from app.events.models import Mention


def get_article(session: Session, article_id: uuid.UUID) -> Article | None:
    return session.get(Article, article_id)


def find_duplicate(session: Session, *, url: str | None, text_sha256: str) -> Article | None:
    """The stored article with the same URL or the same text, if any."""
    condition = Article.text_sha256 == text_sha256
    if url:
        condition = or_(condition, Article.url == url)
    return session.scalars(select(Article).where(condition).limit(1)).first()


def list_articles(
    session: Session, *, limit: int, before: tuple[datetime, uuid.UUID] | None = None
) -> list[Article]:
    """Newest first, keyset-paged on (published_at, id)."""
    statement = select(Article)
    if before is not None:
        statement = statement.where(tuple_(Article.published_at, Article.id) < tuple_(*before))
    statement = statement.order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)
    return list(session.scalars(statement))


def find_duplicates(
    session: Session, *, urls: Sequence[str], text_sha256s: Sequence[str]
) -> dict[str, uuid.UUID]:
    """The stored articles with any of these URLs or text hashes, in one query, keyed
    "url:<url>" and "sha256:<hash>"."""
    conditions = []
    if urls:
        conditions.append(Article.url.in_(list(urls)))
    if text_sha256s:
        conditions.append(Article.text_sha256.in_(list(text_sha256s)))
    if not conditions:
        return {}
    found: dict[str, uuid.UUID] = {}
    rows = session.execute(
        select(Article.id, Article.url, Article.text_sha256).where(or_(*conditions))
    )
    for article_id, url, digest in rows:
        found[f"sha256:{digest}"] = article_id
        if url:
            found[f"url:{url}"] = article_id
    return found


def add_article(session: Session, article: Article) -> None:
    session.add(article)


def insert_articles(session: Session, articles: Sequence[Article]) -> None:
    """Insert many new articles in one statement (they stay out of the session)."""
    if articles:
        columns = Article.__table__.columns.keys()
        session.connection().execute(
            insert(Article.__table__),
            [{name: getattr(article, name) for name in columns} for article in articles],
        )


def delete_article(session: Session, article: Article) -> list[uuid.UUID]:
    """Delete the article and its mentions; return the events those mentions backed."""
    event_ids = list(
        session.scalars(select(Mention.event_id).where(Mention.article_id == article.id).distinct())
    )
    session.execute(delete(Mention).where(Mention.article_id == article.id))
    session.delete(article)
    session.flush()
    return event_ids

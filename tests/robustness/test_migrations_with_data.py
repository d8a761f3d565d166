"""Migrations carry data: a database filled at the first revision upgrades to head with every row
intact, on both databases, and `alembic check` finds nothing to generate afterwards.

Written against the first revision's tables only (they never change), so it keeps working as
revisions are added."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from app import migrations
from app.articles.models import Article
from app.events.models import Event, Mention
from app.events.search import matches_text
from tests.conftest import drop_postgres_schema, new_schema_name, postgres_schema_url

ARTICLES = 5


@pytest.fixture
def empty_url(backend, tmp_path):
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    schema = new_schema_name()
    yield postgres_schema_url(schema)
    drop_postgres_schema(schema)


def _first_revision() -> str:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    (base,) = script.get_bases()
    return base


def _fill_first_revision(url: str) -> dict[str, list[uuid.UUID]]:
    """Rows inserted with plain SQL in the shape of the first revision."""
    sqlite = url.startswith("sqlite")

    def uid(value: uuid.UUID):
        return value.hex if sqlite else value

    def day(value: str):
        return value if sqlite else date.fromisoformat(value)

    def instant(value: str):
        # Stored as UTC: naive text on SQLite, an aware timestamp on PostgreSQL.
        if sqlite:
            return value.replace("T", " ") + ".000000"
        return datetime.fromisoformat(value).replace(tzinfo=UTC)

    ids: dict[str, list[uuid.UUID]] = {"articles": [], "events": [], "mentions": []}
    engine = create_engine(url)
    with engine.begin() as connection:
        for number in range(ARTICLES):
            article_id, event_id, mention_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            ids["articles"].append(article_id)
            ids["events"].append(event_id)
            ids["mentions"].append(mention_id)
            connection.execute(
                text(
                    "INSERT INTO articles (id, url, text_sha256, title, source, language, text, "
                    "published_at, timezone, created_at) VALUES (:id, :url, :sha, :title, NULL, "
                    "'en', :text, :published, 'Asia/Jerusalem', :created)"
                ),
                {
                    "id": uid(article_id),
                    "url": f"https://example.org/old/{number}",
                    "sha": f"{number:064x}",
                    "title": f"Old report {number} — «ceasefire» 停火",
                    "text": f"Yesterday the delegations met in Jeddah. Report {number}.",
                    "published": instant("2025-03-12T18:00:00"),
                    "created": instant("2025-03-12T18:05:00"),
                },
            )
            connection.execute(
                text(
                    "INSERT INTO events (id, title, description, category, date_start, date_end, "
                    "granularity, time, timex, confidence, status, curated, created_at, "
                    "updated_at) VALUES (:id, :title, :description, 'talks', :start, :end, 'day', "
                    "NULL, '2025-03-11', 0.9, :status, :curated, :created, :created)"
                ),
                {
                    "id": uid(event_id),
                    "title": f"Delegations meet in Jeddah ({number})",
                    "description": "Yesterday the delegations met in Jeddah.",
                    "start": day("2025-03-11"),
                    "end": day("2025-03-11"),
                    "status": "confirmed" if number == 0 else "extracted",
                    "curated": number == 0,
                    "created": instant("2025-03-12T18:05:00"),
                },
            )
            connection.execute(
                text(
                    "INSERT INTO event_entities (event_id, kind, name, position) VALUES "
                    "(:event, 'location', 'Saudi Arabia', 0)"
                ),
                {"event": uid(event_id)},
            )
            connection.execute(
                text(
                    "INSERT INTO mentions (id, event_id, article_id, sentence, sentence_start, "
                    "sentence_end, phrase, phrase_start, phrase_end, timex_type, timex_value, "
                    "date_start, date_end, granularity, mod, confidence, rule, created_at) VALUES "
                    "(:id, :event, :article, 'Yesterday the delegations met in Jeddah.', 0, 40, "
                    "'Yesterday', 0, 9, 'DATE', '2025-03-11', :start, :end, 'day', NULL, 0.95, "
                    "'relative_day', :created)"
                ),
                {
                    "id": uid(mention_id),
                    "event": uid(event_id),
                    "article": uid(article_id),
                    "start": day("2025-03-11"),
                    "end": day("2025-03-11"),
                    "created": instant("2025-03-12T18:05:00"),
                },
            )
    engine.dispose()
    return ids


def test_rows_at_the_first_revision_survive_upgrade_to_head(empty_url):
    migrations.upgrade(empty_url, _first_revision())
    ids = _fill_first_revision(empty_url)
    migrations.upgrade(empty_url, "head")

    engine = create_engine(empty_url)
    try:
        with engine.connect() as connection:
            for table, expected in (("articles", 5), ("events", 5), ("mentions", 5)):
                count = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                assert count == expected, table
            assert connection.execute(text("SELECT count(*) FROM event_entities")).scalar_one() >= 5
        # The rows read back through today's models, field by field.
        with Session(engine) as session:
            for number, article_id in enumerate(ids["articles"]):
                article = session.get(Article, article_id)
                assert article is not None
                assert article.title == f"Old report {number} — «ceasefire» 停火"
                assert article.published_at.isoformat() == "2025-03-12T18:00:00+00:00"
                assert article.timezone == "Asia/Jerusalem"
            for number, event_id in enumerate(ids["events"]):
                event = session.get(Event, event_id)
                assert event is not None
                assert (event.date_start, event.date_end) == (date(2025, 3, 11), date(2025, 3, 11))
                assert event.curated == (number == 0)
            for mention_id, article_id in zip(ids["mentions"], ids["articles"], strict=True):
                mention = session.get(Mention, mention_id)
                assert mention is not None and mention.article_id == article_id
                assert (mention.phrase, mention.phrase_start, mention.phrase_end) == (
                    "Yesterday",
                    0,
                    9,
                )
            # The full-text index was filled from the rows already there: by title ("Delegations
            # meet", stemmed) and by mention sentence.
            for words in ("delegation", "met Jeddah"):
                found = session.scalars(
                    select(Event.id).where(matches_text(Event.__table__, words))
                )
                assert set(found) == set(ids["events"]), words
    finally:
        engine.dispose()
    # `alembic check`: the models and the migrated database agree.
    command.check(migrations.alembic_config(empty_url))

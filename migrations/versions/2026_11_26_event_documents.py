"""event documents: each event's public JSON stored with it, never stale

Lists and exports sent each event after building its public shape from three queries' rows (its
columns, its actors and locations, its mentions with their articles): ~60 µs an event, so an
export of a million events ran at 13,000 events/s. `events.document` holds that shape as JSON
bytes, and `events.csv_row` the event's line of a CSV export, both written by the application
(app.events.documents) before a writing transaction commits.

These triggers clear an event's document whenever something it shows changes, whoever writes:
the event's public columns, its actors and locations, its mentions, their articles. A cleared
document is built on the fly by readers and stored again by the next writer, so a stored one is
never stale. The partial index finds the cleared ones.

On PostgreSQL, writers run concurrently. Each trigger also locks the events it clears
(FOR NO KEY UPDATE, which foreign-key checks do not wait for), and a writer storing documents
locks them first: whichever of two transactions touching one event commits second either sees
the first one's changes when it builds the document or clears the document the first one
stored.

The application fills the documents of an existing archive after the upgrade (`timeline
migrate`); until then readers build them.

Revision ID: 3f7a9c2e5b14
Revises: 6b1e2f7c9d30
Create Date: 2026-11-26 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f7a9c2e5b14"
down_revision: str | None = "6b1e2f7c9d30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What an event's document shows of its own row (app.events.documents, `EventPublic`). Listed
# here rather than imported, so that this revision keeps its meaning when the application changes.
EVENT_COLUMNS = (
    "title",
    "description",
    "category",
    "date_start",
    "date_end",
    "granularity",
    "time",
    "timex",
    "confidence",
    "status",
    "created_at",
    "updated_at",
)
# What it shows of an article, through a mention.
ARTICLE_COLUMNS = ("url", "title", "published_at", "timezone")


def _sqlite_changed(columns: Sequence[str]) -> str:
    return " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)


def _sqlite_clear(event_id: str) -> str:
    return (
        "UPDATE events SET document = NULL, csv_row = NULL "  # noqa: S608 - trigger text
        f"WHERE id = {event_id} AND document IS NOT NULL;"
    )


SQLITE_UPGRADE = [
    # An update that stores a document leaves it; any other that changes what it shows clears it.
    f"""
    CREATE TRIGGER event_document_event_edited AFTER UPDATE ON events
    WHEN NEW.document IS NOT NULL AND NEW.document IS OLD.document
        AND ({_sqlite_changed(EVENT_COLUMNS)})
    BEGIN {_sqlite_clear("NEW.id")} END
    """,
    *(
        f"""
        CREATE TRIGGER event_document_{table}_{verb} AFTER {verb.upper()} ON {table}
        BEGIN {" ".join(_sqlite_clear(f"{row}.event_id") for row in rows)} END
        """
        for table in ("event_entities", "mentions")
        for verb, rows in (("insert", ("NEW",)), ("update", ("OLD", "NEW")), ("delete", ("OLD",)))
    ),
    f"""
    CREATE TRIGGER event_document_article_edited AFTER UPDATE ON articles
    WHEN {_sqlite_changed(ARTICLE_COLUMNS)}
    BEGIN
        UPDATE events SET document = NULL, csv_row = NULL
        WHERE document IS NOT NULL
            AND id IN (SELECT event_id FROM mentions WHERE article_id = NEW.id);
    END
    """,  # noqa: S608 - trigger text built from constants
]
SQLITE_TRIGGERS = [
    "event_document_event_edited",
    *(
        f"event_document_{table}_{verb}"
        for table in ("event_entities", "mentions")
        for verb in ("insert", "update", "delete")
    ),
    "event_document_article_edited",
]


def _row(prefix: str, columns: Sequence[str]) -> str:
    return "ROW(" + ", ".join(f"{prefix}.{column}" for column in columns) + ")"


POSTGRESQL_UPGRADE = [
    """
    CREATE FUNCTION event_document_cleared() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.document := NULL;
        NEW.csv_row := NULL;
        RETURN NEW;
    END
    $$
    """,
    f"""
    CREATE TRIGGER event_document_event_edited BEFORE UPDATE ON events FOR EACH ROW
    WHEN (NEW.document IS NOT NULL AND NEW.document IS NOT DISTINCT FROM OLD.document
        AND {_row("OLD", EVENT_COLUMNS)} IS DISTINCT FROM {_row("NEW", EVENT_COLUMNS)})
    EXECUTE FUNCTION event_document_cleared()
    """,
    # Statement triggers over the changed rows: a bulk insert of mentions costs one statement.
    """
    CREATE FUNCTION event_documents_of_changed_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM events WHERE id IN (SELECT event_id FROM changed_rows)
            ORDER BY id FOR NO KEY UPDATE;
        UPDATE events SET document = NULL, csv_row = NULL
            WHERE id IN (SELECT event_id FROM changed_rows) AND document IS NOT NULL;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"""
        CREATE TRIGGER event_document_{table}_{verb}_{side} AFTER {verb.upper()} ON {table}
        REFERENCING {side.upper()} TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION event_documents_of_changed_rows()
        """
        for table in ("event_entities", "mentions")
        for verb, sides in (("insert", ("new",)), ("update", ("old", "new")), ("delete", ("old",)))
        for side in sides
    ),
    """
    CREATE FUNCTION event_documents_of_article() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM events
            WHERE id IN (SELECT event_id FROM mentions WHERE article_id = NEW.id)
            ORDER BY id FOR NO KEY UPDATE;
        UPDATE events SET document = NULL, csv_row = NULL
            WHERE id IN (SELECT event_id FROM mentions WHERE article_id = NEW.id)
                AND document IS NOT NULL;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER event_document_article_edited AFTER UPDATE ON articles FOR EACH ROW
    WHEN ({_row("OLD", ARTICLE_COLUMNS)} IS DISTINCT FROM {_row("NEW", ARTICLE_COLUMNS)})
    EXECUTE FUNCTION event_documents_of_article()
    """,
]
POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS event_document_article_edited ON articles",
    *(
        f"DROP TRIGGER IF EXISTS event_document_{table}_{verb}_{side} ON {table}"
        for table in ("event_entities", "mentions")
        for verb, sides in (("insert", ("new",)), ("update", ("old", "new")), ("delete", ("old",)))
        for side in sides
    ),
    "DROP TRIGGER IF EXISTS event_document_event_edited ON events",
    "DROP FUNCTION IF EXISTS event_documents_of_article()",
    "DROP FUNCTION IF EXISTS event_documents_of_changed_rows()",
    "DROP FUNCTION IF EXISTS event_document_cleared()",
]


def upgrade() -> None:
    op.add_column("events", sa.Column("document", sa.LargeBinary(), nullable=True))
    op.add_column("events", sa.Column("csv_row", sa.LargeBinary(), nullable=True))
    op.create_index(
        "ix_events_document_missing",
        "events",
        ["id"],
        sqlite_where=sa.text("document IS NULL"),
        postgresql_where=sa.text("document IS NULL"),
    )
    statements = (
        POSTGRESQL_UPGRADE if op.get_bind().dialect.name == "postgresql" else SQLITE_UPGRADE
    )
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DOWNGRADE:
            op.execute(statement)
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_events_document_missing", table_name="events")
    # Not batch mode: on SQLite it would rebuild `events` without the full-text triggers.
    op.execute("ALTER TABLE events DROP COLUMN csv_row")
    op.execute("ALTER TABLE events DROP COLUMN document")

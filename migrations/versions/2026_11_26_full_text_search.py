"""full-text search for `q`: FTS5 on SQLite, tsvector + GIN on PostgreSQL

`q` searches an event's title and description and the sentences of its mentions. A LIKE over
those columns reads every row; these indexes answer from the matching words only.

SQLite: one FTS5 table, `events_search`, holds a row per event (title and description) and a
row per mention (its sentence), each tagged with the event it finds. Triggers keep it in step
with `events` and `mentions` (also through ON DELETE CASCADE, which fires them). An FTS5 row is
addressed by an integer rowid, and ours are UUIDs: `events_search_keys` gives each source row an
INTEGER PRIMARY KEY of its own, which VACUUM keeps (a plain table's implicit rowid it may
renumber, which would point the index at the wrong rows).

PostgreSQL: GIN indexes on the same `to_tsvector('english', …)` expressions the query uses
(app.events.search), so the planner matches them; nothing else to keep in step.

Revision ID: 5c0e7d3b9a41
Revises: 78dea082124e
Create Date: 2026-11-26 13:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5c0e7d3b9a41"
down_revision: str | None = "78dea082124e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The SQL text is fixed here rather than imported, so this revision keeps its meaning when the
# application's search module later changes.
SQLITE_UPGRADE = [
    "CREATE TABLE events_search_keys (id INTEGER PRIMARY KEY, source_id CHAR(32) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE events_search USING fts5("
    "event_id UNINDEXED, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    """
    CREATE TRIGGER events_search_event_added AFTER INSERT ON events BEGIN
        INSERT INTO events_search_keys (source_id) VALUES (new.id);
        INSERT INTO events_search (rowid, event_id, body) VALUES (
            (SELECT id FROM events_search_keys WHERE source_id = new.id),
            new.id, new.title || ' ' || new.description);
    END
    """,
    """
    CREATE TRIGGER events_search_event_edited AFTER UPDATE OF title, description ON events BEGIN
        UPDATE events_search SET body = new.title || ' ' || new.description
        WHERE rowid = (SELECT id FROM events_search_keys WHERE source_id = new.id);
    END
    """,
    """
    CREATE TRIGGER events_search_event_removed AFTER DELETE ON events BEGIN
        DELETE FROM events_search
        WHERE rowid = (SELECT id FROM events_search_keys WHERE source_id = old.id);
        DELETE FROM events_search_keys WHERE source_id = old.id;
    END
    """,
    """
    CREATE TRIGGER events_search_mention_added AFTER INSERT ON mentions BEGIN
        INSERT INTO events_search_keys (source_id) VALUES (new.id);
        INSERT INTO events_search (rowid, event_id, body) VALUES (
            (SELECT id FROM events_search_keys WHERE source_id = new.id),
            new.event_id, new.sentence);
    END
    """,
    """
    CREATE TRIGGER events_search_mention_moved AFTER UPDATE OF event_id, sentence ON mentions
    BEGIN
        UPDATE events_search SET event_id = new.event_id, body = new.sentence
        WHERE rowid = (SELECT id FROM events_search_keys WHERE source_id = new.id);
    END
    """,
    """
    CREATE TRIGGER events_search_mention_removed AFTER DELETE ON mentions BEGIN
        DELETE FROM events_search
        WHERE rowid = (SELECT id FROM events_search_keys WHERE source_id = old.id);
        DELETE FROM events_search_keys WHERE source_id = old.id;
    END
    """,
    # Rows stored before this revision.
    "INSERT INTO events_search_keys (source_id) SELECT id FROM events",
    "INSERT INTO events_search_keys (source_id) SELECT id FROM mentions",
    """
    INSERT INTO events_search (rowid, event_id, body)
    SELECT k.id, e.id, e.title || ' ' || e.description
    FROM events AS e JOIN events_search_keys AS k ON k.source_id = e.id
    """,
    """
    INSERT INTO events_search (rowid, event_id, body)
    SELECT k.id, m.event_id, m.sentence
    FROM mentions AS m JOIN events_search_keys AS k ON k.source_id = m.id
    """,
]

SQLITE_DOWNGRADE = [
    *(
        f"DROP TRIGGER IF EXISTS events_search_{name}"
        for name in (
            "event_added",
            "event_edited",
            "event_removed",
            "mention_added",
            "mention_moved",
            "mention_removed",
        )
    ),
    "DROP TABLE IF EXISTS events_search",
    "DROP TABLE IF EXISTS events_search_keys",
]

POSTGRESQL_UPGRADE = [
    "CREATE INDEX ix_events_search ON events USING gin "
    "(to_tsvector('english'::regconfig, title || ' ' || description))",
    "CREATE INDEX ix_mentions_search ON mentions USING gin "
    "(to_tsvector('english'::regconfig, sentence))",
]

POSTGRESQL_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_mentions_search",
    "DROP INDEX IF EXISTS ix_events_search",
]


def _run(statements: Sequence[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_UPGRADE if dialect == "sqlite" else POSTGRESQL_UPGRADE)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWNGRADE if dialect == "sqlite" else POSTGRESQL_DOWNGRADE)

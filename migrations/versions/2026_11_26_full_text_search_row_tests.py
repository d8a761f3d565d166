"""full-text search: cheap tests of one event, for a `q` that walks the date index

A `q` with a common word walks the date index and tests each event against the full-text index
(app.events.search), ~400 tests for a page of 50; each test must be cheap.

SQLite: the `full_text_search` backfill left FTS5 with a few dozen segments (29 at a million
events), and a test of one row seeks its words in every segment: ~50 µs a test, against ~15 µs
once they are merged into one ('optimize'). Later writes add segments again, which FTS5 merges
in the background (automerge) to a few per level.

PostgreSQL: a GIN index cannot test one row, so the test computed `to_tsvector` of the event's
text and of each of its mentions' sentences, ~27 µs an event. `events_search_vectors` stores
those vectors, one row per event (title and description) and one per mention (sentence) like
FTS5's table on SQLite, each with its event, so the test reads them by event instead. Triggers
keep it in step; deleting an event deletes its rows (foreign key), and TRUNCATE … CASCADE of the
events empties it. ANALYZE gathers the statistics on the GIN indexes' expressions that the
choice between walking and looking up every match rests on (autovacuum would only after a tenth
of the tables changed).

Revision ID: d29f638ef49d
Revises: 9d4f2a6b1c83
Create Date: 2026-11-26 15:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d29f638ef49d"
down_revision: str | None = "9d4f2a6b1c83"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The SQL text is fixed here rather than imported, so this revision keeps its meaning when the
# application's search module later changes. The vectors are those of the GIN indexes.
POSTGRESQL_UPGRADE = [
    """
    CREATE TABLE events_search_vectors (
        source_id uuid PRIMARY KEY,
        event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        vector tsvector NOT NULL
    )
    """,
    """
    CREATE FUNCTION events_search_vectors_of_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO events_search_vectors (source_id, event_id, vector)
        VALUES (NEW.id, NEW.id,
                to_tsvector('english'::regconfig, NEW.title || ' ' || NEW.description))
        ON CONFLICT (source_id) DO UPDATE SET vector = EXCLUDED.vector;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER events_search_vectors_event AFTER INSERT OR UPDATE OF title, description
    ON events FOR EACH ROW EXECUTE FUNCTION events_search_vectors_of_event()
    """,
    """
    CREATE FUNCTION events_search_vectors_of_mention() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM events_search_vectors WHERE source_id = OLD.id;
        ELSE
            INSERT INTO events_search_vectors (source_id, event_id, vector)
            VALUES (NEW.id, NEW.event_id, to_tsvector('english'::regconfig, NEW.sentence))
            ON CONFLICT (source_id)
            DO UPDATE SET event_id = EXCLUDED.event_id, vector = EXCLUDED.vector;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER events_search_vectors_mention
    AFTER INSERT OR UPDATE OF event_id, sentence OR DELETE
    ON mentions FOR EACH ROW EXECUTE FUNCTION events_search_vectors_of_mention()
    """,
    # Rows stored before this revision; the index after them, built in one pass.
    """
    INSERT INTO events_search_vectors (source_id, event_id, vector)
    SELECT id, id, to_tsvector('english'::regconfig, title || ' ' || description) FROM events
    """,
    """
    INSERT INTO events_search_vectors (source_id, event_id, vector)
    SELECT id, event_id, to_tsvector('english'::regconfig, sentence) FROM mentions
    """,
    # The event's rows are found by this index and read from the table. Not INCLUDE (vector),
    # which would spare the table read: a B-tree entry must fit in a page, and the vector of
    # a long article's description does not (a 1 MB text made it 333 kB, and the insert
    # failed).
    "CREATE INDEX ix_events_search_vectors_event_id ON events_search_vectors (event_id)",
    "ANALYZE events, mentions, events_search_vectors",
]

POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS events_search_vectors_mention ON mentions",
    "DROP TRIGGER IF EXISTS events_search_vectors_event ON events",
    "DROP FUNCTION IF EXISTS events_search_vectors_of_mention()",
    "DROP FUNCTION IF EXISTS events_search_vectors_of_event()",
    "DROP TABLE IF EXISTS events_search_vectors",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("INSERT INTO events_search (events_search) VALUES ('optimize')")
        return
    for statement in POSTGRESQL_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    # SQLite: merging segments changed no schema; there is nothing to undo.
    if op.get_bind().dialect.name != "sqlite":
        for statement in POSTGRESQL_DOWNGRADE:
            op.execute(statement)

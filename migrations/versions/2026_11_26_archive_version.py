"""archive_version (PostgreSQL): a counter of committed changes to this database's archive

The page cache (app.page_cache) sends a stored page only while the archive is unchanged. On
PostgreSQL it read the server's snapshot, which every writing transaction of the whole cluster
moves: on a server shared with other databases (or other schemas, as under test) it missed all
the time. This counter moves only for this archive: a deferred constraint trigger on every table
a page shows bumps it once per writing transaction, at commit, so the new value becomes visible
at the very moment the new rows do. It runs after every other statement of the transaction, so
its row lock (held for the instant of the commit) is the last lock a writer takes and writers
cannot deadlock on it. TRUNCATE bumps it too.

SQLite needs nothing: `PRAGMA data_version` already tells a connection whether anyone committed.

Revision ID: 6b1e2f7c9d30
Revises: d29f638ef49d
Create Date: 2026-11-26 16:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6b1e2f7c9d30"
down_revision: str | None = "d29f638ef49d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What a page of events shows comes from these tables.
WATCHED_TABLES = ("articles", "events", "event_entities", "mentions")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE archive_version ("
        " id boolean PRIMARY KEY DEFAULT true CONSTRAINT archive_version_one_row CHECK (id),"
        " changes bigint NOT NULL)"
    )
    op.execute("INSERT INTO archive_version (id, changes) VALUES (true, 0)")
    # Once per transaction: the first row's trigger bumps the counter and marks the transaction
    # (a setting local to it); the other rows' triggers see the mark.
    op.execute(
        """
        CREATE FUNCTION archive_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('timeline.archive_changed_in', true)
                    IS DISTINCT FROM txid_current()::text THEN
                UPDATE archive_version SET changes = changes + 1;
                PERFORM set_config('timeline.archive_changed_in', txid_current()::text, true);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    for table in WATCHED_TABLES:
        op.execute(
            f"CREATE CONSTRAINT TRIGGER archive_changed AFTER INSERT OR UPDATE OR DELETE ON {table}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION archive_changed()"
        )
        op.execute(
            f"CREATE TRIGGER archive_truncated AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION archive_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED_TABLES:
        op.execute(f"DROP TRIGGER archive_truncated ON {table}")
        op.execute(f"DROP TRIGGER archive_changed ON {table}")
    op.execute("DROP FUNCTION archive_changed()")
    op.execute("DROP TABLE archive_version")

"""events: the span-class index also holds date_end, so range queries read no rows to filter

An overlap query reads, per span class, the index entries that start at most the class's span
before `from` and keeps those that end on or after it. Without date_end in the index each of
those entries costs a read of its row; in a dense archive (a million events, about 1,600 a week)
that is hundreds of row reads a page. With it the filtering is index-only and a page reads just
the rows it returns.

Revision ID: 9d4f2a6b1c83
Revises: 5c0e7d3b9a41
Create Date: 2026-11-26 13:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9d4f2a6b1c83"
down_revision: str | None = "5c0e7d3b9a41"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_span_class_date_start_id")
        batch_op.create_index(
            "ix_events_span_class_date_start_id_date_end",
            ["span_class", "date_start", "id", "date_end"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_span_class_date_start_id_date_end")
        batch_op.create_index(
            "ix_events_span_class_date_start_id", ["span_class", "date_start", "id"], unique=False
        )

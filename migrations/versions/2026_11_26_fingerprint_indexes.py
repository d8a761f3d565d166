"""fingerprint indexes: a timeline's ETag is computed from indexes alone

Every `GET /v1/timeline` answer carries an ETag made of two aggregates over the matching events
(their count and latest `updated_at`, their mentions' count and latest `created_at`), computed
before the first byte is sent. Without these indexes both aggregates read rows: the events'
(documents included, 4.5 GB at a million events on SQLite) and the mentions' (sentences
included), which took longer than streaming the export itself.

- The span-class index also holds `updated_at`: the events aggregate of each span class's slice
  reads that index alone (unfiltered, SQLite scans it as the smallest index that covers it).
- Mentions are indexed by (event_id, created_at, id) in place of event_id alone: the same probes
  by event, the mentions aggregate reads no mention rows, and neither does a `q` walk, which
  goes from an event to its mentions' ids (their full-text keys) for every event it tests.

Revision ID: 8e5d1c7a4f20
Revises: 3f7a9c2e5b14
Create Date: 2026-11-26 19:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8e5d1c7a4f20"
down_revision: str | None = "3f7a9c2e5b14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SPAN_CLASS_COLUMNS = ["span_class", "date_start", "id", "date_end"]


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_span_class_date_start_id_date_end")
        batch_op.create_index(
            "ix_events_span_class_date_start_id_date_end_updated_at",
            [*SPAN_CLASS_COLUMNS, "updated_at"],
            unique=False,
        )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_mentions_event_id")
        batch_op.create_index(
            "ix_mentions_event_id_created_at_id", ["event_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_mentions_event_id_created_at_id")
        batch_op.create_index("ix_mentions_event_id", ["event_id"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_span_class_date_start_id_date_end_updated_at")
        batch_op.create_index(
            "ix_events_span_class_date_start_id_date_end", SPAN_CLASS_COLUMNS, unique=False
        )

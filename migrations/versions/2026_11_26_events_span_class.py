"""events: span_class, so an overlap query scans only a bounded slice of each span class

Revision ID: 78dea082124e
Revises: a1e2401c5525
Create Date: 2026-11-26 12:05:10.911024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "78dea082124e"
down_revision: str | None = "a1e2401c5525"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The bounds of app.events.models.SPAN_CLASS_BOUNDS as they were at this revision: a migration
# must not change meaning when the model later does.
SPAN_CLASS_BOUNDS = (0, 6, 31, 92, 366)


def _days_between(dialect: str) -> str:
    if dialect == "sqlite":
        return "CAST(julianday(date_end) - julianday(date_start) AS INTEGER)"
    return "(date_end - date_start)"


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("span_class", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            "ix_events_span_class_date_start_id", ["span_class", "date_start", "id"], unique=False
        )
    days = _days_between(op.get_bind().dialect.name)
    cases = " ".join(
        f"WHEN {days} <= {bound} THEN {index}" for index, bound in enumerate(SPAN_CLASS_BOUNDS)
    )
    # Built from the constants above only: no outside input reaches this statement.
    op.execute(f"UPDATE events SET span_class = CASE {cases} ELSE {len(SPAN_CLASS_BOUNDS)} END")  # noqa: S608


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_span_class_date_start_id")
        batch_op.drop_column("span_class")

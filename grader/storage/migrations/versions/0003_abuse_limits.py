"""Limits on abuse: XQueue deliveries answered once, per-student rate counters, unreadable answers counted.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt_counts") as batch:
        batch.add_column(sa.Column("unreadable", sa.Integer(), nullable=False, server_default="0"))
    # The cap counts the unreadable answers already stored online (batch ones, with an origin, are
    # not capped): a database upgraded mid-course keeps the limit it would have had.
    op.execute(
        "INSERT INTO attempt_counts (student, problem, used, unreadable) "
        "SELECT DISTINCT s.student, s.problem, 0, 0 FROM submissions s "
        "WHERE NOT s.counted AND s.origin IS NULL AND NOT EXISTS ("
        "SELECT 1 FROM attempt_counts a WHERE a.student = s.student AND a.problem = s.problem)"
    )
    op.execute(
        "UPDATE attempt_counts SET unreadable = (SELECT count(*) FROM submissions s "
        "WHERE s.student = attempt_counts.student AND s.problem = attempt_counts.problem "
        "AND NOT s.counted AND s.origin IS NULL)"
    )
    op.create_table(
        "rate_counts",
        sa.Column("student", sa.String(200), primary_key=True),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "deliveries",
        sa.Column("queue", sa.String(64), primary_key=True),
        sa.Column("delivery", sa.String(128), primary_key=True),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("attempts_used", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("rate_counts")
    with op.batch_alter_table("attempt_counts") as batch:
        batch.drop_column("unreadable")

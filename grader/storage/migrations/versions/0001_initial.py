"""Submissions and attempt counts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("student", sa.String(200), nullable=False),
        sa.Column("problem", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("parsed", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("max_score", sa.Float(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("days_late", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_submissions_student_problem", "submissions", ["student", "problem"])
    op.create_table(
        "attempt_counts",
        sa.Column("student", sa.String(200), primary_key=True),
        sa.Column("problem", sa.String(64), primary_key=True),
        sa.Column("used", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("attempt_counts")
    op.drop_index("ix_submissions_student_problem", table_name="submissions")
    op.drop_table("submissions")

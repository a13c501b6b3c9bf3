"""Regrading: the spec content hash of each submission, and a record of each regrade.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        # NULL for what was graded before hashes were kept: the gradebook calls it an older spec
        batch.add_column(sa.Column("spec_hash", sa.String(64), nullable=True))
    op.create_table(
        "regrades",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("regraded_by", sa.String(200), nullable=False),
        sa.Column("regraded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("specs_before", sa.Text(), nullable=False),
        sa.Column("specs_after", sa.Text(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("raised", sa.Integer(), nullable=False),
        sa.Column("lowered", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Integer(), nullable=False),
        sa.Column("submissions_updated", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("regrades")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("spec_hash")

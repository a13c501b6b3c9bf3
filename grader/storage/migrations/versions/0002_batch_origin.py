"""Batch-graded attempts recorded once: submissions.origin, unique.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("submissions", sa.Column("origin", sa.String(64), nullable=True))
    op.create_index("ux_submissions_origin", "submissions", ["origin"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_submissions_origin", table_name="submissions")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("origin")

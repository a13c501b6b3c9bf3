"""LTI 1.3: registered platforms, used nonces, the sub → student mapping and the score outbox.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("deployment_ids", sa.Text(), nullable=False),
        sa.Column("auth_login_url", sa.Text(), nullable=False),
        sa.Column("auth_token_url", sa.Text(), nullable=False),
        sa.Column("keyset_url", sa.Text(), nullable=False),
        sa.UniqueConstraint("issuer", "client_id", name="ux_lti_platforms_issuer_client"),
    )
    op.create_table(
        "lti_nonces",
        sa.Column("nonce", sa.String(255), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lti_users",
        sa.Column(
            "platform_id",
            sa.Integer(),
            sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("sub", sa.String(255), primary_key=True),
        sa.Column("student", sa.String(200), nullable=False, unique=True),
    )
    op.create_table(
        "lti_scores",
        sa.Column("student", sa.String(200), primary_key=True),
        sa.Column("problem", sa.String(64), primary_key=True),
        sa.Column(
            "platform_id",
            sa.Integer(),
            sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("lineitem", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sent_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_score", sa.Float(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_lti_scores_due", "lti_scores", ["next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_lti_scores_due", table_name="lti_scores")
    op.drop_table("lti_scores")
    op.drop_table("lti_users")
    op.drop_table("lti_nonces")
    op.drop_table("lti_platforms")

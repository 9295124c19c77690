"""Claim history: every claim numbered (the fence's token) and recorded; errors kept capped.

Revision ID: 0016_claim_history
Revises: 0013_share_links
Create Date: 2026-12-07 23:59:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0016_claim_history"
down_revision: str | None = "0017_sso"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("errors_dropped", sa.Integer(), nullable=False, server_default="0")
        )
    # Jobs claimed before this revision: their claims so far are their attempts.
    op.execute("UPDATE jobs SET claims = attempt")
    op.create_table(
        "job_claims",
        sa.Column(
            "job_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("jobs.id", ondelete="CASCADE", name="fk_job_claims_job_id"),
            primary_key=True,
        ),
        sa.Column("claim", sa.Integer(), primary_key=True),
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("reclaimed", sa.Boolean(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_claims")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("errors_dropped")
        batch.drop_column("claims")

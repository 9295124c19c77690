"""Finishing modes (enhance, sky, twilight): a job's options, such as the chosen sky.

The new modes need no schema change of their own: jobs.mode is a non-native enum (a
VARCHAR(20) without a CHECK constraint), so "enhance", "sky" and "twilight" fit as they are.

Revision ID: 0014_finishing_modes
Revises: 0013_share_links
Create Date: 2026-12-07 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0014_finishing_modes"
down_revision: str | None = "0013_share_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("options", JSON, server_default=sa.text("'{}'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("options")

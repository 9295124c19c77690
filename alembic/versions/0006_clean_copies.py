"""Jobs record whether their results have unlabelled copies, instead of the pages inferring it.

Revision ID: 0006_clean_copies
Revises: 0005_modes_quality
Create Date: 2026-12-03 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006_clean_copies"
down_revision: str | None = "0005_modes_quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column("has_clean_copies", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Until now the pages inferred it: every generator but preview stored clean copies.
    jobs = sa.table(
        "jobs", sa.column("generator", sa.String), sa.column("has_clean_copies", sa.Boolean)
    )
    op.execute(
        jobs.update()
        .where(jobs.c.generator.is_not(None), jobs.c.generator != "preview")
        .values(has_clean_copies=sa.true())
    )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("has_clean_copies")

"""Job modes, per-variant quality scores, per-style thresholds, and a guessed room type.

Revision ID: 0005_modes_quality
Revises: 0004_ui
Create Date: 2026-12-03 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005_modes_quality"
down_revision: str | None = "0004_ui"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(
            sa.Column(
                "mode",
                sa.Enum(
                    "stage",
                    "declutter",
                    "restage",
                    name="jobmode",
                    native_enum=False,
                    length=20,
                ),
                server_default="stage",
                nullable=False,
            )
        )
        batch.add_column(
            sa.Column("result_scores", JSON, server_default=sa.text("'[]'"), nullable=False)
        )
        batch.add_column(sa.Column("room_type_guess", sa.String(length=40), nullable=True))
    with op.batch_alter_table("styles") as batch:
        batch.add_column(
            sa.Column("quality_thresholds", JSON, server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("styles") as batch:
        batch.drop_column("quality_thresholds")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("room_type_guess")
        batch.drop_column("result_scores")
        batch.drop_column("mode")

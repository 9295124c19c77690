"""Styles drop their furniture and style threshold overrides: both scores changed scale.

"furniture" was the share of the mask segmented as furniture and is now a count of pieces;
"style" was an absolute CLIP similarity and is now relative to the other styles' prompts. An old
override on the new scale would fail every variant, so each style falls back to the new defaults
and merchandisers set new overrides from the admin console (docs/models.md).

Revision ID: 0011_quality_scales
Revises: 0010_parents_departures
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from alembic import op

revision: str = "0011_quality_scales"
down_revision: str | None = "0010_parents_departures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESCALED = ("furniture", "style")


def upgrade() -> None:
    styles = sa.table(
        "styles",
        sa.column("id", sa.Integer),
        sa.column("quality_thresholds", sa.JSON().with_variant(JSONB(), "postgresql")),
    )
    connection = op.get_bind()
    for style_id, thresholds in connection.execute(
        sa.select(styles.c.id, styles.c.quality_thresholds)
    ):
        if thresholds and any(name in thresholds for name in RESCALED):
            kept = {name: value for name, value in thresholds.items() if name not in RESCALED}
            connection.execute(
                styles.update().where(styles.c.id == style_id).values(quality_thresholds=kept)
            )


def downgrade() -> None:
    """Nothing to restore: the dropped overrides were on scales the code no longer reads."""

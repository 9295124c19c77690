"""Room type guesses asked for before a job exists (answered by a worker).

Revision ID: 0007_room_guesses
Revises: 0006_clean_copies
Create Date: 2026-12-03 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007_room_guesses"
down_revision: str | None = "0006_clean_copies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "room_guesses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("photo_key", sa.String(length=255), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "running",
                "answered",
                "failed",
                name="guessstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("room_type", sa.String(length=40), nullable=True),
        sa.Column("locked_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_room_guesses_pending",
        "room_guesses",
        ["id"],
        postgresql_where=sa.text("state = 'pending'"),
        sqlite_where=sa.text("state = 'pending'"),
    )
    op.create_index("ix_room_guesses_created", "room_guesses", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_room_guesses_created", table_name="room_guesses")
    op.drop_index("ix_room_guesses_pending", table_name="room_guesses")
    op.drop_table("room_guesses")

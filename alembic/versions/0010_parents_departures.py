"""A job's parent (the result it starts from), and a day's record of workers that left.

Revision ID: 0010_parents_departures
Revises: 0007_room_guesses
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010_parents_departures"
down_revision: str | None = "0007_room_guesses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("parent_job_id", BigId, nullable=True))
        batch.add_column(sa.Column("parent_variant", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_jobs_parent_job_id", "jobs", ["parent_job_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_jobs_parent_job_id", ["parent_job_id"])
    op.create_table(
        "worker_departures",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("generator", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("gpu_name", sa.String(length=120), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jobs_done", sa.Integer(), nullable=False),
        sa.Column("jobs_failed", sa.Integer(), nullable=False),
        sa.Column("drain_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "how",
            sa.Enum(
                "drained",
                "stopped",
                "removed",
                name="departure",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_worker_departures_left_at", "worker_departures", ["left_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_departures_left_at", table_name="worker_departures")
    op.drop_table("worker_departures")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_index("ix_jobs_parent_job_id")
        batch.drop_constraint("fk_jobs_parent_job_id", type_="foreignkey")
        batch.drop_column("parent_variant")
        batch.drop_column("parent_job_id")

"""Claim order: among runnable pending jobs, the oldest first (priority, id).

A released or retried job keeps its place in the queue once its backoff is over, instead of
going behind every job queued meanwhile. (The file name was fixed before its content was.)

Revision ID: 0003_attempt_results
Revises: 0002_signin_throttle
Create Date: 2026-12-03 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003_attempt_results"
down_revision: str | None = "0002_signin_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")


def _pending_index(columns: list[str]) -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_pending", postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.create_index(
            "ix_jobs_pending", columns, postgresql_where=PENDING, sqlite_where=PENDING
        )


def upgrade() -> None:
    _pending_index(["priority", "id"])


def downgrade() -> None:
    _pending_index(["priority", "run_after", "id"])

"""Single sign-on: users' OpenID identity, and the sign-ins under way.

Revision ID: 0017_sso
Revises: 0013_share_links
Create Date: 2026-12-07 23:59:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0017_sso"
down_revision: str | None = "0013_share_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTERs and a unique index: SQLite would otherwise copy the users table, and
    # dropping the old one cascades to every job and token.
    op.add_column("users", sa.Column("oidc_issuer", sa.String(length=255), nullable=True))
    op.add_column("users", sa.Column("oidc_subject", sa.String(length=255), nullable=True))
    op.create_index("uq_users_oidc_identity", "users", ["oidc_issuer", "oidc_subject"], unique=True)
    op.create_table(
        "oidc_sign_ins",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("next_url", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_oidc_sign_ins_created_at", "oidc_sign_ins", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_oidc_sign_ins_created_at", table_name="oidc_sign_ins")
    op.drop_table("oidc_sign_ins")
    op.drop_index("uq_users_oidc_identity", table_name="users")
    op.drop_column("users", "oidc_subject")
    op.drop_column("users", "oidc_issuer")

"""web sessions and sign-in throttling

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 18:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add mp_sessions and mp_sign_in_failures."""
    op.create_table(
        "mp_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("userId", sa.Integer(), nullable=False),
        sa.Column("createdAt", sa.DateTime(), nullable=False),
        sa.Column("lastSeenAt", sa.DateTime(), nullable=False),
        sa.Column("expiresAt", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["userId"],
            ["zp_user.id"],
            name=op.f("fk_mp_sessions_userId_zp_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mp_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_mp_sessions_digest")),
    )
    with op.batch_alter_table("mp_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mp_sessions_expiresAt"), ["expiresAt"], unique=False)
        batch_op.create_index("ix_mp_sessions_userId", ["userId"], unique=False)

    op.create_table(
        "mp_sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=175), nullable=False),
        sa.Column("failedAt", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mp_sign_in_failures")),
    )
    with op.batch_alter_table("mp_sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mp_sign_in_failures_account", ["account", "failedAt"], unique=False
        )
        batch_op.create_index(
            "ix_mp_sign_in_failures_address", ["address", "failedAt"], unique=False
        )
        batch_op.create_index("ix_mp_sign_in_failures_failedAt", ["failedAt"], unique=False)


def downgrade() -> None:
    """Drop mp_sign_in_failures and mp_sessions."""
    with op.batch_alter_table("mp_sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_mp_sign_in_failures_failedAt")
        batch_op.drop_index("ix_mp_sign_in_failures_address")
        batch_op.drop_index("ix_mp_sign_in_failures_account")

    op.drop_table("mp_sign_in_failures")
    with op.batch_alter_table("mp_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_mp_sessions_userId")
        batch_op.drop_index(batch_op.f("ix_mp_sessions_expiresAt"))

    op.drop_table("mp_sessions")

"""one-time codes that confirm a customer's e-mail address before Baton mails it

Revision ID: verify_0001
Revises: scale_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "verify_0001"
down_revision: str | None = "scale_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "email_verifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("verified_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("email_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_verifications_conversation_id"), ["conversation_id"]
        )


def downgrade() -> None:
    op.drop_table("email_verifications")

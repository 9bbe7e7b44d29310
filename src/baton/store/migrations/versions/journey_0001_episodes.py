"""episodes: a conversation's episodes, who holds it (bot_active), handoffs linked to earlier ones

Revision ID: journey_0001
Revises: tenant_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "journey_0001"
down_revision: str | None = "tenant_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("episode", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("episode_start_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("bot_active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("handed_back_at", When, nullable=True))
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("episode", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("previous_handoff_id", sa.String(length=40), nullable=True))
    op.create_table(
        "episodes",
        sa.Column("tenant_id", sa.String(length=40), nullable=False, server_default="default"),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("ended_at", When, nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "conversation_id"],
            ["conversations.tenant_id", "conversations.id"],
            name="fk_episodes_conversation",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "conversation_id", "number"),
    )
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.create_index("ix_episodes_started_at", ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_index("ix_episodes_started_at")
    op.drop_table("episodes")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("previous_handoff_id")
        batch_op.drop_column("episode")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("handed_back_at")
        batch_op.drop_column("bot_active")
        batch_op.drop_column("episode_start_seq")
        batch_op.drop_column("episode")

"""replay: the engine's inputs as sent (a turn's customer and `left`, the handoff calls)

Revision ID: replay_0001
Revises: journey_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "replay_0001"
down_revision: str | None = "journey_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)
Json = baton.store.tables.Json


def upgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer", Json, nullable=True))
        batch_op.add_column(
            sa.Column("customer_left", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "handoff_calls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False, server_default="default"),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", When, nullable=False),
        sa.Column("request", Json, nullable=False),
        sa.Column("response", Json, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "conversation_id"],
            ["conversations.tenant_id", "conversations.id"],
            name="fk_handoff_calls_conversation",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handoff_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handoff_calls_tenant_id"), ["tenant_id"])
        batch_op.create_index(
            "ix_handoff_calls_conversation", ["tenant_id", "conversation_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("handoff_calls")
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("customer_left")
        batch_op.drop_column("customer")

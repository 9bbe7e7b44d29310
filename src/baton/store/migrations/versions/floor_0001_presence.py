"""presence: console connections, an agent's last activity and why the worker set them away

Revision ID: floor_0001
Revises: replay_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "floor_0001"
down_revision: str | None = "replay_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active_at", When, nullable=True))
        batch_op.add_column(sa.Column("away_cause", sa.String(length=16), nullable=True))
    op.create_table(
        "console_connections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False, server_default="default"),
        sa.Column("agent_id", sa.String(length=40), nullable=False),
        sa.Column("opened_at", When, nullable=False),
        sa.Column("seen_at", When, nullable=False),
        sa.Column("closed_at", When, nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_connections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_console_connections_agent_open", ["agent_id", "closed_at"], unique=False
        )
        batch_op.create_index("ix_console_connections_tenant_id", ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("console_connections", schema=None) as batch_op:
        batch_op.drop_index("ix_console_connections_tenant_id")
        batch_op.drop_index("ix_console_connections_agent_open")
    op.drop_table("console_connections")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("away_cause")
        batch_op.drop_column("active_at")

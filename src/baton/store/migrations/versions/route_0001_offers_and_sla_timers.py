"""offers, SLA timers, queue order and agent capacity per channel

Revision ID: route_0001
Revises: learn_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "route_0001"
down_revision: str | None = "learn_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(sa.JSON(none_as_null=True), "sqlite")
When = baton.store.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_key", sa.Float(), nullable=True))
        batch_op.create_index("ix_handoffs_status_queue_key", ["status", "queue_key"], unique=False)
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel_capacity", Json, nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(sa.Column("last_assigned_at", When, nullable=True))
        batch_op.add_column(sa.Column("presence_at", When, nullable=True))
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("offered_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("closed_at", When, nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_handoff_id"), ["handoff_id"], unique=False)
        batch_op.create_index("ix_offers_state_expires", ["state", "expires_at"], unique=False)
    op.create_table(
        "sla_timers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("calendar", sa.String(length=64), nullable=True),
        sa.Column("hours", Json, nullable=True),
        sa.Column("target_seconds", sa.Float(), nullable=False),
        sa.Column("warn_fraction", sa.Float(), nullable=False),
        sa.Column("elapsed_seconds", sa.Float(), nullable=False),
        sa.Column("running_since", When, nullable=True),
        sa.Column("warn_due", When, nullable=True),
        sa.Column("breach_due", When, nullable=True),
        sa.Column("due_at", When, nullable=True),
        sa.Column("warned_at", When, nullable=True),
        sa.Column("breached_at", When, nullable=True),
        sa.Column("stopped_at", When, nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sla_timers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_timers_handoff_id"), ["handoff_id"], unique=False)
        batch_op.create_index("ix_sla_timers_state_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    op.drop_table("sla_timers")
    op.drop_table("offers")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("presence_at")
        batch_op.drop_column("last_assigned_at")
        batch_op.drop_column("channel_capacity")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_index("ix_handoffs_status_queue_key")
        batch_op.drop_column("queue_key")

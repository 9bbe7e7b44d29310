"""the agent's desk: internal notes on cases, the canned-reply library

Revision ID: desk_0001
Revises: journey_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "desk_0001"
down_revision: str | None = "journey_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handoff_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False, server_default="default"),
        sa.Column("handoff_id", sa.String(length=40), nullable=False),
        sa.Column("agent_id", sa.String(length=40), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handoff_notes", schema=None) as batch_op:
        batch_op.create_index("ix_handoff_notes_handoff_id", ["handoff_id"], unique=False)
        batch_op.create_index("ix_handoff_notes_tenant_id", ["tenant_id"], unique=False)
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=40), nullable=False, server_default="default"),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=True),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "tenant_id", "owner", "shortcut", name="uq_canned_replies_owner_shortcut"
        ),
    )
    with op.batch_alter_table("canned_replies", schema=None) as batch_op:
        batch_op.create_index("ix_canned_replies_tenant_id", ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("canned_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_canned_replies_tenant_id")
    op.drop_table("canned_replies")
    with op.batch_alter_table("handoff_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_handoff_notes_tenant_id")
        batch_op.drop_index("ix_handoff_notes_handoff_id")
    op.drop_table("handoff_notes")

"""the agent's desk: notes, canned replies, who is viewing or typing, attachments on turns

Revision ID: desk_0001
Revises: journey_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "desk_0001"
down_revision: str | None = "floor_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)
_JSON = sa.JSON().with_variant(sa.JSON(none_as_null=True), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", _JSON, nullable=True))
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

    op.create_table(
        "case_signals",
        sa.Column("tenant_id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("who", sa.String(length=60), nullable=False),
        sa.Column("seen_at", When, nullable=False),
        sa.Column("typing_at", When, nullable=True),
        sa.Column("handoff_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("tenant_id", "conversation_id", "who"),
    )


def downgrade() -> None:
    with op.batch_alter_table("turns", schema=None) as batch_op:
        batch_op.drop_column("attachments")
    op.drop_table("case_signals")
    with op.batch_alter_table("canned_replies", schema=None) as batch_op:
        batch_op.drop_index("ix_canned_replies_tenant_id")
    op.drop_table("canned_replies")
    with op.batch_alter_table("handoff_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_handoff_notes_tenant_id")
        batch_op.drop_index("ix_handoff_notes_handoff_id")
    op.drop_table("handoff_notes")

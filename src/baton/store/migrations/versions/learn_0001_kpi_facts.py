"""learn: per-handoff KPI facts, daily KPI sums, watermarks, conversations by creation time

Revision ID: learn_0001
Revises: console_0001
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "learn_0001"
down_revision: str | None = "console_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = baton.store.tables.UtcDateTime
_FLAGS = ("offered", "declined", "created", "reached", "abandoned", "resolved", "transferred")
_DAILY_INTS = (
    "offered",
    "declined",
    "handoffs",
    "reached",
    "abandoned",
    "resolved",
    "transferred",
)
_DAILY_PAIRS = ("tth", "tfa", "handle")
_DAILY_COUNTS = (
    "labelled",
    "necessary",
    "csat_sum",
    "csat_n",
    "sla_n",
    "sla_met",
    "replied",
    "repeat_asked",
    "meetings",
    "escalated_conversations",
)


def upgrade() -> None:
    op.create_table(
        "handoff_facts",
        sa.Column("handoff_id", sa.String(length=40), nullable=False),
        sa.Column("conversation_id", sa.String(length=200), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opened_at", _TS(timezone=True), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _FLAGS),
        sa.Column("time_to_human_s", sa.Float(), nullable=True),
        sa.Column("first_action_s", sa.Float(), nullable=True),
        sa.Column("handle_s", sa.Float(), nullable=True),
        sa.Column("necessary", sa.Integer(), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("sla_met", sa.Integer(), nullable=True),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("repeat_asks", sa.Integer(), nullable=False),
        sa.Column("meeting", sa.Integer(), nullable=False),
        sa.Column("first_reach", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"]),
        sa.PrimaryKeyConstraint("handoff_id"),
    )
    with op.batch_alter_table("handoff_facts", schema=None) as batch_op:
        batch_op.create_index("ix_handoff_facts_opened_at", ["opened_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_handoff_facts_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_handoff_facts_day"), ["day"], unique=False)

    op.create_table(
        "kpi_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _DAILY_INTS),
        *(
            column
            for pair in _DAILY_PAIRS
            for column in (
                sa.Column(f"{pair}_sum", sa.Float(), nullable=False),
                sa.Column(f"{pair}_n", sa.Integer(), nullable=False),
            )
        ),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _DAILY_COUNTS),
        sa.PrimaryKeyConstraint("day", "queue", "reason", "channel"),
    )
    watermarks = op.create_table(
        "learn_watermarks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(
        watermarks, [{"name": "handoff_facts", "event_id": 0, "updated_at": datetime.now(UTC)}]
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index("ix_conversations_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_created_at")
    op.drop_table("learn_watermarks")
    op.drop_table("kpi_daily")
    with op.batch_alter_table("handoff_facts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_facts_day"))
        batch_op.drop_index(batch_op.f("ix_handoff_facts_conversation_id"))
        batch_op.drop_index("ix_handoff_facts_opened_at")
    op.drop_table("handoff_facts")

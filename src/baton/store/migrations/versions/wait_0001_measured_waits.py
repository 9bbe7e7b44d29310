"""measured handle times (queue_stats.cases) and the wait last told to each queued customer

Revision ID: wait_0001
Revises: verify_0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wait_0001"
down_revision: str | None = "verify_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("queue_stats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cases", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wait_position", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("wait_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("wait_seconds")
        batch_op.drop_column("wait_position")
    with op.batch_alter_table("queue_stats", schema=None) as batch_op:
        batch_op.drop_column("cases")

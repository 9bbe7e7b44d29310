"""disabled agents; webhook signing secrets sealed at rest

Revision ID: probe_0001
Revises: wait_0001
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import baton.store.tables
from baton.store.sealed import SealedSecrets

revision: str = "probe_0001"
down_revision: str | None = "wait_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)


Json = sa.JSON().with_variant(sa.JSON(none_as_null=True), "sqlite")


def _copy_secrets(source: sa.types.TypeEngine[Any], target: sa.types.TypeEngine[Any]) -> None:
    """Rewrite every endpoint's secrets, read as `source` and written as `target`: sealing
    them with the engine's secrets key, or opening them again on the way down."""
    bind = op.get_bind()
    read = sa.table("webhook_endpoints", sa.column("id", sa.String), sa.column("secrets", source))
    write = sa.table("webhook_endpoints", sa.column("id", sa.String), sa.column("secrets", target))
    for endpoint_id, secrets in bind.execute(sa.select(read.c.id, read.c.secrets)).all():
        bind.execute(sa.update(write).where(write.c.id == endpoint_id).values(secrets=secrets))


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", When, nullable=True))
    _copy_secrets(Json, SealedSecrets())


def downgrade() -> None:
    _copy_secrets(SealedSecrets(), Json)
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")

"""tenants: every owned row gets a tenant; conversation identity becomes (tenant, id)

Existing rows move into the `default` tenant (the columns' server default). Existing API keys
keep every scope, so a deployment that upgrades works as before.

Revision ID: tenant_0001
Revises: probe_0001
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import baton.store.tables

revision: str = "tenant_0001"
down_revision: str | None = "probe_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = baton.store.tables.UtcDateTime(timezone=True)
DEFAULT = "default"
# Tables that gain an indexed tenant_id column and nothing else.
OWNED = (
    "agents",
    "api_keys",
    "outbox",
    "webhook_endpoints",
    "kb_articles",
    "handoff_facts",
    "audit_log",
    "email_verifications",
)
# Tables whose primary key gains the tenant in front.
KEYED = {"queue_stats": ["queue"], "kpi_daily": ["day", "queue", "reason", "channel"]}
# Children of a conversation: their foreign key becomes (tenant_id, conversation_id).
CHILDREN = ("turns", "handoffs", "conversation_events")
# Rebuilding kb_articles on SQLite drops the triggers that keep its full-text index current.
KB_TRIGGERS = (
    "CREATE TRIGGER kb_articles_ai AFTER INSERT ON kb_articles BEGIN "
    "INSERT INTO kb_articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER kb_articles_ad AFTER DELETE ON kb_articles BEGIN "
    "INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER kb_articles_au AFTER UPDATE ON kb_articles BEGIN "
    "INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO kb_articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
# SQLite's unnamed constraints get these names in batch mode; PostgreSQL named them itself.
CONVENTION = {
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


def _tenant_column() -> sa.Column[str]:
    return sa.Column("tenant_id", sa.String(length=40), nullable=False, server_default=DEFAULT)


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _old_fk(table: str) -> str:
    """The name of a child's tenant-less foreign key to its conversation, as `_old_pk`."""
    return f"{table}_conversation_id_fkey" if _pg() else f"fk_{table}_conversation_id_conversations"


def _old_pk(table: str) -> str:
    """The tenant-less primary key's name: PostgreSQL's own, or SQLite's by `CONVENTION`."""
    return f"{table}_pkey" if _pg() else f"pk_{table}"


def upgrade() -> None:
    tenants = op.create_table(
        "tenants",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("policy_yaml", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(tenants, [{"id": DEFAULT, "name": "Default", "created_at": datetime.now(UTC)}])
    for table in OWNED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(_tenant_column())
            batch_op.create_index(f"ix_{table}_tenant_id", ["tenant_id"], unique=False)
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.add_column(
            sa.Column(
                "scopes", sa.String(length=100), nullable=False, server_default="bot,read,admin"
            )
        )
    _kb_slug_unique(("slug",), ("tenant_id", "slug"))
    for table, columns in KEYED.items():
        _rekey(table, ["tenant_id", *columns])
    for table in CHILDREN:
        with op.batch_alter_table(table, naming_convention=CONVENTION) as batch_op:
            batch_op.add_column(_tenant_column())
            batch_op.create_index(f"ix_{table}_tenant_id", ["tenant_id"], unique=False)
            batch_op.drop_constraint(_old_fk(table), type_="foreignkey")
    _rekey("conversations", ["tenant_id", "id"])
    with op.batch_alter_table("turns") as batch_op:
        batch_op.drop_constraint("uq_turns_conversation_turn", type_="unique")
        batch_op.create_unique_constraint(
            "uq_turns_tenant_conversation_turn", ["tenant_id", "conversation_id", "turn_id"]
        )
    for table in CHILDREN:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_foreign_key(
                f"fk_{table}_conversation",
                "conversations",
                ["tenant_id", "conversation_id"],
                ["tenant_id", "id"],
            )


def _rekey(table: str, columns: list[str]) -> None:
    """Put the tenant in front of `table`'s primary key (adding the column if it is new)."""
    with op.batch_alter_table(table, naming_convention=CONVENTION) as batch_op:
        batch_op.add_column(_tenant_column())
        batch_op.drop_constraint(_old_pk(table), type_="primary")
        batch_op.create_primary_key(f"pk_{table}", columns)


def downgrade() -> None:
    _forget_other_tenants()
    for table in CHILDREN:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_conversation", type_="foreignkey")
    with op.batch_alter_table("turns") as batch_op:
        batch_op.drop_constraint("uq_turns_tenant_conversation_turn", type_="unique")
        batch_op.create_unique_constraint(
            "uq_turns_conversation_turn", ["conversation_id", "turn_id"]
        )
    _unkey("conversations", ["id"])
    for table in CHILDREN:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_tenant_id")
            batch_op.drop_column("tenant_id")
            batch_op.create_foreign_key(
                _old_fk(table), "conversations", ["conversation_id"], ["id"]
            )
    for table, columns in KEYED.items():
        _unkey(table, columns)
    _kb_slug_unique(("tenant_id", "slug"), ("slug",))
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("scopes")
    for table in OWNED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(f"ix_{table}_tenant_id")
            batch_op.drop_column("tenant_id")
    op.drop_table("tenants")


def _kb_slug_unique(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Article slugs are unique per tenant (upgrade) or overall (downgrade)."""

    def name(columns: tuple[str, ...]) -> str:
        if columns == ("slug",):
            return "kb_articles_slug_key" if _pg() else "uq_kb_articles_slug"
        return "uq_kb_articles_tenant_slug"

    with op.batch_alter_table("kb_articles", naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint(name(old), type_="unique")
        batch_op.create_unique_constraint(name(new), list(new))
    if not _pg():
        for statement in KB_TRIGGERS:
            op.execute(statement)


def _forget_other_tenants() -> None:
    """Going back to one namespace keeps only the default tenant's data (and what hangs off it)."""

    def owned(name: str) -> sa.TableClause:
        return sa.table(name, sa.column("id"), sa.column("tenant_id"))

    for table, column, parent in (
        ("handoff_events", "handoff_id", "handoffs"),
        ("offers", "handoff_id", "handoffs"),
        ("sla_timers", "handoff_id", "handoffs"),
        ("handoff_tickets", "handoff_id", "handoffs"),
        ("offers", "agent_id", "agents"),
        ("console_sessions", "agent_id", "agents"),
        ("webhook_deliveries", "endpoint_id", "webhook_endpoints"),
    ):
        p = owned(parent)
        parents = sa.select(p.c.id).where(p.c.tenant_id != DEFAULT)
        op.execute(
            sa.delete(sa.table(table, sa.column(column))).where(sa.column(column).in_(parents))
        )
    for table in ("handoff_facts", *CHILDREN, "conversations", *KEYED, *OWNED):
        t = owned(table)
        op.execute(sa.delete(t).where(t.c.tenant_id != DEFAULT))


def _unkey(table: str, columns: list[str]) -> None:
    """Undo `_rekey`."""
    with op.batch_alter_table(table, naming_convention=CONVENTION) as batch_op:
        batch_op.drop_constraint(f"pk_{table}", type_="primary")
        batch_op.create_primary_key(_old_pk(table), columns)
        batch_op.drop_column("tenant_id")

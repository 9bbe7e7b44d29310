"""The tenant migration moves existing rows into the default tenant, and can be undone."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from baton.store.db import alembic_config, make_engine, upgrade
from baton.store.tables import DEFAULT_TENANT

AT = "2026-11-30 10:00:00"
BEFORE = [
    "INSERT INTO conversations (id, metadata, state, turn_count, created_at, updated_at) "
    f"VALUES ('c1', '{{}}', '{{}}', 1, '{AT}', '{AT}')",
    "INSERT INTO turns (conversation_id, turn_id, seq, role, text, text_sha256, sent_at, "
    f"metadata, received_at) VALUES ('c1', 't1', 1, 'user', 'hi', 'x', '{AT}', '{{}}', '{AT}')",
    "INSERT INTO handoffs (id, conversation_id, status, queue, priority, reasons, brief, routing, "
    f"created_at, updated_at) VALUES ('ho_1', 'c1', 'queued', 'general', 1, '[]', '{{}}', '{{}}', "
    f"'{AT}', '{AT}')",
    "INSERT INTO conversation_events (conversation_id, type, at, data) "
    f"VALUES ('c1', 'handoff.created', '{AT}', '{{}}')",
    "INSERT INTO api_keys (name, prefix, key_sha256, created_at) "
    f"VALUES ('bot', 'bk_1', 'abc', '{AT}')",
    "INSERT INTO kpi_daily (day, queue, reason, channel, offered, declined, handoffs, reached, "
    "abandoned, resolved, transferred, tth_sum, tth_n, tfa_sum, tfa_n, handle_sum, handle_n, "
    "labelled, necessary, csat_sum, csat_n, sla_n, sla_met, replied, repeat_asked, meetings, "
    "escalated_conversations) VALUES ('2026-11-30', 'general', 'urgent', 'chat', "
    "1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)",
]

SECOND_TENANT = "INSERT INTO tenants (id, name, created_at) VALUES ('b', 'B', :at)"
SECOND_CONVERSATION = (
    "INSERT INTO conversations (tenant_id, id, metadata, state, turn_count, created_at, "
    "updated_at) VALUES ('b', 'c1', '{}', '{}', 0, :at, :at)"
)


def _scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_existing_rows_join_the_default_tenant_and_ids_open_per_tenant(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "scale_0001")
        with engine.begin() as conn:
            for sql in BEFORE:
                conn.execute(text(sql))
        upgrade(engine)
        for table in ("conversations", "turns", "handoffs", "conversation_events", "kpi_daily"):
            assert _scalar(engine, f"SELECT tenant_id FROM {table}") == DEFAULT_TENANT
        assert _scalar(engine, "SELECT scopes FROM api_keys") == "bot,read,admin"
        assert _scalar(engine, "SELECT count(*) FROM tenants") == 1
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO tenants (id, name, created_at) VALUES ('b', 'B', :at)"),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO conversations (tenant_id, id, metadata, state, turn_count, "
                    "created_at, updated_at) VALUES ('b', 'c1', '{}', '{}', 0, :at, :at)"
                ),
                {"at": AT},
            )
        assert _scalar(engine, "SELECT count(*) FROM conversations WHERE id = 'c1'") == 2
    finally:
        engine.dispose()


def test_the_migration_goes_down_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            for sql in BEFORE:
                conn.execute(text(sql))
            conn.execute(text(SECOND_TENANT), {"at": AT})
            conn.execute(text(SECOND_CONVERSATION), {"at": AT})
        command.downgrade(alembic_config(engine), "scale_0001")
        assert _scalar(engine, "SELECT count(*) FROM conversations") == 1
        assert _scalar(engine, "SELECT count(*) FROM turns") == 1
        upgrade(engine)
        assert _scalar(engine, "SELECT id FROM tenants") == DEFAULT_TENANT
    finally:
        engine.dispose()


def test_article_slugs_are_unique_per_tenant_and_still_searchable(session_factory) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from baton.desk import knowledge
    from baton.store.tenants import create_tenant

    now = datetime.now(UTC)
    article = knowledge.parse_article("refunds", "# Refunds\n\nHow a refund is paid back.")
    with session_factory.begin() as s:
        create_tenant(session=s, tenant_id="b", name="B", now=now)
        knowledge.load(session=s, tenant_id=DEFAULT_TENANT, articles=[article], now=now)
        knowledge.load(session=s, tenant_id="b", articles=[article], now=now)
    with session_factory() as s:
        for tenant in (DEFAULT_TENANT, "b"):
            hits = knowledge.search(session=s, tenant_id=tenant, query="refund")
            assert [h.slug for h in hits] == ["refunds"]

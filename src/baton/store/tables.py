"""The schema: typed SQLAlchemy 2 tables that run unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from baton.store.sealed import SealedSecrets

Json = JSON().with_variant(JSON(none_as_null=True), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes on both engines; SQLite stores them naive in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: Json, list[Any]: Json}


DEFAULT_TENANT = "default"


def tenant_column(*, primary_key: bool = False) -> Mapped[str]:
    """The owning tenant; rows written before tenants existed belong to the default one."""
    return mapped_column(
        String(40),
        primary_key=primary_key,
        index=not primary_key,
        server_default=DEFAULT_TENANT,
    )


def _conversation_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "conversation_id"],
        ["conversations.tenant_id", "conversations.id"],
        name=f"fk_{table}_conversation",
    )


class TenantRow(Base):
    """A workspace: it owns its keys, conversations, cases, agents, webhooks and analytics."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    policy_yaml: Mapped[str | None] = mapped_column(
        Text, doc="the tenant's own policy file; NULL runs the deployment's policy"
    )
    created_at: Mapped[datetime]


class ConversationRow(Base):
    """A conversation; its identity is (tenant, the id the bot chose)."""

    __tablename__ = "conversations"

    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    customer: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    turn_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    episode: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    episode_start_seq: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="the episode's turns are those after this seq"
    )
    bot_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), doc="false while a person holds the case"
    )
    handed_back_at: Mapped[datetime | None] = mapped_column(
        doc="set when a handoff ended the episode; the next turn opens a new one"
    )


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "conversation_id", "turn_id", name="uq_turns_tenant_conversation_turn"
        ),
        _conversation_fk("turns"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    turn_id: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]
    bot: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    channel: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
    response: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    received_at: Mapped[datetime]
    customer: Mapped[dict[str, Any] | None] = mapped_column(
        Json, nullable=True, doc="the customer the bot sent with this turn, as sent (for replay)"
    )
    customer_left: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), doc="the bot said the customer left"
    )


class HandoffRow(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        Index("ix_handoffs_queue_status_priority", "queue", "status", "priority"),
        Index("ix_handoffs_created_at", "created_at"),
        Index("ix_handoffs_status_queue_key", "status", "queue_key"),
        _conversation_fk("handoffs"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = tenant_column()
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(Json, default=list)
    primary_reason: Mapped[str | None] = mapped_column(String(32))
    brief: Mapped[dict[str, Any]] = mapped_column(Json)
    routing: Mapped[dict[str, Any]] = mapped_column(Json)
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), index=True)
    first_response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    resolution_code: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(64))
    necessary: Mapped[bool | None] = mapped_column(Boolean)
    csat: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    queue_key: Mapped[float | None] = mapped_column(
        Float, doc="service order while queued: queued_at - priority * aging; smaller first"
    )
    wait_position: Mapped[int | None] = mapped_column(
        Integer, doc="the place in the queue the customer was last told (handoff.wait_updated)"
    )
    wait_seconds: Mapped[int | None] = mapped_column(
        Integer, doc="the wait the customer was last told, in seconds"
    )
    episode: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    previous_handoff_id: Mapped[str | None] = mapped_column(
        String(40), doc="the conversation's handoff before this one: never reopened, linked"
    )


class EpisodeRow(Base):
    """One episode of a conversation: from its first turn to the end of its handoff, if any."""

    __tablename__ = "episodes"
    __table_args__ = (
        Index("ix_episodes_started_at", "started_at"),
        _conversation_fk("episodes"),
    )

    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class HandoffCallRow(Base):
    """One call of the bot's handoff endpoints (`POST …/handoff`, `…/handoff/cancel`) and the
    answer it got: with the turns, the engine's input log that `baton replay` plays again."""

    __tablename__ = "handoff_calls"
    __table_args__ = (
        Index("ix_handoff_calls_conversation", "tenant_id", "conversation_id"),
        _conversation_fk("handoff_calls"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    conversation_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), doc="request | cancel")
    at: Mapped[datetime]
    request: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    response: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class HandoffEventRow(Base):
    __tablename__ = "handoff_events"
    __table_args__ = (Index("ix_handoff_events_type_at", "type", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class ConversationEventRow(Base):
    """What the bot side hears: the stream behind `/v1/conversations/{id}/events`."""

    __tablename__ = "conversation_events"
    __table_args__ = (_conversation_fk("conversation_events"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(48))
    at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class AgentRow(Base):
    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = tenant_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    presence: Mapped[str] = mapped_column(String(16), default="offline")
    capacity: Mapped[int] = mapped_column(Integer, default=3)
    skills: Mapped[list[Any]] = mapped_column(Json, default=list)
    queues: Mapped[list[Any]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime]
    channel_capacity: Mapped[dict[str, Any]] = mapped_column(
        Json, default=dict, doc="concurrent cases per channel; `capacity` for unlisted channels"
    )
    last_assigned_at: Mapped[datetime | None]
    presence_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None] = mapped_column(
        doc="set by `baton agents disable`: no sign-in, no sessions, no cases"
    )
    active_at: Mapped[datetime | None] = mapped_column(
        doc="the agent's last console action or page opened (idle presence is counted from it)"
    )
    away_cause: Mapped[str | None] = mapped_column(
        String(16), doc="why the worker set the agent away (`disconnected`, `idle`); else null"
    )


class QueueStatRow(Base):
    """Live statistics per queue that the ETA model reads (arrivals, handle time)."""

    __tablename__ = "queue_stats"

    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    arrivals_per_hour: Mapped[float] = mapped_column(Float, default=0.0)
    mean_handle_seconds: Mapped[float] = mapped_column(Float, default=600.0)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    scopes: Mapped[str] = mapped_column(
        String(100), server_default="bot,read,admin", doc="comma-separated: bot, read, admin"
    )
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Set when the key is rotated: it keeps working until then (the grace period).
    expires_at: Mapped[datetime | None]


class OutboxRow(Base):
    """A side effect recorded in the business transaction, delivered after it commits."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    kind: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebhookEndpointRow(Base):
    """A receiver of webhooks: its URL, the event types it wants, and its signing secrets."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = tenant_column()
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[Any]] = mapped_column(Json, default=list)
    secrets: Mapped[list[Any]] = mapped_column(
        SealedSecrets(), default=list, doc="each `secret` sealed at rest; see baton.store.sealed"
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    failing_since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WebhookDeliveryRow(Base):
    """One event for one endpoint; `message_id` is the `webhook-id` every retry repeats."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "message_id", name="uq_webhook_deliveries_endpoint_msg"),
        Index("ix_webhook_deliveries_pending", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), index=True)
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ConsoleSessionRow(Base):
    """A signed-in console session; the cookie holds a signed token, only its hash is stored."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ConsoleConnectionRow(Base):
    """One live console stream of an agent: opened, heard from now and then, closed.

    An agent with no open row (or only rows not heard from in a long while: a crashed process)
    has no live console, which is what automatic presence reads.
    """

    __tablename__ = "console_connections"
    __table_args__ = (Index("ix_console_connections_agent_open", "agent_id", "closed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    opened_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class HandoffTicketRow(Base):
    """The agent's edits to a case's ticket fields; the brief keeps the pre-filled original."""

    __tablename__ = "handoff_tickets"

    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), primary_key=True)
    fields: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_by: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime]


class KbArticleRow(Base):
    """A knowledge-base article loaded from a Markdown file; full-text indexed per engine."""

    __tablename__ = "kb_articles"
    __table_args__ = (UniqueConstraint("tenant_id", "slug", name="uq_kb_articles_tenant_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class HandoffFactRow(Base):
    """One row per handoff, derived from its event log by `baton.learn.rollup`; never edited."""

    __tablename__ = "handoff_facts"
    __table_args__ = (Index("ix_handoff_facts_opened_at", "opened_at"),)

    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    tenant_id: Mapped[str] = tenant_column()
    queue: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date, index=True)
    opened_at: Mapped[datetime]
    offered: Mapped[int] = mapped_column(Integer, default=0)
    declined: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    time_to_human_s: Mapped[float | None] = mapped_column(Float)
    first_action_s: Mapped[float | None] = mapped_column(Float)
    handle_s: Mapped[float | None] = mapped_column(Float)
    necessary: Mapped[int | None] = mapped_column(Integer)
    csat: Mapped[int | None] = mapped_column(Integer)
    sla_met: Mapped[int | None] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer, default=0)
    repeat_asks: Mapped[int] = mapped_column(Integer, default=0)
    meeting: Mapped[int] = mapped_column(Integer, default=0)
    first_reach: Mapped[int] = mapped_column(Integer, default=0)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)


class KpiDailyRow(Base):
    """Additive KPI sums per UTC day, queue, reason and channel: what keeps analytics fast."""

    __tablename__ = "kpi_daily"

    tenant_id: Mapped[str] = tenant_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    declined: Mapped[int] = mapped_column(Integer, default=0)
    handoffs: Mapped[int] = mapped_column(Integer, default=0)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    tth_sum: Mapped[float] = mapped_column(Float, default=0.0)
    tth_n: Mapped[int] = mapped_column(Integer, default=0)
    tfa_sum: Mapped[float] = mapped_column(Float, default=0.0)
    tfa_n: Mapped[int] = mapped_column(Integer, default=0)
    handle_sum: Mapped[float] = mapped_column(Float, default=0.0)
    handle_n: Mapped[int] = mapped_column(Integer, default=0)
    labelled: Mapped[int] = mapped_column(Integer, default=0)
    necessary: Mapped[int] = mapped_column(Integer, default=0)
    csat_sum: Mapped[int] = mapped_column(Integer, default=0)
    csat_n: Mapped[int] = mapped_column(Integer, default=0)
    sla_n: Mapped[int] = mapped_column(Integer, default=0)
    sla_met: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    repeat_asked: Mapped[int] = mapped_column(Integer, default=0)
    meetings: Mapped[int] = mapped_column(Integer, default=0)
    escalated_conversations: Mapped[int] = mapped_column(Integer, default=0)


class WatermarkRow(Base):
    """How far a derived table has read an append-only log (the last event id it folded in)."""

    __tablename__ = "learn_watermarks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


Index("ix_conversations_created_at", ConversationRow.created_at)


class OfferRow(Base):
    """A case offered to one agent: pending until accepted, declined, expired or released."""

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_state_expires", "state", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    offered_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class SlaTimerRow(Base):
    """One SLA clock of a handoff; `due_at` is its next firing (warning, then breach)."""

    __tablename__ = "sla_timers"
    __table_args__ = (Index("ix_sla_timers_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ForeignKey("handoffs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16))
    calendar: Mapped[str | None] = mapped_column(String(64))
    hours: Mapped[dict[str, Any] | None] = mapped_column(
        Json, nullable=True, doc="the calendar the clock counts, as it was when it started"
    )
    target_seconds: Mapped[float] = mapped_column(Float)
    warn_fraction: Mapped[float] = mapped_column(Float)
    elapsed_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    running_since: Mapped[datetime | None]
    warn_due: Mapped[datetime | None]
    breach_due: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AuditRow(Base):
    """One admin action (keys, policy, agents): who did what to what, and when; append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class RateBucketRow(Base):
    """A token bucket per API key, in the database so that every worker draws on the same one."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    # Seconds since the epoch of the last refill; a float keeps the refill one SQL expression.
    refilled_at: Mapped[float] = mapped_column(Float)


class EmailVerificationRow(Base):
    """A one-time code sent to an address the customer gave, before Baton will e-mail it."""

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = tenant_column()
    conversation_id: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str] = mapped_column(String(320))
    code_sha256: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]

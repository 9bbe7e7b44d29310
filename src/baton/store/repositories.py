"""Keyword-only data access: `get_*` never writes; writers flush, the caller commits."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from baton.domain import BotSignal, Conversation, Customer, Reason, Role, Routing, Turn
from baton.lifecycle import EventType, HandoffStatus, check_transition
from baton.store.notify import notify_conversation
from baton.store.tables import (
    ApiKeyRow,
    ConversationEventRow,
    ConversationRow,
    HandoffCallRow,
    HandoffEventRow,
    HandoffRow,
    OutboxRow,
    TurnRow,
)

API_KEY_PREFIX = "bk_"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_handoff_id() -> str:
    return "ho_" + uuid.uuid4().hex[:20]


# -- conversations and turns -------------------------------------------------------------------


def get_conversation_row(
    *, session: Session, tenant_id: str, conversation_id: str, for_update: bool = False
) -> ConversationRow | None:
    stmt = select(ConversationRow).where(
        ConversationRow.tenant_id == tenant_id, ConversationRow.id == conversation_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def lock_conversation_row(
    *, session: Session, tenant_id: str, conversation_id: str, now: datetime, channel: str | None
) -> ConversationRow:
    """Create the conversation if it is new (race-free across workers) and lock its row."""
    values: dict[str, Any] = {
        "tenant_id": tenant_id,
        "id": conversation_id,
        "channel": channel,
        "meta": {},
        "state": {},
        "turn_count": 0,
        "created_at": now,
        "updated_at": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(ConversationRow).values(**values).on_conflict_do_nothing())
    row = get_conversation_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id, for_update=True
    )
    assert row is not None
    return row


def get_turn_row(
    *, session: Session, tenant_id: str, conversation_id: str, turn_id: str
) -> TurnRow | None:
    return session.scalars(
        select(TurnRow).where(
            TurnRow.tenant_id == tenant_id,
            TurnRow.conversation_id == conversation_id,
            TurnRow.turn_id == turn_id,
        )
    ).first()


def list_turn_rows(*, session: Session, tenant_id: str, conversation_id: str) -> list[TurnRow]:
    return list(
        session.scalars(
            select(TurnRow)
            .where(TurnRow.tenant_id == tenant_id, TurnRow.conversation_id == conversation_id)
            .order_by(TurnRow.seq)
        )
    )


def turn_from_row(row: TurnRow) -> Turn:
    return Turn(
        turn_id=row.turn_id,
        role=Role(row.role),
        text=row.text,
        sent_at=row.sent_at,
        bot=BotSignal.model_validate(row.bot) if row.bot else None,
        channel=row.channel,
        metadata=row.meta or {},
    )


def add_turn_row(
    *,
    session: Session,
    conversation: ConversationRow,
    turn: Turn,
    now: datetime,
    response: dict[str, Any] | None = None,
    customer: Customer | None = None,
    left: bool = False,
) -> TurnRow:
    """Store a turn (with the answer given for it, to repeat on a retry) as the next in order.

    `customer` and `left` are kept as the bot sent them, so a replay can send them again."""
    conversation.turn_count += 1
    conversation.updated_at = now
    row = TurnRow(
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        turn_id=turn.turn_id,
        seq=conversation.turn_count,
        role=turn.role.value,
        text=turn.text,
        text_sha256=text_digest(turn.text),
        sent_at=turn.sent_at,
        bot=turn.bot.model_dump(mode="json") if turn.bot else None,
        channel=turn.channel,
        meta=turn.metadata,
        received_at=now,
        response=response,
        customer=customer.model_dump(mode="json", exclude_defaults=True) if customer else None,
        customer_left=left,
    )
    session.add(row)
    session.flush()
    return row


def add_handoff_call(
    *,
    session: Session,
    tenant_id: str,
    conversation_id: str,
    kind: str,
    at: datetime,
    request: dict[str, Any],
    response: dict[str, Any],
) -> None:
    """Log a handoff-endpoint call and its answer: the turns and these are what replay plays."""
    session.add(
        HandoffCallRow(
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            kind=kind,
            at=at,
            request=request,
            response=response,
        )
    )


def conversation_from_rows(
    row: ConversationRow, turns: list[TurnRow], *, tail: tuple[Turn, ...] = ()
) -> Conversation:
    return Conversation(
        id=row.id,
        turns=(*(turn_from_row(t) for t in turns), *tail),
        customer=Customer.model_validate(row.customer) if row.customer else None,
        channel=row.channel,
        metadata=row.meta or {},
    )


def load_conversation(
    *, session: Session, tenant_id: str, conversation_id: str
) -> Conversation | None:
    row = get_conversation_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    if row is None:
        return None
    turns = list_turn_rows(session=session, tenant_id=tenant_id, conversation_id=row.id)
    return conversation_from_rows(row, turns)


def add_conversation_event(
    *,
    session: Session,
    tenant_id: str,
    conversation_id: str,
    type_: str,
    at: datetime,
    data: dict[str, Any],
) -> ConversationEventRow:
    """Append to the bot-side stream; the conversation's row lock orders ids by commit, and
    listening workers are woken when the transaction commits."""
    get_conversation_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id, for_update=True
    )
    row = ConversationEventRow(
        tenant_id=tenant_id, conversation_id=conversation_id, type=type_, at=at, data=data
    )
    session.add(row)
    session.flush()
    notify_conversation(session=session, conversation_id=conversation_id)
    return row


def list_conversation_events(
    *, session: Session, tenant_id: str, conversation_id: str, after_id: int = 0, limit: int = 500
) -> list[ConversationEventRow]:
    return list(
        session.scalars(
            select(ConversationEventRow)
            .where(
                ConversationEventRow.tenant_id == tenant_id,
                ConversationEventRow.conversation_id == conversation_id,
                ConversationEventRow.id > after_id,
            )
            .order_by(ConversationEventRow.id)
            .limit(limit)
        )
    )


# -- handoffs ------------------------------------------------------------------------------------


def get_handoff_row(
    *, session: Session, tenant_id: str | None, handoff_id: str, for_update: bool = False
) -> HandoffRow | None:
    """The case, if `tenant_id` owns it; `None` is for the worker, which serves every tenant."""
    stmt = select(HandoffRow).where(HandoffRow.id == handoff_id)
    if tenant_id is not None:
        stmt = stmt.where(HandoffRow.tenant_id == tenant_id)
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()


def get_open_handoff_row(
    *, session: Session, tenant_id: str, conversation_id: str
) -> HandoffRow | None:
    open_states = [s.value for s in HandoffStatus if s.is_open]
    return session.scalars(
        select(HandoffRow)
        .where(
            HandoffRow.tenant_id == tenant_id,
            HandoffRow.conversation_id == conversation_id,
            HandoffRow.status.in_(open_states),
        )
        .order_by(HandoffRow.created_at.desc())
    ).first()


def create_handoff_row(
    *,
    session: Session,
    tenant_id: str,
    handoff_id: str,
    conversation_id: str,
    status: HandoffStatus,
    channel: str | None,
    reasons: tuple[Reason, ...],
    brief: dict[str, Any],
    routing: Routing,
    now: datetime,
) -> HandoffRow:
    row = HandoffRow(
        id=handoff_id,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        status=status.value,
        queue=routing.queue,
        priority=routing.priority,
        channel=channel,
        reasons=[r.model_dump(mode="json") for r in reasons],
        primary_reason=reasons[0].code.value if reasons else None,
        brief=brief,
        routing=routing.model_dump(mode="json"),
        first_response_due=routing.first_response_due,
        resolution_due=routing.resolution_due,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def record_event(
    *,
    session: Session,
    handoff: HandoffRow,
    type_: EventType,
    at: datetime,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
    flush: bool = True,
) -> HandoffEventRow:
    """Append to a handoff's event log; `flush=False` lets a batch flush once at its end."""
    row = HandoffEventRow(
        handoff_id=handoff.id, type=type_.value, at=at, actor=actor, data=data or {}
    )
    session.add(row)
    if flush:
        session.flush()
    return row


def move_handoff(
    *,
    session: Session,
    handoff: HandoffRow,
    target: HandoffStatus,
    at: datetime,
    flush: bool = True,
) -> None:
    """Change a handoff's status through the transition table; never a silent overwrite."""
    check_transition(HandoffStatus(handoff.status), target)
    handoff.status = target.value
    handoff.updated_at = at
    if flush:
        session.flush()


def list_handoff_events(*, session: Session, handoff_id: str) -> list[HandoffEventRow]:
    return list(
        session.scalars(
            select(HandoffEventRow)
            .where(HandoffEventRow.handoff_id == handoff_id)
            .order_by(HandoffEventRow.id)
        )
    )


# -- outbox --------------------------------------------------------------------------------------


def enqueue(
    *,
    session: Session,
    tenant_id: str,
    kind: str,
    topic: str,
    payload: dict[str, Any],
    now: datetime,
    flush: bool = True,
) -> OutboxRow:
    """Record a side effect inside the caller's transaction; a worker delivers it after commit."""
    row = OutboxRow(
        tenant_id=tenant_id,
        kind=kind,
        topic=topic,
        payload=payload,
        status="pending",
        attempts=0,
        due_at=now,
        created_at=now,
    )
    session.add(row)
    if flush:
        session.flush()
    return row


# -- API keys ------------------------------------------------------------------------------------


def create_api_key(
    *, session: Session, tenant_id: str, name: str, scopes: str, now: datetime
) -> str:
    """Create an API key; the plain key is returned once and only its hash is stored."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKeyRow(
            tenant_id=tenant_id,
            name=name,
            scopes=scopes,
            prefix=key[:10],
            key_sha256=text_digest(key),
            created_at=now,
        )
    )
    session.flush()
    return key


def get_api_key_by_secret(
    *, session: Session, key: str, now: datetime | None = None
) -> ApiKeyRow | None:
    """The live key row for a plain key: not revoked, and not past a rotation's grace period."""
    row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_sha256 == text_digest(key))).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= (now or datetime.now(UTC)):
        return None
    return row


def list_turn_decisions(*, session: Session, conversation_id: str) -> dict[str, dict[str, Any]]:
    """Each stored user turn's decision (as answered), by turn id, for reading the case."""
    rows = session.execute(
        select(TurnRow.turn_id, TurnRow.response).where(
            TurnRow.conversation_id == conversation_id, TurnRow.role == "user"
        )
    )
    return {
        turn_id: response["decision"]
        for turn_id, response in rows
        if response and isinstance(response.get("decision"), dict)
    }

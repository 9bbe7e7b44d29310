"""Erase conversations: what identifies or quotes a person goes, the KPI facts stay."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from baton.learn.rollup import refresh
from baton.store.audit import record_audit
from baton.store.tables import (
    ConversationEventRow,
    ConversationRow,
    EmailVerificationRow,
    HandoffCallRow,
    HandoffEventRow,
    HandoffRow,
    HandoffTicketRow,
    OutboxRow,
    TurnRow,
    WebhookDeliveryRow,
)

ERASED = "[erased]"
# Event data that is someone's words; counts, codes and ids stay for the KPIs.
_WORDS = ("text", "message", "note", "comment", "agent_name", "evidence", "detail")


@dataclass(frozen=True)
class Erased:
    conversations: int = 0
    turns: int = 0
    handoffs: int = 0
    side_effects: int = 0


def customer_ref(customer_id: str) -> str:
    """How the audit log names an erased customer: a digest, never the id itself."""
    return "customer:sha256:" + hashlib.sha256(customer_id.encode("utf-8")).hexdigest()[:16]


def conversations_of(session: Session, tenant_id: str, customer_id: str) -> list[ConversationRow]:
    """The tenant's conversations with this customer: another tenant's customer of the same id
    is someone else."""
    stmt = select(ConversationRow).where(
        ConversationRow.tenant_id == tenant_id,
        ConversationRow.customer["id"].as_string() == customer_id,
    )
    return list(session.scalars(stmt.with_for_update()))


def erase_customer(
    *, session: Session, tenant_id: str, customer_id: str, actor: str, now: datetime
) -> Erased:
    """Erase every conversation of one customer (by the `customer.id` the bot sent); audited."""
    rows = conversations_of(session, tenant_id, customer_id)
    done = erase_conversations(session=session, conversations=rows, now=now)
    record_audit(
        session=session,
        tenant_id=tenant_id,
        actor=actor,
        action="customer.erased",
        target=customer_ref(customer_id),
        data={"conversations": done.conversations, "turns": done.turns, "handoffs": done.handoffs},
        now=now,
    )
    return done


def erase_conversations(
    *, session: Session, conversations: Sequence[ConversationRow], now: datetime
) -> Erased:
    """Erase these conversations in the caller's transaction, after folding their events into
    the KPI facts (which are never re-derived from erased text)."""
    if not conversations:
        return Erased()
    refresh(session=session, now=now)
    done = Erased()
    for tenant_id in sorted({c.tenant_id for c in conversations}):
        mine = [c for c in conversations if c.tenant_id == tenant_id]
        more = _erase_in_tenant(session, tenant_id, mine, now)
        done = Erased(
            conversations=done.conversations + more.conversations,
            turns=done.turns + more.turns,
            handoffs=done.handoffs + more.handoffs,
            side_effects=done.side_effects + more.side_effects,
        )
    session.flush()
    return done


def _erase_in_tenant(
    session: Session, tenant_id: str, conversations: Sequence[ConversationRow], now: datetime
) -> Erased:
    ids = [c.id for c in conversations]
    handoffs = list(
        session.scalars(
            select(HandoffRow).where(
                HandoffRow.tenant_id == tenant_id, HandoffRow.conversation_id.in_(ids)
            )
        )
    )
    handoff_ids = [h.id for h in handoffs]
    emails = {str(c.customer.get("email")) for c in conversations if c.customer} - {"None"}
    turns = _count(
        session.execute(
            delete(TurnRow).where(TurnRow.tenant_id == tenant_id, TurnRow.conversation_id.in_(ids))
        )
    )
    for conversation in conversations:
        conversation.customer = None
        conversation.meta = {"erased_at": now.isoformat()}
        conversation.state = {}
        conversation.updated_at = now
    for handoff in handoffs:
        handoff.brief = erased_brief(handoff.brief)
        handoff.routing = _scrub(handoff.routing)
        handoff.reasons = _scrub(handoff.reasons)
    session.execute(delete(HandoffTicketRow).where(HandoffTicketRow.handoff_id.in_(handoff_ids)))
    session.execute(
        delete(HandoffCallRow).where(
            HandoffCallRow.tenant_id == tenant_id, HandoffCallRow.conversation_id.in_(ids)
        )
    )
    session.execute(
        delete(EmailVerificationRow).where(
            EmailVerificationRow.tenant_id == tenant_id,
            EmailVerificationRow.conversation_id.in_(ids),
        )
    )
    _scrub_events(session, tenant_id, ids, handoff_ids)
    removed = _drop_side_effects(session, [*ids, *handoff_ids, *emails])
    return Erased(
        conversations=len(conversations),
        turns=turns,
        handoffs=len(handoffs),
        side_effects=removed,
    )


def erased_brief(brief: dict[str, Any]) -> dict[str, Any]:
    """The brief without anyone's words or identifiers; codes, urgency and sentiment stay."""
    tickets = dict(brief.get("ticket_fields") or {})
    tickets.update(subject=ERASED, description="", requester=None, requester_email=None, custom={})
    reasons = [{**r, "evidence": ""} for r in brief.get("reasons", [])]
    return {
        **brief,
        "summary": ERASED,
        **({"bot_note": None} if "bot_note" in brief else {}),
        "desired_outcome": "",
        "identifiers": [],
        "attempted": [],
        "reasons": reasons,
        "next_best_action": "",
        "suggested_replies": [],
        "ticket_fields": tickets,
        "transcript": [],
    }


def _scrub(data: Any) -> Any:
    """`data` with every string under a key in `_WORDS` emptied, at any depth."""
    if isinstance(data, list):
        return [_scrub(item) for item in data]
    if not isinstance(data, dict):
        return data
    return {k: "" if k in _WORDS and isinstance(v, str) else _scrub(v) for k, v in data.items()}


def _scrub_events(
    session: Session, tenant_id: str, conversation_ids: list[str], handoff_ids: list[str]
) -> None:
    for event in session.scalars(
        select(HandoffEventRow).where(HandoffEventRow.handoff_id.in_(handoff_ids))
    ):
        event.data = _scrub(event.data or {})
    for note in session.scalars(
        select(ConversationEventRow).where(
            ConversationEventRow.tenant_id == tenant_id,
            ConversationEventRow.conversation_id.in_(conversation_ids),
        )
    ):
        note.data = _scrub(note.data or {})


def _drop_side_effects(session: Session, needles: list[str]) -> int:
    """Outbox rows and webhook deliveries whose payload names one of these ids or addresses:
    sent ones are history nobody needs, unsent ones must not go out any more."""
    if not needles:
        return 0
    outbox = cast(OutboxRow.payload, String)
    removed = _count(
        session.execute(
            delete(OutboxRow).where(or_(*(outbox.contains(n, autoescape=True) for n in needles)))
        )
    )
    body = WebhookDeliveryRow.body
    return removed + _count(
        session.execute(
            delete(WebhookDeliveryRow).where(
                or_(*(body.contains(n, autoescape=True) for n in needles))
            )
        )
    )


def _count(result: object) -> int:
    """Rows a DELETE touched (`CursorResult.rowcount`, which `Session.execute` does not type)."""
    return int(getattr(result, "rowcount", 0) or 0)

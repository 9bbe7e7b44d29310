"""Export one customer's data: every conversation with its turns, handoffs and briefs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.privacy.erasure import conversations_of, customer_ref
from baton.store.audit import record_audit
from baton.store.tables import HandoffRow, HandoffTicketRow, TurnRow


def export_customer(
    *, session: Session, customer_id: str, actor: str, now: datetime
) -> dict[str, Any]:
    """Everything stored about the customer with this `customer.id`, as JSON-ready data;
    the export itself is audited (under a digest of the id)."""
    conversations = conversations_of(session, customer_id)
    out = [_conversation(session, c.id, c.customer, c.meta, c.created_at) for c in conversations]
    record_audit(
        session=session,
        actor=actor,
        action="customer.exported",
        target=customer_ref(customer_id),
        data={"conversations": len(out)},
        now=now,
    )
    return {"customer_id": customer_id, "exported_at": now.isoformat(), "conversations": out}


def _conversation(
    session: Session,
    conversation_id: str,
    customer: dict[str, Any] | None,
    metadata: dict[str, Any],
    created_at: datetime,
) -> dict[str, Any]:
    turns = session.scalars(
        select(TurnRow).where(TurnRow.conversation_id == conversation_id).order_by(TurnRow.seq)
    )
    handoffs = session.scalars(
        select(HandoffRow)
        .where(HandoffRow.conversation_id == conversation_id)
        .order_by(HandoffRow.created_at)
    )
    return {
        "id": conversation_id,
        "created_at": created_at.isoformat(),
        "customer": customer,
        "metadata": metadata,
        "turns": [
            {
                "turn_id": t.turn_id,
                "role": t.role,
                "text": t.text,
                "sent_at": t.sent_at.isoformat(),
                "bot": t.bot,
                "metadata": t.meta,
            }
            for t in turns
        ],
        "handoffs": [_handoff(session, h) for h in handoffs],
    }


def _handoff(session: Session, handoff: HandoffRow) -> dict[str, Any]:
    ticket = session.get(HandoffTicketRow, handoff.id)
    return {
        "id": handoff.id,
        "status": handoff.status,
        "queue": handoff.queue,
        "created_at": handoff.created_at.isoformat(),
        "csat": handoff.csat,
        "brief": handoff.brief,
        "ticket": ticket.fields if ticket is not None else None,
    }

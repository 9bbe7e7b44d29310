"""Export one customer's data: every conversation with its turns, handoffs and briefs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.privacy.erasure import conversations_of, customer_ref
from baton.store.audit import record_audit
from baton.store.tables import ConversationRow, HandoffRow, HandoffTicketRow, TurnRow


def export_customer(
    *, session: Session, tenant_id: str, customer_id: str, actor: str, now: datetime
) -> dict[str, Any]:
    """Everything the tenant stores about the customer with this `customer.id`, as JSON-ready
    data; the export itself is audited (under a digest of the id)."""
    conversations = conversations_of(session, tenant_id, customer_id)
    out = [_conversation(session, c, tenant_id) for c in conversations]
    record_audit(
        session=session,
        tenant_id=tenant_id,
        actor=actor,
        action="customer.exported",
        target=customer_ref(customer_id),
        data={"conversations": len(out)},
        now=now,
    )
    return {"customer_id": customer_id, "exported_at": now.isoformat(), "conversations": out}


def _conversation(session: Session, row: ConversationRow, tenant_id: str) -> dict[str, Any]:
    turns = session.scalars(
        select(TurnRow)
        .where(TurnRow.tenant_id == tenant_id, TurnRow.conversation_id == row.id)
        .order_by(TurnRow.seq)
    )
    handoffs = session.scalars(
        select(HandoffRow)
        .where(HandoffRow.tenant_id == tenant_id, HandoffRow.conversation_id == row.id)
        .order_by(HandoffRow.created_at)
    )
    return {
        "id": row.id,
        "created_at": row.created_at.isoformat(),
        "customer": row.customer,
        "metadata": row.meta,
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

"""What the bot side hears about a case: one conversation event and one webhook, together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from baton.store import repositories as repo
from baton.store.tables import HandoffRow


def announce(
    session: Session,
    handoff: HandoffRow,
    event: str,
    message: str,
    now: datetime,
    **extra: Any,
) -> None:
    """Tell the bot side (conversation events) and the world (outbox) in this transaction."""
    data = {
        "handoff_id": handoff.id,
        "queue": handoff.queue,
        "status": handoff.status,
        "message": message,
        **extra,
    }
    repo.add_conversation_event(
        session=session,
        tenant_id=handoff.tenant_id,
        conversation_id=handoff.conversation_id,
        type_=event,
        at=now,
        data=data,
    )
    payload = {"conversation_id": handoff.conversation_id, **data}
    repo.enqueue(
        session=session,
        tenant_id=handoff.tenant_id,
        kind="webhook",
        topic=event,
        payload=payload,
        now=now,
    )

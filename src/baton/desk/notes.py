"""Internal notes on a case: what agents tell each other about it.

A note lives in `handoff_notes` alone. It is never a turn, never a conversation event, never in
the outbox, the brief or the ticket: nothing a customer or a bot reads is built from this table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.service import load
from baton.errors import InvalidRequest
from baton.store.tables import AgentRow, HandoffNoteRow

MAX_NOTE_CHARS = 4000


def add(
    *, session: Session, handoff_id: str, agent: AgentRow, text: str, now: datetime
) -> HandoffNoteRow:
    """Any agent who may see the case may leave a note on it, whatever its status."""
    text = text.strip()
    if not text:
        raise InvalidRequest("the note is empty", field="text")
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidRequest(f"a note is at most {MAX_NOTE_CHARS} characters", field="text")
    handoff = load(session=session, handoff_id=handoff_id, agent=agent)
    row = HandoffNoteRow(
        tenant_id=handoff.tenant_id,
        handoff_id=handoff.id,
        agent_id=agent.id,
        text=text,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def for_case(*, session: Session, tenant_id: str, handoff_id: str) -> list[HandoffNoteRow]:
    """The case's notes, oldest first; the caller has already checked the agent may see it."""
    return list(
        session.scalars(
            select(HandoffNoteRow)
            .where(HandoffNoteRow.tenant_id == tenant_id, HandoffNoteRow.handoff_id == handoff_id)
            .order_by(HandoffNoteRow.id)
        )
    )

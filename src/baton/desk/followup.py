"""Follow-ups: picking a resolved customer back up.

A resolved handoff is never reopened (the journey's rule). Within the policy's
`desk.follow_up_hours` of its resolution, an agent may open a follow-up: a new handoff on the same
conversation, in the same queue, linked to it (`previous_handoff_id`), opened as the bot's
handoff endpoint opens one, and accepted by the agent who asked for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from baton.desk.episodes import previous_handoff
from baton.desk.service import accept, load
from baton.engine import HandoffRequest, Runtime, request_handoff
from baton.errors import Conflict, IllegalTransition
from baton.lifecycle import EventType, HandoffStatus
from baton.store import repositories as repo
from baton.store.tables import AgentRow, HandoffRow


def resolved_at(session: Session, handoff: HandoffRow) -> datetime | None:
    events = repo.list_handoff_events(session=session, handoff_id=handoff.id)
    return next((e.at for e in reversed(events) if e.type == EventType.RESOLVED.value), None)


def window_open(session: Session, handoff: HandoffRow, *, hours: int, now: datetime) -> bool:
    """Whether a follow-up may still be opened from this handoff."""
    if handoff.status != HandoffStatus.RESOLVED.value:
        return False
    at = resolved_at(session, handoff)
    return at is not None and now - at <= timedelta(hours=hours)


def open_follow_up(
    *, session: Session, runtime: Runtime, handoff_id: str, agent: AgentRow, now: datetime
) -> HandoffRow:
    """A new handoff linked to the resolved one, queued in its queue and accepted by `agent`."""
    handoff = load(session=session, handoff_id=handoff_id, agent=agent)
    if handoff.status != HandoffStatus.RESOLVED.value:
        raise IllegalTransition("only a resolved case is followed up", field="handoff_id")
    hours = runtime.policy.desk.follow_up_hours
    if not window_open(session, handoff, hours=hours, now=now):
        raise Conflict(
            f"a follow-up is opened within {hours} hours of the resolution", field="handoff_id"
        )
    current = repo.get_open_handoff_row(
        session=session, tenant_id=handoff.tenant_id, conversation_id=handoff.conversation_id
    )
    if current is not None:
        raise Conflict(
            "this conversation already has an open case: " + current.id, field="handoff_id"
        )
    latest = previous_handoff(
        session=session, tenant_id=handoff.tenant_id, conversation_id=handoff.conversation_id
    )
    if latest != handoff.id:
        raise Conflict(
            f"a later case of this conversation exists ({latest}); follow that one up",
            field="handoff_id",
        )
    result = request_handoff(
        session,
        runtime=runtime,
        tenant_id=handoff.tenant_id,
        conversation_id=handoff.conversation_id,
        request=HandoffRequest(queue=handoff.queue),
        now=now,
    )
    assert result.handoff is not None
    return accept(session=session, handoff_id=result.handoff.id, agent=agent, now=now)

"""Episodes: who holds the conversation, and the handback that returns it to the bot.

A conversation is a sequence of episodes. A handoff that ends (`resolved` or `abandoned`) ends
its episode: the bot holds the conversation again (`bot_active`), the detector's state starts
afresh, and the bot hears a `handback` with how the case ended. The next turn opens a new episode,
whose brief covers only its own turns and links the earlier handoffs. A resolved handoff is never
reopened: a new one links to it (`previous_handoff_id`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from baton.lifecycle import EventType
from baton.reinject import reinjected
from baton.store import repositories as repo
from baton.store.tables import ConversationRow, EpisodeRow, HandoffEventRow, HandoffRow

HANDBACK = "handback"
AGENT_ACTIONS = frozenset(
    {EventType.ACCEPTED.value, EventType.REPLIED.value, EventType.TRANSFERRED.value}
)


def open_episode(*, session: Session, conversation: ConversationRow, now: datetime) -> bool:
    """Start the next episode if none is open (a first turn, or the first after a handback)."""
    if conversation.episode > 0 and conversation.handed_back_at is None:
        return False
    conversation.episode += 1
    conversation.handed_back_at = None
    session.add(
        EpisodeRow(
            tenant_id=conversation.tenant_id,
            conversation_id=conversation.id,
            number=conversation.episode,
            started_at=now,
        )
    )
    return True


def _in_order(tenant_id: str, conversation_id: str) -> Select[Any]:
    """The conversation's handoffs in the order they were opened: by their first event's id.

    Not by `created_at`: two handoffs opened in the same instant would tie, and their random ids
    would decide (the journey model found that seam).
    """
    first = func.min(HandoffEventRow.id)
    return (
        select(HandoffRow.id)
        .join(HandoffEventRow, HandoffEventRow.handoff_id == HandoffRow.id)
        .where(HandoffRow.tenant_id == tenant_id, HandoffRow.conversation_id == conversation_id)
        .group_by(HandoffRow.id)
        .order_by(first)
    )


def earlier_handoffs(*, session: Session, conversation: ConversationRow) -> list[str]:
    """The ids of the handoffs of the conversation's earlier episodes, oldest first."""
    return list(
        session.scalars(
            _in_order(conversation.tenant_id, conversation.id).where(
                HandoffRow.episode < conversation.episode
            )
        )
    )


def previous_handoff(*, session: Session, tenant_id: str, conversation_id: str) -> str | None:
    """The conversation's latest handoff, which a new handoff links to (never reopens)."""
    ids = list(session.scalars(_in_order(tenant_id, conversation_id)))
    return ids[-1] if ids else None


def hand_back(
    *, session: Session, handoff: HandoffRow, now: datetime, ending: dict[str, Any]
) -> dict[str, Any]:
    """End the handoff's episode and tell the bot it holds the conversation again."""
    conversation = repo.get_conversation_row(
        session=session,
        tenant_id=handoff.tenant_id,
        conversation_id=handoff.conversation_id,
        for_update=True,
    )
    assert conversation is not None
    conversation.bot_active = True
    conversation.handed_back_at = now
    conversation.episode_start_seq = conversation.turn_count
    if not reinjected("stale_state"):
        conversation.state = {}
    session.execute(
        update(EpisodeRow)
        .where(
            EpisodeRow.tenant_id == conversation.tenant_id,
            EpisodeRow.conversation_id == conversation.id,
            EpisodeRow.number == handoff.episode,
            EpisodeRow.ended_at.is_(None),
        )
        .values(ended_at=now)
    )
    payload = {
        "handoff_id": handoff.id,
        "status": handoff.status,
        "episode": handoff.episode,
        "bot_active": True,
        **ending,
        "agent_actions": _agent_actions(session, handoff),
    }
    repo.add_conversation_event(
        session=session,
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        type_=HANDBACK,
        at=now,
        data=payload,
    )
    repo.enqueue(
        session=session,
        tenant_id=conversation.tenant_id,
        kind="webhook",
        topic=f"conversation.{HANDBACK}",
        payload={"conversation_id": conversation.id, **payload},
        now=now,
    )
    return payload


def _agent_actions(session: Session, handoff: HandoffRow) -> list[dict[str, Any]]:
    """What the agents did on the case, in order: accepted, replied, transferred."""
    return [
        {"type": e.type, "at": e.at.isoformat(), "agent_id": e.actor}
        for e in repo.list_handoff_events(session=session, handoff_id=handoff.id)
        if e.type in AGENT_ACTIONS
    ]

"""Live signals on a case: which agents are viewing or typing on it, and whether the customer is
typing. Each is one upserted row (`case_signals`), read by the console's case stream; a signal
fades after a few seconds, so nothing needs cleaning up for the view to be right.

The agent who holds an active case typing is also told to the customer: a throttled `agent.typing`
conversation event, which the bot relays (the demo page shows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.lifecycle import HandoffStatus
from baton.store import repositories as repo
from baton.store.tables import AgentRow, CaseSignalRow, ConversationEventRow, HandoffRow

VIEWING = timedelta(seconds=15)
TYPING = timedelta(seconds=5)
AGENT_TYPING_EVENT = "agent.typing"
CUSTOMER = "customer"
_EVENT_EVERY = timedelta(seconds=3)


@dataclass(frozen=True)
class Viewer:
    agent_id: str
    typing: bool


def _upsert(
    session: Session,
    *,
    tenant_id: str,
    conversation_id: str,
    who: str,
    now: datetime,
    typing: bool,
    handoff_id: str | None,
) -> None:
    row = session.get(CaseSignalRow, (tenant_id, conversation_id, who))
    if row is None:
        row = CaseSignalRow(tenant_id=tenant_id, conversation_id=conversation_id, who=who)
        session.add(row)
    row.seen_at = now
    row.handoff_id = handoff_id
    if typing:
        row.typing_at = now
    session.flush()


def agent_here(
    *, session: Session, handoff: HandoffRow, agent: AgentRow, typing: bool, now: datetime
) -> None:
    """The agent has the case open (and is typing a reply when `typing`)."""
    _upsert(
        session,
        tenant_id=handoff.tenant_id,
        conversation_id=handoff.conversation_id,
        who=f"agent:{agent.id}",
        now=now,
        typing=typing,
        handoff_id=handoff.id,
    )
    if (
        typing
        and handoff.agent_id == agent.id
        and handoff.status == HandoffStatus.ACTIVE.value
        and not _told_recently(session, handoff, now)
    ):
        repo.add_conversation_event(
            session=session,
            tenant_id=handoff.tenant_id,
            conversation_id=handoff.conversation_id,
            type_=AGENT_TYPING_EVENT,
            at=now,
            data={"handoff_id": handoff.id, "typing": True},
        )


def _told_recently(session: Session, handoff: HandoffRow, now: datetime) -> bool:
    last = session.scalar(
        select(ConversationEventRow.at)
        .where(
            ConversationEventRow.tenant_id == handoff.tenant_id,
            ConversationEventRow.conversation_id == handoff.conversation_id,
            ConversationEventRow.type == AGENT_TYPING_EVENT,
        )
        .order_by(ConversationEventRow.id.desc())
        .limit(1)
    )
    return last is not None and now - last < _EVENT_EVERY


def customer_typing(
    *, session: Session, tenant_id: str, conversation_id: str, now: datetime
) -> None:
    """The customer is typing (the bot, or the demo page, says so)."""
    _upsert(
        session,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        who=CUSTOMER,
        now=now,
        typing=True,
        handoff_id=None,
    )


def on_case(
    *, session: Session, handoff: HandoffRow, me: str, now: datetime
) -> tuple[list[Viewer], bool]:
    """The other agents on this case now (viewing, typing) and whether the customer is typing."""
    rows = session.scalars(
        select(CaseSignalRow).where(
            CaseSignalRow.tenant_id == handoff.tenant_id,
            CaseSignalRow.conversation_id == handoff.conversation_id,
            CaseSignalRow.seen_at >= now - VIEWING,
        )
    )
    viewers: list[Viewer] = []
    customer = False
    for row in rows:
        typing = row.typing_at is not None and now - row.typing_at <= TYPING
        if row.who == CUSTOMER:
            customer = typing
        elif row.who != f"agent:{me}" and row.handoff_id == handoff.id:
            viewers.append(Viewer(agent_id=row.who.removeprefix("agent:"), typing=typing))
    return sorted(viewers, key=lambda v: v.agent_id), customer

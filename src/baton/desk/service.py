"""Resolve: what an agent does to a case. Accept, reply, transfer, resolve, label, edit the ticket.

Each action moves the handoff through the transition table, appends to its event log, tells the
bot side through a conversation event, and records an outbox row for webhooks, all in the
caller's unit of work.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.desk.agents import AgentRole, can_see, role_of
from baton.desk.episodes import hand_back
from baton.desk.notices import announce as _announce
from baton.desk.offers import OfferState, close_offer, lock_agent
from baton.desk.timers import on_agent_reply, stop_clocks
from baton.desk.waits import record_handle_time
from baton.domain import MAX_TEXT_CHARS, Attachment, Brief, Role, TicketFields, Turn
from baton.errors import (
    AgentUnavailable,
    Conflict,
    Forbidden,
    HandoffNotFound,
    IllegalTransition,
    InvalidRequest,
)
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.reinject import reinjected
from baton.store import repositories as repo
from baton.store.tables import AgentRow, HandoffRow, HandoffTicketRow

MAX_NOTE_CHARS = 2000


class Outcome(StrEnum):
    """How the case ended for the customer, next to the resolution code (what was done)."""

    RESOLVED = "resolved"
    PARTIALLY_RESOLVED = "partially_resolved"
    NOT_RESOLVED = "not_resolved"


def first_name(agent: AgentRow) -> str:
    return agent.name.split()[0] if agent.name.strip() else "An agent"


def load(
    *, session: Session, handoff_id: str, agent: AgentRow, for_update: bool = False
) -> HandoffRow:
    """The handoff if this agent may see it: 404 when unknown or another tenant's, 403 when in
    another's queue."""
    row = repo.get_handoff_row(
        session=session, tenant_id=agent.tenant_id, handoff_id=handoff_id, for_update=for_update
    )
    if row is None:
        raise HandoffNotFound(f"no handoff {handoff_id!r}", field="handoff_id")
    if not can_see(agent, row):
        raise Forbidden("this case is in a queue you do not serve", field="handoff_id")
    return row


def _is_lead(agent: AgentRow) -> bool:
    return role_of(agent) is not AgentRole.AGENT


def _require_owner(handoff: HandoffRow, agent: AgentRow) -> None:
    if handoff.agent_id != agent.id and not _is_lead(agent):
        raise Forbidden("only the agent who has this case may do that", field="handoff_id")


def open_cases(*, session: Session, agent_id: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(HandoffRow)
            .where(
                HandoffRow.agent_id == agent_id,
                HandoffRow.status.in_([HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value]),
            )
        )
        or 0
    )


def _assign(session: Session, handoff: HandoffRow, agent: AgentRow, by: str, now: datetime) -> None:
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.ASSIGNED, at=now)
    handoff.agent_id = agent.id
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.ASSIGNED,
        at=now,
        actor=agent.id if by == "accept" else None,
        data={"agent_id": agent.id, "by": by},
    )
    if not reinjected("assigned_off_stream"):
        _announce(session, handoff, "handoff.assigned", "", now, agent_id=agent.id)


def _activate(session: Session, handoff: HandoffRow, agent: AgentRow, now: datetime) -> None:
    close_offer(session=session, handoff_id=handoff.id, state=OfferState.ACCEPTED, now=now)
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.ACTIVE, at=now)
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.ACCEPTED,
        at=now,
        actor=agent.id,
        data={"agent_id": agent.id},
    )
    name = first_name(agent)
    _announce(
        session,
        handoff,
        "handoff.accepted",
        f"{name} has joined and can see your conversation so far.",
        now,
        agent_name=name,
    )


def accept(*, session: Session, handoff_id: str, agent: AgentRow, now: datetime) -> HandoffRow:
    """The agent takes a queued case (queued -> assigned -> active) or one offered to them."""
    lock_agent(session=session, agent_id=agent.id)
    handoff = load(session=session, handoff_id=handoff_id, agent=agent, for_update=True)
    status = HandoffStatus(handoff.status)
    if status is HandoffStatus.ACTIVE and handoff.agent_id == agent.id:
        return handoff
    if status in (HandoffStatus.ASSIGNED, HandoffStatus.ACTIVE) and handoff.agent_id != agent.id:
        raise Conflict("another agent already has this case", field="handoff_id")
    if status is HandoffStatus.QUEUED:
        if role_of(agent) is AgentRole.AGENT and open_cases(
            session=session, agent_id=agent.id
        ) >= max(agent.capacity, 1):
            raise Conflict(
                f"you already have {agent.capacity} open cases, your capacity", field="capacity"
            )
        _assign(session, handoff, agent, "accept", now)
    _activate(session, handoff, agent, now)
    return handoff


def accept_to_reply(*, session: Session, handoff_id: str, agent: AgentRow, now: datetime) -> bool:
    """Accept the case if replying is what takes it (queued, or offered to this agent); True
    when it did. A case already active with this agent, or someone else's, is left to `reply`."""
    handoff = load(session=session, handoff_id=handoff_id, agent=agent)
    status = HandoffStatus(handoff.status)
    if status is HandoffStatus.QUEUED or (
        status is HandoffStatus.ASSIGNED and handoff.agent_id == agent.id
    ):
        accept(session=session, handoff_id=handoff_id, agent=agent, now=now)
        return True
    return False


def reply(
    *,
    session: Session,
    handoff_id: str,
    agent: AgentRow,
    text: str,
    now: datetime,
    attachments: tuple[Attachment, ...] = (),
) -> HandoffRow:
    """Send the customer a message: stored as an agent turn and relayed through the events."""
    text = text.strip()
    if not text:
        raise InvalidRequest("the reply is empty", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidRequest(f"a reply is at most {MAX_TEXT_CHARS} characters", field="text")
    handoff = load(session=session, handoff_id=handoff_id, agent=agent, for_update=True)
    if handoff.agent_id != agent.id:
        raise Forbidden("accept the case before replying", field="handoff_id")
    if handoff.status == HandoffStatus.ASSIGNED.value:
        _activate(session, handoff, agent, now)
    if handoff.status != HandoffStatus.ACTIVE.value:
        raise IllegalTransition(f"cannot reply to a {handoff.status} case", field="status")
    conversation = repo.get_conversation_row(
        session=session,
        tenant_id=handoff.tenant_id,
        conversation_id=handoff.conversation_id,
        for_update=True,
    )
    assert conversation is not None
    turn = Turn(
        turn_id=f"agent-{uuid.uuid4().hex[:16]}",
        role=Role.AGENT,
        text=text,
        sent_at=now,
        metadata={"handoff_id": handoff.id, "agent_id": agent.id},
        attachments=attachments,
    )
    repo.add_turn_row(session=session, conversation=conversation, turn=turn, now=now)
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.REPLIED,
        at=now,
        actor=agent.id,
        data={"turn_id": turn.turn_id, "chars": len(text)},
    )
    on_agent_reply(session=session, handoff_id=handoff.id, now=now)
    _announce(
        session,
        handoff,
        "handoff.message",
        text,
        now,
        text=text,
        agent_name=first_name(agent),
        turn_id=turn.turn_id,
        **(
            {"attachments": [a.model_dump(mode="json") for a in attachments]} if attachments else {}
        ),
    )
    return handoff


def transfer(
    *,
    session: Session,
    handoff_id: str,
    agent: AgentRow,
    policy: Policy,
    now: datetime,
    to_queue: str | None = None,
    to_agent_id: str | None = None,
    note: str = "",
) -> HandoffRow:
    """Move the case to another queue or agent; its brief, transcript and SLA clock go with it."""
    if (to_queue is None) == (to_agent_id is None):
        raise InvalidRequest("transfer to a queue or to an agent", field="to")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidRequest(f"a note is at most {MAX_NOTE_CHARS} characters", field="note")
    handoff = load(session=session, handoff_id=handoff_id, agent=agent, for_update=True)
    if handoff.status != HandoffStatus.QUEUED.value:
        _require_owner(handoff, agent)
    target = _transfer_target(session, handoff, policy, to_queue, to_agent_id)
    from_queue, from_agent = handoff.queue, handoff.agent_id
    close_offer(session=session, handoff_id=handoff.id, state=OfferState.RELEASED, now=now)
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.QUEUED, at=now)
    handoff.agent_id = None
    if to_queue is not None:
        handoff.queue = to_queue
        skills = list(policy.queue(to_queue).skills)
        handoff.routing = {**handoff.routing, "queue": to_queue, "skills": skills}
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.TRANSFERRED,
        at=now,
        actor=agent.id,
        data={
            "from_queue": from_queue,
            "to_queue": handoff.queue,
            "from_agent": from_agent,
            "to_agent": to_agent_id,
            "note": note.strip(),
        },
    )
    if target is not None:
        _assign(session, handoff, target, "transfer", now)
    who = f"our {handoff.queue} team" if target is None else "a colleague"
    _announce(
        session,
        handoff,
        "handoff.transferred",
        f"I'm passing your conversation to {who}; they can see everything you've told us.",
        now,
    )
    return handoff


def _transfer_target(
    session: Session,
    handoff: HandoffRow,
    policy: Policy,
    to_queue: str | None,
    to_agent_id: str | None,
) -> AgentRow | None:
    if to_queue is not None:
        if to_queue not in {q.name for q in policy.queues}:
            raise InvalidRequest(f"no queue {to_queue!r}", field="to_queue")
        if to_queue == handoff.queue and handoff.status == HandoffStatus.QUEUED.value:
            raise InvalidRequest("the case is already waiting in that queue", field="to_queue")
        return None
    target = session.get(AgentRow, to_agent_id)
    if target is None or target.disabled_at is not None:
        raise InvalidRequest(f"no agent {to_agent_id!r}", field="to_agent")
    if target.id == handoff.agent_id:
        raise InvalidRequest("that agent already has the case", field="to_agent")
    _check_can_take(session, handoff, target)
    return target


def _check_can_take(session: Session, handoff: HandoffRow, target: AgentRow) -> None:
    """A case goes only to someone who serves its queue and has a free slot, as accepting it
    would require: a transfer is not a way around the queue or the capacity."""
    if role_of(target) is not AgentRole.AGENT:
        return
    lock_agent(session=session, agent_id=target.id)
    if handoff.queue not in (target.queues or []):
        raise InvalidRequest(
            f"{target.name} does not serve the {handoff.queue} queue", field="to_agent"
        )
    if open_cases(session=session, agent_id=target.id) >= max(target.capacity, 1):
        raise AgentUnavailable(
            f"{target.name} already has {target.capacity} open cases, their capacity",
            field="capacity",
        )


def resolve(
    *,
    session: Session,
    handoff_id: str,
    agent: AgentRow,
    policy: Policy,
    code: str,
    outcome: Outcome,
    necessary: bool,
    now: datetime,
    note: str = "",
) -> HandoffRow:
    """Close the case with what was done, how it ended, and whether a person was needed."""
    if code not in policy.desk.resolution_codes:
        raise InvalidRequest(f"unknown resolution code {code!r}", field="code")
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidRequest(f"a note is at most {MAX_NOTE_CHARS} characters", field="note")
    handoff = load(session=session, handoff_id=handoff_id, agent=agent, for_update=True)
    _require_owner(handoff, agent)
    # Resolving a case still offered to its agent answers the offer (found by the journey test).
    close_offer(session=session, handoff_id=handoff.id, state=OfferState.ACCEPTED, now=now)
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.RESOLVED, at=now)
    stop_clocks(session=session, handoff_id=handoff.id, now=now)
    record_handle_time(session=session, handoff=handoff, now=now)
    handoff.resolution_code = code
    handoff.outcome = outcome.value
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.RESOLVED,
        at=now,
        actor=agent.id,
        data={"code": code, "outcome": outcome.value, "note": note.strip()},
    )
    _label(session, handoff, agent, necessary, now)
    _announce(
        session,
        handoff,
        "handoff.resolved",
        f"{first_name(agent)} has closed this conversation. Write again any time if you need more.",
        now,
        agent_name=first_name(agent),
        code=code,
        outcome=outcome.value,
        bot_active=True,
    )
    ending = {"code": code, "outcome": outcome.value, "note": note.strip()}
    hand_back(session=session, handoff=handoff, now=now, ending=ending)
    return handoff


def label(
    *, session: Session, handoff_id: str, agent: AgentRow, necessary: bool, now: datetime
) -> HandoffRow:
    """Relabel a resolved case: was handing it to a person necessary?"""
    handoff = load(session=session, handoff_id=handoff_id, agent=agent, for_update=True)
    _require_owner(handoff, agent)
    if handoff.status != HandoffStatus.RESOLVED.value:
        raise IllegalTransition("only a resolved case is labelled", field="necessary")
    _label(session, handoff, agent, necessary, now)
    return handoff


def _label(
    session: Session, handoff: HandoffRow, agent: AgentRow, necessary: bool, now: datetime
) -> None:
    handoff.necessary = necessary
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.LABELLED,
        at=now,
        actor=agent.id,
        data={"necessary": necessary},
    )


def ticket(*, session: Session, handoff: HandoffRow) -> TicketFields:
    """The ticket as the agent last saved it, else as the brief pre-filled it."""
    saved = session.get(HandoffTicketRow, handoff.id)
    if saved is not None:
        return TicketFields.model_validate(saved.fields)
    return Brief.model_validate(handoff.brief).ticket_fields


def save_ticket(
    *, session: Session, handoff_id: str, agent: AgentRow, fields: TicketFields, now: datetime
) -> TicketFields:
    """Save the agent's edits: only the agent who has the case, or a lead, may change them."""
    handoff = load(session=session, handoff_id=handoff_id, agent=agent, for_update=True)
    _require_owner(handoff, agent)
    row = session.get(HandoffTicketRow, handoff.id)
    data = fields.model_dump(mode="json")
    if row is None:
        session.add(
            HandoffTicketRow(
                handoff_id=handoff.id, fields=data, updated_by=agent.id, updated_at=now
            )
        )
    else:
        row.fields, row.updated_by, row.updated_at = data, agent.id, now
    session.flush()
    return fields

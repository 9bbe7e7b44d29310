"""The pipeline on one screen: record -> detect -> (prepare -> route -> transfer) -> commit.

`process_turn` runs inside the caller's unit of work, so a turn, its decision and any handoff it
opens are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from baton.brief import build_brief
from baton.detect import Detector, DetectState
from baton.domain import Action, Channel, Customer, Decision, Reason, ReasonCode, Routing, Turn
from baton.errors import ConversationNotFound, IllegalTransition, InvalidRequest, TurnConflict
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.route import route
from baton.store import repositories as repo
from baton.store.floor import floor_snapshot
from baton.store.tables import ConversationRow, HandoffRow
from baton.transfer.channels import best_channel, confirmation, offer_message


@dataclass
class Runtime:
    """What the engine needs that outlives a request: the policy and its trained detector."""

    policy: Policy
    detector: Detector = field(init=False)

    def __post_init__(self) -> None:
        self.detector = Detector(self.policy)


class HandoffSummary(BaseModel):
    id: str
    status: HandoffStatus
    queue: str
    priority: int
    channel: Channel | None
    routing: Routing


class TurnResult(BaseModel):
    conversation_id: str
    turn_id: str
    decision: Decision
    handoff: HandoffSummary | None = None
    message: str | None = None
    replayed: bool = False


def process_turn(
    session: Session,
    *,
    runtime: Runtime,
    conversation_id: str,
    turn: Turn,
    customer: Customer | None,
    now: datetime,
) -> TurnResult:
    """Store one turn and act on it; the same `turn_id` sent again gets the same answer."""
    conv_row = _conversation_for_update(session, conversation_id, turn, now)
    existing = repo.get_turn_row(
        session=session, conversation_id=conversation_id, turn_id=turn.turn_id
    )
    if existing is not None:
        if existing.text_sha256 != repo.text_digest(turn.text) or existing.role != turn.role.value:
            raise TurnConflict(
                f"turn {turn.turn_id!r} was already stored with other content", field="turn_id"
            )
        return TurnResult.model_validate({**(existing.response or {}), "replayed": True})

    if customer is not None:
        conv_row.customer = _merge_customer(conv_row.customer, customer)
    turn_row = repo.add_turn_row(session=session, conversation=conv_row, turn=turn, now=now)
    conversation = repo.conversation_from_rows(
        conv_row, repo.list_turn_rows(session=session, conversation_id=conversation_id)
    )
    open_handoff = repo.get_open_handoff_row(session=session, conversation_id=conversation_id)
    state = DetectState.model_validate(conv_row.state or {})
    decision, state = runtime.detector.decide(conversation, state, now)
    conv_row.state = state.model_dump(mode="json")

    result = TurnResult(conversation_id=conversation_id, turn_id=turn.turn_id, decision=decision)
    if open_handoff is not None:
        result = _continue_open_handoff(session, open_handoff, turn, result, now)
    elif decision.action is not Action.CONTINUE:
        brief = build_brief(
            conversation=conversation, decision=decision, policy=runtime.policy, now=now
        )
        handoff_id = repo.new_handoff_id()
        routing = route(
            brief=brief,
            customer=conversation.customer,
            policy=runtime.policy,
            snapshot=floor_snapshot(session=session, policy=runtime.policy),
            now=now,
            handoff_id=handoff_id,
        )
        result = _open_handoff(
            session,
            conv_row,
            handoff_id,
            decision,
            brief.model_dump(mode="json"),
            routing,
            result,
            now,
        )

    turn_row.response = result.model_dump(mode="json")
    session.flush()
    return result


def _conversation_for_update(
    session: Session, conversation_id: str, turn: Turn, now: datetime
) -> ConversationRow:
    row = repo.get_conversation_row(
        session=session, conversation_id=conversation_id, for_update=True
    )
    if row is None:
        row = repo.create_conversation_row(
            session=session, conversation_id=conversation_id, now=now, channel=turn.channel
        )
    return row


def _merge_customer(stored: dict[str, Any] | None, incoming: Customer) -> dict[str, Any]:
    merged = dict(stored or {})
    merged.update(incoming.model_dump(mode="json", exclude_defaults=True))
    return merged


def _open_handoff(
    session: Session,
    conv_row: ConversationRow,
    handoff_id: str,
    decision: Decision,
    brief: dict[str, Any],
    routing: Routing,
    result: TurnResult,
    now: datetime,
) -> TurnResult:
    forced = decision.action is Action.HANDOFF
    channel = best_channel(routing) if forced else None
    handoff = HandoffRow(
        id=handoff_id,
        conversation_id=conv_row.id,
        status=(HandoffStatus.QUEUED if forced else HandoffStatus.OFFERED).value,
        queue=routing.queue,
        priority=routing.priority,
        channel=channel.value if channel else None,
        reasons=[r.model_dump(mode="json") for r in decision.reasons],
        primary_reason=decision.reasons[0].code.value if decision.reasons else None,
        brief=brief,
        routing=routing.model_dump(mode="json"),
        first_response_due=routing.first_response_due,
        resolution_due=routing.resolution_due,
        created_at=now,
        updated_at=now,
    )
    session.add(handoff)
    session.flush()
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.OFFERED if not forced else EventType.CREATED,
        at=now,
        data={"queue": routing.queue, "reasons": list(decision.codes)},
    )
    message = confirmation(routing, channel) if channel else offer_message(routing)
    _announce(session, handoff, "handoff.created" if forced else "handoff.offered", message, now)
    summary = HandoffSummary(
        id=handoff.id,
        status=HandoffStatus(handoff.status),
        queue=handoff.queue,
        priority=handoff.priority,
        channel=channel,
        routing=routing,
    )
    return result.model_copy(update={"handoff": summary, "message": message})


def _continue_open_handoff(
    session: Session, handoff: HandoffRow, turn: Turn, result: TurnResult, now: datetime
) -> TurnResult:
    """A customer writing while a person has the case: relay it; the detector does not re-open."""
    if handoff.status != HandoffStatus.OFFERED.value:
        repo.record_event(
            session=session,
            handoff=handoff,
            type_=EventType.CUSTOMER_MESSAGE,
            at=now,
            actor="customer",
            data={"turn_id": turn.turn_id},
        )
    routing = Routing.model_validate(handoff.routing)
    summary = HandoffSummary(
        id=handoff.id,
        status=HandoffStatus(handoff.status),
        queue=handoff.queue,
        priority=handoff.priority,
        channel=Channel(handoff.channel) if handoff.channel else None,
        routing=routing,
    )
    return result.model_copy(update={"handoff": summary})


def _announce(
    session: Session, handoff: HandoffRow, event: str, message: str, now: datetime
) -> None:
    """Tell the bot side (conversation events) and the outside world (outbox) in this transaction."""
    data = {
        "handoff_id": handoff.id,
        "queue": handoff.queue,
        "status": handoff.status,
        "message": message,
    }
    repo.add_conversation_event(
        session=session, conversation_id=handoff.conversation_id, type_=event, at=now, data=data
    )
    repo.enqueue(session=session, kind="webhook", topic=event, payload=data, now=now)


class HandoffRequest(BaseModel):
    """The customer's (or bot's) word on a handoff: ask for a person, pick a channel, or decline."""

    channel: Channel | None = None
    decline: bool = False
    note: str | None = None


def request_handoff(
    session: Session,
    *,
    runtime: Runtime,
    conversation_id: str,
    request: HandoffRequest,
    now: datetime,
) -> TurnResult:
    """Honour an explicit request: the customer always has the last word on an offer."""
    conv_row = repo.get_conversation_row(
        session=session, conversation_id=conversation_id, for_update=True
    )
    if conv_row is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    handoff = repo.get_open_handoff_row(session=session, conversation_id=conversation_id)
    state = DetectState.model_validate(conv_row.state or {})
    last_turn = conv_row.turn_count
    if request.decline:
        if handoff is None or handoff.status != HandoffStatus.OFFERED.value:
            raise IllegalTransition("there is no open offer to decline", field="decline")
        repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.DECLINED, at=now)
        repo.record_event(
            session=session, handoff=handoff, type_=EventType.DECLINED, at=now, actor="customer"
        )
        conv_row.state = state.model_copy(update={"declined_at_turn": state.user_turns}).model_dump(
            mode="json"
        )
        decision = Decision(action=Action.CONTINUE)
        return TurnResult(
            conversation_id=conversation_id,
            turn_id=f"#{last_turn}",
            decision=decision,
            message="No problem, let's carry on.",
        )
    if handoff is None:
        handoff = _open_requested(session, runtime, conv_row, now)
    routing = Routing.model_validate(handoff.routing)
    channel = request.channel or (
        Channel(handoff.channel) if handoff.channel else best_channel(routing)
    )
    offer = next((o for o in routing.offers if o.channel is channel), None)
    if offer is None or not offer.available:
        raise InvalidRequest(
            f"channel {channel.value!r} is not offered for this case", field="channel"
        )
    if handoff.status == HandoffStatus.OFFERED.value:
        repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.QUEUED, at=now)
        repo.record_event(
            session=session,
            handoff=handoff,
            type_=EventType.CREATED,
            at=now,
            actor="customer",
            data={"channel": channel.value, "queue": handoff.queue},
        )
        handoff.channel = channel.value
        _announce(session, handoff, "handoff.created", confirmation(routing, channel), now)
    decision = Decision(
        action=Action.HANDOFF, reasons=tuple(Reason.model_validate(r) for r in handoff.reasons)
    )
    summary = HandoffSummary(
        id=handoff.id,
        status=HandoffStatus(handoff.status),
        queue=handoff.queue,
        priority=handoff.priority,
        channel=channel,
        routing=routing,
    )
    return TurnResult(
        conversation_id=conversation_id,
        turn_id=f"#{last_turn}",
        decision=decision,
        handoff=summary,
        message=confirmation(routing, channel),
    )


def _open_requested(
    session: Session, runtime: Runtime, conv_row: ConversationRow, now: datetime
) -> HandoffRow:
    conversation = repo.conversation_from_rows(
        conv_row, repo.list_turn_rows(session=session, conversation_id=conv_row.id)
    )
    reason = Reason(
        code=ReasonCode.HUMAN_REQUESTED,
        score=1.0,
        evidence="asked through the handoff endpoint",
        action=Action.HANDOFF,
    )
    decision = Decision(action=Action.HANDOFF, reasons=(reason,), score=1.0)
    brief = build_brief(
        conversation=conversation, decision=decision, policy=runtime.policy, now=now
    )
    handoff_id = repo.new_handoff_id()
    routing = route(
        brief=brief,
        customer=conversation.customer,
        policy=runtime.policy,
        snapshot=floor_snapshot(session=session, policy=runtime.policy),
        now=now,
        handoff_id=handoff_id,
    )
    handoff = HandoffRow(
        id=handoff_id,
        conversation_id=conv_row.id,
        status=HandoffStatus.OFFERED.value,
        queue=routing.queue,
        priority=routing.priority,
        channel=None,
        reasons=[reason.model_dump(mode="json")],
        primary_reason=reason.code.value,
        brief=brief.model_dump(mode="json"),
        routing=routing.model_dump(mode="json"),
        first_response_due=routing.first_response_due,
        resolution_due=routing.resolution_due,
        created_at=now,
        updated_at=now,
    )
    session.add(handoff)
    session.flush()
    return handoff

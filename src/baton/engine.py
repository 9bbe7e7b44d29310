"""The pipeline on one screen: record -> detect -> (prepare -> route -> transfer) -> commit.

`process_turn` runs inside the caller's unit of work, so a turn, its decision and any handoff it
opens are stored together or not at all. The conversation row is locked first, which serialises
turns of one conversation across workers and makes a repeated `turn_id` answer the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, BaseModel, Field
from sqlalchemy.orm import Session

from baton.brief import Summarizer, build_brief
from baton.brief.reading import Reading
from baton.desk.abandon import AbandonCause, abandon
from baton.desk.assign import queue_case
from baton.desk.episodes import earlier_handoffs, open_episode, previous_handoff
from baton.desk.timers import on_customer_message
from baton.detect import Detector, DetectState, load_models
from baton.detect.training import models_key, policy_encoder
from baton.domain import (
    URGENCY_ORDER,
    Action,
    Brief,
    Channel,
    Conversation,
    Customer,
    Decision,
    Reason,
    ReasonCode,
    Routing,
    Turn,
)
from baton.errors import (
    ConversationNotFound,
    IllegalTransition,
    InvalidRequest,
    TurnConflict,
)
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy, policy_hash
from baton.reinject import reinjected
from baton.reroute import apply_levers
from baton.route import FloorSnapshot, route
from baton.route.levers import Levers, check_levers
from baton.route.snapshot import floor_to_json
from baton.store import repositories as repo
from baton.store.floor import floor_snapshot
from baton.store.tables import ConversationRow, HandoffRow
from baton.transfer.channels import best_channel, confirmation, offer_message


@dataclass
class Runtime:
    """What the engine needs that outlives a request: the policy and its trained detector."""

    policy: Policy
    model_cache_dir: Path | None = None
    policy_dir: Path | None = None
    summarizer: Summarizer | None = None
    detector: Detector = field(init=False)
    policy_hash: str = field(init=False)
    model_version: str = field(init=False)

    def __post_init__(self) -> None:
        models = load_models(self.policy, base_dir=self.policy_dir, cache_dir=self.model_cache_dir)
        self.detector = Detector(self.policy, models)
        self.policy_hash = policy_hash(self.policy)
        encoder = policy_encoder(self.policy, self.model_cache_dir)
        self.model_version = models_key(self.policy, self.policy_dir, encoder)

    def floor(self, session: Session, tenant_id: str) -> FloorSnapshot:
        """The floor Route sees: the live one here; a replay's runtime answers with the one
        stored with the decision it plays again."""
        return floor_snapshot(session=session, tenant_id=tenant_id, policy=self.policy)

    def stamp(self, decision: Decision) -> Decision:
        """The decision with the policy and models that made it (for replay and recalibration)."""
        return decision.model_copy(
            update={"policy_hash": self.policy_hash, "model_version": self.model_version}
        )


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
    bot_active: bool = Field(default=True, description="false while a person holds the case")
    episode: int = Field(default=1, description="the conversation's current episode")


class HandoffRequest(BaseModel):
    """The customer's (or bot's) word on a handoff: ask for a person, pick a channel, or decline;
    the bot may also name the queue (`team` is an alias), ask for a priority and leave a note."""

    channel: Channel | None = None
    decline: bool = False
    queue: str | None = Field(
        default=None, validation_alias=AliasChoices("queue", "team"), max_length=64
    )
    priority: int | None = Field(
        default=None, ge=0, le=100, description="at most the policy's priority.bot_max"
    )
    note: str | None = Field(default=None, max_length=2000, description="for the agent's brief")


def process_turn(
    session: Session,
    *,
    runtime: Runtime,
    tenant_id: str,
    conversation_id: str,
    turn: Turn,
    customer: Customer | None,
    now: datetime,
    customer_left: bool = False,
) -> TurnResult:
    """Store one turn and act on it; the same `turn_id` sent again gets the same answer.

    `customer_left`: the customer has gone; an open handoff is abandoned (`customer_left`).
    """
    conv_row = repo.lock_conversation_row(
        session=session,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        now=now,
        channel=turn.channel,
    )
    existing = repo.get_turn_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id, turn_id=turn.turn_id
    )
    if existing is not None:
        if existing.text_sha256 != repo.text_digest(turn.text) or existing.role != turn.role.value:
            raise TurnConflict(
                f"turn {turn.turn_id!r} was already stored with other content", field="turn_id"
            )
        return TurnResult.model_validate({**(existing.response or {}), "replayed": True})

    open_episode(session=session, conversation=conv_row, now=now)
    open_handoff = repo.get_open_handoff_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    if customer is not None:
        conv_row.customer = _merge_customer(conv_row.customer, customer)
    if customer_left:
        result = _leave(session, runtime, conv_row, open_handoff, turn, now)
        repo.add_turn_row(
            session=session,
            conversation=conv_row,
            turn=turn,
            now=now,
            response=_dump(result),
            customer=customer,
            left=True,
        )
        return result
    # Detect reads only the new turn and the carried state; the transcript is read from the
    # store only when a brief is built from it.
    state = DetectState.model_validate(conv_row.state or {})
    latest = repo.conversation_from_rows(conv_row, [], tail=(turn,))
    decision, state = runtime.detector.decide(latest, state, now)
    decision = runtime.stamp(decision)
    conv_row.state = state.model_dump(mode="json")

    result = TurnResult(conversation_id=conversation_id, turn_id=turn.turn_id, decision=decision)
    if open_handoff is not None:
        conversation = _conversation(session, conv_row, tail=turn)
        _relay_customer_turn(session, runtime.policy, open_handoff, turn, now)
        _refresh_brief(session, runtime, open_handoff, conversation, decision, now)
        if _forces_offer(open_handoff, decision):
            _queue_offer(session, runtime, conv_row, open_handoff, channel=None, now=now)
            result.message = _customer_message(open_handoff)
        result.handoff = _summary(open_handoff)
    elif decision.action is not Action.CONTINUE:
        forced = decision.action is Action.HANDOFF
        conversation = _conversation(session, conv_row, tail=turn)
        handoff = _escalate(
            session, runtime, conv_row, conversation, decision, forced=forced, now=now
        )
        result.handoff = _summary(handoff)
        result.message = _customer_message(handoff)
    result.bot_active, result.episode = conv_row.bot_active, conv_row.episode
    repo.add_turn_row(
        session=session,
        conversation=conv_row,
        turn=turn,
        now=now,
        response=_dump(result),
        customer=customer,
    )
    return result


def _dump(result: TurnResult) -> dict[str, Any]:
    return result.model_dump(mode="json")


def _forces_offer(handoff: HandoffRow, decision: Decision) -> bool:
    """A forcing decision while an offer is open: the offer becomes a case (detect.md's rule)."""
    offered = handoff.status == HandoffStatus.OFFERED.value
    return offered and decision.action is Action.HANDOFF and not reinjected("forced_offer")


def _leave(
    session: Session,
    runtime: Runtime,
    conv_row: ConversationRow,
    handoff: HandoffRow | None,
    turn: Turn,
    now: datetime,
) -> TurnResult:
    """The customer's last turn: an open handoff is abandoned, the bot holds the conversation."""
    if handoff is not None:
        abandon(
            session=session,
            handoff=handoff,
            cause=AbandonCause.CUSTOMER_LEFT,
            now=now,
            actor="customer",
        )
        conv_row.episode_start_seq += 1  # the leaving turn belongs to the episode it ended
    return TurnResult(
        conversation_id=conv_row.id,
        turn_id=turn.turn_id,
        decision=runtime.stamp(Decision(action=Action.CONTINUE)),
        handoff=_summary(handoff) if handoff is not None else None,
        bot_active=conv_row.bot_active,
        episode=conv_row.episode,
    )


def cancel_handoff(
    session: Session, *, runtime: Runtime, tenant_id: str, conversation_id: str, now: datetime
) -> TurnResult:
    """The bot says the customer left: the open handoff is abandoned (`customer_left`)."""
    conv_row = repo.get_conversation_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id, for_update=True
    )
    if conv_row is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    handoff = repo.get_open_handoff_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    if handoff is None:
        raise IllegalTransition("there is no open handoff to cancel", field="conversation_id")
    abandon(
        session=session,
        handoff=handoff,
        cause=AbandonCause.CUSTOMER_LEFT,
        now=now,
        actor="customer",
    )
    result = TurnResult(
        conversation_id=conversation_id,
        turn_id=f"#{conv_row.turn_count}",
        decision=runtime.stamp(Decision(action=Action.CONTINUE)),
        handoff=_summary(handoff),
        bot_active=conv_row.bot_active,
        episode=conv_row.episode,
    )
    return _logged(session, conv_row, "cancel", {}, result, now)


def request_handoff(
    session: Session,
    *,
    runtime: Runtime,
    tenant_id: str,
    conversation_id: str,
    request: HandoffRequest,
    now: datetime,
) -> TurnResult:
    """Honour an explicit request: the customer always has the last word on an offer."""
    conv_row = repo.get_conversation_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id, for_update=True
    )
    if conv_row is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    open_episode(session=session, conversation=conv_row, now=now)
    handoff = repo.get_open_handoff_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    turn_ref = f"#{conv_row.turn_count}"
    if request.decline:
        _decline(session, conv_row, handoff, now)
        declined = TurnResult(
            conversation_id=conversation_id,
            turn_id=turn_ref,
            decision=runtime.stamp(Decision(action=Action.CONTINUE)),
            message="No problem, let's carry on.",
            bot_active=conv_row.bot_active,
            episode=conv_row.episode,
        )
        return _logged(session, conv_row, "request", _request(request), declined, now)
    levers = check_levers(runtime.policy, queue=request.queue, priority=request.priority)
    rerouted: dict[str, Any] = {}  # the floor a re-route saw, logged with the call
    if handoff is None:
        reason = Reason(
            code=ReasonCode.HUMAN_REQUESTED,
            score=1.0,
            action=Action.HANDOFF,
            evidence="asked through the handoff endpoint",
        )
        decision = runtime.stamp(Decision(action=Action.HANDOFF, reasons=(reason,), score=1.0))
        conversation = _conversation(session, conv_row)
        handoff = _escalate(
            session,
            runtime,
            conv_row,
            conversation,
            decision,
            forced=False,
            now=now,
            levers=levers,
        )
    else:

        def floor() -> FloorSnapshot:
            snapshot = runtime.floor(session, tenant_id)
            rerouted["floor"] = floor_to_json(snapshot)
            return snapshot

        apply_levers(
            session, policy=runtime.policy, handoff=handoff, levers=levers, now=now, floor=floor
        )
    if request.note:
        handoff.brief = {**handoff.brief, "bot_note": request.note}
    routing = Routing.model_validate(handoff.routing)
    channel = request.channel or (
        Channel(handoff.channel) if handoff.channel else best_channel(routing)
    )
    offer = next((o for o in routing.offers if o.channel is channel), None)
    chosen = request.channel is not None
    if offer is None or (chosen and not offer.available):
        raise InvalidRequest(
            f"channel {channel.value!r} is not offered for this case", field="channel"
        )
    if handoff.status == HandoffStatus.OFFERED.value:
        _queue_offer(session, runtime, conv_row, handoff, channel=channel, now=now)
    reasons = tuple(Reason.model_validate(r) for r in handoff.reasons)
    result = TurnResult(
        conversation_id=conversation_id,
        turn_id=turn_ref,
        decision=runtime.stamp(Decision(action=Action.HANDOFF, reasons=reasons)),
        handoff=_summary(handoff),
        message=_customer_message(handoff),
        bot_active=conv_row.bot_active,
        episode=conv_row.episode,
    )
    return _logged(session, conv_row, "request", {**_request(request), **rerouted}, result, now)


def _request(request: HandoffRequest) -> dict[str, Any]:
    return request.model_dump(mode="json", exclude_defaults=True)


def _logged(
    session: Session,
    conv_row: ConversationRow,
    kind: str,
    request: dict[str, Any],
    result: TurnResult,
    now: datetime,
) -> TurnResult:
    """The handoff call and its answer go in the engine's input log, beside the turns."""
    repo.add_handoff_call(
        session=session,
        tenant_id=conv_row.tenant_id,
        conversation_id=conv_row.id,
        kind=kind,
        at=now,
        request=request,
        response=_dump(result),
    )
    return result


def _queue_offer(
    session: Session,
    runtime: Runtime,
    conv_row: ConversationRow,
    handoff: HandoffRow,
    *,
    channel: Channel | None,
    now: datetime,
) -> None:
    """An offer becomes a case: in its queue, clocks running, the bot told; a person holds it.

    With `channel` the customer took the offer as shown; without, a forcing decision took it,
    and the case is routed again by every reason so far.
    """
    floor: dict[str, Any] = {}
    if channel is None:
        snapshot = runtime.floor(session, conv_row.tenant_id)
        floor = {"floor": floor_to_json(snapshot)}
        routing = route(
            brief=Brief.model_validate(handoff.brief),
            customer=Customer.model_validate(conv_row.customer) if conv_row.customer else None,
            policy=runtime.policy,
            snapshot=snapshot,
            now=now,
            handoff_id=handoff.id,
        )
        handoff.routing = routing.model_dump(mode="json")
        handoff.queue, handoff.priority = routing.queue, routing.priority
        handoff.first_response_due = routing.first_response_due
        handoff.resolution_due = routing.resolution_due
        channel = best_channel(routing)
    handoff.channel = channel.value
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.QUEUED, at=now)
    queue_case(session=session, policy=runtime.policy, handoff=handoff, now=now)
    conv_row.bot_active = False
    codes = [r["code"] for r in handoff.reasons]
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.CREATED,
        at=now,
        actor="customer",
        data={"channel": channel.value, "queue": handoff.queue, "reasons": codes, **floor},
    )
    _announce(session, handoff, "handoff.created", now)


def _escalate(
    session: Session,
    runtime: Runtime,
    conv_row: ConversationRow,
    conversation: Conversation,
    decision: Decision,
    forced: bool,
    now: datetime,
    levers: Levers | None = None,
) -> HandoffRow:
    """Prepare the brief, route it, and open the handoff (queued if forced, else offered).

    The summary is the extractive one: no LLM is called under the conversation's lock; the
    route asks it after the commit (`baton.summaries`) and the brief is updated then.
    """
    brief = build_brief(
        conversation=conversation,
        decision=decision,
        policy=runtime.policy,
        now=now,
        readings=_readings(session, conversation, decision),
    ).model_copy(
        update={
            "episode": conv_row.episode,
            "earlier_handoffs": tuple(earlier_handoffs(session=session, conversation=conv_row)),
        }
    )
    previous = previous_handoff(
        session=session, tenant_id=conv_row.tenant_id, conversation_id=conv_row.id
    )
    handoff_id = repo.new_handoff_id()
    snapshot = runtime.floor(session, conv_row.tenant_id)
    routing = route(
        brief=brief,
        customer=conversation.customer,
        policy=runtime.policy,
        snapshot=snapshot,
        now=now,
        handoff_id=handoff_id,
        queue_name=levers.queue if levers else None,
        min_priority=levers.min_priority if levers else 0,
    )
    channel = best_channel(routing) if forced else None
    handoff = repo.create_handoff_row(
        session=session,
        tenant_id=conv_row.tenant_id,
        handoff_id=handoff_id,
        conversation_id=conversation.id,
        status=HandoffStatus.QUEUED if forced else HandoffStatus.OFFERED,
        channel=channel.value if channel else None,
        reasons=brief.reasons,  # the decision's, with their evidence redacted
        brief=brief.model_dump(mode="json"),
        routing=routing,
        now=now,
    )
    handoff.episode, handoff.previous_handoff_id = conv_row.episode, previous
    if forced:
        queue_case(session=session, policy=runtime.policy, handoff=handoff, now=now)
        conv_row.bot_active = False
    event = EventType.CREATED if forced else EventType.OFFERED
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=event,
        at=now,
        data={
            "queue": routing.queue,
            "reasons": list(decision.codes),
            "policy_hash": decision.policy_hash,
            "model_version": decision.model_version,
            "floor": floor_to_json(snapshot),
        },
    )
    _announce(session, handoff, f"handoff.{event.value}", now)
    return handoff


def _decline(
    session: Session, conv_row: ConversationRow, handoff: HandoffRow | None, now: datetime
) -> None:
    if handoff is None or handoff.status != HandoffStatus.OFFERED.value:
        raise IllegalTransition("there is no open offer to decline", field="decline")
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.DECLINED, at=now)
    repo.record_event(
        session=session, handoff=handoff, type_=EventType.DECLINED, at=now, actor="customer"
    )
    state = DetectState.model_validate(conv_row.state or {})
    conv_row.state = state.model_copy(update={"declined_at_turn": state.user_turns}).model_dump(
        mode="json"
    )


def _relay_customer_turn(
    session: Session, policy: Policy, handoff: HandoffRow, turn: Turn, now: datetime
) -> None:
    """A customer writing while the case waits for or is with a person: the agent must see it,
    and the SLA clocks that wait on the customer run again."""
    if handoff.status != HandoffStatus.OFFERED.value:
        repo.record_event(
            session=session,
            handoff=handoff,
            type_=EventType.CUSTOMER_MESSAGE,
            at=now,
            actor="customer",
            data={"turn_id": turn.turn_id},
        )
        on_customer_message(session=session, policy=policy, handoff_id=handoff.id, now=now)


def _refresh_brief(
    session: Session,
    runtime: Runtime,
    handoff: HandoffRow,
    conversation: Conversation,
    decision: Decision,
    now: datetime,
) -> None:
    """Rebuild an open case's brief so what the customer says after escalating reaches the agent.

    The reasons only grow: a reason that fired at escalation stays, new ones are added, except
    the bot's own failures once a person holds the case (the bot is not answering). The intent,
    topic and mood are read again over every turn (`baton.brief.reading`). No LLM is called here
    (this runs on every customer message, under the conversation's lock): the extractive
    summarizer runs, and a summary the LLM wrote at escalation is kept.
    """
    reasons = [Reason.model_validate(r) for r in handoff.reasons]
    known = {r.code for r in reasons}
    if handoff.status != HandoffStatus.OFFERED.value:
        known |= {ReasonCode.LOW_CONFIDENCE, ReasonCode.REPEATED_FAILURE}
    reasons += [r for r in decision.reasons if r.code not in known]
    earlier = Brief.model_validate(handoff.brief)
    merged = decision.model_copy(
        update={
            "action": Action.HANDOFF,
            "reasons": tuple(reasons),
            "urgency": max(earlier.urgency, decision.urgency, key=URGENCY_ORDER.index),
        }
    )
    opened_at = earlier.opened_at_turn or (
        earlier.transcript[-1].turn_id if earlier.transcript else None
    )
    brief = build_brief(
        conversation=conversation,
        decision=merged,
        policy=runtime.policy,
        now=now,
        readings=_readings(session, conversation, decision),
        opened_at=opened_at,
    )
    brief = brief.model_copy(
        update={"episode": earlier.episode, "earlier_handoffs": earlier.earlier_handoffs}
    )
    if earlier.summary_source != brief.summary_source:
        brief = brief.model_copy(
            update={"summary": earlier.summary, "summary_source": earlier.summary_source}
        )
    brief = brief.model_copy(update={"bot_note": earlier.bot_note})
    handoff.brief = brief.model_dump(mode="json")
    handoff.reasons = [r.model_dump(mode="json") for r in brief.reasons]
    handoff.updated_at = now


def _readings(
    session: Session, conversation: Conversation, decision: Decision
) -> tuple[Reading, ...]:
    """The detector's decision on each user turn of `conversation`, as stored; the turn being
    processed (not stored yet) has `decision`."""
    stored = repo.list_turn_decisions(session=session, conversation_id=conversation.id)
    readings = [
        Reading(t.turn_id, Decision.model_validate(stored[t.turn_id]))
        for t in conversation.turns
        if t.turn_id in stored
    ]
    last = conversation.turns[-1].turn_id if conversation.turns else None
    if last is not None and last not in stored:
        readings.append(Reading(last, decision))
    return tuple(readings)


def _conversation(
    session: Session, conv_row: ConversationRow, *, tail: Turn | None = None
) -> Conversation:
    """The current episode's stored turns, plus `tail`: the turn being processed, stored last."""
    rows = repo.list_turn_rows(
        session=session, tenant_id=conv_row.tenant_id, conversation_id=conv_row.id
    )
    if not reinjected("mixed_brief"):
        rows = [r for r in rows if r.seq > conv_row.episode_start_seq]
    return repo.conversation_from_rows(conv_row, rows, tail=(tail,) if tail else ())


def _merge_customer(stored: dict[str, Any] | None, incoming: Customer) -> dict[str, Any]:
    """The bot's latest word on the customer; a new address is unconfirmed until it says so."""
    merged = dict(stored or {})
    if incoming.email is not None and incoming.email != merged.get("email"):
        merged.pop("email_verified", None)
    merged.update(incoming.model_dump(mode="json", exclude_defaults=True))
    return merged


def _summary(handoff: HandoffRow) -> HandoffSummary:
    return HandoffSummary(
        id=handoff.id,
        status=HandoffStatus(handoff.status),
        queue=handoff.queue,
        priority=handoff.priority,
        channel=Channel(handoff.channel) if handoff.channel else None,
        routing=Routing.model_validate(handoff.routing),
    )


def _customer_message(handoff: HandoffRow) -> str:
    routing = Routing.model_validate(handoff.routing)
    if handoff.channel is None:
        return offer_message(routing)
    return confirmation(routing, Channel(handoff.channel))


def _announce(session: Session, handoff: HandoffRow, event: str, now: datetime) -> None:
    """Tell the bot side (conversation events) and the world (outbox) in this transaction."""
    data = {
        "handoff_id": handoff.id,
        "queue": handoff.queue,
        "status": handoff.status,
        "channel": handoff.channel,
        "message": _customer_message(handoff),
    }
    repo.add_conversation_event(
        session=session,
        tenant_id=handoff.tenant_id,
        conversation_id=handoff.conversation_id,
        type_=event,
        at=now,
        data=data,
    )
    repo.enqueue(
        session=session,
        tenant_id=handoff.tenant_id,
        kind="webhook",
        topic=event,
        payload=data,
        now=now,
    )

"""Simulated agents for synthetic data: they accept, reply, transfer, resolve, label and get rated.

They write exactly the events and status moves the desk writes, in time order, so every KPI can
be computed from a synthetic history as from a real one.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from baton.lifecycle import EventType, HandoffStatus
from baton.store import repositories as repo
from baton.store.tables import HandoffRow

MEAN_WAIT_SECONDS = {
    "security": 120,
    "sales": 600,
    "support": 900,
    "billing": 1500,
    "account": 1200,
}
AGENT_OF = {
    "support": "syn-ana",
    "billing": "syn-ana",
    "account": "syn-ben",
    "security": "syn-chloe",
    "sales": "syn-dev",
}
REPLIES = (
    "Thanks for waiting, I have your case in front of me.",
    "I've checked this for you and it's sorted now.",
    "Here is what I found in our help centre, it should answer this.",
)
ASKS = {
    "email": "Could you confirm your email address?",
    "order": "Could you send me your order number?",
    "account": "What's your account number?",
}
Step = tuple[datetime, EventType, dict[str, Any], HandoffStatus | None]


def _first_reply(rng: random.Random, handoff: HandoffRow) -> str:
    kinds = [i.get("kind") for i in (handoff.brief or {}).get("identifiers", [])]
    askable = [k for k in kinds if k in ASKS]
    if askable and rng.random() < 0.15:
        return ASKS[rng.choice(askable)]
    return rng.choice(REPLIES)


def _plan(rng: random.Random, handoff: HandoffRow, start: datetime, kb: bool) -> list[Step]:
    queue = handoff.queue
    t = start + timedelta(seconds=rng.expovariate(1 / MEAN_WAIT_SECONDS.get(queue, 900)))
    if rng.random() < 0.06:
        return [(t, EventType.ABANDONED, {}, HandoffStatus.ABANDONED)]
    steps: list[Step] = [
        (t, EventType.ASSIGNED, {}, HandoffStatus.ASSIGNED),
        (t + timedelta(seconds=5), EventType.ACCEPTED, {}, HandoffStatus.ACTIVE),
    ]
    t += timedelta(seconds=5 + rng.expovariate(1 / 90))
    steps.append((t, EventType.REPLIED, {"text": _first_reply(rng, handoff)}, None))
    if rng.random() < 0.04 and queue != "support":
        t += timedelta(seconds=60)
        steps.append((t, EventType.TRANSFERRED, {"from": queue, "to": "support"}, None))
    t += timedelta(seconds=rng.expovariate(1 / 600))
    steps.append((t, EventType.REPLIED, {"text": rng.choice(REPLIES)}, None))
    booked = queue == "sales" and rng.random() < 0.5
    outcome = "kb_answer" if kb else "meeting_booked" if booked else "solved"
    t += timedelta(seconds=rng.expovariate(1 / 300))
    steps.append((t, EventType.RESOLVED, {"outcome": outcome}, HandoffStatus.RESOLVED))
    return steps


def _sla_steps(handoff: HandoffRow, steps: list[Step]) -> list[Step]:
    """The SLA timer's event, when the first response came after the due time."""
    due = handoff.first_response_due
    first = next((s for s in steps if s[1] in (EventType.REPLIED, EventType.ABANDONED)), None)
    if due is None or first is None or first[0] <= due:
        return steps
    breach: Step = (due, EventType.SLA_BREACHED, {"kind": "first_response"}, None)
    return sorted([*steps, breach], key=lambda s: s[0])


def simulate_desk(
    session: Session,
    *,
    rng: random.Random,
    handoff_id: str,
    start: datetime,
    necessary: bool,
    kb_answer: bool,
) -> None:
    """Play a queued handoff's human side from `start`, through to its end."""
    handoff = repo.get_handoff_row(session=session, handoff_id=handoff_id)
    if handoff is None or handoff.status != HandoffStatus.QUEUED.value:
        return
    agent = AGENT_OF.get(handoff.queue)
    steps = _sla_steps(handoff, _plan(rng, handoff, start, kb_answer))
    for at, kind, data, target in steps:
        if kind is EventType.TRANSFERRED:
            handoff.queue = str(data["to"])
            for hop in (HandoffStatus.QUEUED, HandoffStatus.ASSIGNED, HandoffStatus.ACTIVE):
                repo.move_handoff(session=session, handoff=handoff, target=hop, at=at)
        if target is not None:
            repo.move_handoff(session=session, handoff=handoff, target=target, at=at)
        actor = agent if kind not in (EventType.ABANDONED, EventType.SLA_BREACHED) else None
        if kind is EventType.ABANDONED:
            actor = "customer"
        repo.record_event(
            session=session, handoff=handoff, type_=kind, at=at, actor=actor, data=data
        )
    if handoff.status != HandoffStatus.RESOLVED.value:
        return
    end = steps[-1][0]
    handoff.agent_id = agent
    handoff.outcome = handoff.resolution_code = str(steps[-1][2]["outcome"])
    if rng.random() < 0.85:
        handoff.necessary = necessary
        repo.record_event(
            session=session,
            handoff=handoff,
            type_=EventType.LABELLED,
            at=end + timedelta(seconds=2),
            actor=agent,
            data={"necessary": necessary},
        )
    if rng.random() < 0.35:
        waited = (steps[0][0] - start).total_seconds()
        score = rng.choice((5, 5, 4, 4, 3) if waited < 900 else (4, 3, 3, 2, 1))
        handoff.csat = score
        repo.record_event(
            session=session,
            handoff=handoff,
            type_=EventType.CSAT,
            at=end + timedelta(minutes=5),
            actor="customer",
            data={"score": score},
        )

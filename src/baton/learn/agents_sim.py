"""Simulated agents for synthetic data: they accept, reply, transfer, resolve and label through
the desk's own services (`baton.desk.service`), so a synthetic case's events, turns and labels
are the ones a real agent's would be. The customer leaving and the SLA timer, which have no desk
service, are written as the events they are; CSAT goes through `record_csat`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from baton.desk import service as desk
from baton.learn.csat import record_csat
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import DEFAULT_TENANT, AgentRow, HandoffRow

MEAN_WAIT_SECONDS = {"security": 120, "sales": 600, "support": 900, "billing": 1500}
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
KB_ANSWER, MEETING_BOOKED = "kb_answer", "meeting_booked"


def _first_reply(rng: random.Random, handoff: HandoffRow) -> str:
    kinds = [i.get("kind") for i in (handoff.brief or {}).get("identifiers", [])]
    askable = [k for k in kinds if k in ASKS]
    if askable and rng.random() < 0.15:
        return ASKS[rng.choice(askable)]
    return rng.choice(REPLIES)


def _agent(session: Session, queue: str) -> AgentRow:
    agent = session.get(AgentRow, AGENT_OF.get(queue, "syn-ana"))
    assert agent is not None, "seed the synthetic agents first"
    return agent


def _system(session: Session, handoff: HandoffRow, kind: EventType, at: datetime) -> None:
    """What no agent does: the SLA timer firing, the customer leaving."""
    if kind is EventType.ABANDONED:
        repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.ABANDONED, at=at)
    data = {"kind": "first_response"} if kind is EventType.SLA_BREACHED else {}
    actor = "customer" if kind is EventType.ABANDONED else None
    repo.record_event(session=session, handoff=handoff, type_=kind, at=at, actor=actor, data=data)


def _breach(session: Session, handoff: HandoffRow, first_response: datetime) -> None:
    """The SLA timer's event, when the first response (or the abandon) comes after the due time."""
    due = handoff.first_response_due
    if due is not None and due < first_response:
        _system(session, handoff, EventType.SLA_BREACHED, due)


def _code(policy: Policy, wanted: str) -> str:
    """The resolution code, if the policy lets agents use it; else the policy's first."""
    codes = policy.desk.resolution_codes
    return wanted if wanted in codes else codes[0]


def _work(
    session: Session, rng: random.Random, handoff: HandoffRow, policy: Policy, at: datetime
) -> datetime:
    """Accept, reply (and maybe transfer and take it again); return when the agent is done."""
    agent = _agent(session, handoff.queue)
    desk.accept(session=session, handoff_id=handoff.id, agent=agent, now=at)
    at += timedelta(seconds=5 + rng.expovariate(1 / 90))
    _breach(session, handoff, at)
    desk.reply(session=session, handoff_id=handoff.id, agent=agent,
               text=_first_reply(rng, handoff), now=at)  # fmt: skip
    if rng.random() < 0.04 and handoff.queue != "support":
        at += timedelta(seconds=60)
        desk.transfer(session=session, handoff_id=handoff.id, agent=agent, policy=policy,
                      now=at, to_queue="support", note="synthetic transfer")  # fmt: skip
        agent = _agent(session, "support")
        at += timedelta(seconds=rng.expovariate(1 / 300))
        desk.accept(session=session, handoff_id=handoff.id, agent=agent, now=at)
    at += timedelta(seconds=rng.expovariate(1 / 600))
    desk.reply(session=session, handoff_id=handoff.id, agent=agent,
               text=rng.choice(REPLIES), now=at)  # fmt: skip
    return at + timedelta(seconds=rng.expovariate(1 / 300))


def simulate_desk(
    session: Session,
    *,
    rng: random.Random,
    policy: Policy,
    handoff_id: str,
    start: datetime,
    necessary: bool,
    kb_answer: bool,
) -> None:
    """Play a queued handoff's human side from `start`, through to its end."""
    handoff = repo.get_handoff_row(session=session, tenant_id=DEFAULT_TENANT, handoff_id=handoff_id)
    if handoff is None or handoff.status != HandoffStatus.QUEUED.value:
        return
    at = start + timedelta(seconds=rng.expovariate(1 / MEAN_WAIT_SECONDS.get(handoff.queue, 1200)))
    if rng.random() < 0.06:
        _breach(session, handoff, at)
        _system(session, handoff, EventType.ABANDONED, at)
        return
    end = _work(session, rng, handoff, policy, at)
    booked = handoff.queue == "sales" and rng.random() < 0.5
    code = _code(policy, KB_ANSWER if kb_answer else MEETING_BOOKED if booked else "solved")
    desk.resolve(session=session, handoff_id=handoff.id, agent=_agent(session, handoff.queue),
                 policy=policy, code=code, outcome=desk.Outcome.RESOLVED, necessary=necessary,
                 now=end)  # fmt: skip
    if rng.random() < 0.35:
        waited = (at - start).total_seconds()
        score = rng.choice((5, 5, 4, 4, 3) if waited < 900 else (4, 3, 3, 2, 1))
        record_csat(session=session, tenant_id=handoff.tenant_id, handoff_id=handoff.id,
                    score=score, comment=None, now=end + timedelta(minutes=5))  # fmt: skip

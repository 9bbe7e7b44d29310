"""The live floor a supervisor watches: backlog and longest wait per queue, the cases at SLA
warning or breach (as the SLA timers recorded them), and each agent's presence and load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk import presence
from baton.desk.assign import LOADED
from baton.desk.inbox import CaseLine, case_line
from baton.desk.timers import LIVE, TimerState
from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.store.tables import AgentRow, HandoffRow, SlaTimerRow

OPEN_CASES = (HandoffStatus.QUEUED.value, *LOADED)


@dataclass(frozen=True)
class QueueLine:
    name: str
    backlog: int
    longest_wait_seconds: float | None
    at_risk: int


@dataclass(frozen=True)
class RiskLine:
    case: CaseLine
    state: str  # "warning" or "breach"
    agent_name: str | None


@dataclass(frozen=True)
class AgentLine:
    id: str
    name: str
    presence: str
    away_cause: str | None
    load: int
    capacity: int
    consoles: int


@dataclass(frozen=True)
class Floor:
    queues: list[QueueLine]
    at_risk: list[RiskLine]
    agents: list[AgentLine]


def _risk(session: Session, handoff_ids: list[str]) -> dict[str, str]:
    """Each case's worst recorded SLA state: a breach, else a warning."""
    out: dict[str, str] = {}
    if not handoff_ids:
        return out
    rows = session.execute(
        select(SlaTimerRow.handoff_id, SlaTimerRow.state, SlaTimerRow.warned_at).where(
            SlaTimerRow.handoff_id.in_(handoff_ids),
            SlaTimerRow.state.in_((*LIVE, TimerState.BREACHED.value)),
        )
    ).all()
    for handoff_id, state, warned_at in rows:
        if state == TimerState.BREACHED.value:
            out[handoff_id] = "breach"
        elif warned_at is not None and out.get(handoff_id) != "breach":
            out[handoff_id] = "warning"
    return out


def floor_view(*, session: Session, tenant_id: str, policy: Policy, now: datetime) -> Floor:
    """The tenant's floor now."""
    cases = list(
        session.scalars(
            select(HandoffRow)
            .where(HandoffRow.tenant_id == tenant_id, HandoffRow.status.in_(OPEN_CASES))
            .order_by(HandoffRow.created_at, HandoffRow.id)
        )
    )
    team = list(
        session.scalars(
            select(AgentRow)
            .where(AgentRow.tenant_id == tenant_id, AgentRow.disabled_at.is_(None))
            .order_by(AgentRow.name)
        )
    )
    names = {a.id: a.name for a in team}
    risk = _risk(session, [c.id for c in cases])
    queues = []
    for name in sorted({q.name for q in policy.queues} | {c.queue for c in cases}):
        queued = [c for c in cases if c.queue == name and c.status == HandoffStatus.QUEUED.value]
        oldest = min((c.created_at for c in queued), default=None)
        queues.append(
            QueueLine(
                name=name,
                backlog=len(queued),
                longest_wait_seconds=(now - oldest).total_seconds() if oldest else None,
                at_risk=sum(1 for c in cases if c.queue == name and c.id in risk),
            )
        )
    at_risk = [
        RiskLine(case_line(c, policy), risk[c.id], names.get(c.agent_id or ""))
        for c in cases
        if c.id in risk
    ]
    at_risk.sort(key=lambda r: (r.state != "breach", -r.case.priority))
    loads: dict[str, int] = {}
    for c in cases:
        if c.status in LOADED and c.agent_id:
            loads[c.agent_id] = loads.get(c.agent_id, 0) + 1
    consoles = presence.live_connections(session=session, tenant_id=tenant_id)
    agents = [
        AgentLine(
            id=a.id,
            name=a.name,
            presence=a.presence,
            away_cause=a.away_cause,
            load=loads.get(a.id, 0),
            capacity=a.capacity,
            consoles=consoles.get(a.id, 0),
        )
        for a in team
        if a.role == "agent" or loads.get(a.id)
    ]
    return Floor(queues=queues, at_risk=at_risk, agents=agents)

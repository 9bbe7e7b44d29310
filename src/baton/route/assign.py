"""Who gets the case: a pure plan over a snapshot of agents and the cases in service order.

Each case goes to an eligible agent (serves its queue, has its skills, has a free slot on its
channel) with the most spare capacity on that channel; ties go to whoever has waited longest
since their last case, which makes equal agents take turns (round robin). Agents who let this
case's offer lapse or declined it come last: they get it again only when nobody else can.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AgentSlot:
    """An online agent as the planner sees them; `spare` is free slots per channel."""

    id: str
    queues: frozenset[str]
    skills: frozenset[str] = frozenset()
    spare: Mapping[str, int] = field(default_factory=dict)
    last_assigned: float = -math.inf


@dataclass(frozen=True, slots=True)
class CaseSlot:
    """A queued case: where it waits, on which channel, what it needs, and who passed on it."""

    id: str
    queue: str
    channel: str = "chat"
    skills: frozenset[str] = frozenset()
    passed: frozenset[str] = frozenset()


def eligible(case: CaseSlot, agent: AgentSlot, spare: Mapping[str, int]) -> bool:
    return (
        case.queue in agent.queues
        and case.skills <= agent.skills
        and spare.get(case.channel, 0) > 0
    )


def choose_agent(
    case: CaseSlot,
    agents: Iterable[AgentSlot],
    spare: Mapping[str, Mapping[str, int]],
    last: Mapping[str, float],
) -> str | None:
    """The agent for one case given current spare capacity and turn order, or None."""
    best: tuple[bool, int, float, str] | None = None
    for agent in agents:
        free = spare[agent.id]
        if not eligible(case, agent, free):
            continue
        key = (agent.id in case.passed, -free[case.channel], last[agent.id], agent.id)
        if best is None or key < best:
            best = key
    return None if best is None else best[3]


def plan_assignments(
    cases: Sequence[CaseSlot], agents: Sequence[AgentSlot]
) -> list[tuple[str, str]]:
    """(case id, agent id) pairs for the cases, in order, that someone can take now."""
    spare = {a.id: dict(a.spare) for a in agents}
    last = {a.id: a.last_assigned for a in agents}
    turn = max((v for v in last.values() if v > -math.inf), default=0.0)
    plan: list[tuple[str, str]] = []
    for case in cases:
        agent_id = choose_agent(case, agents, spare, last)
        if agent_id is None:
            continue
        spare[agent_id][case.channel] -= 1
        turn += 1.0
        last[agent_id] = turn
        plan.append((case.id, agent_id))
    return plan

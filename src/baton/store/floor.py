"""Read the live floor (agents online, free chat slots, waiting cases) into a Route snapshot."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.route import FloorSnapshot, QueueLoad
from baton.route.eta import PRIOR_HANDLE_SECONDS
from baton.store.tables import AgentRow, HandoffRow, QueueStatRow

CHAT = "chat"


def floor_snapshot(*, session: Session, policy: Policy) -> FloorSnapshot:
    """Per queue: online agents who serve it (with its skills), their chat slots, who waits."""
    agents = list(session.scalars(select(AgentRow).where(AgentRow.presence == "online")))
    busy = dict(
        session.execute(
            select(HandoffRow.agent_id, func.count())
            .where(
                HandoffRow.status.in_([HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value]),
                func.coalesce(HandoffRow.channel, CHAT) == CHAT,
            )
            .group_by(HandoffRow.agent_id)
        ).all()
    )
    waiting = dict(
        session.execute(
            select(HandoffRow.queue, func.count())
            .where(HandoffRow.status == HandoffStatus.QUEUED.value)
            .group_by(HandoffRow.queue)
        ).all()
    )
    stats = {row.queue: row for row in session.scalars(select(QueueStatRow))}
    loads: dict[str, QueueLoad] = {}
    for queue in policy.queues:
        needs = set(queue.skills)
        serving = [
            a for a in agents if queue.name in (a.queues or []) and needs <= set(a.skills or [])
        ]
        slots = {a.id: int((a.channel_capacity or {}).get(CHAT, a.capacity)) for a in serving}
        stat = stats.get(queue.name)
        loads[queue.name] = QueueLoad(
            agents_online=len(serving),
            servers=sum(slots.values()),
            free_slots=sum(max(0, slots[a.id] - busy.get(a.id, 0)) for a in serving),
            waiting=waiting.get(queue.name, 0),
            arrivals_per_hour=stat.arrivals_per_hour if stat else 0.0,
            mean_handle_seconds=stat.mean_handle_seconds if stat else PRIOR_HANDLE_SECONDS,
        )
    return FloorSnapshot(queues=loads)

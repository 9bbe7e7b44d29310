"""Read the live floor (agents online, free capacity, waiting cases) into a Route snapshot."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.route import FloorSnapshot, QueueLoad
from baton.store.tables import AgentRow, HandoffRow, QueueStatRow


def floor_snapshot(*, session: Session, policy: Policy) -> FloorSnapshot:
    agents = list(session.scalars(select(AgentRow).where(AgentRow.presence == "online")))
    busy = dict(
        session.execute(
            select(HandoffRow.agent_id, func.count())
            .where(
                HandoffRow.status.in_([HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value])
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
        serving = [a for a in agents if queue.name in (a.queues or [])]
        free = sum(max(0, a.capacity - busy.get(a.id, 0)) for a in serving)
        stat = stats.get(queue.name)
        loads[queue.name] = QueueLoad(
            agents_online=len(serving),
            free_slots=free,
            waiting=waiting.get(queue.name, 0),
            arrivals_per_hour=stat.arrivals_per_hour if stat else 0.0,
            mean_handle_seconds=stat.mean_handle_seconds if stat else 600.0,
        )
    return FloorSnapshot(queues=loads)

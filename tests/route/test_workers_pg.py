"""Two `baton worker` processes on one PostgreSQL database: 1,000 cases, 50 agents of capacity 1-5.

This process plays the agents (accept each offer, then resolve it, freeing the slot) until every
case is resolved. The verdict comes from the recorded event history alone: every case assigned
exactly once, never more cases open on an agent than the agent's capacity, no case lost.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from baton.desk.service import accept
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import default_policy
from baton.store import repositories as repo
from baton.store.db import SessionFactory, make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import AgentRow, ConversationRow, HandoffEventRow, HandoffRow
from tests.route.workers import needs_pg, pg_schema, start_worker, stop, wait_for

CASES, AGENTS = 1000, 50


def seed(factory: SessionFactory, now: datetime) -> dict[str, int]:
    rng = random.Random(5)
    policy = default_policy()
    queues = [q.name for q in policy.queues]
    skills = sorted({s for q in policy.queues for s in q.skills})
    capacity = {f"ag_{i:02d}": rng.randint(1, 5) for i in range(AGENTS)}
    with session_scope(factory) as session:
        session.execute(
            insert(AgentRow),
            [
                {
                    "id": agent_id,
                    "email": f"{agent_id}@example.test",
                    "name": agent_id,
                    "presence": "online",
                    "capacity": cap,
                    "channel_capacity": {},
                    "skills": skills,
                    "queues": queues,
                    "created_at": now,
                }
                for agent_id, cap in capacity.items()
            ],
        )
        session.execute(
            insert(ConversationRow),
            [
                {
                    "id": f"c{i}",
                    "meta": {},
                    "state": {},
                    "turn_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(CASES)
            ],
        )
        session.execute(
            insert(HandoffRow),
            [
                {
                    "id": f"ho_{i:05d}",
                    "conversation_id": f"c{i}",
                    "status": "queued",
                    "queue": queues[i % len(queues)],
                    "priority": rng.randint(0, 100),
                    "channel": "chat",
                    "reasons": [],
                    "brief": {},
                    "routing": {},
                    "queue_key": (now + timedelta(milliseconds=i)).timestamp(),
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(CASES)
            ],
        )
    return capacity


def play_agents(session: Session, now: datetime) -> int:
    """Accept every pending offer and resolve every case accepted before; returns resolved."""
    active = session.scalars(
        select(HandoffRow).where(HandoffRow.status == HandoffStatus.ACTIVE.value)
    ).all()
    for handoff in active:
        repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.RESOLVED, at=now)
        repo.record_event(
            session=session,
            handoff=handoff,
            type_=EventType.RESOLVED,
            at=now,
            actor=handoff.agent_id,
        )
    offered = session.execute(
        select(HandoffRow.id, HandoffRow.agent_id).where(
            HandoffRow.status == HandoffStatus.ASSIGNED.value
        )
    ).all()
    for handoff_id, agent_id in offered:
        agent = session.get(AgentRow, agent_id)
        assert agent is not None
        accept(session=session, handoff_id=handoff_id, agent=agent, now=now)
    return len(active)


def peak_load(events: list[HandoffEventRow]) -> dict[str, int]:
    """Replay the log in commit-consistent id order: +1 on assigned, -1 on resolved/released."""
    owner: dict[str, str] = {}
    open_now: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    for event in events:
        if event.type == EventType.ASSIGNED.value:
            agent = event.data["agent_id"]
            owner[event.handoff_id] = agent
            open_now[agent] += 1
            peak[agent] = max(peak[agent], open_now[agent])
        elif event.type in (EventType.RESOLVED.value, EventType.RELEASED.value):
            open_now[owner.pop(event.handoff_id)] -= 1
    return dict(peak)


@pytest.mark.slow
@pytest.mark.pg
@needs_pg
def test_two_workers_assign_every_case_once_within_capacity(tmp_path: Path) -> None:
    with pg_schema() as (url, _schema):
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)
        capacity = seed(factory, datetime.now(UTC))
        workers = [
            start_worker(url, name, tmp_path / f"{name}.log", "--poll", "0.02", "--batch", "20")
            for name in ("w1", "w2")
        ]
        resolved = 0

        def all_resolved() -> bool:
            nonlocal resolved
            assert all(w.poll() is None for w in workers), "a worker died"
            with session_scope(factory) as session:
                resolved += play_agents(session, datetime.now(UTC))
            return resolved >= CASES

        try:
            # A bound on a hang, not a timing: 1,000 cases take ~10 s idle, minutes on a loaded box.
            wait_for(all_resolved, timeout=240, what="every case to be resolved")
        finally:
            for w in workers:
                stop(w)
        with session_scope(factory) as session:
            events = list(session.scalars(select(HandoffEventRow).order_by(HandoffEventRow.id)))
            statuses = dict(
                session.execute(
                    select(HandoffRow.status, func.count()).group_by(HandoffRow.status)
                ).all()
            )
        engine.dispose()

    assigned = Counter(e.handoff_id for e in events if e.type == EventType.ASSIGNED.value)
    assert len(assigned) == CASES and set(assigned.values()) == {1}, "assigned exactly once"
    assert not [e for e in events if e.type == EventType.RELEASED.value]
    peak = peak_load(events)
    over = {a: (peak[a], capacity[a]) for a in peak if peak[a] > capacity[a]}
    assert not over, f"agents over capacity: {over}"
    assert statuses == {"resolved": CASES}, "no case lost"
    by_case: dict[str, list[str]] = defaultdict(list)
    for e in events:
        by_case[e.handoff_id].append(e.type)
    assert {tuple(v) for v in by_case.values()} == {("assigned", "accepted", "resolved")}
    by_worker = Counter(e.actor for e in events if e.type == EventType.ASSIGNED.value)
    assert set(by_worker) == {"w1", "w2"}, f"both workers assigned: {dict(by_worker)}"
    assert max(peak.values()) >= 2  # the floor was busy, not one case at a time
    full = sum(1 for a in peak if peak[a] == capacity[a])
    print(
        f"\n{CASES} cases assigned once each by {dict(by_worker)}; "
        f"{full}/{AGENTS} agents reached their capacity, none exceeded it"
    )

"""kill -9 `baton worker` processes in the middle of assignment transactions on PostgreSQL, and
PostgreSQL stopped and started under them.

600 queued cases, 20 online agents with room for 800. Two workers assign; each is caught inside
an assignment transaction (its offers and case updates written, its events being inserted) and
killed there, one after the other; two fresh workers finish the job. The verdict comes from the
recorded history: one `assigned` event, one offer and one `handoff.assigned` outbox row per
case, nothing the killed transactions wrote, no agent over capacity, every case assigned.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, func, select

from baton.cli.bench_route import seed as bench_seed
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import default_policy
from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import (
    HandoffEventRow,
    HandoffRow,
    OfferRow,
    OutboxRow,
)
from tests.faults.conftest import PrivateCluster
from tests.faults.workers import (
    desk_worker,
    kill_two_then_finish,
    stop,
    wait_for,
)

CASES, AGENTS, CAPACITY = 600, 20, 40
UNREACHABLE = "database busy or unreachable"


def seed(engine: Engine, now: datetime) -> None:
    """Queued cases over every queue of the default policy; agents with room for them all."""
    bench_seed(engine, default_policy(), cases=CASES, agents=AGENTS, now=now, capacity=CAPACITY)


def assigned_by(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(HandoffEventRow.actor, func.count())
            .where(HandoffEventRow.type == EventType.ASSIGNED.value)
            .group_by(HandoffEventRow.actor)
        ).all()
    return Counter({str(actor): int(n) for actor, n in rows})


def test_kill_9_workers_mid_assignment_loses_and_doubles_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    seed(engine, datetime.now(UTC))
    run = kill_two_then_finish(
        engine,
        pg_url,
        tmp_path,
        partial(assigned_by, engine),
        total=CASES,
        what="an assignment transaction",
        fresh_args=("--batch", "10"),
    )

    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        events = session.scalars(select(HandoffEventRow).order_by(HandoffEventRow.id)).all()
        offers = session.scalars(select(OfferRow)).all()
        notices = session.scalars(
            select(OutboxRow).where(OutboxRow.topic == "handoff.assigned")
        ).all()
        handoffs = {h.id: h for h in session.scalars(select(HandoffRow))}
    engine.dispose()

    assigned = [e for e in events if e.type == EventType.ASSIGNED.value]
    per_case = Counter(e.handoff_id for e in assigned)
    assert set(per_case) == set(handoffs), "a case was never assigned"
    assert set(per_case.values()) == {1}, "a case was assigned twice"
    assert {e.type for e in events} == {EventType.ASSIGNED.value}, "nothing was released"
    assert Counter(o.handoff_id for o in offers) == per_case, "one offer per case"
    assert Counter(n.payload["handoff_id"] for n in notices) == per_case, "one webhook per case"
    owner = {e.handoff_id: e.data["agent_id"] for e in assigned}
    for offer in offers:
        assert offer.state == "pending" and offer.agent_id == owner[offer.handoff_id]
    for handoff in handoffs.values():
        assert handoff.status == HandoffStatus.ASSIGNED.value
        assert handoff.agent_id == owner[handoff.id]
    load = Counter(owner.values())
    assert max(load.values()) <= CAPACITY, f"an agent over capacity: {load}"
    by_actor = Counter(e.actor for e in assigned)
    run.assert_killed_left_nothing(by_actor, CASES)
    print(f"\n{CASES} cases assigned once each: {dict(by_actor)}")


def test_postgres_restart_mid_assignment_loses_and_doubles_nothing(
    private_pg: PrivateCluster, tmp_path: Path
) -> None:
    """Two workers assigning when PostgreSQL goes down; both keep retrying and finish after."""
    url = private_pg.database_url("assignment_restart")
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, datetime.now(UTC))
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [desk_worker(url, f"w{i}", log, "--batch", "5") for i, log in enumerate(logs, 1)]
    try:
        wait_for(
            lambda: sum(assigned_by(engine).values()) >= CASES // 6,
            timeout=60,
            what="assignment to be under way",
            alive=workers,
            logs=logs,
        )
        private_pg.stop()
        try:
            wait_for(
                lambda: all(UNREACHABLE in log.read_text() for log in logs),
                timeout=30,
                what="both workers to hit the outage",
                alive=workers,
                logs=logs,
            )
        finally:
            private_pg.start()
        engine.dispose()  # the pool's connections died with the server
        wait_for(
            lambda: sum(assigned_by(engine).values()) >= CASES,
            timeout=60,
            what="every case assigned",
            alive=workers,
            logs=logs,
        )
    finally:
        for process in workers:
            stop(process)
    with engine.connect() as conn:
        per_case = Counter(
            conn.scalars(
                select(HandoffEventRow.handoff_id).where(
                    HandoffEventRow.type == EventType.ASSIGNED.value
                )
            )
        )
        offers = Counter(conn.scalars(select(OfferRow.handoff_id)))
        queued = conn.scalar(
            select(func.count())
            .select_from(HandoffRow)
            .where(HandoffRow.status != HandoffStatus.ASSIGNED.value)
        )
    engine.dispose()
    assert len(per_case) == CASES and set(per_case.values()) == {1}, "each case assigned once"
    assert offers == per_case and queued == 0
    assert all(p.returncode == 0 for p in workers), "a worker did not survive the outage"

"""`baton bench route`: push-assignment throughput on SQLite and PostgreSQL.

Seeds queued cases and online agents with enough capacity for all of them, then runs the
worker's assignment transactions until every case is offered, and checks the event log: every
case assigned exactly once, no agent over capacity.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from baton.cli.common import console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from baton.policy import Policy


@dataclass(frozen=True, slots=True)
class RouteBench:
    engine: str
    cases: int
    agents: int
    seconds: float
    assigned: int
    max_per_case: int
    over_capacity: int

    @property
    def rate(self) -> float:
        return self.assigned / self.seconds if self.seconds else 0.0


def seed(
    engine: Engine,
    policy: Policy,
    *,
    cases: int,
    agents: int,
    now: datetime,
    capacity: int | None = None,
) -> None:
    """Queued cases spread over the policy's queues, and online agents who serve every queue,
    each with room for `capacity` cases (by default just enough, together, for all of them)."""
    from sqlalchemy import insert

    from baton.lifecycle import HandoffStatus
    from baton.store.tables import AgentRow, ConversationRow, HandoffRow

    queues = [q.name for q in policy.queues]
    skills = sorted({s for q in policy.queues for s in q.skills})
    capacity = capacity or -(-cases // agents)
    with engine.begin() as conn:
        conn.execute(
            insert(AgentRow),
            [
                {
                    "id": f"ag_{i:04d}",
                    "email": f"agent{i}@bench.invalid",
                    "name": f"Agent {i}",
                    "role": "agent",
                    "presence": "online",
                    "capacity": capacity,
                    "channel_capacity": {},
                    "skills": skills,
                    "queues": queues,
                    "created_at": now,
                }
                for i in range(agents)
            ],
        )
        conn.execute(
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
                for i in range(cases)
            ],
        )
        conn.execute(
            insert(HandoffRow),
            [
                {
                    "id": f"ho_{i:08d}",
                    "conversation_id": f"c{i}",
                    "status": HandoffStatus.QUEUED.value,
                    "queue": queues[i % len(queues)],
                    "priority": (i * 37) % 101,
                    "channel": "chat",
                    "reasons": [],
                    "brief": {},
                    "routing": {},
                    "queue_key": (now - timedelta(seconds=i)).timestamp() - ((i * 37) % 101) * 30,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(cases)
            ],
        )


def measure(url: str, label: str, *, cases: int, agents: int, batch: int) -> RouteBench:
    """Seed a fresh store at `url`, assign everything, time it and check the history."""
    from sqlalchemy import func, select

    from baton.desk.assign import assign_batch
    from baton.lifecycle import EventType
    from baton.policy import default_policy
    from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
    from baton.store.tables import DEFAULT_TENANT, AgentRow, HandoffEventRow, HandoffRow

    policy = default_policy()
    engine = make_engine(url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        seed(engine, policy, cases=cases, agents=agents, now=now)
        factory = make_session_factory(engine)
        assigned, started = 0, time.perf_counter()
        while assigned < cases:
            with session_scope(factory) as session:
                made = assign_batch(
                    session=session,
                    tenant_id=DEFAULT_TENANT,
                    policy=policy,
                    now=now,
                    limit=batch,
                )
            if not made:
                break
            assigned += len(made)
        seconds = time.perf_counter() - started
        with session_scope(factory) as session:
            per_case = Counter(
                session.scalars(
                    select(HandoffEventRow.handoff_id).where(
                        HandoffEventRow.type == EventType.ASSIGNED.value
                    )
                )
            )
            capacity = dict(session.execute(select(AgentRow.id, AgentRow.capacity)).all())
            per_agent = session.execute(
                select(HandoffRow.agent_id, func.count()).group_by(HandoffRow.agent_id)
            ).all()
        over = sum(1 for agent, n in per_agent if agent and n > capacity[agent])
        return RouteBench(
            label,
            cases,
            agents,
            seconds,
            sum(per_case.values()),
            max(per_case.values(), default=0),
            over,
        )
    finally:
        engine.dispose()


def _pg_schema_url(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    from baton.config import Settings

    schema = "bench_" + uuid.uuid4().hex[:10]
    url = Settings(database_url=base).database_url
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}", schema


def _drop_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from baton.config import Settings

    admin = create_engine(Settings(database_url=base).database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def route(
    cases: int = typer.Option(5000, min=1, help="queued cases to assign"),
    agents: int = typer.Option(50, min=1, help="online agents, capacity enough for every case"),
    batch: int = typer.Option(200, min=1, help="cases per assignment transaction"),
    pg: str | None = typer.Option(
        None,
        envvar="BATON_TEST_DATABASE_URL",
        help="a PostgreSQL URL to measure too (a scratch schema is created and dropped)",
    ),
) -> None:
    """Assignments per second on SQLite and PostgreSQL, checked on the event log."""
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        results.append(measure(sqlite_url, "sqlite", cases=cases, agents=agents, batch=batch))
    if pg:
        url, schema = _pg_schema_url(pg)
        try:
            results.append(measure(url, "postgresql", cases=cases, agents=agents, batch=batch))
        finally:
            _drop_schema(pg, schema)
    table = Table(title="baton bench route: push assignment")
    for column in ("engine", "cases", "agents", "batch", "seconds", "assignments/s", "check"):
        table.add_column(column, justify="right")
    for r in results:
        ok = r.assigned == r.cases and r.max_per_case == 1 and r.over_capacity == 0
        table.add_row(
            r.engine,
            str(r.cases),
            str(r.agents),
            str(batch),
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            "ok" if ok else "FAILED",
        )
    console.print(table)
    if not pg:
        console.print("PostgreSQL skipped: pass --pg URL or set BATON_TEST_DATABASE_URL.")

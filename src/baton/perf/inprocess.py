"""A turn's own cost, in process: statements at the DBAPI cursor and CPU, by kind of turn.

Unlike the figures through uvicorn, these do not depend on how loaded the machine is: the count
of statements is exact, and CPU is this thread's own time. The turns are the ingest bench's mix
(`baton.perf.ingest`): ten-turn conversations where one turn in eight asks for a person.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event

from baton.domain import BotSignal, Customer, Role, Turn
from baton.engine import Runtime, process_turn
from baton.store import repositories as repo
from baton.store.db import make_session_factory, session_scope
from baton.store.tables import DEFAULT_TENANT

PLAIN, OPEN_CASE, OPENING = "plain", "open_case", "opening"
KINDS = (PLAIN, OPEN_CASE, OPENING)


@dataclass
class StatementCounter:
    """Counts statements sent to the database driver (`before_cursor_execute`), BEGIN and
    COMMIT excluded: SQLAlchemy sends those through the connection, not a cursor."""

    engine: Engine
    count: int = 0

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


@dataclass
class TurnCosts:
    """Per kind of turn: how many turns, their statements and CPU seconds in total."""

    turns: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statements: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cpu_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def per_turn(self) -> dict[str, dict[str, float]]:
        """Statements and CPU ms per turn, by kind, and over the whole mix (`all`)."""
        out: dict[str, dict[str, float]] = {}
        for kind in (*KINDS, "all"):
            kinds = KINDS if kind == "all" else (kind,)
            n = sum(self.turns[k] for k in kinds)
            if not n:
                continue
            out[kind] = {
                "turns": n,
                "statements": round(sum(self.statements[k] for k in kinds) / n, 2),
                "cpu_ms": round(sum(self.cpu_seconds[k] for k in kinds) * 1000 / n, 3),
            }
        return out


def turn_kind(before_open: bool, opened: bool) -> str:
    """A turn reaching an open case, one that opens a case, or a plain one."""
    if before_open:
        return OPEN_CASE
    return OPENING if opened else PLAIN


def bench_turn(index: int, now: datetime) -> tuple[str, Turn, Customer]:
    """The ingest bench's i-th turn: its conversation, the turn and the customer."""
    from baton.perf.ingest import TEXTS, TURNS_PER_CONVERSATION

    conversation = f"p-{index // TURNS_PER_CONVERSATION}"
    text, confidence = TEXTS[index % len(TEXTS)]
    turn = Turn(
        turn_id=f"t-{index}",
        role=Role.USER,
        text=text,
        sent_at=now,
        bot=BotSignal(confidence=confidence, intent="faq"),
        metadata={"page": "/help", "locale": "en"},
    )
    customer = Customer(id=f"cust-{index // TURNS_PER_CONVERSATION}", tier="standard")
    return conversation, turn, customer


def measure_turns(
    engine: Engine, runtime: Runtime, *, turns: int, warmup: int = 50
) -> dict[str, dict[str, float]]:
    """Run `warmup` then `turns` turns through `process_turn`, one unit of work each; per kind.

    Counts what a turn costs inside the engine and its commit: not the key check and rate limit,
    which the route does (from caches, at the bench's limits)."""
    factory = make_session_factory(engine)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    costs = TurnCosts()
    for index in range(warmup + turns):
        conversation_id, turn, customer = bench_turn(index, start)
        now = start + timedelta(milliseconds=index)
        with session_scope(factory) as session:
            before_open = (
                repo.get_open_handoff_row(
                    session=session, tenant_id=DEFAULT_TENANT, conversation_id=conversation_id
                )
                is not None
            )
        with StatementCounter(engine) as counter:
            cpu = time.thread_time()
            with session_scope(factory) as session:
                result = process_turn(
                    session,
                    runtime=runtime,
                    tenant_id=DEFAULT_TENANT,
                    conversation_id=conversation_id,
                    turn=turn,
                    customer=customer,
                    now=now,
                )
            cpu = time.thread_time() - cpu
        if index < warmup:
            continue
        kind = turn_kind(before_open, result.handoff is not None and not before_open)
        costs.turns[kind] += 1
        costs.statements[kind] += counter.count
        costs.cpu_seconds[kind] += cpu
    return costs.per_turn()

"""A bulk synthetic history for the analytics benchmark: a million handoffs, loaded fast.

Everything here is labelled synthetic (ids start with `bench-`, conversations carry
`{"synthetic": true}`). The facts are derived with the same `derive_fact` the live refresh uses,
from the same generated events, so the benchmark measures the real query path. Rows go in with
Core `executemany` on SQLite and `COPY` on PostgreSQL.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Table, func, insert, select, text, update
from sqlalchemy.orm import Session

from baton.learn.facts import EventView, Fact, HandoffView, derive_fact
from baton.learn.rollup import WATERMARK, rebuild_daily
from baton.store.tables import (
    DEFAULT_TENANT,
    ConversationRow,
    HandoffEventRow,
    HandoffFactRow,
    HandoffRow,
    WatermarkRow,
)

QUEUES = ("support", "billing", "account", "security", "sales")
QUEUE_WEIGHTS = (40, 20, 15, 10, 15)
REASONS = (
    "human_requested",
    "low_confidence",
    "repeated_failure",
    "policy_restricted",
    "identity_required",
    "high_value_intent",
    "negative_sentiment",
    "urgent",
)
REASON_WEIGHTS = (30, 20, 8, 12, 10, 8, 7, 5)
REPLIES = (
    "Thanks for waiting, I'm looking at this now.",
    "I've checked and it's sorted; you'll see it within a day.",
    "Could you send me your order number?",
    "What's your email address?",
)
SYNTHETIC = {"synthetic": True}


@dataclass
class Chunk:
    conversations: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


class Generator:
    """Deterministic handoff histories spread evenly over `days` from `start`, in time order
    (as a live store fills up, which keeps the time indexes append-only while loading)."""

    def __init__(
        self,
        *,
        seed: int,
        start: datetime,
        days: float,
        total: int,
        first_event_id: int = 1,
        prefix: str = "bench",
    ) -> None:
        self.prefix = prefix
        self.rng = random.Random(seed)
        self.start = start
        self.gap = days * 86400 / max(1, total)
        self.next_event_id = first_event_id

    def chunk(self, first: int, count: int, deflected_ratio: float = 0.5) -> Chunk:
        """Handoffs number `first` to `first + count - 1` (numbers count from the start)."""
        out = Chunk()
        for i in range(first, first + count):
            self._handoff(out, i)
            if self.rng.random() < deflected_ratio:
                at = self.start + timedelta(seconds=(i + self.rng.random()) * self.gap)
                out.conversations.append(_conversation(f"{self.prefix}-d{i:07d}", at))
        return out

    def _events(self, at: datetime, queue: str) -> tuple[list[tuple[str, float, Any]], str]:
        """A plausible lifecycle, as (type, seconds after `at`, data), and the final status."""
        r = self.rng
        steps: list[tuple[str, float, Any]] = []
        if r.random() < 0.12:
            steps.append(("offered", 0.0, {}))
            if r.random() < 0.3:
                return [*steps, ("declined", 20.0, {})], "declined"
        t = 30.0 if steps else 0.0
        steps.append(("created", t, {"queue": queue}))
        if r.random() < 0.07:
            return [*steps, ("abandoned", t + r.expovariate(1 / 900), {})], "abandoned"
        t += r.expovariate(1 / (600 if queue != "security" else 90))
        steps.append(("accepted", t, {}))
        for _ in range(r.choice((1, 1, 2))):
            t += r.expovariate(1 / 240)
            steps.append(("replied", t, {"text": r.choice(REPLIES)}))
        if r.random() < 0.03:
            steps.append(("transferred", t + 1, {"to": "support"}))
        t += r.expovariate(1 / 900)
        steps.append(("resolved", t, {}))
        if r.random() < 0.8:
            steps.append(("labelled", t + 1, {"necessary": r.random() < 0.85}))
        if r.random() < 0.3:
            steps.append(("csat", t + 60, {"score": r.choice((1, 3, 4, 4, 5, 5))}))
        return steps, "resolved"

    def _handoff(self, out: Chunk, i: int) -> None:
        r = self.rng
        at = self.start + timedelta(seconds=(i + r.random()) * self.gap)
        hid, cid = f"{self.prefix}-h{i:07d}", f"{self.prefix}-c{i:07d}"
        queue = r.choices(QUEUES, QUEUE_WEIGHTS)[0]
        reason = r.choices(REASONS, REASON_WEIGHTS)[0]
        channel = (
            "meeting" if queue == "sales" and r.random() < 0.4 else r.choice(("chat", "email"))
        )
        steps, status = self._events(at, queue)
        data = {k: v for _, _, d in steps for k, v in d.items() if k in ("necessary", "score")}
        outcome = None
        if status == "resolved":
            booked = queue == "sales" and r.random() < 0.5
            outcome = "meeting_booked" if booked else r.choice(("solved", "kb_answer", "solved"))
        view = HandoffView(
            id=hid,
            conversation_id=cid,
            queue=queue,
            primary_reason=reason,
            channel=None if status == "declined" else channel,
            identifiers=(("email", f"c{i}@example.com"),),
            first_response_due=at + timedelta(minutes=60),
            necessary=data.get("necessary"),
            csat=data.get("score"),
            outcome=outcome,
        )
        events = [
            EventView(id=self.next_event_id + n, type=kind, at=at + timedelta(seconds=t), data=d)
            for n, (kind, t, d) in enumerate(steps)
        ]
        self.next_event_id += len(events)
        out.conversations.append(_conversation(cid, at - timedelta(seconds=30)))
        out.handoffs.append(_handoff_row(view, status, at, events[-1].at, reason))
        out.events.extend(
            {"id": e.id, "handoff_id": hid, "type": e.type, "at": e.at, "actor": None, "data": d}
            for e, (_, _, d) in zip(events, steps, strict=True)
        )
        fact = derive_fact(view, events)
        if fact is not None:
            out.facts.append(fact)


def _conversation(cid: str, at: datetime) -> dict[str, Any]:
    return {
        "id": cid,
        "customer": None,
        "channel": "web",
        "metadata": SYNTHETIC,
        "state": {},
        "turn_count": 0,
        "created_at": at,
        "updated_at": at,
        "episode": 1,
        "episode_start_seq": 0,
        "bot_active": True,
    }


def _handoff_row(
    view: HandoffView, status: str, at: datetime, last: datetime, reason: str
) -> dict[str, Any]:
    return {
        "id": view.id,
        "conversation_id": view.conversation_id,
        "status": status,
        "queue": view.queue,
        "priority": 50,
        "channel": view.channel,
        "reasons": [{"code": reason, "score": 1.0, "evidence": "synthetic", "action": "handoff"}],
        "primary_reason": reason,
        "brief": {"identifiers": [{"kind": k, "value": v} for k, v in view.identifiers]},
        "routing": {},
        "agent_id": None,
        "first_response_due": view.first_response_due,
        "resolution_due": None,
        "resolution_code": view.outcome,
        "outcome": view.outcome,
        "necessary": view.necessary,
        "csat": view.csat,
        "created_at": at,
        "updated_at": last,
        "episode": 1,
    }


def _copy_rows(table: Table, rows: Sequence[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    json_columns = {c.name for c in table.columns if "JSON" in type(c.type).__name__.upper()}
    names = [c.name for c in table.columns]
    for row in rows:
        # COPY sends every column: an absent tenant is the default one, as the column's default.
        full = {"tenant_id": DEFAULT_TENANT, **row} if "tenant_id" in names else row
        yield tuple(
            json.dumps(full.get(n))
            if n in json_columns and full.get(n) is not None
            else full.get(n)
            for n in names
        )


def load(engine: Engine, chunk: Chunk) -> None:
    """Insert one chunk in one transaction: COPY on PostgreSQL, executemany elsewhere."""
    batches: list[tuple[Table, list[dict[str, Any]]]] = [
        (ConversationRow.__table__, chunk.conversations),  # type: ignore[list-item]
        (HandoffRow.__table__, chunk.handoffs),  # type: ignore[list-item]
        (HandoffEventRow.__table__, chunk.events),  # type: ignore[list-item]
        (HandoffFactRow.__table__, [f.as_row() for f in chunk.facts]),  # type: ignore[list-item]
    ]
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            for table, rows in batches:
                if rows:
                    conn.execute(insert(table), rows)
        return
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        with driver.cursor() as cursor:
            for table, rows in batches:
                columns = ", ".join(c.name for c in table.columns)
                with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for values in _copy_rows(table, rows):
                        copy.write_row(values)
        raw.commit()
    finally:
        raw.close()


LOADED_TABLES = ("conversations", "handoffs", "handoff_events", "handoff_facts", "kpi_daily")


def finish(*, session: Session, now: datetime) -> int:
    """After a bulk load: sum the days and move the watermark past the loaded events."""
    top = int(session.scalar(select(func.max(HandoffEventRow.id))) or 0)
    rebuild_daily(session=session, days=None)
    session.execute(
        update(WatermarkRow)
        .where(WatermarkRow.name == WATERMARK)
        .values(event_id=top, updated_at=now)
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('handoff_events', 'id'), :top)"),
            {"top": max(top, 1)},
        )
    return top

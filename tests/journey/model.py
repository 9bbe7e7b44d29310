"""The reference model of the lifecycle, and the checks that hold it against the real store.

The model is written from the issue and the docs, not from the code: its own table of legal
moves, its own reading of which event moves a handoff where, and KPIs counted straight from the
raw rows (not through `baton.learn`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.policy import Policy
from baton.store.tables import (
    AgentRow,
    ConsoleConnectionRow,
    ConversationRow,
    EpisodeRow,
    HandoffEventRow,
    HandoffRow,
    OfferRow,
    SlaTimerRow,
)

OPEN = frozenset({"offered", "queued", "assigned", "active"})
CASE = frozenset({"queued", "assigned", "active"})
FINAL = frozenset({"declined", "resolved", "abandoned"})

# Which state each event puts a handoff in; events absent here leave the state alone.
MOVES: dict[str, str] = {
    "offered": "offered",
    "declined": "declined",
    "created": "queued",
    "assigned": "assigned",
    "released": "queued",
    "accepted": "active",
    "transferred": "queued",
    "reassigned": "queued",
    "resolved": "resolved",
    "abandoned": "abandoned",
}
LEGAL: dict[str | None, frozenset[str]] = {
    None: frozenset({"offered", "queued"}),
    "offered": frozenset({"queued", "declined", "abandoned"}),
    "queued": frozenset({"queued", "assigned", "abandoned", "resolved"}),
    "assigned": frozenset({"active", "queued", "abandoned", "resolved"}),
    "active": frozenset({"queued", "resolved", "abandoned"}),
    "declined": frozenset(),
    "resolved": frozenset(),
    "abandoned": frozenset(),
}


@dataclass
class ConversationModel:
    id: str
    episode: int = 0
    handed_back: bool = False
    open_case: str | None = None
    handoffs: list[str] = field(default_factory=list)
    episode_turns: list[str] = field(default_factory=list)

    def begin_turn(self, turn_id: str) -> bool:
        """A turn arrives; True when it opens a new episode."""
        fresh = self.episode == 0 or self.handed_back
        if fresh:
            self.episode += 1
            self.handed_back = False
            self.episode_turns = []
        self.episode_turns.append(turn_id)
        return fresh

    def hand_back(self) -> None:
        self.open_case = None
        self.handed_back = True


@dataclass
class CaseModel:
    id: str
    conversation: str
    status: str
    episode: int
    agent: str | None = None


def walk(events: list[str]) -> str:
    """The state the event log ends in; fails on a move the table does not allow."""
    state: str | None = None
    for kind in events:
        target = MOVES.get(kind)
        if target is None:
            continue
        assert target in LEGAL[state], f"illegal move {state} -> {target} in {events}"
        state = target
    assert state is not None, f"no state-changing event in {events}"
    return state


def check_store(session: Session) -> None:
    """Invariants that need no model: event logs, one holder per case, capacity."""
    logs: dict[str, list[str]] = defaultdict(list)
    for handoff_id, kind in session.execute(
        select(HandoffEventRow.handoff_id, HandoffEventRow.type).order_by(HandoffEventRow.id)
    ):
        logs[handoff_id].append(kind)
    per_conversation: dict[str, int] = defaultdict(int)
    loads: dict[tuple[str, str], int] = defaultdict(int)
    for h in session.scalars(select(HandoffRow)):
        assert walk(logs[h.id]) == h.status, (h.id, h.status, logs[h.id])
        if h.status in OPEN:
            per_conversation[h.conversation_id] += 1
        if h.status in ("assigned", "active"):
            assert h.agent_id is not None, h.id
            loads[(h.agent_id, h.channel or "chat")] += 1
        if h.status in CASE:
            live = session.scalars(
                select(SlaTimerRow.kind).where(
                    SlaTimerRow.handoff_id == h.id, SlaTimerRow.state.in_(("running", "paused"))
                )
            ).all()
            assert "resolution" in live, f"case {h.id} ({h.status}) has no SLA clock: {live}"
    assert all(n <= 1 for n in per_conversation.values()), dict(per_conversation)
    for agent in session.scalars(select(AgentRow)):
        caps = agent.channel_capacity or {}
        for (agent_id, channel), n in loads.items():
            if agent_id == agent.id:
                assert n <= int(caps.get(channel, agent.capacity)), (agent.id, channel, n)
    pending: dict[str, list[str]] = defaultdict(list)
    for handoff_id, agent_id in session.execute(
        select(OfferRow.handoff_id, OfferRow.agent_id).where(OfferRow.state == "pending")
    ):
        pending[handoff_id].append(agent_id)
    for handoff_id, holders in pending.items():
        row = session.get(HandoffRow, handoff_id)
        assert row is not None and len(holders) == 1, (handoff_id, holders)
        assert row.status == "assigned" and row.agent_id == holders[0], (handoff_id, row.status)


def independent_kpis(session: Session) -> dict[str, Any]:
    """Handoffs, reached, abandoned, completion, episodes and deflected, from the raw rows."""
    logs: dict[str, set[str]] = defaultdict(set)
    for handoff_id, kind in session.execute(
        select(HandoffEventRow.handoff_id, HandoffEventRow.type)
    ):
        logs[handoff_id].add(kind)
    handoffs = reached = abandoned = 0
    counted: set[tuple[str, int]] = set()
    for h in session.scalars(select(HandoffRow)):
        kinds = logs[h.id]
        was_case = "created" in kinds
        person = "accepted" in kinds or "replied" in kinds
        handoffs += was_case
        reached += person
        abandoned += was_case and not person and "abandoned" in kinds
        if was_case or h.status == "offered":
            counted.add((h.conversation_id, h.episode))
    episodes = {(c, 1) for c in session.scalars(select(ConversationRow.id))}
    episodes |= {(e.conversation_id, e.number) for e in session.scalars(select(EpisodeRow))}
    deflected = len(episodes - counted)
    return {
        "handoffs": handoffs,
        "reached": reached,
        "abandoned": abandoned,
        "completion_rate": round(reached / (reached + abandoned), 4)
        if reached + abandoned
        else None,
        "episodes": len(episodes),
        "deflected": deflected,
    }


def check_presence(session: Session, *, now: datetime, policy: Policy) -> None:
    """After a worker tick: nobody is online without a console past the disconnect time, nobody
    the worker set away still holds an unaccepted offer, and no accepted case has been silent
    past the re-offer time (each read from the raw rows, not through `baton.desk.presence`)."""
    life = policy.lifecycle
    open_consoles = set(
        session.scalars(
            select(ConsoleConnectionRow.agent_id).where(ConsoleConnectionRow.closed_at.is_(None))
        )
    )
    for agent in session.scalars(select(AgentRow)):
        if agent.presence == "online" and agent.id not in open_consoles:
            last = session.scalar(
                select(func.max(ConsoleConnectionRow.seen_at)).where(
                    ConsoleConnectionRow.agent_id == agent.id
                )
            )
            since = max(t for t in (agent.presence_at or agent.created_at, last) if t is not None)
            limit = life.away_after_disconnect_seconds
            assert limit is None or (now - since).total_seconds() < limit, (agent.id, since, now)
        if agent.presence == "away" and agent.away_cause is not None:
            held = session.scalars(
                select(OfferRow.handoff_id).where(
                    OfferRow.agent_id == agent.id, OfferRow.state == "pending"
                )
            ).all()
            assert not held, f"{agent.id} was set away ({agent.away_cause}) but still holds {held}"
    if life.reoffer_after_silent_seconds is None:
        return
    logs: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for handoff_id, kind, at in session.execute(
        select(HandoffEventRow.handoff_id, HandoffEventRow.type, HandoffEventRow.at).order_by(
            HandoffEventRow.id
        )
    ):
        logs[handoff_id].append((kind, at))
    for h in session.scalars(select(HandoffRow).where(HandoffRow.status == "active")):
        log = logs[h.id]
        took = max(i for i, (kind, _) in enumerate(log) if kind == "accepted")
        answered = any(kind == "replied" for kind, _ in log[took + 1 :])
        waited = (now - log[took][1]).total_seconds()
        assert answered or waited < life.reoffer_after_silent_seconds, (h.id, waited, log[-3:])

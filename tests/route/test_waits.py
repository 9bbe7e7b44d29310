"""The honest wait: handle times measured on resolve feed the ETA, and queued customers are told
their place and wait again when it changes (through the worker's tick, on both engines)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.service import Outcome, accept, resolve
from baton.desk.worker import tick
from baton.policy import Policy
from baton.route.eta import (
    PRIOR_HANDLE_SECONDS,
    place_changed,
    updated_handle_mean,
    wait_changed,
)
from baton.store.db import SessionFactory
from baton.store.floor import floor_snapshot
from baton.store.tables import AgentRow, ConversationEventRow, OutboxRow, QueueStatRow
from tests.factories.route import add_agent, add_case
from tests.route.conftest import NOW


def told(session: Session, conversation_id: str) -> list[dict[str, object]]:
    rows = session.scalars(
        select(ConversationEventRow)
        .where(
            ConversationEventRow.conversation_id == conversation_id,
            ConversationEventRow.type == "handoff.wait_updated",
        )
        .order_by(ConversationEventRow.id)
    )
    return [r.data for r in rows]


def test_resolved_cases_teach_the_queue_its_handle_time(session: Session, policy: Policy) -> None:
    agent = add_agent(session, agent_id="ann", queues=("support",), capacity=5, now=NOW)
    assert floor_snapshot(session=session, policy=policy).load("support").mean_handle_seconds == (
        PRIOR_HANDLE_SECONDS
    )
    expected = PRIOR_HANDLE_SECONDS
    for n, minutes in enumerate((4, 5, 6)):
        case = add_case(session, policy=policy, queue="support", now=NOW)
        accept(session=session, handoff_id=case.id, agent=agent, now=NOW)
        done = NOW + timedelta(minutes=minutes)
        resolve(session=session, handoff_id=case.id, agent=agent, policy=policy,
                code=policy.desk.resolution_codes[0], outcome=Outcome.RESOLVED,
                necessary=True, now=done)  # fmt: skip
        expected = updated_handle_mean(expected, n, minutes * 60)
    session.commit()
    stat = session.get(QueueStatRow, "support")
    assert stat is not None and stat.cases == 3
    assert stat.mean_handle_seconds == pytest.approx(expected)
    assert 300 < stat.mean_handle_seconds < PRIOR_HANDLE_SECONDS  # pulled toward ~5 minutes
    load = floor_snapshot(session=session, policy=policy).load("support")
    assert load.mean_handle_seconds == pytest.approx(expected)


def test_queued_customers_are_told_their_place_and_again_when_it_changes(
    session_factory: SessionFactory, policy: Policy
) -> None:
    with session_factory() as session:
        add_agent(session, agent_id="ann", queues=("support",), capacity=1, now=NOW)
        busy = add_case(session, policy=policy, queue="support", now=NOW)
        session.commit()
    tick(factory=session_factory, policy=policy, name="w", clock=lambda: NOW)  # ann takes it
    with session_factory() as session:
        waiting = [add_case(session, policy=policy, queue="support", now=NOW) for _ in range(3)]
        session.commit()
    later = NOW + timedelta(seconds=5)
    tick(factory=session_factory, policy=policy, name="w", clock=lambda: later)
    with session_factory() as session:
        first = [told(session, c.conversation_id) for c in waiting]
        assert [[t["position"] for t in said] for said in first] == [[1], [2], [3]]
        waits = [said[0]["expected_wait_seconds"] for said in first]
        assert waits == [600, 1200, 1800]  # one slot, the prior's 10-minute handle time
        assert "number 2 in the queue" in str(first[1][0]["message"])
        topics = session.scalars(select(OutboxRow.topic)).all()
        assert topics.count("handoff.wait_updated") == 3

    tick(factory=session_factory, policy=policy, name="w", clock=lambda: later)
    with session_factory() as session:
        assert [len(told(session, c.conversation_id)) for c in waiting] == [1, 1, 1]  # no news

        ann = session.get(AgentRow, "ann")
        assert ann is not None
        accept(session=session, handoff_id=busy.id, agent=ann, now=later)
        resolve(session=session, handoff_id=busy.id, agent=ann, policy=policy,
                code=policy.desk.resolution_codes[0], outcome=Outcome.RESOLVED,
                necessary=True, now=later)  # fmt: skip
        session.commit()
    moved = later + timedelta(seconds=1)
    tick(factory=session_factory, policy=policy, name="w", clock=lambda: moved)
    with session_factory() as session:
        latest = [told(session, c.conversation_id)[-1] for c in waiting[1:]]
        assert [t["position"] for t in latest] == [1, 2]  # the first went to ann; they moved up


def test_a_long_queue_is_told_when_the_news_is_material() -> None:
    assert place_changed(None, 40)  # the first time, always
    assert not place_changed(40, 39) and not place_changed(40, 33)
    assert place_changed(40, 32)  # a fifth of the way
    assert place_changed(6, 5) and place_changed(2, 1)  # near the front, every step
    assert not wait_changed(1200, 1170) and wait_changed(1200, 880)
    assert wait_changed(None, 600) and wait_changed(600, None) and not wait_changed(None, None)

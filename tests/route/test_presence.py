"""Presence that tells the truth and the re-offer of silent cases, through the worker's tick on a
controllable clock (both engines)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk import presence
from baton.desk.service import accept, reply
from baton.desk.worker import tick
from baton.policy import Policy
from baton.store.db import SessionFactory
from baton.store.tables import (
    DEFAULT_TENANT,
    AgentRow,
    ConsoleConnectionRow,
    ConversationEventRow,
    HandoffEventRow,
    HandoffRow,
    OutboxRow,
)
from tests.factories.route import add_agent, add_case
from tests.route.conftest import NOW


def _run(session: Session, factory: SessionFactory, policy: Policy, seconds: float) -> None:
    session.commit()  # the test's own reads end before the worker writes (SQLite)
    tick(factory=factory, policy=policy, name="w", clock=lambda: NOW + timedelta(seconds=seconds))


def _close_console(session: Session, agent_id: str, seconds: float) -> None:
    for row in session.scalars(
        select(ConsoleConnectionRow).where(ConsoleConnectionRow.agent_id == agent_id)
    ):
        presence.disconnect(
            session=session,
            tenant_id=DEFAULT_TENANT,
            connection_id=row.id,
            now=NOW + timedelta(seconds=seconds),
        )
    session.commit()


def _events(session: Session, handoff_id: str) -> list[tuple[str, dict[str, object]]]:
    rows = session.scalars(
        select(HandoffEventRow)
        .where(HandoffEventRow.handoff_id == handoff_id)
        .order_by(HandoffEventRow.id)
    )
    return [(e.type, dict(e.data)) for e in rows]


def test_a_closed_console_sets_the_agent_away_and_the_offer_moves_on(
    session: Session, session_factory: SessionFactory, policy: Policy
) -> None:
    life = policy.lifecycle.model_copy(update={"away_after_disconnect_seconds": 30})
    policy = policy.model_copy(update={"lifecycle": life})  # well within the offer's 60 s
    add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    session.commit()
    _run(session, session_factory, policy, 1)  # offered to ann
    add_agent(session, agent_id="bob", queues=("support",), now=NOW)
    session.commit()
    _close_console(session, "ann", 2)
    limit = policy.lifecycle.away_after_disconnect_seconds
    assert limit is not None
    _run(session, session_factory, policy, 2 + limit - 1)  # not yet
    session.expire_all()
    assert session.get(AgentRow, "ann").presence == "online"  # type: ignore[union-attr]
    _run(session, session_factory, policy, 2 + limit)
    session.expire_all()
    ann = session.get(AgentRow, "ann")
    assert ann is not None and (ann.presence, ann.away_cause) == ("away", "disconnected")
    row = session.get(HandoffRow, case.id)
    assert row is not None and (row.status, row.agent_id) == ("assigned", "bob")
    kinds = [(k, d.get("reason")) for k, d in _events(session, case.id)]
    assert ("released", "agent_disconnected") in kinds
    # Opening the console again puts her back online; a chosen away would have stayed away.
    presence.connect(
        session=session, tenant_id=DEFAULT_TENANT, agent_id="ann", now=NOW + timedelta(hours=1)
    )
    session.commit()
    assert (ann.presence, ann.away_cause) == ("online", None)


def test_an_idle_console_sets_the_agent_away_when_the_policy_says_so(
    session: Session, session_factory: SessionFactory, policy: Policy
) -> None:
    idle = policy.model_copy(
        update={"lifecycle": policy.lifecycle.model_copy(update={"away_after_idle_seconds": 600})}
    )
    add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    session.commit()
    _run(session, session_factory, idle, 599)
    session.expire_all()
    assert session.get(AgentRow, "ann").presence == "online"  # type: ignore[union-attr]
    _run(session, session_factory, idle, 600)
    session.expire_all()
    ann = session.get(AgentRow, "ann")
    assert ann is not None and (ann.presence, ann.away_cause) == ("away", "idle")
    presence.note_activity(
        session=session, tenant_id=DEFAULT_TENANT, agent_id="ann", now=NOW + timedelta(hours=1)
    )
    session.commit()
    assert (ann.presence, ann.away_cause) == ("online", None)


def test_a_silent_accepted_case_is_reoffered_to_someone_else(
    session: Session, session_factory: SessionFactory, policy: Policy
) -> None:
    ann = add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    answered = add_case(session, policy=policy, queue="support", now=NOW)
    accept(session=session, handoff_id=case.id, agent=ann, now=NOW)
    accept(session=session, handoff_id=answered.id, agent=ann, now=NOW)
    reply(session=session, handoff_id=answered.id, agent=ann, text="On it.", now=NOW)
    session.commit()
    limit = policy.lifecycle.reoffer_after_silent_seconds
    assert limit is not None
    _run(session, session_factory, policy, limit - 1)
    session.expire_all()
    assert session.get(HandoffRow, case.id).status == "active"  # type: ignore[union-attr]
    add_agent(session, agent_id="bob", queues=("support",), now=NOW + timedelta(seconds=limit))
    session.commit()
    _run(session, session_factory, policy, limit)
    session.expire_all()
    row = session.get(HandoffRow, case.id)
    assert row is not None and (row.status, row.agent_id) == ("assigned", "bob")
    assert session.get(HandoffRow, answered.id).status == "active"  # type: ignore[union-attr]
    events = _events(session, case.id)
    assert ("reassigned", {"agent_id": "ann", "cause": "agent_silent", "after_seconds": limit}) in (
        events
    )
    told = session.scalars(
        select(ConversationEventRow.data).where(
            ConversationEventRow.conversation_id == row.conversation_id,
            ConversationEventRow.type == "handoff.reassigned",
        )
    ).all()
    assert [(d["cause"], d["from_agent_id"]) for d in told] == [("agent_silent", "ann")]
    hooks = session.scalars(
        select(OutboxRow.payload).where(OutboxRow.topic == "handoff.reassigned")
    ).all()
    assert [(p["handoff_id"], p["cause"]) for p in hooks] == [(case.id, "agent_silent")]
    # Bob's offer lapses: both passed on it, so it may be offered to either again.
    _run(session, session_factory, policy, limit + 3600)
    session.expire_all()
    row = session.get(HandoffRow, case.id)
    assert row is not None and row.status in ("queued", "assigned")

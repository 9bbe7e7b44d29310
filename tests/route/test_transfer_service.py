"""Transfer keeps the brief, the transcript and the SLA clock; both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.assign import assign_batch
from baton.desk.offers import accept
from baton.desk.timers import list_clocks
from baton.desk.transfer import transfer
from baton.errors import AgentUnavailable, IllegalTransition, InvalidRequest
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import OfferRow, OutboxRow
from tests.factories.route import add_agent, add_case
from tests.route.conftest import NOW


def test_transfer_moves_the_same_case_with_its_clock(session: Session, policy: Policy) -> None:
    add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    brief, key = dict(case.brief), case.queue_key
    clocks = [(c.kind, c.breach_due) for c in list_clocks(session=session, handoff_id=case.id)]
    assign_batch(session=session, policy=policy, now=NOW)
    accept(session=session, handoff_id=case.id, agent_id="ann", now=NOW)
    later = NOW + timedelta(minutes=4)
    moved = transfer(
        session=session,
        policy=policy,
        handoff_id=case.id,
        queue="billing",
        note="refund over the limit",
        now=later,
        actor="ann",
    )
    session.commit()
    assert (moved.id, moved.status, moved.queue, moved.agent_id) == (
        case.id,
        "queued",
        "billing",
        None,
    )
    assert moved.brief == brief and moved.queue_key == key
    assert moved.routing["skills"] == ["billing"]
    assert [
        (c.kind, c.breach_due) for c in list_clocks(session=session, handoff_id=case.id)
    ] == clocks
    last = repo.list_handoff_events(session=session, handoff_id=case.id)[-1]
    assert (last.type, last.actor, last.data["from_queue"], last.data["note"]) == (
        "transferred",
        "ann",
        "support",
        "refund over the limit",
    )
    assert session.scalar(select(OutboxRow.topic).order_by(OutboxRow.id.desc())) == (
        "handoff.transferred"
    )


def test_transfer_to_an_agent_offers_it_to_them(session: Session, policy: Policy) -> None:
    add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    add_agent(session, agent_id="bob", queues=("billing",), skills=("billing",), now=NOW)
    add_agent(session, agent_id="cat", queues=("sales",), presence="offline", now=NOW)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    assign_batch(session=session, policy=policy, now=NOW)
    with pytest.raises(AgentUnavailable):
        transfer(
            session=session,
            policy=policy,
            handoff_id=case.id,
            queue="sales",
            note=None,
            now=NOW,
            agent_id="cat",
        )
    transfer(
        session=session,
        policy=policy,
        handoff_id=case.id,
        queue="billing",
        note=None,
        now=NOW,
        agent_id="bob",
    )
    session.commit()
    offers = session.execute(
        select(OfferRow.agent_id, OfferRow.state)
        .where(OfferRow.handoff_id == case.id)
        .order_by(OfferRow.id)
    ).all()
    assert [tuple(o) for o in offers] == [("ann", "released"), ("bob", "pending")]


def test_transfer_refuses_unknown_queues_and_closed_cases(session: Session, policy: Policy) -> None:
    case = add_case(session, policy=policy, queue="support", now=NOW)
    with pytest.raises(InvalidRequest):
        transfer(
            session=session, policy=policy, handoff_id=case.id, queue="nope", note=None, now=NOW
        )
    case.status = "resolved"
    session.flush()
    with pytest.raises(IllegalTransition):
        transfer(
            session=session, policy=policy, handoff_id=case.id, queue="sales", note=None, now=NOW
        )

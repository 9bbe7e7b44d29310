"""Transfer keeps the brief, the SLA clocks and the wait already done; a pending offer ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk import service
from baton.desk.assign import assign_batch
from baton.desk.timers import list_clocks
from baton.policy import Policy
from baton.store.tables import DEFAULT_TENANT, OfferRow
from tests.factories.route import add_agent, add_case
from tests.route.conftest import NOW


def test_transfer_moves_the_same_case_with_its_clock(session: Session, policy: Policy) -> None:
    ann = add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    brief, key = dict(case.brief), case.queue_key
    clocks = [(c.kind, c.breach_due) for c in list_clocks(session=session, handoff_id=case.id)]
    assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    moved = service.transfer(
        session=session,
        handoff_id=case.id,
        agent=ann,
        policy=policy,
        to_queue="billing",
        note="refund over the limit",
        now=NOW + timedelta(minutes=4),
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
    after = [(c.kind, c.breach_due) for c in list_clocks(session=session, handoff_id=case.id)]
    assert after == clocks
    offers = session.scalars(select(OfferRow.state).where(OfferRow.handoff_id == case.id)).all()
    assert offers == ["released"]
    bob = add_agent(session, agent_id="bob", queues=("billing",), skills=("billing",), now=NOW)
    made = assign_batch(
        tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW + timedelta(minutes=5)
    )
    assert [(m.handoff_id, m.agent_id) for m in made] == [(case.id, bob.id)]

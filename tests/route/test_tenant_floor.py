"""Another tenant's agents never take a case, count toward a wait, or see a queue's load."""

from __future__ import annotations

from sqlalchemy.orm import Session

from baton.desk.assign import assign_batch, take_next
from baton.policy import Policy
from baton.store.floor import floor_snapshot
from baton.store.tables import DEFAULT_TENANT
from baton.store.tenants import create_tenant
from tests.factories.route import add_agent, add_case
from tests.route.conftest import NOW

OTHER = "other"


def test_a_case_goes_only_to_its_own_tenants_agents(session: Session, policy: Policy) -> None:
    create_tenant(session=session, tenant_id=OTHER, name="Other", now=NOW)
    add_agent(session, agent_id="stranger", queues=("support",), now=NOW, tenant_id=OTHER)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    mine = add_case(
        session, policy=policy, queue="support", now=NOW, tenant_id=OTHER, conversation_id="c1"
    )
    # The same conversation id in the default tenant is a different conversation.
    add_case(session, policy=policy, queue="support", now=NOW, conversation_id="c1")

    assert assign_batch(session=session, tenant_id=DEFAULT_TENANT, policy=policy, now=NOW) == []
    made = assign_batch(session=session, tenant_id=OTHER, policy=policy, now=NOW)
    assert [(m.handoff_id, m.agent_id) for m in made] == [(mine.id, "stranger")]
    session.refresh(case)
    assert case.status == "queued" and case.agent_id is None
    add_agent(session, agent_id="puller", queues=("support",), now=NOW, tenant_id=OTHER)
    assert take_next(session=session, policy=policy, agent_id="puller", now=NOW) is None


def test_the_floor_behind_an_eta_counts_only_the_tenants_agents_and_cases(
    session: Session, policy: Policy
) -> None:
    create_tenant(session=session, tenant_id=OTHER, name="Other", now=NOW)
    for n in range(3):
        add_agent(session, agent_id=f"o{n}", queues=("support",), now=NOW, tenant_id=OTHER)
    add_case(session, policy=policy, queue="support", now=NOW, tenant_id=OTHER)
    add_agent(session, agent_id="mine", queues=("support",), capacity=2, now=NOW)
    own = floor_snapshot(session=session, tenant_id=DEFAULT_TENANT, policy=policy).queues["support"]
    theirs = floor_snapshot(session=session, tenant_id=OTHER, policy=policy).queues["support"]
    assert (own.agents_online, own.servers, own.waiting) == (1, 2, 0)
    assert (theirs.agents_online, theirs.servers, theirs.waiting) == (3, 9, 1)

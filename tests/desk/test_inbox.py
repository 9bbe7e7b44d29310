"""What the console lists: waiting cases by priority, an agent's own, and visible changes only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from baton.desk import agents, inbox, service
from baton.policy import default_policy
from baton.store.tables import DEFAULT_TENANT
from tests.factories.desk import later, make_agent, open_case

POLICY = default_policy()


def test_waiting_is_by_priority_then_age_and_mine_is_separate(session: Session) -> None:
    ada = make_agent(session)
    old, new = open_case(session, "c-1"), open_case(session, "c-2", at=later(1))
    urgent = open_case(session, "c-3", at=later(2))
    urgent.priority = 90
    session.flush()
    waiting = inbox.waiting(
        tenant_id=DEFAULT_TENANT, session=session, queues=["support"], policy=POLICY
    )
    assert [c.id for c in waiting] == [urgent.id, old.id, new.id]
    line = waiting[1]
    assert line.requester == "Bob Stone" and line.reasons == ("human_requested",)
    assert line.due is not None and line.warn_at is not None
    assert line.created_at < line.warn_at < line.due
    service.accept(session=session, handoff_id=old.id, agent=ada, now=later(3))
    assert [c.id for c in inbox.mine(session=session, agent_id=ada.id, policy=POLICY)] == [old.id]
    assert old.id not in [
        c.id
        for c in inbox.waiting(
            tenant_id=DEFAULT_TENANT, session=session, queues=["support"], policy=POLICY
        )
    ]
    assert inbox.waiting(tenant_id=DEFAULT_TENANT, session=session, queues=[], policy=POLICY) == []


def test_changes_show_only_what_the_agent_may_see(session: Session) -> None:
    ada = make_agent(session)
    bea = make_agent(session, "Bea Bills", queues=("billing",))
    boss = make_agent(session, "Sue Perv", queues=(), role=agents.AgentRole.SUPERVISOR)
    start = inbox.last_event_id(session=session)
    case = open_case(session)
    assert [c.type for c in inbox.changes(session=session, agent=ada, after_id=start)] == [
        "created"
    ]
    assert inbox.changes(session=session, agent=bea, after_id=start) == []
    assert len(inbox.changes(session=session, agent=boss, after_id=start)) == 1
    mark = inbox.last_event_id(session=session)
    service.transfer(
        session=session,
        handoff_id=case.id,
        agent=ada,
        policy=POLICY,
        to_queue="billing",
        now=later(1),
    )
    seen = inbox.changes(session=session, agent=bea, after_id=mark)
    assert [(c.type, c.queue) for c in seen] == [("transferred", "billing")]

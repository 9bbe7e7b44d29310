"""Desk actions on both engines: the handoff's status, its event log, what the bot side hears."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk import agents, service
from baton.desk.service import Outcome
from baton.domain import TicketFields
from baton.errors import Conflict, Forbidden, IllegalTransition, InvalidRequest
from baton.policy import default_policy
from baton.store import repositories as repo
from baton.store.tables import DEFAULT_TENANT, OutboxRow, TurnRow
from tests.factories.desk import later, make_agent, open_case

POLICY = default_policy()


def event_types(session: Session, handoff_id: str) -> list[str]:
    return [e.type for e in repo.list_handoff_events(session=session, handoff_id=handoff_id)]


def conversation_events(session: Session, conversation_id: str) -> list[tuple[str, dict]]:
    rows = repo.list_conversation_events(
        tenant_id=DEFAULT_TENANT, session=session, conversation_id=conversation_id
    )
    return [(r.type, r.data) for r in rows]


def topics(session: Session) -> list[str]:
    return [r.topic for r in session.scalars(select(OutboxRow).order_by(OutboxRow.id))]


def test_accept_assigns_then_activates_and_tells_the_bot(session: Session) -> None:
    ada = make_agent(session)
    case = open_case(session)
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(2))
    assert (case.status, case.agent_id) == ("active", ada.id)
    assert event_types(session, case.id) == ["created", "assigned", "accepted"]
    kind, data = conversation_events(session, case.conversation_id)[-1]
    assert kind == "handoff.accepted"
    assert data["agent_name"] == "Ada" and data["handoff_id"] == case.id
    assert topics(session)[-1] == "handoff.accepted"


def test_accept_twice_is_harmless_but_a_second_agent_is_refused(session: Session) -> None:
    ada, grace = make_agent(session), make_agent(session, "Grace Hopper")
    case = open_case(session)
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(2))
    assert event_types(session, case.id).count("accepted") == 1
    with pytest.raises(Conflict):
        service.accept(session=session, handoff_id=case.id, agent=grace, now=later(3))


def test_an_agent_cannot_open_another_queues_case(session: Session) -> None:
    billing_only = make_agent(session, "Bea Bills", queues=("billing",))
    case = open_case(session)
    with pytest.raises(Forbidden):
        service.load(session=session, handoff_id=case.id, agent=billing_only)
    with pytest.raises(Forbidden):
        service.accept(session=session, handoff_id=case.id, agent=billing_only, now=later(1))
    supervisor = make_agent(session, "Sue Perv", queues=(), role=agents.AgentRole.SUPERVISOR)
    assert service.load(session=session, handoff_id=case.id, agent=supervisor) is case


def test_capacity_limits_accepting(session: Session) -> None:
    ada = make_agent(session, capacity=1)
    first, second = open_case(session, "c-1"), open_case(session, "c-2")
    service.accept(session=session, handoff_id=first.id, agent=ada, now=later(1))
    with pytest.raises(Conflict) as caught:
        service.accept(session=session, handoff_id=second.id, agent=ada, now=later(2))
    assert caught.value.field == "capacity"


def test_reply_is_a_turn_an_event_and_a_message_to_the_customer(session: Session) -> None:
    ada = make_agent(session)
    case = open_case(session)
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    service.reply(session=session, handoff_id=case.id, agent=ada, text="  Hi Bob!  ", now=later(2))
    turns = repo.list_turn_rows(
        tenant_id=DEFAULT_TENANT, session=session, conversation_id=case.conversation_id
    )
    assert [(t.role, t.text) for t in turns][-1] == ("agent", "Hi Bob!")
    assert turns[-1].meta == {"handoff_id": case.id, "agent_id": ada.id}
    assert event_types(session, case.id)[-1] == "replied"
    kind, data = conversation_events(session, case.conversation_id)[-1]
    assert kind == "handoff.message"
    assert (data["text"], data["message"], data["agent_name"]) == ("Hi Bob!", "Hi Bob!", "Ada")
    assert data["turn_id"] == turns[-1].turn_id
    assert topics(session)[-1] == "handoff.message"


def test_reply_needs_the_case_and_some_text(session: Session) -> None:
    ada, grace = make_agent(session), make_agent(session, "Grace Hopper")
    case = open_case(session)
    with pytest.raises(Forbidden):
        service.reply(session=session, handoff_id=case.id, agent=ada, text="hi", now=later(1))
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    with pytest.raises(InvalidRequest):
        service.reply(session=session, handoff_id=case.id, agent=ada, text="   ", now=later(2))
    with pytest.raises(Forbidden):
        service.reply(session=session, handoff_id=case.id, agent=grace, text="hi", now=later(2))
    count = session.scalars(select(TurnRow).where(TurnRow.role == "agent")).all()
    assert count == []


def test_transfer_to_a_queue_keeps_the_brief_and_the_clock(session: Session) -> None:
    ada = make_agent(session)
    case = open_case(session)
    brief, due, priority = dict(case.brief), case.first_response_due, case.priority
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    service.transfer(
        session=session,
        handoff_id=case.id,
        agent=ada,
        policy=POLICY,
        to_queue="billing",
        note="refund over the limit",
        now=later(5),
    )
    assert (case.status, case.queue, case.agent_id) == ("queued", "billing", None)
    assert (case.brief, case.first_response_due, case.priority) == (brief, due, priority)
    last = repo.list_handoff_events(session=session, handoff_id=case.id)[-1]
    assert last.type == "transferred"
    assert last.data["from_queue"] == "support" and last.data["to_queue"] == "billing"
    assert last.data["note"] == "refund over the limit"
    assert conversation_events(session, case.conversation_id)[-1][0] == "handoff.transferred"
    with pytest.raises(Forbidden):
        service.load(session=session, handoff_id=case.id, agent=ada)


def test_transfer_to_an_agent_assigns_them_and_they_accept(session: Session) -> None:
    ada = make_agent(session)
    alan = make_agent(session, "Alan Turing", queues=("sales", "support"))
    case = open_case(session)
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    service.transfer(
        session=session,
        handoff_id=case.id,
        agent=ada,
        policy=POLICY,
        to_agent_id=alan.id,
        now=later(2),
    )
    assert (case.status, case.agent_id, case.queue) == ("assigned", alan.id, "support")
    assert service.load(session=session, handoff_id=case.id, agent=alan) is case
    service.accept(session=session, handoff_id=case.id, agent=alan, now=later(3))
    assert case.status == "active"
    assert event_types(session, case.id) == [
        "created",
        "assigned",
        "accepted",
        "transferred",
        "assigned",
        "accepted",
    ]


def test_transfer_refuses_bad_targets(session: Session) -> None:
    ada = make_agent(session)
    case = open_case(session)
    for kwargs in ({}, {"to_queue": "nowhere"}, {"to_queue": "support"}, {"to_agent_id": "ag_x"}):
        with pytest.raises(InvalidRequest):
            service.transfer(
                session=session,
                handoff_id=case.id,
                agent=ada,
                policy=POLICY,
                now=later(1),
                **kwargs,
            )


def test_resolve_records_code_outcome_and_label(session: Session) -> None:
    ada = make_agent(session)
    case = open_case(session)
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    service.reply(session=session, handoff_id=case.id, agent=ada, text="Done.", now=later(3))
    service.resolve(
        session=session,
        handoff_id=case.id,
        agent=ada,
        policy=POLICY,
        code="refund_issued",
        outcome=Outcome.RESOLVED,
        necessary=False,
        now=later(9),
    )
    assert (case.status, case.resolution_code, case.outcome, case.necessary) == (
        "resolved",
        "refund_issued",
        "resolved",
        False,
    )
    events = repo.list_handoff_events(session=session, handoff_id=case.id)
    assert [e.type for e in events][-2:] == ["resolved", "labelled"]
    assert events[-1].data == {"necessary": False} and events[-1].actor == ada.id
    assert [e.at for e in events] == sorted(e.at for e in events)
    (kind, data), (last, handback) = conversation_events(session, case.conversation_id)[-2:]
    assert kind == "handoff.resolved" and data["code"] == "refund_issued"
    assert last == "handback" and handback["code"] == "refund_issued" and handback["bot_active"]
    service.label(session=session, handoff_id=case.id, agent=ada, necessary=True, now=later(10))
    assert case.necessary is True
    with pytest.raises(IllegalTransition):
        service.reply(session=session, handoff_id=case.id, agent=ada, text="hi", now=later(11))


def test_resolve_refuses_unknown_codes_and_other_agents(session: Session) -> None:
    ada, grace = make_agent(session), make_agent(session, "Grace Hopper")
    case = open_case(session)
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    with pytest.raises(InvalidRequest):
        service.resolve(
            session=session,
            handoff_id=case.id,
            agent=ada,
            policy=POLICY,
            code="magic",
            outcome=Outcome.RESOLVED,
            necessary=True,
            now=later(2),
        )
    with pytest.raises(Forbidden):
        service.resolve(
            session=session,
            handoff_id=case.id,
            agent=grace,
            policy=POLICY,
            code="solved",
            outcome=Outcome.RESOLVED,
            necessary=True,
            now=later(2),
        )
    with pytest.raises(IllegalTransition):
        service.label(session=session, handoff_id=case.id, agent=ada, necessary=True, now=later(3))


def test_ticket_fields_start_from_the_brief_and_keep_edits(session: Session) -> None:
    ada = make_agent(session)
    case = open_case(session)
    original = service.ticket(session=session, handoff=case)
    assert original.requester == "Bob Stone"
    service.accept(session=session, handoff_id=case.id, agent=ada, now=later(1))
    edited = TicketFields(
        subject="Refund for ORD-12345",
        description="d",
        category="refunds",
        priority="high",
        tags=("refund",),
    )
    service.save_ticket(session=session, handoff_id=case.id, agent=ada, fields=edited, now=later(1))
    service.save_ticket(session=session, handoff_id=case.id, agent=ada, fields=edited, now=later(2))
    assert service.ticket(session=session, handoff=case) == edited
    assert case.brief["ticket_fields"]["subject"] == original.subject

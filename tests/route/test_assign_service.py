"""Push and pull assignment, offers, timeouts and presence, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.assign import assign_batch, take_next
from baton.desk.offers import change_presence, decline, expire_offers
from baton.desk.service import accept
from baton.errors import AgentUnavailable, Conflict, InvalidRequest, OfferConflict
from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import DEFAULT_TENANT, ConversationEventRow, HandoffRow, OfferRow, OutboxRow
from tests.factories.route import add_agent, add_case
from tests.route.conftest import NOW


def events(session: Session, handoff_id: str) -> list[tuple[str, str | None]]:
    return [
        (e.type, e.data.get("agent_id"))
        for e in repo.list_handoff_events(session=session, handoff_id=handoff_id)
    ]


def test_push_goes_to_most_spare_capacity_then_round_robin(
    session: Session, policy: Policy
) -> None:
    add_agent(session, agent_id="ann", queues=("support",), capacity=3, now=NOW)
    add_agent(session, agent_id="bob", queues=("support",), capacity=1, now=NOW)
    add_agent(session, agent_id="cat", queues=("support",), capacity=3, now=NOW)
    cases = [add_case(session, policy=policy, queue="support", now=NOW) for _ in range(5)]
    made = assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    session.commit()
    got = [(m.handoff_id, m.agent_id) for m in made]
    # ann and cat (3 free) take turns; once all have 1 free, bob has waited longest.
    assert [a for _, a in got] == ["ann", "cat", "ann", "cat", "bob"]
    assert [c for c, _ in got] == [c.id for c in cases]
    assert all(session.get(HandoffRow, c.id).status == "assigned" for c in cases)  # type: ignore[union-attr]
    assert events(session, cases[0].id)[-1] == ("assigned", "ann")
    assert session.scalar(
        select(OfferRow.expires_at).where(OfferRow.handoff_id == cases[0].id)
    ) == (NOW + timedelta(seconds=60))
    topics = session.scalars(select(OutboxRow.topic)).all()
    assert topics.count("handoff.assigned") == 5


def test_push_respects_skills_queues_presence_and_channel_capacity(
    session: Session, policy: Policy
) -> None:
    add_agent(session, agent_id="ann", queues=("billing",), now=NOW)
    add_agent(
        session, agent_id="bob", queues=("billing",), skills=("billing",), presence="away", now=NOW
    )
    add_agent(
        session,
        agent_id="cat",
        queues=("billing", "support"),
        skills=("billing",),
        channel_capacity={"chat": 1, "email": 0},
        now=NOW,
    )
    chat = add_case(session, policy=policy, queue="billing", now=NOW)
    email = add_case(session, policy=policy, queue="billing", channel="email", now=NOW)
    chat2 = add_case(session, policy=policy, queue="support", now=NOW)
    made = assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    assert [(m.handoff_id, m.agent_id) for m in made] == [(chat.id, "cat")]
    session.commit()
    assert session.get(HandoffRow, email.id).status == "queued"  # type: ignore[union-attr]
    assert session.get(HandoffRow, chat2.id).status == "queued"  # type: ignore[union-attr]


def test_higher_priority_first_but_waiting_ages(session: Session, policy: Policy) -> None:
    """At 30 s a point, 40 points of priority are worth 20 minutes of waiting."""
    add_agent(session, agent_id="ann", queues=("support",), capacity=1, now=NOW)
    old = add_case(session, policy=policy, queue="support", priority=10, now=NOW)
    later = NOW + timedelta(minutes=21)
    add_case(session, policy=policy, queue="support", priority=50, now=later)
    assert [
        m.handoff_id
        for m in assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=later)
    ] == [old.id]
    add_agent(session, agent_id="bob", queues=("support",), capacity=1, now=NOW)
    sooner = add_case(
        session, policy=policy, queue="support", priority=50, now=NOW + timedelta(minutes=19)
    )
    made = assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=later)
    assert [m.handoff_id for m in made] == [sooner.id]


def test_accept_and_decline(session: Session, policy: Policy) -> None:
    ann = add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    bob = add_agent(session, agent_id="bob", queues=("support",), now=NOW)
    first = add_case(session, policy=policy, queue="support", now=NOW)
    second = add_case(session, policy=policy, queue="support", now=NOW)
    assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    with pytest.raises(Conflict):
        accept(session=session, handoff_id=first.id, agent=bob, now=NOW)
    with pytest.raises(OfferConflict):
        decline(session=session, handoff_id=first.id, agent_id="bob", now=NOW)
    accept(session=session, handoff_id=first.id, agent=ann, now=NOW)
    session.commit()
    assert session.get(HandoffRow, first.id).status == "active"  # type: ignore[union-attr]
    said = session.scalars(
        select(ConversationEventRow.type).where(
            ConversationEventRow.conversation_id == first.conversation_id
        )
    ).all()
    assert said == ["handoff.assigned", "handoff.accepted"]  # the bot hears both (#13)
    decline(session=session, handoff_id=second.id, agent_id="bob", now=NOW)
    assert session.get(HandoffRow, second.id).status == "queued"  # type: ignore[union-attr]
    made = assign_batch(
        tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW + timedelta(seconds=1)
    )
    assert [(m.handoff_id, m.agent_id) for m in made] == [(second.id, "ann")]
    assert events(session, second.id)[-3:] == [
        ("assigned", "bob"),
        ("released", "bob"),
        ("assigned", "ann"),
    ]


def test_an_unaccepted_offer_lapses_and_goes_to_the_next_agent(
    session: Session, policy: Policy
) -> None:
    add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    add_agent(session, agent_id="bob", queues=("support",), capacity=1, now=NOW)
    assert expire_offers(session=session, now=NOW + timedelta(seconds=59)) == 0
    assert expire_offers(session=session, now=NOW + timedelta(seconds=60)) == 1
    made = assign_batch(
        tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW + timedelta(seconds=61)
    )
    session.commit()
    assert [m.agent_id for m in made] == ["bob"]
    states = session.scalars(
        select(OfferRow.state).where(OfferRow.handoff_id == case.id).order_by(OfferRow.id)
    ).all()
    assert states == ["expired", "pending"]


def test_going_offline_releases_unaccepted_offers_only(session: Session, policy: Policy) -> None:
    ann = add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    kept = add_case(session, policy=policy, queue="support", now=NOW)
    dropped = add_case(session, policy=policy, queue="support", now=NOW)
    assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    accept(session=session, handoff_id=kept.id, agent=ann, now=NOW)
    released = change_presence(session=session, agent_id="ann", presence="offline", now=NOW)
    session.commit()
    assert released == [dropped.id]
    assert session.get(HandoffRow, kept.id).status == "active"  # type: ignore[union-attr]
    assert session.get(HandoffRow, dropped.id).agent_id is None  # type: ignore[union-attr]
    assert assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW) == []
    with pytest.raises(InvalidRequest):
        change_presence(session=session, agent_id="ann", presence="asleep", now=NOW)


def test_take_next_pulls_the_best_case_it_may_serve(session: Session, policy: Policy) -> None:
    add_agent(session, agent_id="ann", queues=("support", "billing"), capacity=1, now=NOW)
    add_case(session, policy=policy, queue="billing", priority=90, now=NOW)  # needs a skill
    low = add_case(session, policy=policy, queue="support", priority=10, now=NOW)
    high = add_case(session, policy=policy, queue="support", priority=60, now=NOW)
    got = take_next(session=session, policy=policy, agent_id="ann", now=NOW)
    assert got is not None and got.id == high.id
    assert got.status == HandoffStatus.ACTIVE.value
    assert [t for t, _ in events(session, high.id)][-2:] == ["assigned", "accepted"]
    assert take_next(session=session, policy=policy, agent_id="ann", now=NOW) is None
    session.commit()
    assert session.get(HandoffRow, low.id).status == "queued"  # type: ignore[union-attr]
    change_presence(session=session, agent_id="ann", presence="offline", now=NOW)
    with pytest.raises(AgentUnavailable):
        take_next(session=session, policy=policy, agent_id="ann", now=NOW)

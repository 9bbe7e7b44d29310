"""SLA timers as rows: start, warn, breach (bump and re-offer), pause/resume, stop; both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.assign import assign_batch
from baton.desk.service import accept
from baton.desk.timers import (
    fire_due,
    list_clocks,
    on_agent_reply,
    on_customer_message,
    stop_clocks,
)
from baton.lifecycle import EventType
from baton.policy import Policy
from baton.store import repositories as repo
from baton.store.tables import DEFAULT_TENANT, HandoffRow, OutboxRow
from tests.factories.route import add_agent, add_case
from tests.route.conftest import NOW


def fired(session: Session, policy: Policy, at: datetime) -> list[tuple[str, str]]:
    return [(f.kind, f.event.value) for f in fire_due(session=session, policy=policy, now=at)]


def test_clocks_start_with_the_queue_and_fire_once_each(session: Session, policy: Policy) -> None:
    case = add_case(session, policy=policy, queue="support", now=NOW)
    clocks = {c.kind: c for c in list_clocks(session=session, handoff_id=case.id)}
    assert set(clocks) == {"first_response", "resolution"}
    first = clocks["first_response"]
    assert (first.warn_due, first.breach_due) == (
        NOW + timedelta(minutes=5),
        NOW + timedelta(minutes=10),
    )
    assert case.first_response_due == NOW + timedelta(minutes=10)
    assert fired(session, policy, NOW + timedelta(minutes=4, seconds=59)) == []
    assert fired(session, policy, NOW + timedelta(minutes=5)) == [("first_response", "sla_warning")]
    assert fired(session, policy, NOW + timedelta(minutes=6)) == []
    assert fired(session, policy, NOW + timedelta(minutes=10)) == [
        ("first_response", "sla_breached")
    ]
    assert fired(session, policy, NOW + timedelta(minutes=11)) == []
    session.commit()
    topics = session.scalars(select(OutboxRow.topic).order_by(OutboxRow.id)).all()
    assert topics == ["handoff.sla_warning", "handoff.sla_breached"]
    assert session.get(HandoffRow, case.id).priority == 70  # type: ignore[union-attr]


def test_a_late_worker_fires_warning_then_breach(session: Session, policy: Policy) -> None:
    case = add_case(session, policy=policy, queue="support", now=NOW)
    late = NOW + timedelta(hours=2)
    assert fired(session, policy, late) == [
        ("first_response", "sla_warning"),
        ("first_response", "sla_breached"),
        ("resolution", "sla_warning"),
        ("resolution", "sla_breached"),
    ]
    types = [e.type for e in repo.list_handoff_events(session=session, handoff_id=case.id)]
    assert types.count("sla_breached") == 2
    assert session.get(HandoffRow, case.id).priority == 90  # type: ignore[union-attr]


def test_breach_bumps_priority_and_reoffers_a_pending_offer(
    session: Session, policy: Policy
) -> None:
    add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    case = add_case(session, policy=policy, queue="support", priority=30, now=NOW)
    key = case.queue_key
    assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    fire_due(session=session, policy=policy, now=NOW + timedelta(minutes=10))
    session.commit()
    row = session.get(HandoffRow, case.id)
    assert row is not None and row.status == "queued" and row.agent_id is None
    assert row.priority == 50 and row.queue_key == (key or 0) - 20 * 30
    last = repo.list_handoff_events(session=session, handoff_id=case.id)[-1]
    assert (last.type, last.data["reason"]) == (EventType.RELEASED.value, "sla_breached")


def test_waiting_on_the_customer_pauses_resolution(session: Session, policy: Policy) -> None:
    ann = add_agent(session, agent_id="ann", queues=("support",), now=NOW)
    case = add_case(session, policy=policy, queue="support", now=NOW)
    assign_batch(tenant_id=DEFAULT_TENANT, session=session, policy=policy, now=NOW)
    accept(session=session, handoff_id=case.id, agent=ann, now=NOW)
    on_agent_reply(session=session, handoff_id=case.id, now=NOW + timedelta(minutes=3))
    clocks = {c.kind: c for c in list_clocks(session=session, handoff_id=case.id)}
    assert clocks["first_response"].state == "met"
    assert (clocks["resolution"].state, clocks["resolution"].due_at) == ("paused", None)
    assert fired(session, policy, NOW + timedelta(days=1)) == []
    back = NOW + timedelta(hours=5)
    on_customer_message(session=session, policy=policy, handoff_id=case.id, now=back)
    clocks = {c.kind: c for c in list_clocks(session=session, handoff_id=case.id)}
    # 3 of 60 minutes used; 57 left from the customer's message (warning at 30 used).
    assert clocks["resolution"].breach_due == back + timedelta(minutes=57)
    assert clocks["resolution"].warn_due == back + timedelta(minutes=27)
    assert clocks["next_response"].breach_due == back + timedelta(minutes=30)
    on_agent_reply(
        session=session,
        handoff_id=case.id,
        now=back + timedelta(minutes=1),
        awaiting_customer=False,
    )
    clocks = {c.kind: c for c in list_clocks(session=session, handoff_id=case.id)}
    assert clocks["next_response"].state == "met"
    assert clocks["resolution"].state == "running"


def test_business_hours_clock_and_stop(session: Session, policy: Policy) -> None:
    friday_late = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    case = add_case(session, policy=policy, queue="billing", now=friday_late)
    first = next(
        c for c in list_clocks(session=session, handoff_id=case.id) if c.kind == "first_response"
    )
    # 30 minutes on Friday, 30 more from Monday 09:00 London (UTC in November).
    assert first.breach_due == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    assert first.calendar == "office"
    stop_clocks(session=session, handoff_id=case.id, now=friday_late + timedelta(minutes=5))
    assert fired(session, policy, datetime(2026, 12, 31, tzinfo=UTC)) == []
    assert {c.state for c in list_clocks(session=session, handoff_id=case.id)} == {"met"}


def test_timers_of_a_closed_case_never_fire(session: Session, policy: Policy) -> None:
    case = add_case(session, policy=policy, queue="support", now=NOW)
    case.status = "resolved"
    session.flush()
    assert fired(session, policy, NOW + timedelta(hours=3)) == []
    assert {c.state for c in list_clocks(session=session, handoff_id=case.id)} == {"cancelled"}

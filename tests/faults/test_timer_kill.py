"""kill -9 `baton worker` processes in the middle of timer firing on PostgreSQL.

Every kind of timer the desk has is due at once: 200 queued cases whose first-response and
resolution SLA clocks are past both their warning and their breach (800 firings), and 100 cases
offered to an agent who let the offer lapse (100 offer expiries). Two workers fire them; each is
caught inside a firing transaction (some firings of its batch written, not committed) and
killed there; two fresh workers finish. The verdict comes from the recorded history: per clock
one warning and one breach event and one webhook each, per lapsed offer one release, and the
effect of a breach (the priority bump) applied exactly once per clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from baton.desk.offers import OfferState
from baton.desk.timers import TimerState
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import default_policy
from baton.route.priority import clamp
from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import HandoffEventRow, HandoffRow, OfferRow, OutboxRow, SlaTimerRow
from tests.factories.route import add_agent, add_case
from tests.faults.workers import kill_two_then_finish

DUE_CASES, LAPSED_OFFERS, PRIORITY = 200, 100, 50
CLOCKS = ("first_response", "resolution")
FIRINGS = DUE_CASES * len(CLOCKS) * 2 + LAPSED_OFFERS


def seed(engine: Engine, now: datetime) -> tuple[set[str], set[str]]:
    """Cases whose clocks are past warning and breach; cases whose offer lapsed a minute ago."""
    policy = default_policy()
    queues = [q.name for q in policy.queues]
    assert due_now(engine) == 0, "nothing is left to fire, so nothing can fire again"
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        add_agent(session, agent_id="ag_away", queues=tuple(queues), now=now, presence="away")
        due = {
            add_case(
                session, policy=policy, queue=queues[i % len(queues)], now=now, priority=PRIORITY
            ).id
            for i in range(DUE_CASES)
        }
        lapsed = {
            add_case(session, policy=policy, queue=queues[i % len(queues)], now=now).id
            for i in range(LAPSED_OFFERS)
        }
        for i, handoff_id in enumerate(sorted(due)):
            warn = now - timedelta(minutes=2) + timedelta(milliseconds=i)
            session.execute(
                update(SlaTimerRow)
                .where(SlaTimerRow.handoff_id == handoff_id)
                .values(warn_due=warn, breach_due=now - timedelta(minutes=1), due_at=warn)
            )
        later = now + timedelta(days=1)
        session.execute(
            update(SlaTimerRow)
            .where(SlaTimerRow.handoff_id.in_(lapsed))
            .values(warn_due=later, breach_due=later, due_at=later)
        )
        session.execute(
            update(HandoffRow)
            .where(HandoffRow.id.in_(lapsed))
            .values(status=HandoffStatus.ASSIGNED.value, agent_id="ag_away")
        )
        session.add_all(
            OfferRow(
                handoff_id=handoff_id,
                agent_id="ag_away",
                state=OfferState.PENDING.value,
                offered_at=now - timedelta(minutes=3),
                expires_at=now - timedelta(minutes=1),
            )
            for handoff_id in sorted(lapsed)
        )
    return due, lapsed


def fired_by(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(HandoffEventRow.actor, func.count()).group_by(HandoffEventRow.actor)
        ).all()
    return Counter({str(actor): int(n) for actor, n in rows})


def test_kill_9_workers_mid_firing_fires_every_timer_once(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    due, lapsed = seed(engine, datetime.now(UTC))
    run = kill_two_then_finish(
        engine,
        pg_url,
        tmp_path,
        partial(fired_by, engine),
        total=FIRINGS,
        what="a firing transaction",
    )

    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        events = session.scalars(select(HandoffEventRow).order_by(HandoffEventRow.id)).all()
        sla_topics = ("handoff.sla_warning", "handoff.sla_breached")
        notices = session.scalars(select(OutboxRow).where(OutboxRow.topic.in_(sla_topics))).all()
        timers = session.scalars(select(SlaTimerRow).where(SlaTimerRow.handoff_id.in_(due))).all()
        handoffs = {h.id: h for h in session.scalars(select(HandoffRow))}
        offers = session.scalars(select(OfferRow)).all()
    engine.dispose()

    fired = Counter(
        (e.handoff_id, e.type, e.data["kind"])
        for e in events
        if e.type in (EventType.SLA_WARNING.value, EventType.SLA_BREACHED.value)
    )
    expected = {
        (h, t, k)
        for h in due
        for t in (EventType.SLA_WARNING.value, EventType.SLA_BREACHED.value)
        for k in CLOCKS
    }
    assert set(fired) == expected, "a timer did not fire"
    assert set(fired.values()) == {1}, "a timer fired twice"
    webhooks = Counter(
        (n.payload["handoff_id"], n.topic.removeprefix("handoff."), n.payload["kind"])
        for n in notices
    )
    assert webhooks == Counter({(h, t, k): 1 for h, t, k in expected}), "one webhook per firing"
    for timer in timers:
        assert timer.state == TimerState.BREACHED.value and timer.due_at is None
        assert timer.warned_at is not None and timer.breached_at is not None
    bump = default_policy().priority.breach_bump
    for handoff_id in due:
        assert handoffs[handoff_id].priority == clamp(clamp(PRIORITY + bump) + bump)

    released = Counter(
        (e.handoff_id, e.data["reason"]) for e in events if e.type == EventType.RELEASED.value
    )
    assert released == Counter({(h, "offer_timeout"): 1 for h in lapsed}), "one expiry per offer"
    assert {(o.handoff_id, o.state) for o in offers} == {
        (h, OfferState.EXPIRED.value) for h in lapsed
    }
    for handoff_id in lapsed:
        assert handoffs[handoff_id].status == HandoffStatus.QUEUED.value
        assert handoffs[handoff_id].agent_id is None
    assert len(events) == FIRINGS

    by_actor = Counter(e.actor for e in events)
    run.assert_killed_left_nothing(by_actor, FIRINGS)
    print(f"\n{FIRINGS} firings, each once: {dict(by_actor)}")


def due_now(engine: Engine) -> int:
    """Timers still due and offers still pending past their expiry."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        timers = conn.scalar(
            select(func.count())
            .select_from(SlaTimerRow)
            .where(SlaTimerRow.state == TimerState.RUNNING.value, SlaTimerRow.due_at <= now)
        )
        offers = conn.scalar(
            select(func.count())
            .select_from(OfferRow)
            .where(OfferRow.state == OfferState.PENDING.value, OfferRow.expires_at <= now)
        )
    return int(timers or 0) + int(offers or 0)

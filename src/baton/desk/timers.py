"""SLA timers as rows: started when a case is queued, paused while the customer owes a reply,
fired exactly once by whichever worker claims them when due, and kept across transfers.

A timer row holds its clock (`elapsed_seconds`, `running_since`) and its next firing `due_at`:
the warning first, then the breach. Firing happens in the transaction that claims the row, so a
worker that dies mid-way fires nothing and the next worker fires it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.locking import begin_write, locked, skip_locked
from baton.desk.offers import OfferState, release_offer
from baton.domain import Urgency
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.policy.book import PolicyBook, as_book
from baton.route import BusinessCalendar, SlaClock, SlaKind, clock_calendar, sla_for
from baton.route.calendar import calendar_from_spec
from baton.route.priority import clamp
from baton.route.sla import target_seconds
from baton.store import repositories as repo
from baton.store.tables import HandoffRow, SlaTimerRow


class TimerState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


LIVE = (TimerState.RUNNING.value, TimerState.PAUSED.value)


@dataclass(frozen=True, slots=True)
class Firing:
    handoff_id: str
    kind: str
    event: EventType


def _calendar(timer: SlaTimerRow) -> BusinessCalendar:
    """The hours the clock counts, as they were when it started (kept across policy changes)."""
    return calendar_from_spec(timer.hours)


def _clock(timer: SlaTimerRow) -> SlaClock:
    return SlaClock(timer.target_seconds, timer.elapsed_seconds, timer.running_since)


def _store(timer: SlaTimerRow, clock: SlaClock, now: datetime) -> None:
    """Write the clock back; the next firing is the warning while it is ahead, else the breach."""
    calendar = _calendar(timer)
    timer.elapsed_seconds = clock.elapsed_seconds
    timer.running_since = clock.running_since
    timer.breach_due = clock.due(calendar)
    timer.warn_due = (
        clock.due_at_fraction(calendar, timer.warn_fraction) if timer.warned_at is None else None
    )
    timer.due_at = timer.warn_due if timer.warn_due is not None else timer.breach_due
    timer.updated_at = now


def _new_timer(policy: Policy, handoff: HandoffRow, kind: SlaKind, now: datetime) -> SlaTimerRow:
    queue = policy.queue(handoff.queue)
    urgency = Urgency(handoff.brief.get("urgency", Urgency.NORMAL.value))
    sla = sla_for(queue, urgency=urgency, priority=handoff.priority)
    business = not clock_calendar(policy, queue, sla).is_always and queue.calendar is not None
    calendar = queue.calendar if business else None
    timer = SlaTimerRow(
        handoff_id=handoff.id,
        kind=kind.value,
        state=TimerState.RUNNING.value,
        calendar=calendar,
        hours=policy.calendars[calendar].model_dump(mode="json") if calendar else None,
        target_seconds=float(target_seconds(sla, kind)),
        warn_fraction=sla.warn_at,
        elapsed_seconds=0.0,
        created_at=now,
        updated_at=now,
    )
    _store(timer, SlaClock.start(timer.target_seconds, now), now)
    return timer


def _live_timers(session: Session, handoff_id: str) -> Sequence[SlaTimerRow]:
    return session.scalars(
        locked(
            select(SlaTimerRow)
            .where(SlaTimerRow.handoff_id == handoff_id, SlaTimerRow.state.in_(LIVE))
            .order_by(SlaTimerRow.id)
        )
    ).all()


def start_clocks(*, session: Session, policy: Policy, handoff: HandoffRow, now: datetime) -> None:
    """Start the first-response and resolution clocks of a newly queued case (idempotent)."""
    live = {t.kind for t in _live_timers(session, handoff.id)}
    for kind in (SlaKind.FIRST_RESPONSE, SlaKind.RESOLUTION):
        if kind.value in live:
            continue
        timer = _new_timer(policy, handoff, kind, now)
        session.add(timer)
        if kind is SlaKind.FIRST_RESPONSE:
            handoff.first_response_due = timer.breach_due
        else:
            handoff.resolution_due = timer.breach_due
    session.flush()


def _finish(timer: SlaTimerRow, state: TimerState, now: datetime) -> None:
    timer.state = state.value
    timer.due_at = None
    timer.stopped_at = now
    timer.updated_at = now


def on_agent_reply(
    *, session: Session, handoff_id: str, now: datetime, awaiting_customer: bool = True
) -> None:
    """An agent replied: response clocks are met; resolution pauses while the customer owes us."""
    begin_write(session)
    for timer in _live_timers(session, handoff_id):
        if timer.kind in (SlaKind.FIRST_RESPONSE.value, SlaKind.NEXT_RESPONSE.value):
            _finish(timer, TimerState.MET, now)
        elif awaiting_customer:
            _pause(timer, now)
    session.flush()


def on_customer_message(
    *, session: Session, policy: Policy, handoff_id: str, now: datetime
) -> None:
    """The customer wrote: resolution runs again; after an agent's reply, next response starts."""
    begin_write(session)
    live = _live_timers(session, handoff_id)
    for timer in live:
        _resume(timer, now)
    replied = session.scalars(
        select(SlaTimerRow.id).where(
            SlaTimerRow.handoff_id == handoff_id,
            SlaTimerRow.kind == SlaKind.FIRST_RESPONSE.value,
            SlaTimerRow.state.in_((TimerState.MET.value, TimerState.BREACHED.value)),
        )
    ).first()
    waiting = any(t.kind == SlaKind.NEXT_RESPONSE.value for t in live)
    handoff = session.get(HandoffRow, handoff_id)
    if (
        replied is not None
        and not waiting
        and handoff is not None
        and policy.has_queue(handoff.queue)
    ):
        session.add(_new_timer(policy, handoff, SlaKind.NEXT_RESPONSE, now))
    session.flush()


def _pause(timer: SlaTimerRow, now: datetime) -> None:
    if timer.state == TimerState.RUNNING.value:
        _store(timer, _clock(timer).pause(_calendar(timer), now), now)
        timer.state = TimerState.PAUSED.value


def _resume(timer: SlaTimerRow, now: datetime) -> None:
    if timer.state == TimerState.PAUSED.value:
        timer.state = TimerState.RUNNING.value
        _store(timer, _clock(timer).resume(now), now)


def pause_clocks(*, session: Session, handoff_id: str, now: datetime) -> None:
    """Pause every running clock of the case (waiting on the customer)."""
    begin_write(session)
    for timer in _live_timers(session, handoff_id):
        _pause(timer, now)
    session.flush()


def resume_clocks(*, session: Session, handoff_id: str, now: datetime) -> None:
    """Resume every paused clock of the case."""
    begin_write(session)
    for timer in _live_timers(session, handoff_id):
        _resume(timer, now)
    session.flush()


def stop_clocks(*, session: Session, handoff_id: str, now: datetime, met: bool = True) -> None:
    """The case is resolved (`met`) or abandoned: every live clock stops and never fires."""
    begin_write(session)
    for timer in _live_timers(session, handoff_id):
        _finish(timer, TimerState.MET if met else TimerState.CANCELLED, now)
    session.flush()


def list_clocks(*, session: Session, handoff_id: str) -> list[SlaTimerRow]:
    """Every clock of the case, oldest first: for countdowns in the console."""
    return list(
        session.scalars(
            select(SlaTimerRow).where(SlaTimerRow.handoff_id == handoff_id).order_by(SlaTimerRow.id)
        )
    )


def fire_due(
    *,
    session: Session,
    policy: Policy | PolicyBook,
    now: datetime,
    limit: int = 100,
    actor: str = "worker",
) -> list[Firing]:
    """Claim the timers due by `now` and fire each once: warning, then breach (the breach's bump
    is the case's tenant's policy's)."""
    book = as_book(policy)
    begin_write(session)
    timers = session.scalars(
        skip_locked(
            select(SlaTimerRow)
            .where(SlaTimerRow.state == TimerState.RUNNING.value, SlaTimerRow.due_at <= now)
            .order_by(SlaTimerRow.due_at)
            .limit(limit)
        )
    ).all()
    ids = {t.handoff_id for t in timers}
    handoffs = {
        h.id: h
        for h in session.scalars(skip_locked(select(HandoffRow).where(HandoffRow.id.in_(ids))))
    }
    fired: list[Firing] = []
    for timer in timers:
        handoff = handoffs.get(timer.handoff_id)
        if handoff is None:
            continue
        if not HandoffStatus(handoff.status).is_open:
            _finish(timer, TimerState.CANCELLED, now)
            continue
        if timer.warned_at is None and timer.warn_due is not None and timer.warn_due <= now:
            fired.append(_warn(session, timer, handoff, now, actor))
        if timer.breach_due is not None and timer.breach_due <= now:
            tenant_policy = book.policy_for(handoff.tenant_id)
            fired.append(_breach(session, tenant_policy, timer, handoff, now, actor))
    session.flush()
    return fired


def _payload(timer: SlaTimerRow, handoff: HandoffRow) -> dict[str, object]:
    due = timer.breach_due.isoformat() if timer.breach_due else None
    return {
        "handoff_id": handoff.id,
        "conversation_id": handoff.conversation_id,
        "queue": handoff.queue,
        "kind": timer.kind,
        "due_at": due,
        "priority": handoff.priority,
        "agent_id": handoff.agent_id,
    }


def _warn(
    session: Session, timer: SlaTimerRow, handoff: HandoffRow, now: datetime, actor: str
) -> Firing:
    timer.warned_at = now
    timer.warn_due = None
    timer.due_at = timer.breach_due
    timer.updated_at = now
    data = _payload(timer, handoff)
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.SLA_WARNING,
        at=now,
        actor=actor,
        data=data,
    )
    repo.enqueue(
        session=session,
        tenant_id=handoff.tenant_id,
        kind="webhook",
        topic="handoff.sla_warning",
        payload=data,
        now=now,
    )
    return Firing(handoff.id, timer.kind, EventType.SLA_WARNING)


def _breach(
    session: Session,
    policy: Policy,
    timer: SlaTimerRow,
    handoff: HandoffRow,
    now: datetime,
    actor: str,
) -> Firing:
    """Record the breach, raise the case's priority, and re-offer it if an offer is pending."""
    timer.state = TimerState.BREACHED.value
    timer.breached_at = now
    timer.due_at = None
    timer.updated_at = now
    bumped = clamp(handoff.priority + policy.priority.breach_bump)
    if handoff.queue_key is not None:
        handoff.queue_key -= (bumped - handoff.priority) * policy.priority.aging_seconds_per_point
    handoff.priority = bumped
    data = _payload(timer, handoff)
    repo.record_event(
        session=session,
        handoff=handoff,
        type_=EventType.SLA_BREACHED,
        at=now,
        actor=actor,
        data=data,
    )
    repo.enqueue(
        session=session,
        tenant_id=handoff.tenant_id,
        kind="webhook",
        topic="handoff.sla_breached",
        payload=data,
        now=now,
    )
    if handoff.status == HandoffStatus.ASSIGNED.value:
        release_offer(
            session=session,
            handoff=handoff,
            state=OfferState.RELEASED,
            reason="sla_breached",
            now=now,
            actor=actor,
        )
    return Firing(handoff.id, timer.kind, EventType.SLA_BREACHED)

"""The honest wait: handle times measured per queue, and each queued customer told their place
and expected wait again whenever it changes materially.

`record_handle_time` runs in the resolving transaction; `publish_waits` is one of the worker's
loops: it reads the queued cases in service order, computes each one's place and wait from the
live floor, and publishes `handoff.wait_updated` (conversation stream and webhook) for those whose
place or wait changed materially (`route.eta.place_changed`, `wait_changed`). The worker runs it
every few seconds, not on every tick: a wait is news on a human scale.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from baton.desk.locking import try_singleton
from baton.desk.notices import announce
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy
from baton.route.eta import (
    PRIOR_HANDLE_SECONDS,
    place_changed,
    queued_wait_seconds,
    updated_handle_mean,
    wait_changed,
)
from baton.store.floor import floor_snapshot
from baton.store.tables import ConversationRow, HandoffEventRow, HandoffRow, QueueStatRow
from baton.transfer.channels import fmt_wait

WAIT_UPDATED = "handoff.wait_updated"
WAITS_LOCK = 0x6261746F6E7761  # "batonwa"


def record_handle_time(*, session: Session, handoff: HandoffRow, now: datetime) -> float | None:
    """Fold a resolved case's handle time (first acceptance to now) into its queue's mean."""
    accepted = session.scalar(
        select(HandoffEventRow.at)
        .where(
            HandoffEventRow.handoff_id == handoff.id,
            HandoffEventRow.type == EventType.ACCEPTED.value,
        )
        .order_by(HandoffEventRow.id)
        .limit(1)
    )
    if accepted is None:
        return None
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(QueueStatRow)
        .values(
            tenant_id=handoff.tenant_id,
            queue=handoff.queue,
            arrivals_per_hour=0.0,
            mean_handle_seconds=PRIOR_HANDLE_SECONDS,
            cases=0,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    stat = session.get(QueueStatRow, (handoff.tenant_id, handoff.queue), with_for_update=True)
    assert stat is not None
    seconds = (now - accepted).total_seconds()
    stat.mean_handle_seconds = updated_handle_mean(stat.mean_handle_seconds, stat.cases, seconds)
    stat.cases += 1
    stat.updated_at = now
    return seconds


def wait_message(position: int, seconds: int | None) -> str:
    """What the customer reads: their place and the wait, in words."""
    place = "You're next" if position == 1 else f"You're number {position} in the queue"
    if seconds is None:
        return f"{place}; nobody from the team is online right now, and we'll be with you soon."
    if seconds == 0:
        return f"{place}; a person is about to join."
    return f"{place}; the expected wait is {fmt_wait(seconds)}."


def publish_waits(*, session: Session, tenant_id: str, policy: Policy, now: datetime) -> int:
    """Tell every queued customer of the tenant whose place or wait changed materially; return
    how many. Places and waits count only the tenant's cases and agents.

    One worker at a time (the places are read across the whole queue), the others skip the pass.
    """
    if not try_singleton(session, WAITS_LOCK):
        return 0
    queued = session.scalars(
        select(HandoffRow)
        .where(HandoffRow.tenant_id == tenant_id, HandoffRow.status == HandoffStatus.QUEUED.value)
        .order_by(HandoffRow.queue, HandoffRow.queue_key, HandoffRow.created_at)
    )
    by_queue: dict[str, list[HandoffRow]] = defaultdict(list)
    for handoff in queued:
        by_queue[handoff.queue].append(handoff)
    if not by_queue:
        return 0
    snapshot = floor_snapshot(session=session, tenant_id=tenant_id, policy=policy)
    told = 0
    for queue, cases in by_queue.items():
        load = snapshot.load(queue)
        for position, handoff in enumerate(cases, start=1):
            seconds = queued_wait_seconds(load, position)
            moved = place_changed(handoff.wait_position, position)
            if not moved and not wait_changed(handoff.wait_seconds, seconds):
                continue
            if not _claimed(session, handoff):
                continue  # a turn or a desk action holds it now; told on a later pass
            handoff.wait_position, handoff.wait_seconds = position, seconds
            _publish(session, handoff, position, seconds, now)
            told += 1
    return told


def _claimed(session: Session, handoff: HandoffRow) -> bool:
    """Lock the case's conversation, then the case, in the order a turn takes them, never waiting
    (a pass that waited on a turn's locks while holding others could deadlock with it); whether
    both were free and the case is still queued."""
    conversation = session.execute(
        select(ConversationRow.id)
        .where(
            ConversationRow.tenant_id == handoff.tenant_id,
            ConversationRow.id == handoff.conversation_id,
        )
        .with_for_update(skip_locked=True)
    ).first()
    if conversation is None:
        return False
    case = session.execute(
        select(HandoffRow.status)
        .where(HandoffRow.id == handoff.id)
        .with_for_update(skip_locked=True)
    ).first()
    return case is not None and case[0] == HandoffStatus.QUEUED.value


def _publish(
    session: Session, handoff: HandoffRow, position: int, seconds: int | None, now: datetime
) -> None:
    announce(
        session,
        handoff,
        WAIT_UPDATED,
        wait_message(position, seconds),
        now,
        position=position,
        expected_wait_seconds=seconds,
    )

"""Keep `handoff_facts` and `kpi_daily` in step with the handoff event log, incrementally.

The event log is the truth; these two tables are caches of it. `refresh` reads the events past a
watermark, re-derives the facts of every handoff they touch, and re-sums the days those facts
fall on. PostgreSQL hands out event ids before commit, so a refresh there re-reads the last
`PG_OVERLAP_EVENTS` events before the watermark to catch a transaction that committed late.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from baton.learn.facts import EventView, Fact, HandoffView, derive_fact
from baton.lifecycle import EventType
from baton.store.tables import (
    HandoffEventRow,
    HandoffFactRow,
    HandoffRow,
    KpiDailyRow,
    TurnRow,
    WatermarkRow,
)

WATERMARK = "handoff_facts"
PG_OVERLAP_EVENTS = 1000
F = HandoffFactRow


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(column: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


MEASURES: dict[str, ColumnElement[Any]] = {
    "offered": _total(F.offered),
    "declined": _total(F.declined),
    "handoffs": _total(F.created),
    "reached": _total(F.reached),
    "abandoned": _total(F.abandoned),
    "resolved": _total(F.resolved),
    "transferred": _count_if(F.transferred > 0),
    "tth_sum": _total(F.time_to_human_s),
    "tth_n": func.count(F.time_to_human_s),
    "tfa_sum": _total(F.first_action_s),
    "tfa_n": func.count(F.first_action_s),
    "handle_sum": _total(F.handle_s),
    "handle_n": func.count(F.handle_s),
    "labelled": func.count(F.necessary),
    "necessary": _total(F.necessary),
    "csat_sum": _total(F.csat),
    "csat_n": func.count(F.csat),
    "sla_n": func.count(F.sla_met),
    "sla_met": _total(F.sla_met),
    "replied": _count_if(F.replies > 0),
    "repeat_asked": _count_if(F.repeat_asks > 0),
    "meetings": _total(F.meeting),
    "escalated_conversations": _total(F.first_reach),
}
"""Every additive KPI sum, as an aggregate over `handoff_facts`; `kpi_daily` has one column each."""

DIMENSIONS = ("tenant_id", "day", "queue", "reason", "channel")


@dataclass(frozen=True, slots=True)
class RefreshStats:
    """Events read, facts derived (a handoff split across two batches is derived twice), days
    summed again."""

    events: int = 0
    derived: int = 0
    days: int = 0


def _watermark(session: Session, now: datetime) -> WatermarkRow:
    stmt = select(WatermarkRow).where(WatermarkRow.name == WATERMARK).with_for_update()
    row = session.scalars(stmt).first()
    if row is None:
        row = WatermarkRow(name=WATERMARK, event_id=0, updated_at=now)
        session.add(row)
        session.flush()
    return row


def refresh(*, session: Session, now: datetime, batch_size: int = 2000) -> RefreshStats:
    """Fold the events written since the last refresh into the facts and daily sums."""
    mark = _watermark(session, now)
    top = session.scalar(select(func.max(HandoffEventRow.id))) or 0
    if top <= mark.event_id:
        return RefreshStats()
    start = mark.event_id
    if session.get_bind().dialect.name == "postgresql":
        start = max(0, start - PG_OVERLAP_EVENTS)
    days: set[date] = set()
    events = derived = 0
    while True:
        rows = session.execute(
            select(HandoffEventRow.id, HandoffEventRow.handoff_id)
            .where(HandoffEventRow.id > start, HandoffEventRow.id <= top)
            .order_by(HandoffEventRow.id)
            .limit(batch_size)
        ).all()
        if not rows:
            break
        ids = list(dict.fromkeys(r.handoff_id for r in rows))
        days |= rebuild_facts(session=session, handoff_ids=ids)
        events, derived, start = events + len(rows), derived + len(ids), rows[-1].id
    rebuild_daily(session=session, days=days)
    mark.event_id, mark.updated_at = top, now
    session.flush()
    return RefreshStats(events=events, derived=derived, days=len(days))


def _views(session: Session, handoff_ids: Sequence[str]) -> list[HandoffView]:
    rows = session.scalars(select(HandoffRow).where(HandoffRow.id.in_(handoff_ids)))
    return [
        HandoffView(
            id=row.id,
            tenant_id=row.tenant_id,
            conversation_id=row.conversation_id,
            queue=row.queue,
            primary_reason=row.primary_reason,
            channel=row.channel,
            identifiers=tuple(
                (str(i.get("kind", "")), str(i.get("value", "")))
                for i in (row.brief or {}).get("identifiers", [])
            ),
            first_response_due=row.first_response_due,
            necessary=row.necessary,
            csat=row.csat,
            resolution_code=row.resolution_code,
            outcome=row.outcome,
        )
        for row in rows
    ]


def _reply_texts(
    session: Session, events: Iterable[tuple[tuple[str, str], EventView]]
) -> dict[int, str]:
    """Replies stored as agent turns: an event that names a `turn_id` instead of carrying text."""
    wanted = {
        (*conversation, str(e.data["turn_id"])): e.id
        for conversation, e in events
        if e.type == EventType.REPLIED.value and "text" not in e.data and "turn_id" in e.data
    }
    if not wanted:
        return {}
    rows = session.execute(
        select(TurnRow.tenant_id, TurnRow.conversation_id, TurnRow.turn_id, TurnRow.text).where(
            tuple_(TurnRow.tenant_id, TurnRow.conversation_id, TurnRow.turn_id).in_(list(wanted))
        )
    )
    return {wanted[(r.tenant_id, r.conversation_id, r.turn_id)]: r.text for r in rows}


def rebuild_facts(*, session: Session, handoff_ids: Sequence[str]) -> set[date]:
    """Re-derive these handoffs' facts; rewrite those that changed; return the days to re-sum."""
    views = {v.id: v for v in _views(session, handoff_ids)}
    by_handoff: dict[str, list[EventView]] = {hid: [] for hid in views}
    for row in session.scalars(
        select(HandoffEventRow)
        .where(HandoffEventRow.handoff_id.in_(list(views)))
        .order_by(HandoffEventRow.id)
    ):
        by_handoff[row.handoff_id].append(
            EventView(id=row.id, type=row.type, at=row.at, actor=row.actor, data=row.data or {})
        )
    texts = _reply_texts(
        session,
        (
            ((views[hid].tenant_id, views[hid].conversation_id), e)
            for hid, evs in by_handoff.items()
            for e in evs
        ),
    )
    facts = [
        fact
        for hid, evs in by_handoff.items()
        if (fact := derive_fact(views[hid], evs, texts)) is not None
    ]
    stored = _stored_facts(session, list(views))
    changed = [f for f in facts if stored.get(f.handoff_id) != _comparable(f.as_row())]
    gone = [hid for hid in stored if hid not in {f.handoff_id for f in facts}]
    stale = [f.handoff_id for f in changed if f.handoff_id in stored] + gone
    if stale:
        session.execute(delete(F).where(F.handoff_id.in_(stale)))
    store_facts(session=session, facts=changed)
    days = {f.day for f in changed} | {stored[hid]["day"] for hid in stale}
    conversations = {(f.tenant_id, f.conversation_id) for f in changed}
    return days | fix_first_reach(session=session, conversation_ids=conversations)


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    """A fact without its `first_reach`, which depends on the conversation's other handoffs."""
    return {k: v for k, v in row.items() if k != "first_reach"}


def _stored_facts(session: Session, handoff_ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = session.execute(select(*F.__table__.columns).where(F.handoff_id.in_(handoff_ids)))
    return {row.handoff_id: _comparable(dict(row._mapping)) for row in rows}


def store_facts(*, session: Session, facts: Sequence[Fact]) -> None:
    """Insert fact rows in bulk (Core executemany)."""
    if facts:
        session.execute(insert(F), [f.as_row() for f in facts])


def fix_first_reach(*, session: Session, conversation_ids: Iterable[tuple[str, str]]) -> set[date]:
    """Mark, per (tenant, conversation), only the earliest handoff that reached a person (for
    deflection)."""
    ids = list(conversation_ids)
    if not ids:
        return set()
    rows = session.execute(
        select(F.handoff_id, F.tenant_id, F.conversation_id, F.reached, F.first_reach, F.day)
        .where(F.conversation_id.in_([c for _, c in ids]))
        .order_by(F.tenant_id, F.conversation_id, F.opened_at, F.handoff_id)
    ).all()
    seen: set[tuple[str, str]] = set()
    changes: list[dict[str, Any]] = []
    days: set[date] = set()
    for row in rows:
        key = (row.tenant_id, row.conversation_id)
        first = int(bool(row.reached) and key not in seen)
        if row.reached:
            seen.add(key)
        if first != row.first_reach:
            changes.append({"handoff_id": row.handoff_id, "first_reach": first})
            days.add(row.day)
    if changes:
        session.execute(update(F), changes)
    return days


def rebuild_daily(*, session: Session, days: Iterable[date] | None = None) -> None:
    """Re-sum `kpi_daily` from the facts for these days (all days when None)."""
    columns = [*DIMENSIONS, *MEASURES]
    dimensions = [getattr(F, d) for d in DIMENSIONS]
    source = select(*dimensions, *MEASURES.values()).group_by(*dimensions)
    if days is None:
        session.execute(delete(KpiDailyRow))
        session.execute(insert(KpiDailyRow).from_select(columns, source))
        return
    ordered = sorted(days)
    for start in range(0, len(ordered), 200):
        chunk = ordered[start : start + 200]
        session.execute(delete(KpiDailyRow).where(KpiDailyRow.day.in_(chunk)))
        session.execute(insert(KpiDailyRow).from_select(columns, source.where(F.day.in_(chunk))))


def rebuild(*, session: Session, now: datetime) -> RefreshStats:
    """Drop both caches and fold the whole event log in again (after a definition changes)."""
    session.execute(delete(KpiDailyRow))
    session.execute(delete(F))
    _watermark(session, now).event_id = 0
    session.flush()
    return refresh(session=session, now=now)

"""The weekly review: a week's KPIs against the week before, trends, samples, coverage ideas.

`build_review` gathers the data (also written as JSON); `baton.learn.review_html` renders it as
one self-contained HTML page with inline SVG charts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from baton.learn.coverage import Candidate, CoverageCluster, cluster
from baton.learn.kpis import KpiFilters, KpiReport, compute_kpis, iso_week, kpi_sums
from baton.learn.rollup import refresh
from baton.lifecycle import EventType
from baton.store.tables import (
    ConversationRow,
    HandoffEventRow,
    HandoffFactRow,
    HandoffRow,
    TurnRow,
)

KB_ANSWER = "kb_answer"
SYNTHETIC_PREFIXES = ("syn-", "bench-")
MAX_LINE_CHARS = 400


class Line(BaseModel):
    role: str
    text: str


class Sample(BaseModel):
    handoff_id: str
    queue: str
    reason: str
    why: list[str]
    lines: list[Line]


class WeekCounts(BaseModel):
    week: str
    counts: dict[str, int]


class WeeklyReview(BaseModel):
    week: str
    since: datetime
    until: datetime
    previous_week: str
    generated_at: datetime
    synthetic_conversations: int = Field(description="conversations seeded as synthetic data")
    kpis: KpiReport
    previous: KpiReport
    daily_by_queue: dict[str, dict[str, int]] = Field(description="day -> queue -> handoffs")
    reason_trend: list[WeekCounts]
    unnecessary_by_reason: dict[str, int]
    samples: list[Sample]
    coverage: list[CoverageCluster]


def week_label(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def _daily_by_queue(
    session: Session, since: datetime, until: datetime
) -> dict[str, dict[str, int]]:
    groups = kpi_sums(
        session=session, since=since, until=until, filters=KpiFilters(), by=("day", "queue")
    )
    out: dict[str, dict[str, int]] = {
        (since + timedelta(days=d)).date().isoformat(): {} for d in range((until - since).days)
    }
    for (day, queue), sums in groups.items():
        out.setdefault(day.isoformat(), {})[queue] = int(sums["handoffs"])
    return out


def _reason_trend(session: Session, since: datetime, weeks: int) -> list[WeekCounts]:
    start = since - timedelta(days=7 * (weeks - 1))
    groups = kpi_sums(
        session=session,
        since=start,
        until=since + timedelta(days=7),
        filters=KpiFilters(),
        by=("day", "reason"),
    )
    counts: dict[str, defaultdict[str, int]] = {
        week_label(start + timedelta(days=7 * w)): defaultdict(int) for w in range(weeks)
    }
    for (day, reason), sums in groups.items():
        counts[week_label(day)][reason] += int(sums["handoffs"])
    return [WeekCounts(week=w, counts=dict(c)) for w, c in counts.items()]


def _unnecessary(session: Session, since: datetime, until: datetime) -> dict[str, int]:
    groups = kpi_sums(
        session=session, since=since, until=until, filters=KpiFilters(), by=("reason",)
    )
    out = {str(k[0]): int(s["labelled"] - s["necessary"]) for k, s in groups.items()}
    return dict(sorted(((k, v) for k, v in out.items() if v), key=lambda kv: -kv[1]))


def _week_rows(session: Session, since: datetime, until: datetime, *where: Any) -> list[Any]:
    f = HandoffFactRow
    return list(
        session.execute(
            select(HandoffRow, f)
            .join(f, f.handoff_id == HandoffRow.id)
            .where(f.opened_at >= since, f.opened_at < until, or_(*where))
            .order_by(f.opened_at, f.handoff_id)
            .limit(5000)
        ).all()
    )


def _user_text(handoff: HandoffRow) -> str:
    lines = [
        str(t.get("text", ""))
        for t in (handoff.brief or {}).get("transcript", [])
        if t.get("role") == "user"
    ]
    return " ".join(lines) or str((handoff.brief or {}).get("desired_outcome", ""))


def _coverage(session: Session, since: datetime, until: datetime) -> list[CoverageCluster]:
    f = HandoffFactRow
    rows = _week_rows(
        session,
        since,
        until,
        f.necessary == 0,
        HandoffRow.outcome == KB_ANSWER,
        HandoffRow.resolution_code == KB_ANSWER,
    )
    candidates = [
        Candidate(
            handoff_id=h.id,
            text=_user_text(h),
            queue=h.queue,
            reason=fact.reason,
            unnecessary=fact.necessary == 0,
            kb_answer=KB_ANSWER in (h.outcome, h.resolution_code),
        )
        for h, fact in rows
    ]
    return cluster([c for c in candidates if c.text.strip()])


def _why(fact: HandoffFactRow) -> list[str]:
    reasons = []
    if fact.necessary == 0:
        reasons.append("labelled unnecessary")
    if fact.csat is not None and fact.csat <= 2:
        reasons.append(f"CSAT {fact.csat}")
    if fact.repeat_asks:
        reasons.append("agent asked for something the brief had")
    if fact.abandoned:
        reasons.append("abandoned before a person answered")
    return reasons


def _lines(session: Session, handoff: HandoffRow) -> list[Line]:
    """The brief's transcript, then what the agent wrote: the texts of the turns the desk stored."""
    lines = [
        Line(role=str(t.get("role", "")), text=str(t.get("text", ""))[:MAX_LINE_CHARS])
        for t in (handoff.brief or {}).get("transcript", [])
    ]
    reply_turns = select(HandoffEventRow.data).where(
        HandoffEventRow.handoff_id == handoff.id,
        HandoffEventRow.type == EventType.REPLIED.value,
    )
    turn_ids = [str(d.get("turn_id")) for d in session.scalars(reply_turns) if d.get("turn_id")]
    if turn_ids:
        agent_turns = session.scalars(
            select(TurnRow.text)
            .where(
                TurnRow.conversation_id == handoff.conversation_id,
                TurnRow.turn_id.in_(turn_ids),
            )
            .order_by(TurnRow.seq)
        )
        lines += [Line(role="agent", text=text[:MAX_LINE_CHARS]) for text in agent_turns]
    return lines[-12:]


def _samples(session: Session, since: datetime, until: datetime, limit: int) -> list[Sample]:
    """Cases worth a second look, a few of each kind, in time order within a kind."""
    f = HandoffFactRow
    kinds = (f.necessary == 0, f.csat <= 2, f.repeat_asks > 0, f.abandoned == 1)
    rows = _week_rows(session, since, until, *kinds)
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for handoff, fact in rows:
        by_kind[_why(fact)[0]].append((handoff, fact))
    picked: list[Any] = []
    while len(picked) < limit and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(picked) < limit:
                picked.append(by_kind[kind].pop(0))
    return [
        Sample(
            handoff_id=h.id,
            queue=h.queue,
            reason=fact.reason,
            why=_why(fact),
            lines=_lines(session, h),
        )
        for h, fact in picked
    ]


def build_review(
    *, session: Session, week: str, now: datetime, trend_weeks: int = 6, samples: int = 6
) -> WeeklyReview:
    """Everything the weekly review shows, computed from the event log (refreshed first)."""
    since, until = iso_week(week)
    previous = since - timedelta(days=7)
    refresh(session=session, now=now)
    synthetic = session.scalar(
        select(func.count()).where(
            ConversationRow.created_at >= since,
            ConversationRow.created_at < until,
            or_(*(ConversationRow.id.startswith(p) for p in SYNTHETIC_PREFIXES)),
        )
    )
    return WeeklyReview(
        week=week,
        since=since,
        until=until,
        previous_week=week_label(previous),
        generated_at=now,
        synthetic_conversations=int(synthetic or 0),
        kpis=compute_kpis(session=session, since=since, until=until, interval="day"),
        previous=compute_kpis(session=session, since=previous, until=since),
        daily_by_queue=_daily_by_queue(session, since, until),
        reason_trend=_reason_trend(session, since, trend_weeks),
        unnecessary_by_reason=_unnecessary(session, since, until),
        samples=_samples(session, since, until, samples),
        coverage=_coverage(session, since, until),
    )

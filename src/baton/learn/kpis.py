"""KPIs over any period, per queue, reason and channel, computed from the handoff event log.

`kpi_report` is the one entry point (the API and the console dashboard call it): it folds new
events into the caches (`baton.learn.rollup`) and sums whole UTC days from `kpi_daily` and the
partial days at either end of the period from `handoff_facts`, so the answer is exact to the
second and fast at a million handoffs. Rates are fractions in [0, 1]; times are seconds.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from baton.errors import InvalidRequest
from baton.learn.rollup import MEASURES, refresh
from baton.lifecycle import EventType, HandoffStatus
from baton.store.tables import (
    ConversationRow,
    EpisodeRow,
    HandoffEventRow,
    HandoffFactRow,
    HandoffRow,
    KpiDailyRow,
)

Interval = Literal["day", "week"]
DIMENSION_KEYS = ("queue", "reason", "channel")
Sums = Counter[str]
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
# Dates a report may name: the calendar arithmetic around them (a week before, a week after)
# stays inside what `datetime` can hold.
FIRST_YEAR = 1970
LAST_YEAR = 9998
# The longest period one report may cover, by interval (None: totals only). A series has one
# point per bucket, so its cost grows with the period: a year of days, ten years of weeks.
MAX_PERIOD_DAYS: dict[str | None, int] = {"day": 366, "week": 3653, None: 3653}


class KpiFilters(BaseModel):
    queue: str | None = None
    reason: str | None = None
    channel: str | None = None

    @property
    def active(self) -> bool:
        return any((self.queue, self.reason, self.channel))


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _mean(total: float, n: float) -> float | None:
    return round(total / n, 1) if n else None


class Kpis(BaseModel):
    """The KPIs of a set of handoffs; None where nothing was there to measure."""

    handoffs: int = Field(description="cases that entered a queue")
    offered: int = Field(description="handoffs offered to the customer")
    declined: int = Field(description="offers the customer declined")
    reached: int = Field(description="cases a person took (accepted or replied)")
    abandoned: int = Field(description="cases the customer left before a person answered")
    resolved: int
    transferred: int
    time_to_human_seconds: float | None = Field(description="mean, created -> accepted")
    completion_rate: float | None = Field(description="reached / (reached + abandoned)")
    escalation_accuracy: float | None = Field(description="labelled necessary / labelled")
    labelled: int
    time_to_first_action_seconds: float | None = Field(description="mean, created -> first reply")
    handle_time_seconds: float | None = Field(description="mean, accepted -> resolved")
    repeat_ask_rate: float | None = Field(
        description="cases where an agent asked for an identifier the brief had / cases replied to"
    )
    sla_attainment: float | None = Field(description="first responses within the SLA / measured")
    csat: float | None = Field(description="mean customer score, 1-5")
    csat_responses: int
    resolution_rate: float | None = Field(description="resolved / handoffs")
    meetings_booked: int
    escalated_conversations: int = Field(description="conversations in which a person took part")

    @classmethod
    def from_sums(cls, s: Mapping[str, float]) -> Kpis:
        return cls(
            handoffs=int(s["handoffs"]),
            offered=int(s["offered"]),
            declined=int(s["declined"]),
            reached=int(s["reached"]),
            abandoned=int(s["abandoned"]),
            resolved=int(s["resolved"]),
            transferred=int(s["transferred"]),
            time_to_human_seconds=_mean(s["tth_sum"], s["tth_n"]),
            completion_rate=_ratio(s["reached"], s["reached"] + s["abandoned"]),
            escalation_accuracy=_ratio(s["necessary"], s["labelled"]),
            labelled=int(s["labelled"]),
            time_to_first_action_seconds=_mean(s["tfa_sum"], s["tfa_n"]),
            handle_time_seconds=_mean(s["handle_sum"], s["handle_n"]),
            repeat_ask_rate=_ratio(s["repeat_asked"], s["replied"]),
            sla_attainment=_ratio(s["sla_met"], s["sla_n"]),
            csat=round(s["csat_sum"] / s["csat_n"], 2) if s["csat_n"] else None,
            csat_responses=int(s["csat_n"]),
            resolution_rate=_ratio(s["resolved"], s["handoffs"]),
            meetings_booked=int(s["meetings"]),
            escalated_conversations=int(s["escalated_conversations"]),
        )


class KpiPoint(BaseModel):
    start: date
    end: date = Field(description="exclusive")
    kpis: Kpis


class KpiReport(BaseModel):
    since: datetime
    until: datetime = Field(description="exclusive")
    filters: KpiFilters
    conversations: int | None = Field(description="conversations started in the period")
    episodes: int | None = Field(description="episodes started in the period")
    deflected: int | None = Field(
        description="of those episodes, the ones with no handoff at all: no case entered a queue "
        "and no offer is open"
    )
    deflection_rate: float | None = Field(description="deflected / episodes")
    overall: Kpis
    by_queue: dict[str, Kpis]
    by_reason: dict[str, Kpis]
    by_channel: dict[str, Kpis]
    interval: Interval | None = None
    series: list[KpiPoint] = Field(default_factory=list)


def iso_week(week: str) -> tuple[datetime, datetime]:
    """'2026-W47' -> that ISO week's Monday 00:00 UTC and the next Monday."""
    match = _WEEK.match(week)
    if match is None:
        raise InvalidRequest(f"{week!r} is not an ISO week like 2026-W47", field="week")
    if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise InvalidRequest(
            f"a week's year is from {FIRST_YEAR} to {LAST_YEAR}", field="week", code="out_of_range"
        )
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise InvalidRequest(f"{week!r} is not a week of that year", field="week") from exc
    start = datetime.combine(monday, time(), tzinfo=UTC)
    if monday > date.max - timedelta(days=7):
        raise InvalidRequest(f"{week!r} ends past the last date Baton can hold", field="week")
    return start, start + timedelta(days=7)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _split(
    since: datetime, until: datetime
) -> tuple[tuple[date, date] | None, list[tuple[datetime, datetime]]]:
    """Whole UTC days inside [since, until) and the partial spans at either end."""
    first = since.astimezone(UTC).date()
    if _midnight(first) < since:
        first += timedelta(days=1)
    last = until.astimezone(UTC).date()
    if first >= last:
        return None, [(since, until)]
    edges = [(since, _midnight(first)), (_midnight(last), until)]
    return (first, last), [(a, b) for a, b in edges if a < b]


def _where(table: Any, filters: KpiFilters) -> list[Any]:
    return [
        getattr(table, name) == value
        for name, value in filters.model_dump().items()
        if value is not None
    ]


def kpi_sums(
    *,
    session: Session,
    tenant_id: str,
    since: datetime,
    until: datetime,
    filters: KpiFilters,
    by: Sequence[str],
) -> dict[tuple[Any, ...], Sums]:
    """The additive sums grouped by `by` (names among day, queue, reason, channel)."""
    days, edges = _split(since, until)
    out: defaultdict[tuple[Any, ...], Sums] = defaultdict(Counter)
    queries = []
    if days is not None:
        d = KpiDailyRow
        queries.append(
            select(*(getattr(d, k) for k in by), *(func.sum(getattr(d, m)) for m in MEASURES))
            .where(d.tenant_id == tenant_id, d.day >= days[0], d.day < days[1])
            .where(*_where(d, filters))
            .group_by(*(getattr(d, k) for k in by))
        )
    f = HandoffFactRow
    for start, end in edges:
        queries.append(
            select(*(getattr(f, k) for k in by), *MEASURES.values())
            .where(f.tenant_id == tenant_id, f.opened_at >= start, f.opened_at < end)
            .where(*_where(f, filters))
            .group_by(*(getattr(f, k) for k in by))
        )
    for query in queries:
        for row in session.execute(query):
            key = tuple(row[: len(by)])
            out[key].update(
                {m: float(v or 0) for m, v in zip(MEASURES, row[len(by) :], strict=True)}
            )
    return dict(out)


def _zero() -> Sums:
    return Counter(dict.fromkeys(MEASURES, 0.0))


def _rollup(groups: Mapping[tuple[Any, ...], Sums], index: int | None) -> dict[str, Sums]:
    out: defaultdict[str, Sums] = defaultdict(_zero)
    for key, sums in groups.items():
        out["all" if index is None else str(key[index])].update(sums)
    return dict(out)


def check_period(since: datetime, until: datetime, interval: Interval | None) -> None:
    """Refuse an empty period or one longer than `MAX_PERIOD_DAYS` allows for `interval`."""
    if until <= since:
        raise InvalidRequest("'until' must come after 'since'", field="until")
    cap = MAX_PERIOD_DAYS[interval]
    if until - since > timedelta(days=cap):
        per = f"at interval={interval}" if interval else "without an interval"
        raise InvalidRequest(
            f"a period is at most {cap} days {per}; ask for a shorter one",
            field="since",
            code="period_too_long",
        )


def _series(
    session: Session,
    tenant_id: str,
    since: datetime,
    until: datetime,
    filters: KpiFilters,
    interval: Interval,
) -> list[KpiPoint]:
    groups = kpi_sums(
        session=session,
        tenant_id=tenant_id,
        since=since,
        until=until,
        filters=filters,
        by=("day",),
    )
    step = 7 if interval == "week" else 1
    start = since.astimezone(UTC).date()
    if interval == "week":
        start -= timedelta(days=start.weekday())
    points: list[KpiPoint] = []
    while _midnight(start) < until:
        end = start + timedelta(days=step)
        sums = _zero()
        for (day,), s in groups.items():
            if start <= day < end:
                sums.update(s)
        points.append(KpiPoint(start=start, end=end, kpis=Kpis.from_sums(sums)))
        start = end
    return points


def episode_counts(
    *, session: Session, tenant_id: str, since: datetime, until: datetime
) -> tuple[int, int]:
    """Episodes started in [since, until), and those that ended with no handoff at all.

    A conversation's first episode starts with it; later ones are rows of `episodes`. A handoff
    counts against deflection when it entered a queue (a `created` event) or is an offer still
    open; a declined or ignored offer does not.
    """
    c, e, h, ev = ConversationRow, EpisodeRow, HandoffRow, HandoffEventRow
    entered = select(ev.id).where(ev.type == EventType.CREATED.value)
    started = union_all(
        select(c.id.label("cid"), literal(1).label("n")).where(
            c.tenant_id == tenant_id, c.created_at >= since, c.created_at < until
        ),
        select(e.conversation_id.label("cid"), e.number.label("n")).where(
            e.tenant_id == tenant_id, e.number > 1, e.started_at >= since, e.started_at < until
        ),
    ).subquery()
    handed = (
        select(h.id)
        .where(
            h.tenant_id == tenant_id,
            h.conversation_id == started.c.cid,
            h.episode == started.c.n,
            or_(
                h.status == HandoffStatus.OFFERED.value,
                entered.where(ev.handoff_id == h.id).exists(),
            ),
        )
        .exists()
    )
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(case((handed, 0), else_=1)), 0)).select_from(
            started
        )
    ).one()
    return int(row[0]), int(row[1])


def compute_kpis(
    *,
    session: Session,
    tenant_id: str,
    since: datetime,
    until: datetime,
    filters: KpiFilters | None = None,
    interval: Interval | None = None,
) -> KpiReport:
    """The KPIs from the caches as they stand (call `kpi_report` to refresh them first)."""
    check_period(since, until, interval)
    filters = filters or KpiFilters()
    groups = kpi_sums(
        session=session,
        tenant_id=tenant_id,
        since=since,
        until=until,
        filters=filters,
        by=DIMENSION_KEYS,
    )
    overall = _rollup(groups, None).get("all", _zero())
    conversations = episodes = deflected = None
    deflection = None
    if not filters.active:
        conversations = int(
            session.scalar(
                select(func.count()).where(
                    ConversationRow.tenant_id == tenant_id,
                    ConversationRow.created_at >= since,
                    ConversationRow.created_at < until,
                )
            )
            or 0
        )
        episodes, deflected = episode_counts(
            session=session, tenant_id=tenant_id, since=since, until=until
        )
        deflection = _ratio(deflected, episodes)
    return KpiReport(
        since=since,
        until=until,
        filters=filters,
        conversations=conversations,
        episodes=episodes,
        deflected=deflected,
        deflection_rate=deflection,
        overall=Kpis.from_sums(overall),
        by_queue={k: Kpis.from_sums(v) for k, v in sorted(_rollup(groups, 0).items())},
        by_reason={k: Kpis.from_sums(v) for k, v in sorted(_rollup(groups, 1).items())},
        by_channel={k: Kpis.from_sums(v) for k, v in sorted(_rollup(groups, 2).items())},
        interval=interval,
        series=_series(session, tenant_id, since, until, filters, interval) if interval else [],
    )


def kpi_report(
    *,
    session: Session,
    tenant_id: str,
    since: datetime,
    until: datetime,
    now: datetime,
    filters: KpiFilters | None = None,
    interval: Interval | None = None,
) -> KpiReport:
    """Refresh the caches from the event log, then compute the KPIs: what dashboards call."""
    check_period(since, until, interval)
    refresh(session=session, now=now)
    return compute_kpis(
        session=session,
        tenant_id=tenant_id,
        since=since,
        until=until,
        filters=filters,
        interval=interval,
    )

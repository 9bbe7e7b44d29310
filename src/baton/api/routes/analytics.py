"""Analytics: the KPIs over a period, and the customer's satisfaction score for a handoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from baton.api.deps import BotKey, Now, ReadKey, SessionDep
from baton.api.routes.turns import _ERRORS
from baton.errors import InvalidRequest
from baton.learn.csat import record_csat
from baton.learn.kpis import (
    FIRST_YEAR,
    LAST_YEAR,
    Interval,
    KpiFilters,
    KpiReport,
    check_period,
    iso_week,
    kpi_report,
)

router = APIRouter(prefix="/v1", tags=["analytics"])
DEFAULT_DAYS = 7


class CsatCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(
        ge=1, le=5, strict=True, description="a JSON integer, 1 (very unhappy) to 5 (very happy)"
    )
    comment: str | None = Field(default=None, max_length=2000)


class CsatRead(BaseModel):
    handoff_id: str
    csat: int


def _instant(value: str, field: str) -> datetime:
    """A date means its midnight UTC; a datetime needs a time zone."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidRequest(f"{value!r} is not an ISO date or datetime", field=field) from exc
    if parsed.tzinfo is None:
        raise InvalidRequest("give the time zone, e.g. 2026-11-16T00:00:00Z", field=field)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidRequest(f"{value!r} is out of range in UTC", field=field) from None


def _in_years(instant: datetime, field: str) -> datetime:
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise InvalidRequest(
            f"a date's year is from {FIRST_YEAR} to {LAST_YEAR}", field=field, code="out_of_range"
        )
    return instant


def _period(
    since: str | None, until: str | None, week: str | None, now: datetime, interval: Interval | None
) -> tuple[datetime, datetime]:
    """The period asked for, refused before any work when it is malformed or too long."""
    if week is not None:
        if since or until:
            raise InvalidRequest("give either 'week' or 'since'/'until'", field="week")
        return iso_week(week)
    end = _instant(until, "until") if until else now
    if since:
        start = _instant(since, "since")
    else:
        start = _in_years(end, "until") - timedelta(days=DEFAULT_DAYS)
    check_period(start, end, interval)
    return _in_years(start, "since"), _in_years(end, "until")


@router.get("/analytics/kpis", response_model=KpiReport, responses=_ERRORS)
def get_kpis(
    session: SessionDep,
    now: Now,
    caller: ReadKey,
    since: Annotated[str | None, Query(max_length=40, description="ISO date or datetime")] = None,
    until: Annotated[str | None, Query(max_length=40, description="exclusive; default now")] = None,
    week: Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$", description="2026-W47")] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    reason: Annotated[str | None, Query(max_length=32)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    interval: Interval | None = None,
) -> KpiReport:
    """KPIs for a period (the last 7 days by default), overall and per queue, reason, channel."""
    start, end = _period(since, until, week, now, interval)
    return kpi_report(
        session=session,
        tenant_id=caller.tenant_id,
        since=start,
        until=end,
        now=now,
        filters=KpiFilters(queue=queue, reason=reason, channel=channel),
        interval=interval,
    )


@router.post(
    "/handoffs/{handoff_id}/csat",
    response_model=CsatRead,
    responses={**_ERRORS, 404: _ERRORS[409]},
)
def post_csat(
    handoff_id: str, body: CsatCreate, session: SessionDep, now: Now, caller: BotKey
) -> CsatRead:
    """The customer's score for how the case went; recorded once, as a `csat` event."""
    handoff = record_csat(
        session=session,
        tenant_id=caller.tenant_id,
        handoff_id=handoff_id,
        score=body.score,
        comment=body.comment,
        now=now,
    )
    return CsatRead(handoff_id=handoff.id, csat=body.score)

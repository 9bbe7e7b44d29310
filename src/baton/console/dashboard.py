"""The supervisors' dashboard: the KPIs of the last days, per queue and reason, with charts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from baton.api.deps import Now, SessionDep
from baton.console.auth import SignedInDep
from baton.console.web import ConsoleRoute, render
from baton.desk import agents
from baton.errors import Forbidden
from baton.learn.charts import Series, bar_chart, line_chart
from baton.learn.kpis import KpiReport, kpi_report

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
PERIODS = (7, 30, 90)


def _charts(report: KpiReport) -> list[str]:
    days = [p.start.strftime("%d %b") for p in report.series]
    queues = sorted(report.by_queue)
    reasons = sorted(report.by_reason, key=lambda r: -report.by_reason[r].handoffs)
    return [
        bar_chart(
            title="Handoffs per day",
            categories=days,
            series=[Series("handoffs", [p.kpis.handoffs for p in report.series])],
            x_label="day (UTC)",
            y_label="handoffs (count)",
        ),
        line_chart(
            title="Mean time to a person per day",
            categories=days,
            series=[
                Series(
                    "time to human",
                    [
                        None
                        if p.kpis.time_to_human_seconds is None
                        else round(p.kpis.time_to_human_seconds / 60, 1)
                        for p in report.series
                    ],
                )
            ],
            x_label="day (UTC)",
            y_label="minutes",
        ),
        bar_chart(
            title="Handoffs and resolutions per queue",
            categories=queues,
            series=[
                Series("handoffs", [report.by_queue[q].handoffs for q in queues]),
                Series("resolved", [report.by_queue[q].resolved for q in queues]),
            ],
            x_label="queue",
            y_label="cases (count)",
        ),
        bar_chart(
            title="Handoffs per reason",
            categories=reasons,
            series=[Series("handoffs", [report.by_reason[r].handoffs for r in reasons])],
            x_label="reason code",
            y_label="handoffs (count)",
        ),
    ]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    session: SessionDep,
    signed: SignedInDep,
    now: Now,
    days: Annotated[int, Query(ge=1, le=366)] = 7,
) -> Response:
    """Supervisors and admins see how handoffs went over the last `days` days."""
    if not agents.role_of(signed.agent).sees_every_queue:
        raise Forbidden("the dashboard is for supervisors and admins", field="role")
    report = kpi_report(
        session=session,
        tenant_id=signed.agent.tenant_id,
        since=now - timedelta(days=days),
        until=now,
        now=now,
        interval="day",
    )
    context: dict[str, Any] = {
        "signed": signed,
        "agent": signed.agent,
        "notice": None,
        "days": days,
        "periods": PERIODS,
        "report": report,
        "charts": _charts(report),
    }
    return render(request, "dashboard.html", context)

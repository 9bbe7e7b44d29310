"""The weekly review as one self-contained HTML page: inline CSS and SVG, no scripts."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from baton.learn.charts import Series, bar_chart, line_chart
from baton.learn.kpis import KpiReport
from baton.learn.review import WeeklyReview

Unit = Literal["count", "pct", "minutes", "score"]
NO_DATA = "\u2013"
# label, where the value lives, unit, which way is better
KPI_ROWS: tuple[tuple[str, str, Unit, str | None], ...] = (
    ("Handoffs", "handoffs", "count", None),
    ("Deflection (AI finished alone)", "deflection_rate", "pct", "up"),
    ("Time to human", "time_to_human_seconds", "minutes", "down"),
    ("Time to first action", "time_to_first_action_seconds", "minutes", "down"),
    ("Handle time", "handle_time_seconds", "minutes", None),
    ("Completion (reached a person)", "completion_rate", "pct", "up"),
    ("Escalation accuracy", "escalation_accuracy", "pct", "up"),
    ("Repeat-ask rate", "repeat_ask_rate", "pct", "down"),
    ("SLA attainment", "sla_attainment", "pct", "up"),
    ("CSAT (1-5)", "csat", "score", "up"),
    ("Resolution rate", "resolution_rate", "pct", "up"),
    ("Meetings booked", "meetings_booked", "count", "up"),
)
RATE_BARS = (
    ("Deflection", "deflection_rate"),
    ("Completion", "completion_rate"),
    ("Escalation accuracy", "escalation_accuracy"),
    ("SLA attainment", "sla_attainment"),
    ("Resolution", "resolution_rate"),
    ("Repeat asks", "repeat_ask_rate"),
)
TIME_BARS = (
    ("Time to human", "time_to_human_seconds"),
    ("Time to first action", "time_to_first_action_seconds"),
    ("Handle time", "handle_time_seconds"),
)

_env = Environment(
    loader=PackageLoader("baton.learn", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def value_of(report: KpiReport, key: str) -> float | None:
    value = getattr(report, key) if key == "deflection_rate" else getattr(report.overall, key)
    return None if value is None else float(value)


def fmt(value: float | None, unit: Unit) -> str:
    if value is None:
        return NO_DATA
    return {
        "count": f"{value:,.0f}",
        "pct": f"{value * 100:.1f} %",
        "minutes": f"{value / 60:.1f} min",
        "score": f"{value:.2f}",
    }[unit]


def delta(
    now: float | None, before: float | None, unit: Unit, better: str | None
) -> dict[str, str]:
    if now is None or before is None:
        return {"text": NO_DATA, "tone": ""}
    diff = now - before
    text = {
        "count": f"{diff:+,.0f}",
        "pct": f"{diff * 100:+.1f} pp",
        "minutes": f"{diff / 60:+.1f} min",
        "score": f"{diff:+.2f}",
    }[unit]
    tone = "" if better is None or abs(diff) < 1e-9 else "better"
    if tone and (diff > 0) != (better == "up"):
        tone = "worse"
    return {"text": text, "tone": tone}


def _kpi_table(review: WeeklyReview) -> list[dict[str, Any]]:
    rows = []
    for label, key, unit, better in KPI_ROWS:
        now, before = value_of(review.kpis, key), value_of(review.previous, key)
        rows.append(
            {"label": label, "now": fmt(now, unit), "before": fmt(before, unit),
             "delta": delta(now, before, unit, better)}
        )  # fmt: skip
    return rows


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%a %d %b")


def charts(review: WeeklyReview) -> dict[str, Markup]:
    """Every chart of the review as SVG, keyed by the section it belongs to."""
    days = list(review.daily_by_queue)
    queues = sorted({q for v in review.daily_by_queue.values() for q in v})
    reasons = sorted({r for w in review.reason_trend for r, n in w.counts.items() if n})
    both = (review.previous_week, review.week)
    reports = (review.previous, review.kpis)
    sla_queues = sorted(set(review.kpis.by_queue) | set(review.previous.by_queue))
    svgs = {
        "volume": bar_chart(
            title="Handoffs per day, by queue",
            categories=[_day(d) for d in days],
            series=[Series(q, [review.daily_by_queue[d].get(q, 0) for d in days]) for q in queues],
            x_label="Day (UTC)",
            y_label="Handoffs (count)",
            stacked=True,
        ),
        "reasons": line_chart(
            title=f"Handoffs by reason, last {len(review.reason_trend)} weeks",
            categories=[w.week for w in review.reason_trend],
            series=[Series(r, [w.counts.get(r, 0) for w in review.reason_trend]) for r in reasons],
            x_label="ISO week",
            y_label="Handoffs per week (count)",
        ),
        "rates": bar_chart(
            title="Rates, this week against the week before",
            categories=[label for label, _ in RATE_BARS],
            series=[
                Series(w, [_pct(value_of(r, k)) for _, k in RATE_BARS])
                for w, r in zip(both, reports, strict=True)
            ],
            x_label="KPI",
            y_label="Share of cases (%)",
            y_max=100,
        ),
        "times": bar_chart(
            title="Times, this week against the week before",
            categories=[label for label, _ in TIME_BARS],
            series=[
                Series(w, [_minutes(value_of(r, k)) for _, k in TIME_BARS])
                for w, r in zip(both, reports, strict=True)
            ],
            x_label="KPI (mean)",
            y_label="Mean time (minutes)",
        ),
        "sla": bar_chart(
            title="SLA attainment per queue (first response)",
            categories=sla_queues,
            series=[
                Series(
                    w,
                    [
                        _pct(r.by_queue[q].sla_attainment) if q in r.by_queue else None
                        for q in sla_queues
                    ],
                )
                for w, r in zip(both, reports, strict=True)
            ],
            x_label="Queue",
            y_label="First responses within SLA (%)",
            y_max=100,
        ),
        "unnecessary": bar_chart(
            title="Handoffs labelled unnecessary, by reason",
            categories=list(review.unnecessary_by_reason),
            series=[Series(review.week, [float(v) for v in review.unnecessary_by_reason.values()])],
            x_label="Reason that triggered the handoff",
            y_label="Handoffs labelled unnecessary (count)",
        ),
    }
    return {key: Markup(svg) for key, svg in svgs.items()}  # noqa: S704 - built and escaped in charts


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 1)


def render_html(review: WeeklyReview) -> str:
    """The review as a standalone HTML document."""
    return _env.get_template("review.html.j2").render(
        review=review, kpi_rows=_kpi_table(review), charts=charts(review), fmt=fmt
    )

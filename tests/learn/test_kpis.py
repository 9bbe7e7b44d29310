"""KPIs on a hand-written event history; every expected value is worked out in the comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from baton.learn.kpis import KpiFilters, compute_kpis, iso_week, kpi_report
from baton.learn.rollup import refresh
from baton.store.tables import DEFAULT_TENANT
from tests.factories.learn import add_conversation, add_handoff

T0 = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # Tuesday of ISO week 2026-W47
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def seed(session: Session) -> None:
    """Eight handoffs (seven in W47), ten conversations in W47, four of them reached a person."""
    for cid, at in [
        ("c1", T0 - s(60)),
        ("c3", T0 + s(7000)),
        ("c4", T0 + s(82000)),
        ("c5", T0 + s(180000)),
        ("c6", T0 + s(250000)),
        ("c7", T0 - timedelta(days=7)),
        ("c8", T0 + s(450000)),
        *((f"c{n}", T0 + s(1000 * n)) for n in (9, 10, 11, 12)),
    ]:
        add_conversation(session, cid, at)
    # H1 support/human_requested/chat: tth 60, tfa 120, handle 540, SLA met, necessary, csat 5.
    add_handoff(session, "h1", "c1", queue="support", reason="human_requested", channel="chat",
                due=T0 + s(3600), necessary=True, csat=5, outcome="solved", events=[
                    ("created", T0), ("accepted", T0 + s(60)),
                    ("replied", T0 + s(120), {"text": "Hi, I can help with that."}),
                    ("resolved", T0 + s(600)), ("labelled", T0 + s(601), {"necessary": True}),
                    ("csat", T0 + s(700), {"score": 5})])  # fmt: skip
    # H2, same conversation: tth 300, tfa 400, handle 1200, a repeat ask for the order number.
    t2 = T0 + s(3600)
    add_handoff(session, "h2", "c1", queue="support", reason="low_confidence", channel="chat",
                due=t2 + s(3600), necessary=False, csat=2, outcome="kb_answer",
                identifiers=[("order", "ORD-12345")], events=[
                    ("created", t2), ("accepted", t2 + s(300)),
                    ("replied", t2 + s(400), {"text": "Could you send me your order number?"}),
                    ("replied", t2 + s(500), {"text": "Thanks, order ORD-12345 is on its way."}),
                    ("resolved", t2 + s(1500))])  # fmt: skip
    # H3 billing/email: nobody accepts, the SLA timer fires, the customer leaves: abandoned.
    t3 = T0 + s(7200)
    add_handoff(session, "h3", "c3", queue="billing", reason="policy_restricted", channel="email",
                status="abandoned", due=t3 + s(7200), events=[
                    ("created", t3), ("sla_breached", t3 + s(7200), {"kind": "first_response"}),
                    ("abandoned", t3 + s(9000))])  # fmt: skip
    # H4 billing/email on Wednesday: tth 1800, tfa 3600, handle 5400, asks again for the e-mail.
    t4 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
    add_handoff(session, "h4", "c4", queue="billing", reason="policy_restricted", channel="email",
                due=t4 + s(7200), necessary=True, outcome="refund_issued",
                identifiers=[("email", "ann@example.com"), ("order", "ORD-9")], events=[
                    ("created", t4), ("accepted", t4 + s(1800)),
                    ("replied", t4 + s(3600), {"text": "What's your email address?"}),
                    ("resolved", t4 + s(7200))])  # fmt: skip
    # H5 sales/meeting on Thursday: offered, taken 30 s later; tth 600, tfa 1200 (the resolve).
    t5 = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
    add_handoff(session, "h5", "c5", queue="sales", reason="high_value_intent", channel="meeting",
                due=t5 + s(1830), necessary=True, outcome="meeting_booked", events=[
                    ("offered", t5), ("created", t5 + s(30)), ("accepted", t5 + s(630)),
                    ("resolved", t5 + s(1230))])  # fmt: skip
    # H6 offered on Friday and declined: counts as an offer, not as a handoff.
    t6 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    add_handoff(session, "h6", "c6", queue="support", reason="human_requested", channel=None,
                status="declined", events=[("offered", t6), ("declined", t6 + s(20))])  # fmt: skip
    # H7 the week before: outside every W47 number.
    t7 = T0 - timedelta(days=7)
    add_handoff(session, "h7", "c7", queue="support", reason="human_requested", channel="chat",
                necessary=False, events=[("created", t7), ("accepted", t7 + s(5)),
                                         ("resolved", t7 + s(50))])  # fmt: skip
    # H8 security/chat late on Sunday: tth 120, tfa 300, handle 780, transferred once, csat 4.
    t8 = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    add_handoff(session, "h8", "c8", queue="security", reason="urgent", channel="chat",
                due=t8 + s(600), necessary=True, csat=4, outcome="card_frozen", events=[
                    ("created", t8), ("accepted", t8 + s(120)), ("transferred", t8 + s(200)),
                    ("replied", t8 + s(300), {"text": "I've frozen your card."}),
                    ("resolved", t8 + s(900))])  # fmt: skip


@pytest.fixture
def seeded(session: Session) -> Session:
    seed(session)
    refresh(session=session, now=NOW)
    return session


def test_week_overall(seeded: Session) -> None:
    since, until = iso_week("2026-W47")
    report = compute_kpis(tenant_id=DEFAULT_TENANT, session=seeded, since=since, until=until)
    k = report.overall
    assert (k.handoffs, k.offered, k.declined) == (6, 2, 1)  # h1 h2 h3 h4 h5 h8; h5 h6; h6
    assert (k.reached, k.abandoned) == (5, 1)
    assert k.completion_rate == round(5 / 6, 4)
    assert k.time_to_human_seconds == (60 + 300 + 1800 + 600 + 120) / 5  # 576.0
    assert k.time_to_first_action_seconds == (120 + 400 + 3600 + 1200 + 300) / 5  # 1124.0
    assert k.handle_time_seconds == (540 + 1200 + 5400 + 600 + 780) / 5  # 1704.0
    assert (k.labelled, k.escalation_accuracy) == (5, 0.8)  # h2 was unnecessary
    assert (k.csat, k.csat_responses) == (round(11 / 3, 2), 3)  # 5, 2, 4
    assert k.sla_attainment == round(5 / 6, 4)  # h3 breached
    assert k.repeat_ask_rate == 0.5  # h2 and h4 of the four cases replied to
    assert k.resolution_rate == round(5 / 6, 4)
    assert (k.meetings_booked, k.transferred) == (1, 1)
    assert k.escalated_conversations == 4  # c1 (twice, counted once), c4, c5, c8
    assert report.conversations == 10
    assert (report.episodes, report.deflected) == (
        10,
        5,
    )  # every conversation but the five with a case
    assert report.deflection_rate == 0.5


def test_week_per_queue_reason_channel(seeded: Session) -> None:
    since, until = iso_week("2026-W47")
    report = compute_kpis(tenant_id=DEFAULT_TENANT, session=seeded, since=since, until=until)
    support = report.by_queue["support"]
    assert (support.handoffs, support.offered, support.declined) == (2, 1, 1)
    assert support.time_to_human_seconds == 180.0  # (60 + 300) / 2
    assert (support.escalation_accuracy, support.csat, support.repeat_ask_rate) == (0.5, 3.5, 0.5)
    billing = report.by_queue["billing"]
    assert (billing.completion_rate, billing.sla_attainment) == (0.5, 0.5)
    assert billing.time_to_human_seconds == 1800.0
    assert report.by_queue["sales"].meetings_booked == 1
    assert set(report.by_queue) == {"support", "billing", "sales", "security"}
    assert report.by_reason["policy_restricted"].handoffs == 2
    assert report.by_reason["human_requested"].handoffs == 1  # h6 was only offered
    assert report.by_reason["urgent"].transferred == 1
    assert {k: v.handoffs for k, v in report.by_channel.items()} == {
        "chat": 3,
        "email": 2,
        "meeting": 1,
        "none": 0,
    }


def test_filters_and_series(seeded: Session) -> None:
    since, until = iso_week("2026-W47")
    report = compute_kpis(
        tenant_id=DEFAULT_TENANT,
        session=seeded,
        since=since,
        until=until,
        filters=KpiFilters(queue="billing"),
        interval="day",
    )
    assert report.overall.handoffs == 2
    assert report.deflection_rate is None  # conversations have no queue
    assert [p.kpis.handoffs for p in report.series] == [0, 1, 1, 0, 0, 0, 0]  # Tue h3, Wed h4
    weekly = compute_kpis(
        tenant_id=DEFAULT_TENANT,
        session=seeded,
        since=since - timedelta(days=7),
        until=until,
        interval="week",
    )
    assert [p.kpis.handoffs for p in weekly.series] == [1, 6]


def test_partial_days_are_exact(seeded: Session) -> None:
    # Inside one day and the next: no whole day, one span read from the facts: h2 h3 h4.
    since = T0 + s(1800)
    report = compute_kpis(
        tenant_id=DEFAULT_TENANT,
        session=seeded,
        since=since,
        until=datetime(2026, 11, 18, 12, 0, tzinfo=UTC),
    )
    assert report.overall.handoffs == 3
    assert report.overall.time_to_human_seconds == (300 + 1800) / 2
    # A partial Tuesday from the facts plus whole Wednesday and Thursday from the daily sums.
    wider = compute_kpis(
        tenant_id=DEFAULT_TENANT,
        session=seeded,
        since=since,
        until=datetime(2026, 11, 20, tzinfo=UTC),
    )
    assert (wider.overall.handoffs, wider.overall.offered) == (4, 1)  # h2 h3 h4 h5; h5
    assert wider.overall.meetings_booked == 1


def test_new_events_are_folded_in(seeded: Session) -> None:
    since, until = iso_week("2026-W47")
    add_handoff(seeded, "h9", "c9", queue="support", reason="urgent", channel="chat",
                events=[("created", T0 + s(50)), ("accepted", T0 + s(110))])  # fmt: skip
    report = kpi_report(tenant_id=DEFAULT_TENANT, session=seeded, since=since, until=until, now=NOW)
    assert report.overall.handoffs == 7
    assert report.overall.time_to_human_seconds == (576 * 5 + 60) / 6
    assert report.overall.escalated_conversations == 5
    assert report.deflection_rate == 0.4  # c9 has a case now: 4 of the 10 episodes had none


def test_refresh_rewrites_only_what_changed(seeded: Session) -> None:
    assert refresh(session=seeded, now=NOW).events == 0  # nothing new since the fixture's refresh
    add_handoff(seeded, "h10", "c10", queue="billing", reason="urgent", channel="email",
                events=[("created", datetime(2026, 11, 18, 9, 30, tzinfo=UTC))])  # fmt: skip
    stats = refresh(session=seeded, now=NOW)
    assert stats.events >= 1  # PostgreSQL also re-reads the events just before the watermark
    assert stats.days == 1  # only Wednesday is summed again

"""The benchmark's bulk path gives the same KPIs as folding the same events in through refresh."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from baton.learn.bulk import Generator, finish, load
from baton.learn.kpis import compute_kpis
from baton.learn.rollup import rebuild, refresh
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2027, 1, 1, tzinfo=UTC)
NOW = datetime(2027, 1, 2, tzinfo=UTC)


def test_bulk_facts_match_the_refresh_path(engine: Engine, session_factory: SessionFactory) -> None:
    generator = Generator(seed=3, start=START, days=365, total=400)
    for first in (0, 200):
        load(engine, generator.chunk(first, 200))
    with session_scope(session_factory) as session:
        finish(session=session, now=NOW)
        assert refresh(session=session, now=NOW).events == 0  # the watermark is past the load
        bulk = compute_kpis(
            tenant_id=DEFAULT_TENANT, session=session, since=START, until=END, interval="week"
        )
    with session_scope(session_factory) as session:
        stats = rebuild(session=session, now=NOW)
        folded = compute_kpis(
            tenant_id=DEFAULT_TENANT, session=session, since=START, until=END, interval="week"
        )
    assert stats.derived >= 400
    assert bulk.overall.handoffs > 300 and bulk.overall.csat_responses > 0
    assert bulk.overall.repeat_ask_rate and bulk.overall.meetings_booked
    assert folded == bulk

"""A worker killed (SIGKILL) while firing a due SLA timer: the next worker fires it exactly once.

A trigger makes worker A's breach event insert sleep, so A is caught for certain after it has
claimed the due timer and before its transaction commits. A is killed there; B starts and fires.
"""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from baton.policy import default_policy
from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import HandoffEventRow, OutboxRow, SlaTimerRow
from tests.factories.route import add_case
from tests.faults.workers import stalled
from tests.route.workers import needs_pg, pg_schema, start_worker, stop, wait_for

SLOW_BREACH = """
CREATE FUNCTION slow_breach() RETURNS trigger AS $$
BEGIN
  IF current_setting('application_name') = 'worker-a' AND NEW.type = 'sla_breached' THEN
    PERFORM pg_sleep(60);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER slow_breach BEFORE INSERT ON handoff_events
  FOR EACH ROW EXECUTE FUNCTION slow_breach();
"""


def count(session: Session, model: type, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.slow
@pytest.mark.pg
@needs_pg
def test_sigkill_mid_fire_then_another_worker_fires_once(tmp_path: Path) -> None:
    with pg_schema() as (url, _schema):
        engine = make_engine(url)
        upgrade(engine)
        factory = make_session_factory(engine)
        now = datetime.now(UTC)
        with session_scope(factory) as session:
            case = add_case(session, policy=default_policy(), queue="security", now=now)
            session.execute(
                update(SlaTimerRow)
                .where(SlaTimerRow.handoff_id == case.id)
                .values(due_at=now + timedelta(days=1), breach_due=now + timedelta(days=1))
            )
            session.execute(
                update(SlaTimerRow)
                .where(SlaTimerRow.handoff_id == case.id, SlaTimerRow.kind == "first_response")
                .values(warned_at=now, warn_due=None, due_at=now, breach_due=now)
            )
            session.execute(text(SLOW_BREACH))
        # libpq: the dead client's backend notices within 250 ms and rolls back, freeing the row.
        check = "%20-cclient_connection_check_interval%3D250"
        url_a = url.replace("options=-c", "application_name=worker-a&options=-c") + check
        url_b = url.replace("options=-c", "application_name=worker-b&options=-c") + check
        a = start_worker(url_a, "worker-a", tmp_path / "a.log", "--poll", "0.1")
        b = None
        try:
            wait_for(
                lambda: stalled(engine, "worker-a"),
                timeout=30,
                what="worker A to be inside its firing transaction",
            )
            with session_scope(factory) as session:
                assert count(session, HandoffEventRow, HandoffEventRow.type == "sla_breached") == 0
            a.send_signal(signal.SIGKILL)
            a.wait(timeout=10)
            b = start_worker(url_b, "worker-b", tmp_path / "b.log", "--poll", "0.1")

            def fired() -> bool:
                with session_scope(factory) as s:
                    return count(s, HandoffEventRow, HandoffEventRow.type == "sla_breached") > 0

            wait_for(fired, timeout=45, what="worker B to fire the timer")
            time.sleep(1.0)  # B polls on: a second firing would show below
            assert b.poll() is None, "worker B died"
        finally:
            stop(a)
            if b is not None:
                stop(b)
        with session_scope(factory) as session:
            breaches = session.scalars(
                select(HandoffEventRow).where(HandoffEventRow.type == "sla_breached")
            ).all()
            assert [(e.handoff_id, e.actor) for e in breaches] == [(case.id, "worker-b")]
            assert count(session, OutboxRow, OutboxRow.topic == "handoff.sla_breached") == 1
            timer = session.scalars(
                select(SlaTimerRow).where(
                    SlaTimerRow.handoff_id == case.id, SlaTimerRow.kind == "first_response"
                )
            ).one()
            assert (timer.state, timer.due_at) == ("breached", None)
        engine.dispose()

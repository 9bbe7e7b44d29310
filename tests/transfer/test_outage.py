"""Whose fault a failed outbox pass was: a database outage is no attempt, a bad row is its own.

The outage is real: a test-only trigger holds the worker's fan-out transaction in `pg_sleep`,
and another connection ends that backend with `pg_terminate_backend`, as a PostgreSQL restart
would. The database is back at once, so a worker that blamed the event could record it.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from baton.store import repositories as repo
from baton.store.db import (
    SessionFactory,
    make_engine,
    make_session_factory,
    session_scope,
    unavailable,
    upgrade,
)
from baton.store.tables import DEFAULT_TENANT, OutboxRow, WebhookDeliveryRow
from baton.transfer.email import EMAIL_SCHEDULE_SECONDS, SmtpMailer
from baton.transfer.outbox import LEASE, Worker
from baton.transfer.transport import HttpxTransport
from tests.factories.transfer import (
    LOOPBACK_GUARD,
    Receiver,
    add_endpoint,
    enqueue,
    secret_of,
)
from tests.route.workers import needs_pg, pg_schema, wait_for

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
APP = "outbox-outage"
SLOW_FAN_OUT = f"""
CREATE FUNCTION slow_fan_out() RETURNS trigger AS $$
BEGIN
  IF current_setting('application_name') = '{APP}' THEN
    PERFORM pg_sleep(60);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER slow_fan_out BEFORE INSERT ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION slow_fan_out();
"""


def _sleeping_backend(engine: Engine) -> int | None:
    """The pid of the worker's backend while it sits in the trigger's pg_sleep."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        pid = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE application_name = :app AND wait_event = 'PgSleep'"
            ),
            {"app": APP},
        ).scalar()
    return None if pid is None else int(pid)


@pytest.mark.pg
@needs_pg
def test_connection_cut_mid_fan_out_is_no_attempt_and_the_event_is_delivered_later() -> None:
    with pg_schema() as (url, _schema), Receiver() as receiver:
        admin = make_engine(url)
        upgrade(admin)
        factory = make_session_factory(admin)
        endpoint_id = add_endpoint(factory, receiver.url)
        receiver.secrets = [secret_of(factory, endpoint_id)]
        enqueue(factory, "handoff.created", {"handoff_id": "ho_1"}, T0)
        with session_scope(factory) as s:
            s.execute(text(SLOW_FAN_OUT))

        engine = make_engine(url + f"&application_name={APP}")
        transport = HttpxTransport(timeout=5, guard=LOOPBACK_GUARD)
        worker = Worker(
            factory=make_session_factory(engine), transport=transport, worker_id="w-outage"
        )
        raised: list[BaseException] = []

        def dispatch() -> None:
            try:
                worker.dispatch_events(now=T0)
            except Exception as exc:
                raised.append(exc)

        thread = threading.Thread(target=dispatch)
        thread.start()
        try:
            wait_for(
                lambda: _sleeping_backend(admin) is not None,
                timeout=30,
                what="the worker inside its fan-out transaction",
            )
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": _sleeping_backend(admin)}
                )
        finally:
            thread.join(timeout=30)
        assert not thread.is_alive()
        assert len(raised) == 1 and unavailable(raised[0]), raised

        with session_scope(factory) as s:
            row = s.scalars(select(OutboxRow)).one()
            assert (row.status, row.attempts, row.last_error, row.due_at) == (
                "pending",
                0,
                None,
                T0,
            )
            assert (row.claimed_by, row.claimed_until) == ("w-outage", T0 + LEASE)
            assert s.scalars(select(WebhookDeliveryRow)).all() == []
            s.execute(text("DROP TRIGGER slow_fan_out ON webhook_deliveries"))

        assert worker.run_once(now=T0 + LEASE / 2) == 0  # its lease still holds it
        later = T0 + LEASE + timedelta(seconds=1)
        receiver.clock = lambda: later
        worker.run_once(now=later)
        transport.close()

        with session_scope(factory) as s:
            row = s.scalars(select(OutboxRow)).one()
            assert (row.status, row.attempts, row.delivered_at) == ("delivered", 1, later)
            delivery = s.scalars(select(WebhookDeliveryRow)).one()
            assert (delivery.status, delivery.attempts) == ("delivered", 1)
        assert [p["data"]["handoff_id"] for p in receiver.accepted().values()] == ["ho_1"]
        engine.dispose()
        admin.dispose()


def test_an_email_row_that_cannot_be_read_fails_its_own_attempts_until_dead(
    session_factory: SessionFactory, refusing_port: int
) -> None:
    with session_scope(session_factory) as s:
        repo.enqueue(
            tenant_id=DEFAULT_TENANT,
            session=s,
            kind="email",
            topic="handoff.created",
            payload={"subject": "?"},
            now=T0,
        )
    transport = HttpxTransport(timeout=5, guard=LOOPBACK_GUARD)
    worker = Worker(
        factory=session_factory,
        transport=transport,
        mailer=SmtpMailer(host="127.0.0.1", port=refusing_port, timeout=5),
        worker_id="w-mail",
    )
    now, seen = T0, []
    for _ in EMAIL_SCHEDULE_SECONDS:
        assert worker.run_once(now=now) == 1
        with session_scope(session_factory) as s:
            row = s.scalars(select(OutboxRow)).one()
            seen.append((row.status, row.attempts))
            assert (row.last_error or "").startswith("KeyError"), row.last_error
            now = row.due_at
    transport.close()
    tries = len(EMAIL_SCHEDULE_SECONDS)
    assert seen == [("pending", n) for n in range(1, tries)] + [("dead", tries)]

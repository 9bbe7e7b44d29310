"""The outbox worker against a real receiver on loopback, with time as an argument."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT, OutboxRow, WebhookDeliveryRow, WebhookEndpointRow
from baton.transfer import webhooks
from baton.transfer.outbox import LEASE, Worker, claim
from baton.transfer.transport import HttpxTransport
from tests.factories.transfer import (
    LOOPBACK_GUARD,
    Receiver,
    add_endpoint,
    enqueue,
    secret_of,
)

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def transport() -> Iterator[HttpxTransport]:
    t = HttpxTransport(timeout=5, guard=LOOPBACK_GUARD)
    yield t
    t.close()


def next_due(factory: SessionFactory) -> datetime | None:
    with session_scope(factory) as s:
        dues = [
            *s.scalars(select(OutboxRow.due_at).where(OutboxRow.status == "pending")),
            *s.scalars(
                select(WebhookDeliveryRow.due_at)
                .join(WebhookEndpointRow)
                .where(WebhookDeliveryRow.status == "pending", WebhookEndpointRow.enabled)
            ),
        ]
    return min(dues) if dues else None


def deliveries(factory: SessionFactory) -> list[WebhookDeliveryRow]:
    with session_scope(factory) as s:
        return list(s.scalars(select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.created_at)))


def step(worker: Worker, clock: Clock, factory: SessionFactory) -> bool:
    """One pass at the simulated now, then jump the clock to the next thing due."""
    worker.run_once(now=clock.now)
    due = next_due(factory)
    if due is None:
        return False
    clock.now = max(clock.now, due)
    return True


def test_flaky_then_down_receiver_gets_every_event_exactly_once(
    session_factory: SessionFactory, transport: HttpxTransport
) -> None:
    clock = Clock()
    receiver = Receiver(fail_first=3, clock=clock).start()
    try:
        endpoint_id = add_endpoint(session_factory, receiver.url)
        receiver.secrets = [secret_of(session_factory, endpoint_id)]
        sent = {f"ho_{i}": f"handoff.{t}" for i, t in enumerate(webhooks.EVENT_TYPES[:6])}
        for handoff_id, topic in sent.items():
            enqueue(session_factory, topic, {"handoff_id": handoff_id}, T0)
        worker = Worker(factory=session_factory, transport=transport, worker_id="w1")

        step(worker, clock, session_factory)  # 6 deliveries: 3 answered 500, 3 accepted
        assert sorted(r.status for r in receiver.received) == [200, 200, 200, 500, 500, 500]
        receiver.stop()  # down: the +5 s and +5 min retries are refused
        for _ in range(2):
            step(worker, clock, session_factory)
        assert clock.now - T0 == timedelta(minutes=35, seconds=5)
        later = {"ho_late_1": "handoff.resolved", "ho_late_2": "handoff.abandoned"}
        for handoff_id, topic in later.items():
            enqueue(session_factory, topic, {"handoff_id": handoff_id}, clock.now)
        step(worker, clock, session_factory)  # the +30 min retries and the new events: refused
        receiver.start()
        for _ in range(20):
            if not step(worker, clock, session_factory):
                break
    finally:
        receiver.stop()

    assert all(r.status in (200, 500) for r in receiver.received)  # every signature verified
    accepted = receiver.accepted()
    got = {p["data"]["handoff_id"]: p["type"] for p in accepted.values()}
    assert got == {**sent, **later}
    assert len(accepted) == len(got) == 8
    rows = deliveries(session_factory)
    assert {d.status for d in rows} == {"delivered"}
    assert sorted(d.attempts for d in rows) == [1, 1, 1, 2, 2, 5, 5, 5]
    assert {d.message_id for d in rows} == set(accepted)


def test_retry_schedule_then_dead_letter_for_the_operator(
    session_factory: SessionFactory, transport: HttpxTransport, refusing_port: int
) -> None:
    clock = Clock()
    with Receiver(clock=clock) as ops:
        dead_url = f"http://127.0.0.1:{refusing_port}/nobody-listens"
        failing = add_endpoint(session_factory, dead_url)
        ops_id = add_endpoint(session_factory, ops.url, [webhooks.DEAD_LETTERED])
        ops.secrets = [secret_of(session_factory, ops_id)]
        enqueue(session_factory, "handoff.created", {"handoff_id": "ho_x"}, T0)
        worker = Worker(factory=session_factory, transport=transport)

        gaps = []
        for _ in range(len(webhooks.RETRY_SCHEDULE)):
            attempt_at = clock.now
            worker.run_once(now=attempt_at)
            (row,) = [d for d in deliveries(session_factory) if d.endpoint_id == failing]
            if row.status == "pending":
                gaps.append(row.due_at - attempt_at)
                clock.now = row.due_at
        assert gaps == list(webhooks.RETRY_SCHEDULE[1:])
        assert row.status == "dead" and row.attempts == 8
        assert row.last_error == "connection failed"

        worker.run_once(now=clock.now)  # the dead letter is itself an event
        ((payload),) = ops.accepted().values()
        assert payload["type"] == webhooks.DEAD_LETTERED
        assert payload["data"]["delivery_id"] == row.id
        assert payload["data"]["message_id"] == row.message_id

        with session_scope(session_factory) as s:
            again = webhooks.retry_delivery(
                tenant_id=DEFAULT_TENANT, session=s, delivery_id=row.id, now=clock.now
            )
            assert (again.status, again.attempts, again.message_id) == (
                "pending",
                0,
                row.message_id,
            )


def test_a_delivery_that_cannot_be_signed_is_dead_lettered_and_blocks_no_other(
    session_factory: SessionFactory, transport: HttpxTransport
) -> None:
    clock = Clock()
    with Receiver(clock=clock) as good:
        good_id = add_endpoint(session_factory, good.url)
        good.secrets = [secret_of(session_factory, good_id)]
        damaged = add_endpoint(session_factory, good.url + "/damaged")
        with session_scope(session_factory) as s:
            endpoint = s.get(WebhookEndpointRow, damaged)
            assert endpoint is not None
            endpoint.secrets = [{"secret": "whsec_not*base64"}]  # e.g. hand-edited, truncated
        enqueue(session_factory, "handoff.created", {"handoff_id": "ho_1"}, T0)
        worker = Worker(factory=session_factory, transport=transport, worker_id="w1")
        for _ in range(len(webhooks.RETRY_SCHEDULE) + 2):
            if not step(worker, clock, session_factory):
                break

        assert [p["data"]["handoff_id"] for p in good.accepted().values()] == ["ho_1"]
        assert len(good.received) == 1  # nothing unsigned went out for the damaged endpoint
    by_endpoint = {d.endpoint_id: d for d in deliveries(session_factory)}
    assert by_endpoint[good_id].status == "delivered"
    broken = by_endpoint[damaged]
    assert (broken.status, broken.attempts) == ("dead", len(webhooks.RETRY_SCHEDULE))
    assert broken.last_error == "InvalidRequest: a webhook secret is 'whsec_' + base64"


def test_endpoint_failing_for_five_days_is_disabled_and_reenabled(
    session_factory: SessionFactory, transport: HttpxTransport, refusing_port: int
) -> None:
    clock = Clock()
    with Receiver(clock=clock) as ops:
        failing = add_endpoint(session_factory, f"http://127.0.0.1:{refusing_port}/down")
        ops_id = add_endpoint(session_factory, ops.url, [webhooks.ENDPOINT_DISABLED])
        ops.secrets = [secret_of(session_factory, ops_id)]
        worker = Worker(factory=session_factory, transport=transport)
        for day in range(6):
            clock.now = T0 + timedelta(days=day, seconds=day)
            enqueue(session_factory, "handoff.created", {"handoff_id": f"ho_{day}"}, clock.now)
            worker.run_once(now=clock.now)
            with session_scope(session_factory) as s:
                endpoint = webhooks.get_endpoint(
                    tenant_id=DEFAULT_TENANT, session=s, endpoint_id=failing
                )
                assert endpoint.enabled is (day < 5)
        assert endpoint.failing_since == T0
        worker.run_once(now=clock.now)
        (payload,) = ops.accepted().values()
        assert payload["type"] == webhooks.ENDPOINT_DISABLED
        assert payload["data"]["endpoint_id"] == failing

        # a disabled endpoint's deliveries wait; nothing is claimed for it
        before = {d.id: d.attempts for d in deliveries(session_factory) if d.endpoint_id == failing}
        worker.run_once(now=clock.now + timedelta(days=1))
        after = {d.id: d.attempts for d in deliveries(session_factory) if d.endpoint_id == failing}
        assert before == after
        with session_scope(session_factory) as s:
            endpoint = webhooks.get_endpoint(
                tenant_id=DEFAULT_TENANT, session=s, endpoint_id=failing
            )
            webhooks.update_endpoint(session=s, endpoint=endpoint, now=clock.now, enabled=True)
            assert endpoint.failing_since is None and endpoint.disabled_reason is None


def test_two_workers_never_claim_the_same_row(session_factory: SessionFactory) -> None:
    for i in range(30):
        enqueue(session_factory, "handoff.created", {"handoff_id": f"ho_{i}"}, T0)
    claimed: list[int] = []
    for worker_id in ("a", "b", "c"):
        with session_scope(session_factory) as s:
            claimed += claim(
                session=s, table=OutboxRow, worker_id=worker_id, now=T0, lease=LEASE, limit=12
            )
    assert len(claimed) == len(set(claimed)) == 30
    with session_scope(session_factory) as s:
        again = claim(session=s, table=OutboxRow, worker_id="d", now=T0, lease=LEASE, limit=50)
        assert again == []
        expired = claim(
            session=s, table=OutboxRow, worker_id="d", now=T0 + LEASE * 2, lease=LEASE, limit=50
        )
        assert sorted(expired) == sorted(claimed)

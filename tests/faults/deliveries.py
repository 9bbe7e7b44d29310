"""The webhook workload of the delivery fault tests and its verdict on the recorded history.

Two endpoints on one receiver: `/ok` takes `handoff.created` and `webhook.dead_lettered`;
`/down` always answers 503 and holds deliveries on their last scheduled attempt, so each is
dead-lettered on its next try (and the dead letter is itself an event, delivered to `/ok`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT, OutboxRow, WebhookDeliveryRow, WebhookEndpointRow
from baton.transfer import webhooks
from baton.transfer.webhooks import DEAD_LETTERED, RETRY_SCHEDULE
from tests.faults.receiver import Receiver, deduplicated


@dataclass(frozen=True)
class Workload:
    ok: str
    down: str
    events: int
    doomed: frozenset[str]


def prepare(factory: SessionFactory, receiver: Receiver, *, events: int, doomed: int) -> Workload:
    """`events` handoff.created rows in the outbox; `doomed` deliveries on their last attempt."""
    now = datetime.now(UTC)
    with session_scope(factory) as s:
        ok = webhooks.create_endpoint(
            tenant_id=DEFAULT_TENANT,
            session=s,
            url=receiver.base + "/ok",
            event_types=["handoff.created", DEAD_LETTERED],
            description="fault-test receiver",
            now=now,
        )
        down = webhooks.create_endpoint(
            tenant_id=DEFAULT_TENANT,
            session=s,
            url=receiver.base + "/down",
            event_types=["handoff.resolved"],
            description="a receiver that is down",
            now=now,
        )
        receiver.secrets["/ok"] = webhooks.active_secrets(ok, now)
        last = [
            row.id
            for i in range(doomed)
            for row in webhooks.fan_out(
                tenant_id=DEFAULT_TENANT,
                session=s,
                event_type="handoff.resolved",
                payload={"handoff_id": f"gone_{i}"},
                now=now,
            )
        ]
        s.execute(
            update(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.id.in_(last))
            .values(attempts=len(RETRY_SCHEDULE) - 1)
        )
        for i in range(events):
            repo.enqueue(
                tenant_id=DEFAULT_TENANT,
                session=s,
                kind="webhook",
                topic="handoff.created",
                payload={"handoff_id": f"ho_{i:04d}"},
                now=now,
                flush=False,
            )
        return Workload(ok=ok.id, down=down.id, events=events, doomed=frozenset(last))


def settled(factory: SessionFactory, work: Workload) -> bool:
    """Every event dispatched, every delivery (dead letters' included) delivered or dead."""
    with session_scope(factory) as s:
        pending = s.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")
        )
        waiting = s.scalar(
            select(func.count())
            .select_from(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.status == "pending")
        )
        total = s.scalar(select(func.count()).select_from(WebhookDeliveryRow))
    return pending == 0 and waiting == 0 and total == work.events + 2 * len(work.doomed)


def verdict(factory: SessionFactory, receiver: Receiver, work: Workload) -> dict[str, int]:
    """Nothing lost, nothing done twice in the store; the receiver, deduplicating by
    webhook-id, saw each event exactly once. Returns counts for the test to report."""
    with session_scope(factory) as s:
        outbox = s.scalars(select(OutboxRow)).all()
        deliveries = s.scalars(select(WebhookDeliveryRow)).all()
        endpoints = {e.id: e for e in s.scalars(select(WebhookEndpointRow))}
    assert all(e.enabled for e in endpoints.values())

    assert {(r.status, r.attempts) for r in outbox} == {("delivered", 1)}, "dispatched once"
    created = Counter(r.payload["handoff_id"] for r in outbox if r.topic == "handoff.created")
    assert created == Counter({f"ho_{i:04d}": 1 for i in range(work.events)})
    dead_letters = Counter(r.payload["delivery_id"] for r in outbox if r.topic == DEAD_LETTERED)
    assert dead_letters == Counter(dict.fromkeys(work.doomed, 1)), "one dead letter each"

    to_ok = [d for d in deliveries if d.endpoint_id == work.ok]
    to_down = [d for d in deliveries if d.endpoint_id == work.down]
    assert {(d.status, d.attempts) for d in to_ok} == {("delivered", 1)}, "delivered once"
    assert {d.id for d in to_down} == work.doomed
    assert {(d.status, d.attempts) for d in to_down} == {("dead", len(RETRY_SCHEDULE))}

    seen = deduplicated(receiver.ok_hits())
    assert set(seen) == {d.message_id for d in to_ok}, "the receiver got every delivered event"
    per_event = Counter(
        (p["type"], p["data"].get("handoff_id") or p["data"].get("delivery_id"))
        for p in seen.values()
    )
    assert set(per_event.values()) == {1}, "an event sent under two webhook-ids"
    assert len(per_event) == work.events + len(work.doomed)
    down_ids = {h.msg_id for h in receiver.hits if h.path == "/down"}
    assert down_ids == {d.message_id for d in to_down}, "each dead letter was tried"
    hits = receiver.ok_hits()
    return {
        "events": len(per_event),
        "requests": len(hits),
        "repeats": len(hits) - len(seen),
        "cut": sum(1 for h in hits if not h.complete),
    }

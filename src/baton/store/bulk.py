"""Batch writes for hot paths: many events or outbox rows in one round trip, no ids returned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from baton.lifecycle import EventType
from baton.store.tables import HandoffEventRow, OfferRow, OutboxRow


def record_events(
    *, session: Session, events: list[tuple[str, EventType, datetime, str | None, dict[str, Any]]]
) -> None:
    """Append (handoff id, type, at, actor, data) events to the handoffs' logs."""
    if events:
        session.execute(
            insert(HandoffEventRow),
            [
                {"handoff_id": h, "type": t.value, "at": at, "actor": actor, "data": data}
                for h, t, at, actor, data in events
            ],
        )


def enqueue_many(
    *,
    session: Session,
    tenant_id: str,
    kind: str,
    items: list[tuple[str, dict[str, Any]]],
    now: datetime,
) -> None:
    """Record (topic, payload) side effects of one tenant in the caller's transaction, like
    `enqueue`."""
    if items:
        session.execute(
            insert(OutboxRow),
            [
                {
                    "tenant_id": tenant_id,
                    "kind": kind,
                    "topic": topic,
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "due_at": now,
                    "created_at": now,
                }
                for topic, payload in items
            ],
        )


def add_offers(*, session: Session, offers: list[dict[str, Any]]) -> None:
    """Insert pending offers (handoff_id, agent_id, state, offered_at, expires_at)."""
    if offers:
        session.execute(insert(OfferRow), offers)

"""Webhook endpoints and deliveries: fan-out, the retry schedule, dead letters, disabling.

An event becomes one delivery row per subscribed endpoint, all with the same `webhook-id`,
which every retry repeats so a receiver can drop duplicates. A delivery is tried on the
schedule below; after the last failure it is dead-lettered (an operator-visible
`webhook.dead_lettered` event). An endpoint that has failed for five days is disabled.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.errors import DeliveryNotFound, EndpointDisabled, EndpointNotFound, InvalidRequest
from baton.store import repositories as repo
from baton.store.tables import WebhookDeliveryRow, WebhookEndpointRow
from baton.transfer import signing
from baton.transfer.transport import WebhookRequest, WebhookResponse

log = logging.getLogger("baton.webhooks")

RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DISABLE_AFTER = timedelta(days=5)
SECRET_GRACE = timedelta(hours=24)

EVENT_TYPES: tuple[str, ...] = (
    "handoff.offered",
    "handoff.created",
    "handoff.assigned",
    "handoff.accepted",
    "handoff.message",
    "handoff.transferred",
    "handoff.reassigned",
    "handoff.sla_warning",
    "handoff.sla_breached",
    "handoff.resolved",
    "handoff.abandoned",
    "brief.updated",
    "conversation.handback",
)
DEAD_LETTERED = "webhook.dead_lettered"
ENDPOINT_DISABLED = "webhook.endpoint_disabled"
OPERATIONAL_EVENT_TYPES: tuple[str, ...] = (DEAD_LETTERED, ENDPOINT_DISABLED)


# -- endpoints -------------------------------------------------------------------------------


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    known = set(EVENT_TYPES) | set(OPERATIONAL_EVENT_TYPES)
    unknown = [t for t in event_types if t not in known]
    if unknown:
        raise InvalidRequest(f"unknown event types: {', '.join(unknown)}", field="event_types")
    return list(dict.fromkeys(event_types))


def create_endpoint(
    *,
    session: Session,
    tenant_id: str,
    url: str,
    event_types: Sequence[str],
    description: str,
    now: datetime,
) -> WebhookEndpointRow:
    """Register a receiver of `tenant_id`'s events; an empty `event_types` means every
    `handoff.*` event."""
    row = WebhookEndpointRow(
        id="ep_" + uuid.uuid4().hex[:20],
        tenant_id=tenant_id,
        url=url,
        description=description,
        event_types=_check_event_types(event_types),
        secrets=[{"secret": signing.new_secret(), "expires_at": None}],
        enabled=True,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get_endpoint(
    *, session: Session, tenant_id: str | None, endpoint_id: str
) -> WebhookEndpointRow:
    """The endpoint if `tenant_id` owns it (`None`: the sender, acting for every tenant)."""
    row = session.get(WebhookEndpointRow, endpoint_id)
    if row is None or tenant_id not in (None, row.tenant_id):
        raise EndpointNotFound(f"no webhook endpoint {endpoint_id!r}", field="endpoint_id")
    return row


def list_endpoints(
    *, session: Session, tenant_id: str, limit: int | None = None, offset: int = 0
) -> list[WebhookEndpointRow]:
    stmt = (
        select(WebhookEndpointRow)
        .where(WebhookEndpointRow.tenant_id == tenant_id)
        .order_by(WebhookEndpointRow.created_at, WebhookEndpointRow.id)
    )
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def update_endpoint(
    *,
    session: Session,
    endpoint: WebhookEndpointRow,
    now: datetime,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpointRow:
    """Change an endpoint; re-enabling it clears its failure clock."""
    if url is not None:
        endpoint.url = url
    if description is not None:
        endpoint.description = description
    if event_types is not None:
        endpoint.event_types = _check_event_types(event_types)
    if enabled is not None and enabled != endpoint.enabled:
        endpoint.enabled = enabled
        endpoint.disabled_reason = None if enabled else "disabled by an operator"
        endpoint.failing_since = None
    endpoint.updated_at = now
    session.flush()
    return endpoint


def delete_endpoint(*, session: Session, endpoint: WebhookEndpointRow) -> None:
    """Remove an endpoint and its delivery history."""
    for delivery in session.scalars(
        select(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint.id)
    ):
        session.delete(delivery)
    session.delete(endpoint)
    session.flush()


def active_secrets(endpoint: WebhookEndpointRow, now: datetime) -> list[str]:
    """The secrets to sign with now: the newest first, then any still in their grace period."""
    out: list[str] = []
    for entry in endpoint.secrets:
        expires = entry.get("expires_at")
        if expires is None or datetime.fromisoformat(expires) > now:
            out.append(str(entry["secret"]))
    return out


def rotate_secret(
    *,
    session: Session,
    endpoint: WebhookEndpointRow,
    now: datetime,
    grace: timedelta = SECRET_GRACE,
) -> str:
    """A new secret signs from now on; the old ones keep signing too until `grace` has passed."""
    secret = signing.new_secret()
    expires = (now + grace).isoformat()
    kept = [
        {"secret": e["secret"], "expires_at": e.get("expires_at") or expires}
        for e in endpoint.secrets
        if e.get("expires_at") is None or datetime.fromisoformat(e["expires_at"]) > now
    ]
    endpoint.secrets = [{"secret": secret, "expires_at": None}, *kept]
    endpoint.updated_at = now
    session.flush()
    return secret


def subscribed(endpoint: WebhookEndpointRow, event_type: str) -> bool:
    """Listed types are exact; an empty list means all events except the operational ones."""
    if endpoint.event_types:
        return event_type in endpoint.event_types
    return event_type not in OPERATIONAL_EVENT_TYPES


# -- deliveries ------------------------------------------------------------------------------


def envelope(*, event_type: str, payload: dict[str, Any], now: datetime) -> str:
    """The body every endpoint receives, serialised once so each retry sends the same bytes."""
    return json.dumps(
        {"type": event_type, "timestamp": now.isoformat(), "data": payload},
        separators=(",", ":"),
        sort_keys=True,
    )


def fan_out(
    *, session: Session, tenant_id: str, event_type: str, payload: dict[str, Any], now: datetime
) -> list[WebhookDeliveryRow]:
    """One delivery per enabled, subscribed endpoint of the event's tenant, sharing one
    `webhook-id`."""
    excluded = payload.get("endpoint_id") if event_type in OPERATIONAL_EVENT_TYPES else None
    endpoints = [
        e
        for e in session.scalars(
            select(WebhookEndpointRow).where(
                WebhookEndpointRow.tenant_id == tenant_id, WebhookEndpointRow.enabled.is_(True)
            )
        )
        if subscribed(e, event_type) and e.id != excluded
    ]
    if not endpoints:
        return []
    message_id = "msg_" + uuid.uuid4().hex
    body = envelope(event_type=event_type, payload=payload, now=now)
    rows = [
        WebhookDeliveryRow(
            id="dlv_" + uuid.uuid4().hex[:20],
            message_id=message_id,
            endpoint_id=e.id,
            event_type=event_type,
            body=body,
            status="pending",
            attempts=0,
            due_at=now,
            created_at=now,
        )
        for e in endpoints
    ]
    session.add_all(rows)
    session.flush()
    return rows


def get_delivery(*, session: Session, tenant_id: str, delivery_id: str) -> WebhookDeliveryRow:
    row = session.scalars(
        select(WebhookDeliveryRow)
        .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
        .where(WebhookDeliveryRow.id == delivery_id, WebhookEndpointRow.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise DeliveryNotFound(f"no webhook delivery {delivery_id!r}", field="delivery_id")
    return row


def list_deliveries(
    *,
    session: Session,
    tenant_id: str,
    status: str | None = None,
    endpoint_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[WebhookDeliveryRow]:
    stmt = (
        select(WebhookDeliveryRow)
        .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
        .where(WebhookEndpointRow.tenant_id == tenant_id)
        .order_by(WebhookDeliveryRow.created_at.desc(), WebhookDeliveryRow.id)
        .limit(limit)
        .offset(offset)
    )
    if status:
        stmt = stmt.where(WebhookDeliveryRow.status == status)
    if endpoint_id:
        stmt = stmt.where(WebhookDeliveryRow.endpoint_id == endpoint_id)
    return list(session.scalars(stmt))


def retry_delivery(
    *, session: Session, tenant_id: str, delivery_id: str, now: datetime
) -> WebhookDeliveryRow:
    """Manual redelivery: the same `webhook-id` and body, due now, with a fresh schedule."""
    row = get_delivery(session=session, tenant_id=tenant_id, delivery_id=delivery_id)
    endpoint = get_endpoint(session=session, tenant_id=tenant_id, endpoint_id=row.endpoint_id)
    if not endpoint.enabled:
        raise EndpointDisabled(
            f"endpoint {endpoint.id!r} is disabled; enable it before redelivering",
            field="endpoint_id",
        )
    row.status = "pending"
    row.attempts = 0
    row.due_at = now
    row.claimed_by = None
    row.claimed_until = None
    session.flush()
    return row


def build_request(
    *, delivery: WebhookDeliveryRow, endpoint: WebhookEndpointRow, now: datetime
) -> WebhookRequest:
    """The signed HTTP request for one attempt; the timestamp is the attempt's, the id is not."""
    body = delivery.body.encode("utf-8")
    signed = signing.headers(
        secrets=active_secrets(endpoint, now),
        msg_id=delivery.message_id,
        timestamp=int(now.timestamp()),
        body=body,
    )
    return WebhookRequest(url=endpoint.url, headers=signed, body=body)


def record_attempt(
    *, session: Session, delivery: WebhookDeliveryRow, response: WebhookResponse, now: datetime
) -> None:
    """Store one attempt's outcome: delivered, due again on the schedule, or dead-lettered."""
    endpoint = get_endpoint(session=session, tenant_id=None, endpoint_id=delivery.endpoint_id)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = response.status_code
    delivery.claimed_by = None
    delivery.claimed_until = None
    if response.ok:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.last_error = None
        endpoint.failing_since = None
        session.flush()
        return
    delivery.last_error = response.error or f"HTTP {response.status_code}"
    if delivery.attempts >= len(RETRY_SCHEDULE):
        _dead_letter(session, endpoint, delivery, now)
    else:
        delivery.due_at = now + RETRY_SCHEDULE[delivery.attempts]
    endpoint.failing_since = endpoint.failing_since or now
    if endpoint.enabled and now - endpoint.failing_since >= DISABLE_AFTER:
        _disable(session, endpoint, now)
    session.flush()


def _dead_letter(
    session: Session, endpoint: WebhookEndpointRow, delivery: WebhookDeliveryRow, now: datetime
) -> None:
    delivery.status = "dead"
    log.warning(
        "webhook %s to %s dead-lettered after %d attempts: %s",
        delivery.message_id,
        delivery.endpoint_id,
        delivery.attempts,
        delivery.last_error,
    )
    repo.enqueue(
        session=session,
        tenant_id=endpoint.tenant_id,
        kind="webhook",
        topic=DEAD_LETTERED,
        payload={
            "delivery_id": delivery.id,
            "message_id": delivery.message_id,
            "endpoint_id": delivery.endpoint_id,
            "event_type": delivery.event_type,
            "attempts": delivery.attempts,
            "last_error": delivery.last_error,
        },
        now=now,
    )


def _disable(session: Session, endpoint: WebhookEndpointRow, now: datetime) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
    endpoint.updated_at = now
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, endpoint.disabled_reason)
    repo.enqueue(
        session=session,
        tenant_id=endpoint.tenant_id,
        kind="webhook",
        topic=ENDPOINT_DISABLED,
        payload={
            "endpoint_id": endpoint.id,
            "url": endpoint.url,
            "reason": endpoint.disabled_reason,
        },
        now=now,
    )

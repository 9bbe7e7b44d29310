"""Webhook endpoints (register, rotate, enable) and deliveries (inspect, redeliver)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from baton.api.deps import AdminKey, Now, ReadSessionDep, SessionDep
from baton.api.paging import PageDep
from baton.api.routes.turns import _ERRORS
from baton.store.audit import record_audit
from baton.store.keys import KeyIdentity
from baton.store.tables import WebhookDeliveryRow, WebhookEndpointRow
from baton.transfer import webhooks
from baton.transfer.egress import EgressGuard

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


def egress_guard(request: Request) -> EgressGuard:
    guard: EgressGuard = request.app.state.egress_guard
    return guard


EgressGuardDep = Annotated[EgressGuard, Depends(egress_guard)]
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: _ERRORS[409]}


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("an endpoint URL is http:// or https:// with a host")
    return value


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=500)
    event_types: list[str] = Field(default_factory=list, description="empty: every handoff event")

    _url = field_validator("url")(_http_url)


class EndpointUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] | None = None
    enabled: bool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointSecret(BaseModel):
    secret: str = Field(description="whsec_…; sign-verify with it (and older ones in their grace)")


class EndpointCreated(EndpointRead):
    secret: str


class EndpointPage(BaseModel):
    items: list[EndpointRead]
    next_offset: int | None = None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    message_id: str = Field(description="the webhook-id header, the same on every retry")
    endpoint_id: str
    event_type: str
    status: str = Field(description="pending, delivered or dead")
    attempts: int
    due_at: datetime
    last_status_code: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_offset: int | None = None


def _endpoint(row: WebhookEndpointRow) -> EndpointRead:
    return EndpointRead.model_validate(row)


def _delivery(row: WebhookDeliveryRow) -> DeliveryRead:
    return DeliveryRead.model_validate(row)


def _audit(
    session: Session, key: KeyIdentity, action: str, target: str, now: datetime, **data: object
) -> None:
    """Every change to an endpoint and every read of a secret, by the key that made it; `data`
    never holds a secret."""
    record_audit(
        session=session,
        tenant_id=key.tenant_id,
        actor=f"key:{key.name}",
        action=action,
        target=target,
        data=data,
        now=now,
    )


@router.get("/event-types", response_model=list[str])
def list_event_types(key: AdminKey) -> list[str]:
    """Every event type an endpoint may subscribe to."""
    return [*webhooks.EVENT_TYPES, *webhooks.OPERATIONAL_EVENT_TYPES]


@router.post("/endpoints", response_model=EndpointCreated, status_code=201, responses=_ERRORS)
def create_endpoint(
    body: EndpointCreate, session: SessionDep, now: Now, key: AdminKey, guard: EgressGuardDep
) -> EndpointCreated:
    """Register a receiver; the answer carries its signing secret.

    A URL to a loopback, private, link-local, multicast or unspecified address, in any spelling
    or through a name that resolves to one, is 422 `webhook_url_forbidden`.
    """
    guard.check(body.url, unresolved_ok=True)
    row = webhooks.create_endpoint(
        session=session,
        tenant_id=key.tenant_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        now=now,
    )
    secret = webhooks.active_secrets(row, now)[0]
    _audit(session, key, "webhook.created", row.id, now, url=row.url, event_types=body.event_types)
    return EndpointCreated(**_endpoint(row).model_dump(), secret=secret)


@router.get("/endpoints", response_model=EndpointPage)
def list_endpoints(session: ReadSessionDep, key: AdminKey, page: PageDep) -> EndpointPage:
    rows = webhooks.list_endpoints(
        session=session, tenant_id=key.tenant_id, limit=page.limit, offset=page.offset
    )
    return EndpointPage(items=[_endpoint(r) for r in rows], next_offset=page.next_offset(len(rows)))


@router.get("/endpoints/{endpoint_id}", response_model=EndpointRead, responses=_NOT_FOUND)
def get_endpoint(endpoint_id: str, session: ReadSessionDep, key: AdminKey) -> EndpointRead:
    return _endpoint(
        webhooks.get_endpoint(session=session, tenant_id=key.tenant_id, endpoint_id=endpoint_id)
    )


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointRead, responses=_ERRORS)
def update_endpoint(
    endpoint_id: str,
    body: EndpointUpdate,
    session: SessionDep,
    now: Now,
    key: AdminKey,
    guard: EgressGuardDep,
) -> EndpointRead:
    """Change the URL, the event types, or enable a disabled endpoint again."""
    if body.url is not None:
        guard.check(body.url, unresolved_ok=True)
    row = webhooks.get_endpoint(session=session, tenant_id=key.tenant_id, endpoint_id=endpoint_id)
    changes = body.model_dump(exclude_unset=True)
    _audit(session, key, "webhook.updated", row.id, now, before={"url": row.url}, changes=changes)
    return _endpoint(
        webhooks.update_endpoint(
            session=session,
            endpoint=row,
            now=now,
            url=body.url,
            description=body.description,
            event_types=body.event_types,
            enabled=body.enabled,
        )
    )


@router.delete("/endpoints/{endpoint_id}", status_code=204, responses=_NOT_FOUND)
def delete_endpoint(endpoint_id: str, session: SessionDep, now: Now, key: AdminKey) -> Response:
    row = webhooks.get_endpoint(session=session, tenant_id=key.tenant_id, endpoint_id=endpoint_id)
    _audit(session, key, "webhook.deleted", row.id, now, url=row.url)
    webhooks.delete_endpoint(session=session, endpoint=row)
    return Response(status_code=204)


@router.get("/endpoints/{endpoint_id}/secret", response_model=EndpointSecret, responses=_NOT_FOUND)
def get_secret(endpoint_id: str, session: SessionDep, now: Now, key: AdminKey) -> EndpointSecret:
    """The newest signing secret; each read is in the audit log."""
    row = webhooks.get_endpoint(session=session, tenant_id=key.tenant_id, endpoint_id=endpoint_id)
    _audit(session, key, "webhook.secret_read", row.id, now)
    return EndpointSecret(secret=webhooks.active_secrets(row, now)[0])


@router.post(
    "/endpoints/{endpoint_id}/rotate-secret", response_model=EndpointSecret, responses=_NOT_FOUND
)
def rotate_secret(endpoint_id: str, session: SessionDep, now: Now, key: AdminKey) -> EndpointSecret:
    """A new secret; for 24 hours messages carry signatures under the old and the new one."""
    row = webhooks.get_endpoint(session=session, tenant_id=key.tenant_id, endpoint_id=endpoint_id)
    grace_until = (now + webhooks.SECRET_GRACE).isoformat()
    _audit(session, key, "webhook.secret_rotated", row.id, now, old_valid_until=grace_until)
    return EndpointSecret(secret=webhooks.rotate_secret(session=session, endpoint=row, now=now))


@router.get("/deliveries", response_model=DeliveryPage)
def list_deliveries(
    session: ReadSessionDep,
    key: AdminKey,
    page: PageDep,
    status: Annotated[str | None, Query(pattern="^(pending|delivered|dead)$")] = None,
    endpoint_id: Annotated[str | None, Query(max_length=40)] = None,
) -> DeliveryPage:
    """Newest first; `status=dead` is the dead-letter queue."""
    rows = webhooks.list_deliveries(
        session=session,
        tenant_id=key.tenant_id,
        status=status,
        endpoint_id=endpoint_id,
        limit=page.limit,
        offset=page.offset,
    )
    return DeliveryPage(items=[_delivery(r) for r in rows], next_offset=page.next_offset(len(rows)))


@router.get("/deliveries/{delivery_id}", response_model=DeliveryRead, responses=_NOT_FOUND)
def get_delivery(delivery_id: str, session: ReadSessionDep, key: AdminKey) -> DeliveryRead:
    return _delivery(
        webhooks.get_delivery(session=session, tenant_id=key.tenant_id, delivery_id=delivery_id)
    )


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryRead, responses=_ERRORS)
def retry_delivery(delivery_id: str, session: SessionDep, now: Now, key: AdminKey) -> DeliveryRead:
    """Redeliver now with the same webhook-id and body, on a fresh retry schedule."""
    row = webhooks.retry_delivery(
        session=session, tenant_id=key.tenant_id, delivery_id=delivery_id, now=now
    )
    _audit(session, key, "webhook.redelivered", row.endpoint_id, now, delivery_id=row.id)
    return _delivery(row)

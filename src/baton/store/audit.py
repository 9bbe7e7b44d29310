"""The audit log of admin actions: who did what to what, and when.

Recorded (the `action` names): `key.created|rotated|revoked`; `webhook.created|updated|deleted|
secret_read|secret_rotated|redelivered`; `agent.created|disabled|enabled|password_reset|
sessions_revoked`; `policy.changed` (a process started on a policy unlike the last one seen);
`customer.exported|erased`; `retention.applied`. Actors are `cli:<user>`, `key:<name>`,
`agent:<id>` or `system:<what>`. When tenants arrive, the tenant is one more column here and
one more keyword of `record_audit` and `list_audit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.store.tables import DEFAULT_TENANT, AuditRow


def record_audit(
    *,
    session: Session,
    tenant_id: str,
    actor: str,
    action: str,
    target: str,
    data: dict[str, Any] | None = None,
    now: datetime,
) -> AuditRow:
    """Append one admin action in the caller's transaction, so it is stored with the change.

    Args:
        actor: who acted, e.g. ``"cli:root"``, ``"key:ops"`` or ``"agent:ag_12"``.
        action: a dotted verb, e.g. ``"key.rotated"``, ``"policy.changed"``, ``"agent.updated"``.
        target: what was acted on, e.g. the key's name or the agent's id.
        data: details that help a reviewer; never secrets (store a key's prefix, not the key).
    """
    row = AuditRow(
        tenant_id=tenant_id, at=now, actor=actor, action=action, target=target, data=data or {}
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class AuditFilter:
    """What `list_audit` keeps; an `action` ending in `.` or `*` is a prefix (`webhook.`)."""

    action: str | None = None
    actor: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_audit(
    *,
    session: Session,
    tenant_id: str,
    action: str | None = None,
    limit: int = 100,
    where: AuditFilter | None = None,
) -> list[AuditRow]:
    """The tenant's newest actions first, optionally of one kind, actor, target or period."""
    where = where or AuditFilter(action=action)
    stmt = (
        select(AuditRow)
        .where(AuditRow.tenant_id == tenant_id)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    if where.action is not None:
        if where.action.endswith((".", "*")):
            stmt = stmt.where(AuditRow.action.startswith(where.action.rstrip("*")))
        else:
            stmt = stmt.where(AuditRow.action == where.action)
    if where.actor is not None:
        stmt = stmt.where(AuditRow.actor == where.actor)
    if where.target is not None:
        stmt = stmt.where(AuditRow.target == where.target)
    if where.since is not None:
        stmt = stmt.where(AuditRow.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditRow.at < where.until)
    return list(session.scalars(stmt))


def note_policy(*, session: Session, name: str, digest: str, actor: str, now: datetime) -> bool:
    """Record `policy.changed` when the policy in use differs from the last one recorded (a
    deploy with a new file); True when it did. Called as a process starts."""
    last = session.scalars(
        select(AuditRow)
        .where(AuditRow.action == "policy.changed")
        .order_by(AuditRow.id.desc())
        .limit(1)
    ).first()
    if last is not None and last.data.get("sha256") == digest:
        return False
    before = last.data.get("sha256") if last is not None else None
    record_audit(
        session=session,
        tenant_id=DEFAULT_TENANT,
        actor=actor,
        action="policy.changed",
        target=name,
        data={"sha256": digest, "previous_sha256": before},
        now=now,
    )
    return True

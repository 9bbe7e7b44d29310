"""The audit log of admin actions: keys created, rotated, revoked; policy and agent changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.store.tables import AuditRow


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
        actor: who acted, e.g. ``"cli:root"`` or ``"agent:ag_12"``.
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


def list_audit(
    *, session: Session, tenant_id: str, action: str | None = None, limit: int = 100
) -> list[AuditRow]:
    """The tenant's newest actions first, optionally of one kind."""
    stmt = (
        select(AuditRow)
        .where(AuditRow.tenant_id == tenant_id)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    if action is not None:
        stmt = stmt.where(AuditRow.action == action)
    return list(session.scalars(stmt))

"""The retention period: conversations idle longer than the policy's `retention.days`, with no
open case, are erased by the worker; the KPI facts stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.privacy.erasure import Erased, erase_conversations
from baton.store.audit import record_audit
from baton.store.tables import ConversationRow, HandoffRow

_OPEN = (HandoffStatus.QUEUED.value, HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value)


def apply_retention(
    *,
    session: Session,
    policy: Policy,
    now: datetime,
    actor: str,
    limit: int = 200,
    tenant_id: str | None = None,
) -> Erased:
    """Erase up to `limit` expired conversations; audited as `retention.applied` when any were.
    With `tenant_id`, only that tenant's (the worker applies each tenant's own retention)."""
    if policy.retention.days is None:
        return Erased()
    cutoff = now - timedelta(days=policy.retention.days)
    still_open = exists().where(
        HandoffRow.tenant_id == ConversationRow.tenant_id,
        HandoffRow.conversation_id == ConversationRow.id,
        HandoffRow.status.in_(_OPEN),
    )
    stmt = (
        select(ConversationRow)
        .where(
            ConversationRow.updated_at < cutoff,
            ConversationRow.meta["erased_at"].as_string().is_(None),
            ~still_open,
            *([ConversationRow.tenant_id == tenant_id] if tenant_id is not None else []),
        )
        .order_by(ConversationRow.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(stmt))
    done = erase_conversations(session=session, conversations=rows, now=now)
    for tenant_id in sorted({r.tenant_id for r in rows}):
        record_audit(
            session=session,
            tenant_id=tenant_id,
            actor=actor,
            action="retention.applied",
            target=f"policy:{policy.name}",
            data={
                "days": policy.retention.days,
                "before": cutoff.isoformat(),
                "conversations": sum(1 for r in rows if r.tenant_id == tenant_id),
            },
            now=now,
        )
    return done

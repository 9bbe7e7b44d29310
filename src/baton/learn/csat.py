"""Customer satisfaction: one score per resolved handoff, 1 to 5, stored on the case and in its
log. A case still waiting, being worked, abandoned or only offered has nothing to rate yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from baton.errors import CsatAlreadyRecorded, HandoffNotFound, IllegalTransition
from baton.lifecycle import EventType, HandoffStatus
from baton.store import repositories as repo
from baton.store.tables import HandoffRow


def record_csat(
    *,
    session: Session,
    tenant_id: str,
    handoff_id: str,
    score: int,
    comment: str | None,
    now: datetime,
) -> HandoffRow:
    """Store the customer's score once; the same score again is a no-op, another is a conflict."""
    handoff = repo.get_handoff_row(
        session=session, tenant_id=tenant_id, handoff_id=handoff_id, for_update=True
    )
    if handoff is None:
        raise HandoffNotFound(f"no handoff {handoff_id!r}", field="handoff_id")
    if handoff.status != HandoffStatus.RESOLVED.value:
        raise IllegalTransition(
            f"only a resolved handoff is rated; this one is {handoff.status}", field="score"
        )
    if handoff.csat is not None:
        if handoff.csat == score:
            return handoff
        raise CsatAlreadyRecorded(f"this handoff was already rated {handoff.csat}", field="score")
    handoff.csat = score
    handoff.updated_at = now
    data: dict[str, object] = {"score": score}
    if comment:
        data["comment"] = comment
    repo.record_event(
        session=session, handoff=handoff, type_=EventType.CSAT, at=now, actor="customer", data=data
    )
    return handoff

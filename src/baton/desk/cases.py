"""All cases: the open and team cases an agent may see, searched and filtered; and a customer's
history across conversations and episodes, for the case page's sidebar."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from baton.desk.agents import can_see, role_of
from baton.desk.inbox import CaseLine, case_line
from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.store.tables import AgentRow, ConversationRow, HandoffRow, TurnRow

OPEN = (HandoffStatus.QUEUED.value, HandoffStatus.ASSIGNED.value, HandoffStatus.ACTIVE.value)
STATUSES = ("open", *OPEN, "offered", "resolved", "abandoned", "any")
SLA_RISKS = ("any", "at_risk", "breached")
LIMIT = 300


@dataclass(frozen=True)
class Filters:
    """What the All cases page asks for; every field comes from a bounded query parameter."""

    q: str = ""
    queue: str = ""
    status: str = "open"
    agent: str = ""
    sla: str = "any"


def sla_risk(line: CaseLine, now: datetime) -> str:
    """`breach` past the first-response target, `warn` past its warning point, else `ok`
    (the states the console's lists colour); a case without a target is never at risk."""
    if line.due is None or line.status not in OPEN:
        return "ok"
    if now >= line.due:
        return "breach"
    return "warn" if line.warn_at is not None and now >= line.warn_at else "ok"


def _needle(text: str) -> str:
    return text.strip().casefold()


def _matches_text(session: Session, tenant_id: str, needle: str) -> set[str]:
    """Conversations one of whose turns contains the words (a plain substring, no syntax)."""
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = session.scalars(
        select(TurnRow.conversation_id)
        .where(TurnRow.tenant_id == tenant_id, TurnRow.text.ilike(pattern, escape="\\"))
        .distinct()
        .limit(5000)
    )
    return set(rows)


def search(
    *, session: Session, agent: AgentRow, policy: Policy, filters: Filters, now: datetime
) -> list[CaseLine]:
    """The cases the agent may see that match: customer (name, e-mail, id), identifiers, text.

    Plain agents see their queues' cases and their own; leads see every queue. The SLA filter
    uses the same states the lists colour (`warn` is at risk, `breach` is breached).
    """
    stmt = select(HandoffRow).where(HandoffRow.tenant_id == agent.tenant_id)
    if filters.status == "open":
        stmt = stmt.where(HandoffRow.status.in_(OPEN))
    elif filters.status != "any":
        stmt = stmt.where(HandoffRow.status == filters.status)
    if filters.queue:
        stmt = stmt.where(HandoffRow.queue == filters.queue)
    if filters.agent == "none":
        stmt = stmt.where(HandoffRow.agent_id.is_(None))
    elif filters.agent:
        stmt = stmt.where(HandoffRow.agent_id == filters.agent)
    if not role_of(agent).sees_every_queue:
        stmt = stmt.where(
            or_(HandoffRow.queue.in_(agent.queues or []), HandoffRow.agent_id == agent.id)
        )
    rows = list(
        session.scalars(
            stmt.order_by(HandoffRow.priority.desc(), HandoffRow.created_at.desc()).limit(LIMIT)
        )
    )
    needle = _needle(filters.q)
    if needle:
        said = _matches_text(session, agent.tenant_id, needle)
        customers = {
            c.id: json.dumps(c.customer or {}).casefold()
            for c in session.scalars(
                select(ConversationRow).where(
                    ConversationRow.tenant_id == agent.tenant_id,
                    ConversationRow.id.in_({r.conversation_id for r in rows}),
                )
            )
        }
        rows = [
            r
            for r in rows
            if r.conversation_id in said
            or needle in customers.get(r.conversation_id, "")
            or needle in json.dumps(r.brief.get("identifiers") or []).casefold()
            or needle in json.dumps(r.brief.get("ticket_fields") or {}).casefold()
            or needle == r.id.casefold()
        ]
    lines = [case_line(r, policy) for r in rows if can_see(agent, r)]
    if filters.sla != "any":
        wanted = {"at_risk": ("warn", "breach"), "breached": ("breach",)}[filters.sla]
        lines = [c for c in lines if sla_risk(c, now) in wanted]
    return lines


@dataclass(frozen=True)
class PastCase:
    """One earlier handoff of the customer, with how it ended."""

    id: str
    conversation_id: str
    episode: int
    status: str
    queue: str
    outcome: str | None
    resolution_code: str | None
    created_at: datetime
    subject: str
    same_conversation: bool


def customer_history(
    *, session: Session, handoff: HandoffRow, customer: dict[str, object], limit: int = 20
) -> list[PastCase]:
    """The customer's other handoffs, newest first: this conversation's earlier episodes, and
    other conversations with the same customer id or e-mail, in this tenant."""
    keys = [
        (field, str(customer[field]))
        for field in ("id", "email")
        if isinstance(customer.get(field), str) and customer.get(field)
    ]
    conversation_ids = {handoff.conversation_id}
    for field, value in keys:
        conversation_ids |= set(
            session.scalars(
                select(ConversationRow.id)
                .where(
                    ConversationRow.tenant_id == handoff.tenant_id,
                    ConversationRow.customer[field].as_string() == value,
                )
                .limit(200)
            )
        )
    rows = session.scalars(
        select(HandoffRow)
        .where(
            HandoffRow.tenant_id == handoff.tenant_id,
            HandoffRow.conversation_id.in_(conversation_ids),
            HandoffRow.id != handoff.id,
        )
        .order_by(HandoffRow.created_at.desc())
        .limit(limit)
    )
    return [
        PastCase(
            id=r.id,
            conversation_id=r.conversation_id,
            episode=r.episode,
            status=r.status,
            queue=r.queue,
            outcome=r.outcome,
            resolution_code=r.resolution_code,
            created_at=r.created_at,
            subject=str((r.brief.get("ticket_fields") or {}).get("subject") or "Handoff"),
            same_conversation=r.conversation_id == handoff.conversation_id,
        )
        for r in rows
    ]

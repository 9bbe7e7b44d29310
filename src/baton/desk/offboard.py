"""Offboarding: disable an account, reset its password, end its console sessions; each audited.

Disabling takes effect at once: the agent cannot sign in, every open session (and the live
stream it holds) ends, cases offered to them go back to their queues, cases they were working
go back to their queues too (a transfer, so the brief and SLA clock go with them), and nobody
can transfer a case to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk import agents, offers, service, sessions
from baton.errors import AgentNotFound
from baton.lifecycle import HandoffStatus
from baton.policy import Policy
from baton.store.audit import record_audit
from baton.store.tables import AgentRow, HandoffRow


@dataclass(frozen=True)
class Disabled:
    agent_id: str
    sessions_ended: int
    cases_requeued: list[str]


def find(*, session: Session, who: str) -> AgentRow:
    """An account by e-mail or id; `AgentNotFound` otherwise."""
    row = agents.get(session=session, agent_id=who) or agents.get_by_email(
        session=session, email=who
    )
    if row is None:
        raise AgentNotFound(f"no agent {who!r}", field="agent")
    return row


def disable(
    *, session: Session, agent: AgentRow, policy: Policy, actor: str, now: datetime
) -> Disabled:
    """Switch the account off and hand its open cases back to their queues."""
    already = agent.disabled_at is not None
    agent.disabled_at = agent.disabled_at or now
    released = offers.change_presence(
        session=session, agent_id=agent.id, presence=agents.Presence.OFFLINE.value, now=now
    )
    active = session.execute(
        select(HandoffRow.id, HandoffRow.queue).where(
            HandoffRow.agent_id == agent.id, HandoffRow.status == HandoffStatus.ACTIVE.value
        )
    ).all()
    for handoff_id, queue in active:
        service.transfer(
            session=session,
            handoff_id=handoff_id,
            agent=agent,
            policy=policy,
            now=now,
            to_queue=queue,
            note="the agent's account was disabled",
        )
    ended = sessions.revoke_all(session=session, agent_id=agent.id, now=now)
    requeued = [*released, *(handoff_id for handoff_id, _ in active)]
    record_audit(
        session=session,
        tenant_id=agent.tenant_id,
        actor=actor,
        action="agent.disabled",
        target=agent.id,
        data={"email": agent.email, "sessions_ended": ended, "cases_requeued": requeued}
        | ({"already_disabled": True} if already else {}),
        now=now,
    )
    return Disabled(agent_id=agent.id, sessions_ended=ended, cases_requeued=requeued)


def enable(*, session: Session, agent: AgentRow, actor: str, now: datetime) -> None:
    """Let a disabled account sign in again (its old sessions stay ended)."""
    agent.disabled_at = None
    session.flush()
    record_audit(
        session=session,
        tenant_id=agent.tenant_id,
        actor=actor,
        action="agent.enabled",
        target=agent.id,
        data={"email": agent.email},
        now=now,
    )


def reset_password(
    *, session: Session, agent: AgentRow, password: str, actor: str, now: datetime
) -> int:
    """A new password; every session signed in with the old one ends. How many ended."""
    agent.password_hash = agents.hash_password(password)
    ended = sessions.revoke_all(session=session, agent_id=agent.id, now=now)
    record_audit(
        session=session,
        tenant_id=agent.tenant_id,
        actor=actor,
        action="agent.password_reset",
        target=agent.id,
        data={"email": agent.email, "sessions_ended": ended},
        now=now,
    )
    return ended


def revoke_sessions(*, session: Session, agent: AgentRow, actor: str, now: datetime) -> int:
    """End every console session of the agent now (they sign in again); how many ended."""
    ended = sessions.revoke_all(session=session, agent_id=agent.id, now=now)
    record_audit(
        session=session,
        tenant_id=agent.tenant_id,
        actor=actor,
        action="agent.sessions_revoked",
        target=agent.id,
        data={"email": agent.email, "sessions_ended": ended},
        now=now,
    )
    return ended

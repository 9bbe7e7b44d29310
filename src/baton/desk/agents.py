"""Agents, supervisors and admins: accounts, argon2 passwords, presence, and who sees which case."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.roles import AgentRole as AgentRole
from baton.desk.roles import Presence as Presence
from baton.errors import Conflict, InvalidRequest
from baton.store.tables import AgentRow, HandoffRow
from baton.store.tenants import require_tenant

MIN_PASSWORD_CHARS = 10
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash("no-such-agent-password")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidRequest(
            f"a password has at least {MIN_PASSWORD_CHARS} characters", field="password"
        )
    return _hasher.hash(password)


def create(
    *,
    session: Session,
    tenant_id: str,
    email: str,
    name: str,
    password: str,
    role: AgentRole,
    queues: Sequence[str],
    now: datetime,
    capacity: int = 3,
    skills: Sequence[str] = (),
) -> AgentRow:
    """Create a console account in `tenant_id`; the password is stored only as an argon2 hash.

    E-mail addresses are unique across tenants: signing in finds the agent, and so the tenant.
    """
    require_tenant(session=session, tenant_id=tenant_id)
    email = email.strip().lower()
    if "@" not in email:
        raise InvalidRequest("an e-mail address is needed", field="email")
    if get_by_email(session=session, email=email) is not None:
        raise Conflict(f"an agent with e-mail {email!r} exists", field="email")
    row = AgentRow(
        id="ag_" + uuid.uuid4().hex[:20],
        tenant_id=tenant_id,
        email=email,
        name=name.strip() or email,
        role=role.value,
        password_hash=hash_password(password),
        presence=Presence.OFFLINE.value,
        capacity=capacity,
        skills=list(skills),
        queues=list(queues),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get(*, session: Session, agent_id: str) -> AgentRow | None:
    return session.get(AgentRow, agent_id)


def get_by_email(*, session: Session, email: str) -> AgentRow | None:
    return session.scalars(select(AgentRow).where(AgentRow.email == email.strip().lower())).first()


def list_all(*, session: Session, tenant_id: str) -> list[AgentRow]:
    """The tenant's team; agents belong to one tenant and never see another's cases."""
    return list(
        session.scalars(
            select(AgentRow).where(AgentRow.tenant_id == tenant_id).order_by(AgentRow.name)
        )
    )


def authenticate(*, session: Session, email: str, password: str) -> AgentRow | None:
    """The agent whose e-mail and password match, or None; rehashes an outdated hash."""
    row = get_by_email(session=session, email=email)
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row.password_hash:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
        session.flush()
    return row


def set_presence(*, session: Session, agent: AgentRow, presence: Presence) -> None:
    agent.presence = presence.value
    session.flush()


def role_of(agent: AgentRow) -> AgentRole:
    return AgentRole(agent.role)


def visible_queues(agent: AgentRow, all_queues: Sequence[str]) -> list[str]:
    """The queues whose cases the agent may open: all for supervisors and admins."""
    if role_of(agent).sees_every_queue:
        return list(all_queues)
    return [q for q in all_queues if q in (agent.queues or [])]


def can_see(agent: AgentRow, handoff: HandoffRow) -> bool:
    """Agents see the queues they serve and the cases given to them; others see everything."""
    if role_of(agent).sees_every_queue or handoff.agent_id == agent.id:
        return True
    return handoff.queue in (agent.queues or [])

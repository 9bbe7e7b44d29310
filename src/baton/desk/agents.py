"""Agents, supervisors and admins: accounts, argon2 passwords, presence, and who sees which case."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk.roles import AgentRole as AgentRole
from baton.desk.roles import Presence as Presence
from baton.errors import Conflict, InvalidRequest, LoginThrottled
from baton.store.audit import record_audit
from baton.store.tables import AgentRow, HandoffRow
from baton.store.tenants import require_tenant

MIN_PASSWORD_CHARS = 10
# Half the cores: hashing never takes every core from the requests around it.
HASH_SLOTS = max(1, (os.cpu_count() or 2) // 2)
HASH_WAIT_SECONDS = 5.0
_hasher = PasswordHasher()
_hash_slots = threading.BoundedSemaphore(HASH_SLOTS)
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
    actor: str,
    now: datetime,
    capacity: int = 3,
    skills: Sequence[str] = (),
) -> AgentRow:
    """Create a console account in `tenant_id`, audited as `agent.created`; the password is
    stored only as an argon2 hash. E-mail addresses are unique across tenants: signing in finds
    the agent, and so the tenant."""
    require_tenant(session=session, tenant_id=tenant_id)
    email = normalise_email(email)
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
    record_audit(
        session=session,
        tenant_id=tenant_id,
        actor=actor,
        action="agent.created",
        target=row.id,
        data={"email": email, "role": row.role, "queues": list(queues)},
        now=now,
    )
    return row


def normalise_email(email: str) -> str:
    """A valid address in lower case, or `InvalidRequest` naming why (`a@` is refused)."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidRequest(f"not a valid e-mail address: {exc}", field="email") from None
    return checked.normalized.lower()


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


def password_hash_of(*, session: Session, email: str) -> tuple[str, str] | None:
    """(agent id, stored hash) for the e-mail, to verify once the transaction is over."""
    row = get_by_email(session=session, email=email)
    if row is None or not row.password_hash or row.disabled_at is not None:
        return None
    return row.id, row.password_hash


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored` (None: an unknown account, at the same cost).

    Call it outside any database transaction: argon2 takes tens of milliseconds and 64 MiB, so
    at most `HASH_SLOTS` run at once in a process; a sign-in that cannot get a slot within
    `HASH_WAIT_SECONDS` is LoginThrottled (429), never a queue that grows without end.
    """
    if not _hash_slots.acquire(timeout=HASH_WAIT_SECONDS):
        raise LoginThrottled("too many sign-ins at once; try again shortly", retry_after=1)
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    finally:
        _hash_slots.release()
    return stored is not None


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def authenticate(*, session: Session, email: str, password: str) -> AgentRow | None:
    """The agent whose e-mail and password match, or None; rehashes an outdated hash.

    For scripts and tests; the console's sign-in verifies outside the transaction instead.
    """
    found = password_hash_of(session=session, email=email)
    if not verify_password(found[1] if found else None, password) or found is None:
        return None
    row = get(session=session, agent_id=found[0])
    if row is not None and needs_rehash(found[1]):
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

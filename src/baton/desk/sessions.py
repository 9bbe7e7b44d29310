"""Console sign-in sessions, stored server-side so that signing out ends them everywhere."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from baton.store.tables import AgentRow, ConsoleSessionRow

SESSION_HOURS = 12


@dataclass(frozen=True)
class SignedIn:
    """A live session: the agent and the CSRF token every form of theirs must carry."""

    agent: AgentRow
    session_id: str
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def open_session(*, session: Session, agent: AgentRow, now: datetime) -> tuple[str, SignedIn]:
    """Start a session; returns the plain token (for the cookie, once) and the session."""
    token = secrets.token_urlsafe(32)
    row = ConsoleSessionRow(
        id=_digest(token),
        agent_id=agent.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=SESSION_HOURS),
    )
    session.add(row)
    session.flush()
    return token, SignedIn(agent=agent, session_id=row.id, csrf_token=row.csrf_token)


def resolve(*, session: Session, token: str, now: datetime) -> SignedIn | None:
    """The live session a cookie token names, or None when unknown, expired or signed out."""
    row = session.get(ConsoleSessionRow, _digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    agent = session.get(AgentRow, row.agent_id)
    if agent is None or agent.disabled_at is not None:
        return None
    return SignedIn(agent=agent, session_id=row.id, csrf_token=row.csrf_token)


def close_session(*, session: Session, session_id: str, now: datetime) -> None:
    session.execute(
        update(ConsoleSessionRow)
        .where(ConsoleSessionRow.id == session_id, ConsoleSessionRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()


def is_live(*, session: Session, session_id: str, now: datetime) -> bool:
    row = session.get(ConsoleSessionRow, session_id)
    return row is not None and row.revoked_at is None and row.expires_at > now


def revoke_all(*, session: Session, agent_id: str, now: datetime) -> int:
    """End every live session of an agent (offboarding, a reset password); how many ended."""
    result = session.execute(
        update(ConsoleSessionRow)
        .where(ConsoleSessionRow.agent_id == agent_id, ConsoleSessionRow.revoked_at.is_(None))
        .where(ConsoleSessionRow.expires_at > now)
        .values(revoked_at=now)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

"""Bot API keys over their life: create, rotate with a grace period, revoke; each one audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from baton.errors import NotFound
from baton.store import repositories as repo
from baton.store.audit import record_audit
from baton.store.tables import ApiKeyRow


def list_keys(*, session: Session, name: str | None = None) -> list[ApiKeyRow]:
    stmt = select(ApiKeyRow).order_by(ApiKeyRow.name, ApiKeyRow.id)
    if name is not None:
        stmt = stmt.where(ApiKeyRow.name == name)
    return list(session.scalars(stmt))


def _live(*, session: Session, name: str, now: datetime) -> list[ApiKeyRow]:
    return list(
        session.scalars(
            select(ApiKeyRow).where(
                ApiKeyRow.name == name,
                ApiKeyRow.revoked_at.is_(None),
                or_(ApiKeyRow.expires_at.is_(None), ApiKeyRow.expires_at > now),
            )
        )
    )


def create_key(*, session: Session, name: str, actor: str, now: datetime) -> str:
    """A new key for `name`; the plain key is returned once, the audit log keeps its prefix."""
    key = repo.create_api_key(session=session, name=name, now=now)
    record_audit(
        session=session,
        actor=actor,
        action="key.created",
        target=name,
        data={"prefix": key[:10]},
        now=now,
    )
    return key


def rotate_key(*, session: Session, name: str, grace: timedelta, actor: str, now: datetime) -> str:
    """Issue a new key for `name`; its older keys keep working for `grace`, then stop."""
    old = _live(session=session, name=name, now=now)
    if not old:
        raise NotFound(f"no live API key named {name!r}", field="name")
    expires = now + grace
    for row in old:
        row.expires_at = min(row.expires_at or expires, expires)
    key = repo.create_api_key(session=session, name=name, now=now)
    record_audit(
        session=session,
        actor=actor,
        action="key.rotated",
        target=name,
        data={
            "prefix": key[:10],
            "old_prefixes": [r.prefix for r in old],
            "old_expire_at": expires.isoformat(),
        },
        now=now,
    )
    return key


def revoke_keys(
    *, session: Session, name: str, actor: str, now: datetime, prefix: str | None = None
) -> list[str]:
    """Stop `name`'s live keys at once (only the one with `prefix`, if given); their prefixes."""
    rows = [
        r
        for r in _live(session=session, name=name, now=now)
        if prefix is None or r.prefix == prefix
    ]
    if not rows:
        raise NotFound(f"no live API key named {name!r}", field="name")
    for row in rows:
        row.revoked_at = now
    session.flush()
    prefixes = [r.prefix for r in rows]
    record_audit(
        session=session,
        actor=actor,
        action="key.revoked",
        target=name,
        data={"prefixes": prefixes},
        now=now,
    )
    return prefixes

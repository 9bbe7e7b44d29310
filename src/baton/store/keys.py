"""Bot API keys over their life: create, rotate with a grace period, revoke; each one audited."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from baton.errors import NotFound
from baton.store import repositories as repo
from baton.store.audit import record_audit
from baton.store.db import SessionFactory, read_scope
from baton.store.tables import ApiKeyRow
from baton.store.tenants import DEFAULT_SCOPES, Scope, format_scopes, parse_scopes, require_tenant


@dataclass(frozen=True)
class KeyIdentity:
    """Who a live key speaks for: its name, its tenant, and what it may do there."""

    name: str
    tenant_id: str
    scopes: frozenset[Scope]


def list_keys(*, session: Session, tenant_id: str, name: str | None = None) -> list[ApiKeyRow]:
    stmt = (
        select(ApiKeyRow)
        .where(ApiKeyRow.tenant_id == tenant_id)
        .order_by(ApiKeyRow.name, ApiKeyRow.id)
    )
    if name is not None:
        stmt = stmt.where(ApiKeyRow.name == name)
    return list(session.scalars(stmt))


def _live(*, session: Session, tenant_id: str, name: str, now: datetime) -> list[ApiKeyRow]:
    return list(
        session.scalars(
            select(ApiKeyRow).where(
                ApiKeyRow.tenant_id == tenant_id,
                ApiKeyRow.name == name,
                ApiKeyRow.revoked_at.is_(None),
                or_(ApiKeyRow.expires_at.is_(None), ApiKeyRow.expires_at > now),
            )
        )
    )


def create_key(
    *,
    session: Session,
    tenant_id: str,
    name: str,
    actor: str,
    now: datetime,
    scopes: frozenset[Scope] = DEFAULT_SCOPES,
) -> str:
    """A new key for `name` in `tenant_id`; the plain key is returned once, the audit log keeps
    its prefix. Keys are `bot,read` unless asked otherwise: admin is never the default."""
    require_tenant(session=session, tenant_id=tenant_id)
    key = repo.create_api_key(
        session=session, tenant_id=tenant_id, name=name, scopes=format_scopes(scopes), now=now
    )
    record_audit(
        session=session,
        tenant_id=tenant_id,
        actor=actor,
        action="key.created",
        target=name,
        data={"prefix": key[:10], "scopes": format_scopes(scopes)},
        now=now,
    )
    return key


def rotate_key(
    *, session: Session, tenant_id: str, name: str, grace: timedelta, actor: str, now: datetime
) -> str:
    """Issue a new key for `name`, with the newest old key's scopes; the older keys keep working
    for `grace`, then stop."""
    old = _live(session=session, tenant_id=tenant_id, name=name, now=now)
    if not old:
        raise NotFound(f"no live API key named {name!r}", field="name")
    expires = now + grace
    for row in old:
        row.expires_at = min(row.expires_at or expires, expires)
    scopes = max(old, key=lambda r: r.id).scopes
    key = repo.create_api_key(
        session=session, tenant_id=tenant_id, name=name, scopes=scopes, now=now
    )
    record_audit(
        session=session,
        tenant_id=tenant_id,
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
    *,
    session: Session,
    tenant_id: str,
    name: str,
    actor: str,
    now: datetime,
    prefix: str | None = None,
) -> list[str]:
    """Stop `name`'s live keys at once (only the one with `prefix`, if given); their prefixes."""
    rows = [
        r
        for r in _live(session=session, tenant_id=tenant_id, name=name, now=now)
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
        tenant_id=tenant_id,
        actor=actor,
        action="key.revoked",
        target=name,
        data={"prefixes": prefixes},
        now=now,
    )
    return prefixes


class KeyCache:
    """Checked API keys, trusted for a few seconds so a turn does not read the key table.

    Only live keys are kept (an unknown key is looked up every time), each until the sooner of
    `ttl` seconds and its own expiry, so a revoked key stops working within `ttl` in every worker
    and a rotated key's grace period ends on time.
    """

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._names: dict[str, tuple[KeyIdentity, float]] = {}

    def identify(self, *, factory: SessionFactory, key: str, now: datetime) -> KeyIdentity | None:
        """Who the key speaks for if it is live, else None."""
        digest = repo.text_digest(key)
        cached = self._names.get(digest)
        clock = self.clock()
        if cached is not None and cached[1] > clock:
            return cached[0]
        with read_scope(factory) as session:
            row = repo.get_api_key_by_secret(session=session, key=key, now=now)
            if row is None:
                self._names.pop(digest, None)
                return None
            name = KeyIdentity(row.name, row.tenant_id, parse_scopes(row.scopes))
            expires_at = row.expires_at
        if self.ttl > 0:
            until = clock + self.ttl
            if expires_at is not None:
                until = min(until, clock + (expires_at - now).total_seconds())
            if len(self._names) >= self.max_entries:
                self._names.clear()
            self._names[digest] = (name, until)
        return name

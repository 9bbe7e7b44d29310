"""Tenants (workspaces) and the scopes of their API keys.

A tenant owns its keys, conversations, cases, agents, knowledge base, webhooks and analytics.
Every repository that reads or writes an owned row takes the tenant as a required keyword, so a
route cannot forget it; another tenant's row is simply not found. The `default` tenant is the one
a single team uses without ever naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.errors import InvalidRequest, NotFound
from baton.store.tables import DEFAULT_TENANT, TenantRow

__all__ = [
    "DEFAULT_TENANT",
    "Scope",
    "create_tenant",
    "format_scopes",
    "get_tenant",
    "list_tenant_ids",
    "parse_scopes",
    "require_tenant",
]

_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class Scope(StrEnum):
    """What a key may do, within its own tenant only."""

    BOT = "bot"  # turns (user/bot roles), handoff requests, the conversation's event stream
    READ = "read"  # handoffs, briefs, tickets, analytics
    ADMIN = "admin"  # webhooks and their secrets, agent/system turns, policy


DEFAULT_SCOPES = frozenset({Scope.BOT, Scope.READ})


def parse_scopes(text: str) -> frozenset[Scope]:
    """`"bot,read"` -> {BOT, READ}; an unknown word is an error that names it."""
    words = [w.strip() for w in text.split(",") if w.strip()]
    known = {s.value for s in Scope}
    unknown = [w for w in words if w not in known]
    if unknown or not words:
        raise InvalidRequest(
            f"scopes are a comma-separated subset of {', '.join(sorted(known))}; got {text!r}",
            field="scope",
        )
    return frozenset(Scope(w) for w in words)


def format_scopes(scopes: Iterable[Scope]) -> str:
    return ",".join(s.value for s in Scope if s in set(scopes))


def get_tenant(*, session: Session, tenant_id: str) -> TenantRow | None:
    return session.get(TenantRow, tenant_id)


def require_tenant(*, session: Session, tenant_id: str) -> TenantRow:
    row = get_tenant(session=session, tenant_id=tenant_id)
    if row is None:
        raise NotFound(
            f"no tenant {tenant_id!r}; create it with 'baton tenants create'", field="tenant"
        )
    return row


def list_tenant_ids(*, session: Session) -> list[str]:
    return list(session.scalars(select(TenantRow.id).order_by(TenantRow.id)))


def create_tenant(*, session: Session, tenant_id: str, name: str, now: datetime) -> TenantRow:
    """A new, empty workspace; its id is short, lower-case and URL-safe."""
    if not _TENANT_ID.match(tenant_id):
        raise InvalidRequest(
            "a tenant id is 1-40 lower-case letters, digits, '-' or '_'", field="tenant"
        )
    if get_tenant(session=session, tenant_id=tenant_id) is not None:
        raise InvalidRequest(f"tenant {tenant_id!r} already exists", field="tenant")
    row = TenantRow(id=tenant_id, name=name or tenant_id, created_at=now)
    session.add(row)
    session.flush()
    return row

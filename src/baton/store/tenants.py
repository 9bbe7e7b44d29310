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

from baton.errors import InvalidRequest, NotFound, PolicyInvalid
from baton.policy import Policy, parse_policy, policy_hash
from baton.store.audit import record_audit
from baton.store.tables import DEFAULT_TENANT, TenantRow

__all__ = [
    "DEFAULT_TENANT",
    "Scope",
    "clear_tenant_policy",
    "create_tenant",
    "format_scopes",
    "get_tenant",
    "list_tenant_ids",
    "parse_scopes",
    "require_tenant",
    "set_tenant_policy",
    "tenant_policy_text",
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


PACKAGED_TRAINING = "baton:"
MAX_POLICY_BYTES = 256 * 1024


def tenant_policy_text(*, session: Session, tenant_id: str) -> str | None:
    """The tenant's own policy YAML, or None when it runs the deployment's policy."""
    return session.scalar(select(TenantRow.policy_yaml).where(TenantRow.id == tenant_id))


def policy_of(*, session: Session, tenant_id: str, default: Policy) -> Policy:
    """The policy the tenant runs: its own, else `default` (the deployment's). For one-off
    commands; long-running processes use `baton.tenant_policy`, which caches."""
    text = tenant_policy_text(session=session, tenant_id=tenant_id)
    if text is None:
        return default
    return validate_tenant_policy(text, source=f"tenant {tenant_id!r} policy")


def validate_tenant_policy(text: str, *, source: str) -> Policy:
    """Parse a tenant's policy with the policy loader (faults name the field and line).

    A tenant's policy lives in the database, not beside a file, and whoever holds the tenant's
    admin key may write it: so its `detect.training` may name only packaged data (`baton:...`),
    never a path on the server.
    """
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise PolicyInvalid(f"{source}: a policy is at most {MAX_POLICY_BYTES} bytes")
    policy = parse_policy(text, source=source)
    training = policy.detect.training
    if training is not None and not training.startswith(PACKAGED_TRAINING):
        raise PolicyInvalid(
            f"{source}: detect.training: a tenant's policy may name only packaged training data "
            f"('{PACKAGED_TRAINING}...'), not a file on the server",
            field="detect.training",
        )
    return policy


def set_tenant_policy(
    *, session: Session, tenant_id: str, text: str, actor: str, now: datetime
) -> Policy:
    """Validate and store the tenant's own policy; audited as `policy.set` in its tenant."""
    row = require_tenant(session=session, tenant_id=tenant_id)
    policy = validate_tenant_policy(text, source=f"tenant {tenant_id!r} policy")
    before = _digest(row.policy_yaml)
    row.policy_yaml = text
    _audit(session, row, policy.name, policy_hash(policy), before, actor, now)
    return policy


def clear_tenant_policy(*, session: Session, tenant_id: str, actor: str, now: datetime) -> None:
    """The tenant goes back to the deployment's policy."""
    row = require_tenant(session=session, tenant_id=tenant_id)
    if row.policy_yaml is None:
        return
    before = _digest(row.policy_yaml)
    row.policy_yaml = None
    _audit(session, row, "deployment", None, before, actor, now)


def _digest(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return policy_hash(parse_policy(text))
    except PolicyInvalid:
        return None


def _audit(
    session: Session,
    row: TenantRow,
    name: str,
    digest: str | None,
    before: str | None,
    actor: str,
    now: datetime,
) -> None:
    record_audit(
        session=session,
        tenant_id=row.id,
        actor=actor,
        action="policy.set",
        target=name,
        data={"sha256": digest, "previous_sha256": before},
        now=now,
    )
    session.flush()

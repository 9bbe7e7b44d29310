"""Request dependencies: the unit of work, the runtime, the caller's API key."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from baton.config import Settings
from baton.engine import Runtime
from baton.errors import Forbidden, RateLimited, Unauthorized
from baton.store.db import SessionFactory, read_scope, session_scope
from baton.store.keys import KeyCache, KeyIdentity
from baton.store.ratelimit import LeasedBuckets, retry_after_seconds
from baton.store.tenants import DEFAULT_TENANT, Scope, format_scopes
from baton.tenant_policy import TenantRuntimes

_bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    factory: SessionFactory = request.app.state.session_factory
    with session_scope(factory) as session:
        yield session


def get_read_session(request: Request) -> Iterator[Session]:
    """A read-only unit of work (`read_scope`): for routes that never write."""
    factory: SessionFactory = request.app.state.session_factory
    with read_scope(factory) as session:
        yield session


def tenant_runtimes(request: Request) -> TenantRuntimes:
    runtimes: TenantRuntimes = request.app.state.runtimes
    return runtimes


def get_default_runtime(request: Request) -> Runtime:
    """The default tenant's runtime: for the demo, which has no key."""
    return tenant_runtimes(request).runtime_for(DEFAULT_TENANT)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def utcnow() -> datetime:
    return datetime.now(UTC)


# scope="function": commit before the response is sent, so a client never sees an answer for
# work that then fails to commit, nor reads its own write before it is there.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
DefaultRuntimeDep = Annotated[Runtime, Depends(get_default_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
Now = Annotated[datetime, Depends(utcnow)]


ANONYMOUS = KeyIdentity("anonymous", DEFAULT_TENANT, frozenset(Scope))


def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KeyIdentity:
    """The caller's API key, checked against the stored hashes: its name, tenant and scopes.

    With `require_api_key` off (a local trial) every caller is the default tenant's admin.
    """
    settings: Settings = request.app.state.settings
    if not settings.require_api_key:
        return ANONYMOUS
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <api key>'", field="Authorization")
    factory: SessionFactory = request.app.state.session_factory
    keys: KeyCache = request.app.state.key_cache
    caller = keys.identify(factory=factory, key=credentials.credentials, now=utcnow())
    if caller is None:
        raise Unauthorized("the API key is unknown or revoked", field="Authorization")
    request.state.tenant_id = caller.tenant_id
    _take(request, f"api_key:{caller.tenant_id}:{caller.name}", settings.rate_limit_per_minute)
    _take(request, f"tenant:{caller.tenant_id}", settings.tenant_rate_limit_per_minute)
    return caller


def _take(request: Request, bucket: str, per_minute: int) -> None:
    """One token from `bucket` (shared by every worker), or 429 with the wait."""
    if per_minute == 0:
        return
    settings: Settings = request.app.state.settings
    buckets: LeasedBuckets = request.app.state.rate_buckets
    wait = buckets.take(
        factory=request.app.state.session_factory,
        key=bucket,
        capacity=float(settings.rate_limit_burst),
        per_second=per_minute / 60.0,
        now=time.time(),
    )
    if wait > 0:
        who = bucket.split(":", 1)[0].replace("_", " ")
        raise RateLimited(
            f"this {who} is over {per_minute} requests a minute",
            retry_after=retry_after_seconds(wait),
            field="Authorization",
        )


def require_scope(scope: Scope) -> Callable[[KeyIdentity], KeyIdentity]:
    """A dependency: the caller's key, which must carry `scope` (else 403, naming it)."""

    def check(caller: Annotated[KeyIdentity, Depends(require_api_key)]) -> KeyIdentity:
        if scope not in caller.scopes:
            raise Forbidden(
                f"this key has scopes {format_scopes(caller.scopes)!r};"
                f" this call needs {scope.value!r}",
                field="Authorization",
            )
        return caller

    check.__name__ = f"require_{scope.value}_scope"
    return check


def get_runtime(
    request: Request, caller: Annotated[KeyIdentity, Depends(require_api_key)]
) -> Runtime:
    """The caller's tenant's runtime: its own policy and detector, or the deployment's."""
    return tenant_runtimes(request).runtime_for(caller.tenant_id)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
"""The runtime of the API key's tenant."""
ApiKeyDep = Annotated[KeyIdentity, Depends(require_api_key)]
"""Any live key; its tenant scopes what the route sees."""
BotKey = Annotated[KeyIdentity, Depends(require_scope(Scope.BOT))]
ReadKey = Annotated[KeyIdentity, Depends(require_scope(Scope.READ))]
AdminKey = Annotated[KeyIdentity, Depends(require_scope(Scope.ADMIN))]

"""Request dependencies: the unit of work, the runtime, the caller's API key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from baton.config import Settings
from baton.engine import Runtime
from baton.errors import RateLimited, Unauthorized
from baton.store.db import SessionFactory, read_scope, session_scope
from baton.store.keys import KeyCache
from baton.store.ratelimit import LeasedBuckets, retry_after_seconds

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


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def utcnow() -> datetime:
    return datetime.now(UTC)


# scope="function": commit before the response is sent, so a client never sees an answer for
# work that then fails to commit, nor reads its own write before it is there.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
Now = Annotated[datetime, Depends(utcnow)]


def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bot's API key, checked against the stored hashes; its name on success."""
    settings: Settings = request.app.state.settings
    if not settings.require_api_key:
        return "anonymous"
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <api key>'", field="Authorization")
    factory: SessionFactory = request.app.state.session_factory
    keys: KeyCache = request.app.state.key_cache
    name = keys.name_for(factory=factory, key=credentials.credentials, now=utcnow())
    if name is None:
        raise Unauthorized("the API key is unknown or revoked", field="Authorization")
    if settings.rate_limit_per_minute == 0:
        return name
    buckets: LeasedBuckets = request.app.state.rate_buckets
    wait = buckets.take(
        factory=factory,
        key=f"api_key:{name}",
        capacity=float(settings.rate_limit_burst),
        per_second=settings.rate_limit_per_minute / 60.0,
        now=time.time(),
    )
    if wait > 0:
        raise RateLimited(
            f"API key {name!r} is over {settings.rate_limit_per_minute} requests a minute",
            retry_after=retry_after_seconds(wait),
            field="Authorization",
        )
    return name


ApiKeyDep = Annotated[str, Depends(require_api_key)]

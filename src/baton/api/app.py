"""`create_app(settings)`: the FastAPI app; the engine is built in the lifespan, never at import."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import Depends, FastAPI

from baton.api.context import RequestContext
from baton.api.errors import install_error_handlers
from baton.api.gate import TurnGate
from baton.api.limits import BodyLimit, refuse_nul
from baton.api.routes import (
    adapters,
    analytics,
    conversations,
    customers,
    handoffs,
    health,
    home,
    metrics,
    policy,
    turns,
    verification,
    webhooks,
)
from baton.api.security import SecurityHeaders
from baton.brief.llm import summarizer_from_settings
from baton.config import Settings, get_settings
from baton.console import install as install_console
from baton.demo import routes as demo_routes
from baton.engine import Runtime
from baton.logs import configure as configure_logging
from baton.metrics import TurnMetrics
from baton.policy import load_policy, policy_hash
from baton.store.audit import note_policy
from baton.store.db import engine_for, listen_dsn, make_session_factory, session_scope, upgrade
from baton.store.keys import KeyCache
from baton.store.notify import EventWaker
from baton.store.ratelimit import LeasedBuckets
from baton.tenant_policy import TenantRuntimes
from baton.transfer.egress import guard_from_settings


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, demo: bool = False
) -> FastAPI:
    """Build the app; migrations run on start so a fresh database is ready; `demo` adds `/demo`.

    Called with no argument it reads the settings from the environment, which is how
    `uvicorn --factory baton.api.app:create_app` and `baton serve --workers N` start each worker.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = engine_for(settings)
        upgrade(engine)
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        app.state.key_cache = KeyCache(settings.api_key_cache_seconds)
        app.state.rate_buckets = LeasedBuckets()
        llm = None if runtime is not None else summarizer_from_settings(settings)
        app.state.runtime = runtime or Runtime(
            load_policy(settings.policy),
            model_cache_dir=settings.model_cache_dir,
            policy_dir=settings.policy.parent if settings.policy else None,
            summarizer=llm,
        )
        app.state.runtimes = TenantRuntimes(
            app.state.runtime,
            factory=app.state.session_factory,
            cache_seconds=settings.tenant_policy_cache_seconds,
        )
        with session_scope(app.state.session_factory) as session:
            note_policy(
                session=session,
                name=app.state.runtime.policy.name,
                digest=policy_hash(app.state.runtime.policy),
                actor=f"system:{socket.gethostname()}",
                now=datetime.now(UTC),
            )
        waker = EventWaker(dsn=listen_dsn(engine), poll_seconds=settings.event_poll_interval)
        app.state.waker = waker
        await waker.start()
        try:
            yield
        finally:
            await waker.stop()
            engine.dispose()
            if llm is not None:
                llm.close()

    app = FastAPI(
        title="Baton",
        version="0.1.0",
        lifespan=lifespan,
        description="AI-to-human conversation handoffs.",
        docs_url=None,  # served by routes.home from a package, not a CDN
        redoc_url=None,
        dependencies=[Depends(refuse_nul)],
    )
    app.state.settings = settings
    app.state.metrics = TurnMetrics()
    app.state.demo = demo
    app.state.egress_guard = guard_from_settings(settings)
    install_error_handlers(app)
    for module in (
        turns,
        conversations,
        verification,
        handoffs,
        health,
        webhooks,
        adapters,
        analytics,
        customers,
        policy,
        metrics,
    ):
        app.include_router(module.router)
    install_console(app)
    home.install(app)
    if demo:
        app.include_router(demo_routes.router)
        app.mount("/demo/static", demo_routes.static, name="demo-static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(TurnGate, max_waiting=settings.max_waiting_turns, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestContext)  # outermost: every line of a request carries its ids
    return app


def create_app_in_new_process() -> FastAPI:
    """`create_app()` for a process of its own (`baton serve --workers N`): logging first."""
    configure_logging()
    return create_app()

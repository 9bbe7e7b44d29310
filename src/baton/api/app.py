"""`create_app(settings)`: the FastAPI app; the engine is built in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from baton.api.errors import install_error_handlers
from baton.api.limits import BodyLimit
from baton.api.routes import (
    adapters,
    analytics,
    conversations,
    handoffs,
    health,
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
from baton.policy import load_policy
from baton.store.db import listen_dsn, make_engine, make_session_factory, upgrade
from baton.store.keys import KeyCache
from baton.store.notify import EventWaker
from baton.store.ratelimit import LeasedBuckets


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
        engine = make_engine(settings.database_url)
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
    )
    app.state.settings = settings
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
    ):
        app.include_router(module.router)
    install_console(app)
    if demo:
        app.include_router(demo_routes.router)
        app.mount("/demo/static", demo_routes.static, name="demo-static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app

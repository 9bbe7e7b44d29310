"""The limit endpoint: what a turn cannot avoid, measured beside Baton in `baton bench ingest`.

Same path and body as the turn endpoint. It checks the key from the cache, runs the same
light-mode `Detector.decide` with the same policy and models, stores the turn with one INSERT
and commits, on Baton's own engine (SQLite in WAL with Baton's pragmas and writer queue,
PostgreSQL with Baton's pool settings). Nothing else: no conversation row, no carried detector
state, no handoff, no rate limit. Baton's turn can only be slower; how much slower is the
avoidable part. The bench builds this app; no production route serves it.

Frozen: later changes to the hot path must not change this file, or the before/after figures
in docs/performance.md stop being comparable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
)
from sqlalchemy.orm import sessionmaker

from baton.api.errors import install_error_handlers
from baton.api.schemas import TurnCreate
from baton.config import Settings, get_settings
from baton.detect import DetectState
from baton.domain import Conversation, Turn
from baton.engine import Runtime
from baton.errors import Unauthorized
from baton.policy import load_policy
from baton.store.db import engine_for, upgrade
from baton.store.keys import KeyCache
from baton.store.repositories import text_digest

_bearer = HTTPBearer(auto_error=False)
_metadata = MetaData()
# The turns table's columns and indexes, without the foreign key to a conversation row the
# limit never writes.
limit_turns = Table(
    "bench_limit_turns",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(40), nullable=False, index=True),
    Column("conversation_id", String(200), nullable=False, index=True),
    Column("turn_id", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("bot", JSON, nullable=True),
    Column("channel", String(64), nullable=True),
    Column("metadata", JSON, nullable=True),
    Column("response", JSON, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("tenant_id", "conversation_id", "turn_id", name="uq_bench_limit_turn"),
)
Index("ix_bench_limit_turns_received", limit_turns.c.received_at)


def create_limit_app(settings: Settings | None = None) -> FastAPI:
    """The limit endpoint on the configured store (migrated as Baton would), plus /healthz."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = engine_for(settings)
        upgrade(engine)
        _metadata.create_all(engine)
        app.state.engine = engine
        app.state.key_cache = KeyCache(settings.api_key_cache_seconds)
        app.state.runtime = Runtime(
            load_policy(settings.policy),
            model_cache_dir=settings.model_cache_dir,
            policy_dir=settings.policy.parent if settings.policy else None,
        )
        app.state.session_factory = sessionmaker(engine)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(lifespan=lifespan)
    install_error_handlers(app)
    statement = insert(limit_turns)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/conversations/{conversation_id}/turns")
    def turn(
        conversation_id: str,
        body: TurnCreate,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        if credentials is None:
            raise Unauthorized("send 'Authorization: Bearer <api key>'", field="Authorization")
        keys: KeyCache = request.app.state.key_cache
        caller = keys.identify(
            factory=request.app.state.session_factory, key=credentials.credentials, now=now
        )
        if caller is None:
            raise Unauthorized("the API key is unknown or revoked", field="Authorization")
        runtime: Runtime = request.app.state.runtime
        turn = Turn.model_validate(body.model_dump(exclude={"customer", "left"}))
        conversation = Conversation(id=conversation_id, turns=(turn,), customer=body.customer)
        decision, _ = runtime.detector.decide(conversation, DetectState(), now)
        decision = runtime.stamp(decision)
        response = {
            "conversation_id": conversation_id,
            "turn_id": turn.turn_id,
            "decision": decision.model_dump(mode="json"),
        }
        with request.app.state.engine.begin() as conn:
            conn.execute(
                statement,
                {
                    "tenant_id": caller.tenant_id,
                    "conversation_id": conversation_id,
                    "turn_id": turn.turn_id,
                    "role": turn.role.value,
                    "text": turn.text,
                    "text_sha256": text_digest(turn.text),
                    "sent_at": turn.sent_at,
                    "bot": turn.bot.model_dump(mode="json") if turn.bot else None,
                    "channel": turn.channel,
                    "metadata": turn.metadata,
                    "response": response,
                    "received_at": now,
                },
            )
        return response

    return app

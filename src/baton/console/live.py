"""What the console tells presence: its live streams (connections) and the agent's activity.

Streams read the app's clock (`Now`, which tests override to drive time) so that presence, the
worker and the pages agree on what time it is.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request

from baton.api.deps import utcnow
from baton.desk import presence
from baton.desk.sessions import SignedIn
from baton.store.db import SessionFactory, session_scope

HEARTBEAT_SECONDS = 30.0


def app_clock(app: FastAPI) -> Callable[[], datetime]:
    """The app's idea of now: the `Now` dependency, or its override."""
    clock: Callable[[], datetime] = app.dependency_overrides.get(utcnow, utcnow)
    return clock


def counts_as_activity(request: Request) -> bool:
    """An action, or a page the agent opened; never a stream or a fetch the page made itself."""
    if request.method == "POST":
        return True
    mode = request.headers.get("sec-fetch-mode")
    if mode is not None:
        return mode == "navigate"
    path = request.url.path
    return not (path.endswith("/stream") or path.endswith("/fragment"))


def record_activity(factory: SessionFactory, signed: SignedIn, now: datetime) -> None:
    if not presence.needs_activity(signed.agent, now):
        return
    with session_scope(factory) as session:
        presence.note_activity(
            session=session, tenant_id=signed.agent.tenant_id, agent_id=signed.agent.id, now=now
        )


class Connection:
    """One open console stream, as presence sees it."""

    def __init__(
        self, factory: SessionFactory, signed: SignedIn, clock: Callable[[], datetime]
    ) -> None:
        self.factory = factory
        self.tenant_id = signed.agent.tenant_id
        self.agent_id = signed.agent.id
        self.clock = clock
        self.id: int | None = None
        self.beaten = time.monotonic()

    def _open(self) -> None:
        with session_scope(self.factory) as session:
            self.id = presence.connect(
                session=session, tenant_id=self.tenant_id, agent_id=self.agent_id, now=self.clock()
            )

    def _beat(self) -> None:
        if self.id is None:
            return
        with session_scope(self.factory) as session:
            presence.heartbeat(
                session=session, tenant_id=self.tenant_id, connection_id=self.id, now=self.clock()
            )

    def _close(self) -> None:
        if self.id is None:
            return
        with session_scope(self.factory) as session:
            presence.disconnect(
                session=session, tenant_id=self.tenant_id, connection_id=self.id, now=self.clock()
            )

    async def beat(self) -> None:
        """Tell presence the stream is still open (at most every `HEARTBEAT_SECONDS`)."""
        if time.monotonic() - self.beaten < HEARTBEAT_SECONDS:
            return
        self.beaten = time.monotonic()
        await anyio.to_thread.run_sync(self._beat)


@asynccontextmanager
async def connected(
    factory: SessionFactory, signed: SignedIn, clock: Callable[[], datetime]
) -> AsyncIterator[Connection]:
    """Open a connection row for the stream's life; it is closed however the stream ends (the
    browser going away cancels the stream, so the close is shielded from that cancellation)."""
    connection = Connection(factory, signed, clock)
    await anyio.to_thread.run_sync(connection._open)
    try:
        yield connection
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(connection._close)

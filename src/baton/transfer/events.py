"""Conversation events as server-sent events, resumable from `Last-Event-ID`.

Each event's SSE id is its `conversation_events.id`. Ids are monotonic per conversation in
commit order, because every writer takes the conversation's row lock before inserting (see
`repositories.add_conversation_event`); so "every id greater than the last one seen" is the
whole rest of the stream, with no gap and no repeat, across reconnects and workers.

A stream re-reads the store when its `EventWaker` subscription rings (a PostgreSQL NOTIFY from
whichever worker committed the event) or when the poll interval passes (SQLite; safety net).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import StreamingResponse

from baton.errors import ConversationNotFound, InvalidRequest
from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope
from baton.store.notify import EventWaker, Subscription

POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
# Streams end after a while; EventSource (and baton.client) reconnect and resume.
MAX_STREAM_SECONDS = 300.0
RETRY_MILLISECONDS = 2000
BATCH = 200


def format_event(event_id: int, event: str, data: dict[str, Any]) -> str:
    """One SSE frame; the data is a single line of compact JSON."""
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def resume_point(header: str | None, query: str | None) -> int:
    """Where to resume: the `Last-Event-ID` header, else `?last_event_id=`, else the start."""
    raw = header if header not in (None, "") else query
    if raw in (None, ""):
        return 0
    try:
        value = int(str(raw).strip())
    except ValueError as exc:
        raise InvalidRequest("Last-Event-ID must be an event id", field="Last-Event-ID") from exc
    if value < 0:
        raise InvalidRequest("Last-Event-ID must be an event id", field="Last-Event-ID")
    return value


def read_after(
    factory: SessionFactory, tenant_id: str, conversation_id: str, after_id: int
) -> list[tuple[int, str, dict[str, Any]]]:
    """The committed events after `after_id`, oldest first, as (id, type, data)."""
    with session_scope(factory) as session:
        rows = repo.list_conversation_events(
            session=session,
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            after_id=after_id,
            limit=BATCH,
        )
        return [(r.id, r.type, {**r.data, "at": r.at.isoformat()}) for r in rows]


@dataclass
class EventStream:
    """The SSE body for one client; reads the store off the event loop."""

    factory: SessionFactory
    tenant_id: str
    conversation_id: str
    after_id: int = 0
    poll_seconds: float = POLL_SECONDS
    keepalive_seconds: float = KEEPALIVE_SECONDS
    max_seconds: float = MAX_STREAM_SECONDS
    waker: EventWaker | None = None

    async def frames(self, is_disconnected: Callable[[], Awaitable[bool]]) -> AsyncIterator[str]:
        """Every event after `after_id`, in order, once; comments keep idle proxies open."""
        cursor = self.after_id
        yield f"retry: {RETRY_MILLISECONDS}\n: stream open\n\n"
        quiet_since = time.monotonic()
        deadline = quiet_since + self.max_seconds
        with self._doorbell() as doorbell:
            while time.monotonic() < deadline and not await is_disconnected():
                if doorbell is not None:
                    doorbell.clear()
                batch = await anyio.to_thread.run_sync(
                    read_after, self.factory, self.tenant_id, self.conversation_id, cursor
                )
                for event_id, event, data in batch:
                    cursor = event_id
                    yield format_event(event_id, event, data)
                if batch:
                    quiet_since = time.monotonic()
                    continue
                if time.monotonic() - quiet_since >= self.keepalive_seconds:
                    yield ": keep-alive\n\n"
                    quiet_since = time.monotonic()
                await self._pause(doorbell)

    def _doorbell(self) -> AbstractContextManager[Subscription | None]:
        if self.waker is None:
            return nullcontext()
        return self.waker.subscribe(self.conversation_id)

    async def _pause(self, doorbell: Subscription | None) -> None:
        """Until the next poll; a NOTIFY for this conversation cuts it short."""
        timeout = min(self.poll_seconds, self.keepalive_seconds)
        if doorbell is None:
            await asyncio.sleep(timeout)
        else:
            await doorbell.wait(timeout)


def conversation_stream(
    factory: SessionFactory, request: Request, tenant_id: str, conversation_id: str, after_id: int
) -> AsyncIterator[str]:
    """The SSE body for one request: every event after `after_id`, until the client leaves."""
    waker: EventWaker | None = getattr(request.app.state, "waker", None)
    stream = EventStream(
        factory=factory,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        after_id=after_id,
        poll_seconds=waker.poll_seconds if waker is not None else POLL_SECONDS,
        waker=waker,
    )
    return stream.frames(request.is_disconnected)


def event_stream_response(
    request: Request, tenant_id: str, conversation_id: str, after_id: int
) -> StreamingResponse:
    """The SSE response for one of the tenant's conversations; no transaction stays open while
    it streams."""
    factory: SessionFactory = request.app.state.session_factory
    with session_scope(factory) as session:
        known = repo.get_conversation_row(
            session=session, tenant_id=tenant_id, conversation_id=conversation_id
        )
    if known is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    return StreamingResponse(
        conversation_stream(factory, request, tenant_id, conversation_id, after_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

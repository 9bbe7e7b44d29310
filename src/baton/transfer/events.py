"""Conversation events as server-sent events, resumable from `Last-Event-ID`.

Each event's SSE id is its `conversation_events.id`. Ids are monotonic per conversation in
commit order, because every writer takes the conversation's row lock before inserting (see
`repositories.add_conversation_event`); so "every id greater than the last one seen" is the
whole rest of the stream, with no gap and no repeat, across reconnects and workers.

A stream re-reads the store when its `EventWaker` subscription rings (a PostgreSQL NOTIFY from
whichever worker committed the event) or when the poll interval passes (SQLite; safety net).

Two parts, kept apart: `EventStream.events()` is what a client is sent (a generator of
`ServerSentEvent`s), and `sse_response()` is how it is sent: `sse-starlette`'s
`EventSourceResponse` does the framing, the keep-alive comments, the per-send timeout and the
client-disconnect handling, for this stream and for the console's. A guard that refuses a
stream (a connection cap) runs before either.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sse_starlette import EventSourceResponse, JSONServerSentEvent, ServerSentEvent
from starlette.requests import Request

from baton.errors import ConversationNotFound, InvalidRequest
from baton.store import repositories as repo
from baton.store.db import SessionFactory, read_scope
from baton.store.notify import EventWaker, Subscription

POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
# Streams end after a while; EventSource (and baton.client) reconnect and resume.
MAX_STREAM_SECONDS = 300.0
RETRY_MILLISECONDS = 2000
# A client that reads nothing for this long is dropped rather than holding a task and a socket.
SEND_TIMEOUT_SECONDS = 30.0
BATCH = 200
# The largest id a BIGINT (and SQLite's INTEGER) holds; a larger resume point is refused, not
# sent to the database to overflow there.
MAX_EVENT_ID = 2**63 - 1
SEP = "\n"
_HEADERS = {"Cache-Control": "no-cache"}


def sse_event(event: str, data: dict[str, Any], event_id: int | None = None) -> ServerSentEvent:
    """One event; the data is a single line of compact JSON."""
    return JSONServerSentEvent(
        data, event=event, id=None if event_id is None else str(event_id), sep=SEP
    )


def retry_hint() -> ServerSentEvent:
    """The first frame: how long a client waits before reconnecting."""
    return ServerSentEvent(retry=RETRY_MILLISECONDS, sep=SEP)


def _keepalive() -> ServerSentEvent:
    return ServerSentEvent(comment="keep-alive", sep=SEP)


def sse_response(
    events: AsyncIterator[ServerSentEvent],
    *,
    keepalive_seconds: float = KEEPALIVE_SECONDS,
    headers: Mapping[str, str] | None = None,
) -> EventSourceResponse:
    """Send `events` as `text/event-stream`, with keep-alive comments while idle.

    The stream ends when `events` does, when the client disconnects, when one send waits
    longer than `SEND_TIMEOUT_SECONDS`, or when the server shuts down.
    """
    return EventSourceResponse(
        events,
        headers=dict(headers or _HEADERS),
        ping=keepalive_seconds,
        ping_message_factory=_keepalive,
        sep=SEP,
        send_timeout=SEND_TIMEOUT_SECONDS,
    )


def resume_point(header: str | None, query: str | None, *, fallback: int = 0) -> int:
    """Where to resume: the `Last-Event-ID` header, else `?last_event_id=`, else `fallback`."""
    field = "Last-Event-ID" if header not in (None, "") else "last_event_id"
    raw = (header if header not in (None, "") else query) or ""
    if raw == "":
        return fallback
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_EVENT_ID:
        raise InvalidRequest(
            f"{field} must be an event id from 0 to {MAX_EVENT_ID}",
            field=field,
            code="out_of_range",
        )
    return int(text)


def read_after(
    factory: SessionFactory, tenant_id: str, conversation_id: str, after_id: int
) -> list[tuple[int, str, dict[str, Any]]]:
    """The committed events after `after_id`, oldest first, as (id, type, data)."""
    with read_scope(factory) as session:
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

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        """Every event after `after_id`, in order, once, until `max_seconds` have passed."""
        cursor = self.after_id
        yield retry_hint()
        deadline = time.monotonic() + self.max_seconds
        with self._doorbell() as doorbell:
            while time.monotonic() < deadline:
                if doorbell is not None:
                    doorbell.clear()
                batch = await anyio.to_thread.run_sync(
                    read_after, self.factory, self.tenant_id, self.conversation_id, cursor
                )
                for event_id, event, data in batch:
                    cursor = event_id
                    yield sse_event(event, data, event_id)
                if not batch:
                    await self._pause(doorbell)

    def response(self) -> EventSourceResponse:
        """The stream as a response: keep-alives, send timeout and disconnects included."""
        return sse_response(self.events(), keepalive_seconds=self.keepalive_seconds)

    def _doorbell(self) -> AbstractContextManager[Subscription | None]:
        if self.waker is None:
            return nullcontext()
        return self.waker.subscribe(self.tenant_id, self.conversation_id)

    async def _pause(self, doorbell: Subscription | None) -> None:
        """Until the next poll; a NOTIFY for this conversation cuts it short."""
        if doorbell is None:
            await asyncio.sleep(self.poll_seconds)
        else:
            await doorbell.wait(self.poll_seconds)


def conversation_stream(
    factory: SessionFactory, request: Request, tenant_id: str, conversation_id: str, after_id: int
) -> EventStream:
    """The stream for one request: every event after `after_id`, woken by the app's waker."""
    waker: EventWaker | None = getattr(request.app.state, "waker", None)
    return EventStream(
        factory=factory,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        after_id=after_id,
        poll_seconds=waker.poll_seconds if waker is not None else POLL_SECONDS,
        waker=waker,
    )


def event_stream_response(
    request: Request, tenant_id: str, conversation_id: str, after_id: int
) -> EventSourceResponse:
    """The SSE response for one of the tenant's conversations; no transaction stays open while
    it streams."""
    factory: SessionFactory = request.app.state.session_factory
    with read_scope(factory) as session:
        known = repo.get_conversation_row(
            session=session, tenant_id=tenant_id, conversation_id=conversation_id
        )
    if known is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    return conversation_stream(factory, request, tenant_id, conversation_id, after_id).response()

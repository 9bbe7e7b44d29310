"""Conversation events as server-sent events, resumable from `Last-Event-ID`."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import StreamingResponse

from baton.errors import ConversationNotFound
from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope

POLL_SECONDS = 0.25
# Streams end after a while; EventSource reconnects and resumes from Last-Event-ID.
MAX_STREAM_SECONDS = 300.0


def format_sse(event_id: int, event: str, data: dict[str, object]) -> str:
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def conversation_stream(
    factory: SessionFactory, request: Request, conversation_id: str, after_id: int
) -> AsyncIterator[str]:
    """Every event after `after_id`, in order, once; a reconnect resumes from Last-Event-ID."""
    cursor = after_id
    loop = asyncio.get_running_loop()
    deadline = loop.time() + MAX_STREAM_SECONDS
    yield "retry: 1000\n\n"
    while loop.time() < deadline and not await request.is_disconnected():
        with session_scope(factory) as session:
            rows = repo.list_conversation_events(
                session=session, conversation_id=conversation_id, after_id=cursor
            )
            batch = [(r.id, r.type, {**r.data, "at": r.at.isoformat()}) for r in rows]
        for event_id, event, data in batch:
            cursor = event_id
            yield format_sse(event_id, event, data)
        if not batch:
            await asyncio.sleep(POLL_SECONDS)


def event_stream_response(
    request: Request, conversation_id: str, after_id: int
) -> StreamingResponse:
    """The SSE response for a known conversation; no transaction stays open while it streams."""
    factory: SessionFactory = request.app.state.session_factory
    with session_scope(factory) as session:
        known = repo.get_conversation_row(session=session, conversation_id=conversation_id)
    if known is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    return StreamingResponse(
        conversation_stream(factory, request, conversation_id, after_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

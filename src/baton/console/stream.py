"""Server-sent events for the console: inbox changes and SLA warnings, a case's new messages.

Each stream polls the store (like the bot-side event stream), re-checks the session now and
then so that signing out ends it, and closes after a few minutes; the browser reconnects and
resumes from `Last-Event-ID`. Every read runs in a worker thread: a database wait on the event
loop would stall the very requests (their commits) it waits for. The generators here say what
is sent; `baton.transfer.events.sse_response` sends it (framing, keep-alives, disconnects).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from baton.console.auth import SignedInDep
from baton.console.live import app_clock, connected
from baton.console.web import ConsoleRoute
from baton.desk import agents, inbox, service, sessions
from baton.desk.sessions import SignedIn
from baton.errors import BatonError
from baton.lifecycle import EventType
from baton.store.db import SessionFactory, read_scope
from baton.transfer.events import MAX_EVENT_ID, resume_point, retry_hint, sse_event, sse_response

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
POLL_SECONDS = 0.5
SESSION_CHECK_SECONDS = 5.0
STREAM_SECONDS = 300.0
_SLA = frozenset({EventType.SLA_WARNING.value, EventType.SLA_BREACHED.value})
_HEADERS = {"Cache-Control": "no-store"}


class _Clock:
    """When a stream should re-check its session and when it should close."""

    def __init__(self) -> None:
        self.started = self.checked = time.monotonic()

    def check_due(self) -> bool:
        if time.monotonic() - self.checked < SESSION_CHECK_SECONDS:
            return False
        self.checked = time.monotonic()
        return True

    def expired(self) -> bool:
        return time.monotonic() - self.started > STREAM_SECONDS


def _still_signed_in(factory: SessionFactory, signed: SignedIn) -> bool:
    with read_scope(factory) as session:
        return sessions.is_live(
            session=session, session_id=signed.session_id, now=datetime.now(UTC)
        )


def _inbox_changes(factory: SessionFactory, signed: SignedIn, cursor: int) -> list[inbox.Change]:
    with read_scope(factory) as session:
        agent = agents.get(session=session, agent_id=signed.agent.id)
        return inbox.changes(session=session, agent=agent, after_id=cursor) if agent else []


async def _signed_out(factory: SessionFactory, signed: SignedIn, clock: _Clock) -> bool:
    if not clock.check_due():
        return False
    return not await anyio.to_thread.run_sync(_still_signed_in, factory, signed)


async def _inbox_events(
    factory: SessionFactory, signed: SignedIn, cursor: int, now: Callable[[], datetime]
) -> AsyncIterator[ServerSentEvent]:
    yield retry_hint()
    clock = _Clock()
    async with connected(factory, signed, now) as connection:
        while not clock.expired():
            if await _signed_out(factory, signed, clock):
                yield sse_event("signout", {})
                return
            await connection.beat()
            batch = await anyio.to_thread.run_sync(_inbox_changes, factory, signed, cursor)
            for change in batch:
                cursor = change.event_id
                data = {"handoff_id": change.handoff_id, "type": change.type, "queue": change.queue}
                yield sse_event("sla" if change.type in _SLA else "case", data, change.event_id)
            if not batch:
                await asyncio.sleep(POLL_SECONDS)


@router.get("/stream")
def inbox_stream(
    request: Request,
    signed: SignedInDep,
    after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> EventSourceResponse:
    """New, moved and closed cases on the agent's queues, and SLA warnings, as they happen."""
    factory: SessionFactory = request.app.state.session_factory
    cursor = resume_point(last_event_id, None, fallback=after)
    events = _inbox_events(factory, signed, cursor, app_clock(request.app))
    return sse_response(events, headers=_HEADERS)


async def _case_events(
    factory: SessionFactory,
    signed: SignedIn,
    handoff_id: str,
    after_seq: int,
    status: str,
    now: Callable[[], datetime],
) -> AsyncIterator[ServerSentEvent]:
    yield retry_hint()
    clock = _Clock()
    async with connected(factory, signed, now) as connection:
        while not clock.expired():
            if await _signed_out(factory, signed, clock):
                yield sse_event("signout", {})
                return
            await connection.beat()
            try:
                lines, current = await anyio.to_thread.run_sync(
                    _case_snapshot, factory, signed, handoff_id, after_seq
                )
            except BatonError as exc:
                yield sse_event("gone", {"code": exc.code})
                return
            for seq, role, text, at in lines:
                after_seq = seq
                yield sse_event("turn", {"seq": seq, "role": role, "text": text, "at": at}, seq)
            if current[0] != status:
                status = current[0]
                yield sse_event("status", {"status": current[0], "agent_id": current[1]})
            if not lines:
                await asyncio.sleep(POLL_SECONDS)


def _case_snapshot(
    factory: SessionFactory, signed: SignedIn, handoff_id: str, after_seq: int
) -> tuple[list[tuple[int, str, str, str]], tuple[str, str | None]]:
    with read_scope(factory) as session:
        handoff = service.load(session=session, handoff_id=handoff_id, agent=signed.agent)
        turns = inbox.turns_after(
            session=session,
            tenant_id=handoff.tenant_id,
            conversation_id=handoff.conversation_id,
            after_seq=after_seq,
        )
        lines = [(t.seq, t.role, t.text, t.sent_at.isoformat()) for t in turns]
        return lines, (handoff.status, handoff.agent_id)


@router.get("/cases/{handoff_id}/stream")
def case_stream(
    request: Request,
    handoff_id: str,
    signed: SignedInDep,
    after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
    status: Annotated[str, Query(max_length=16)] = "",
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
) -> EventSourceResponse:
    """The case's new transcript lines (customer messages first of all) and status changes."""
    factory: SessionFactory = request.app.state.session_factory
    cursor = resume_point(last_event_id, None, fallback=after)
    with read_scope(factory) as session:  # no transaction stays open while it streams
        service.load(session=session, handoff_id=handoff_id, agent=signed.agent)
    events = _case_events(factory, signed, handoff_id, cursor, status, app_clock(request.app))
    return sse_response(events, headers=_HEADERS)

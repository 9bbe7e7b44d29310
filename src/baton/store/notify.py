"""Realtime fan-out across workers: PostgreSQL LISTEN/NOTIFY wakes the event streams.

A writer calls `notify_conversation` in the transaction that stores a conversation event;
PostgreSQL delivers the notification to every listening worker when (and only if) it commits.
Each worker runs one `EventWaker`, which listens on one connection and wakes the streams that
follow that (tenant, conversation). Streams still re-read the store every `poll_seconds`, so a
notification missed while the database restarts only delays an event, never loses it; SQLite
(one process) has no listener and relies on that polling alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

CHANNEL = "baton_conversation_events"
log = logging.getLogger("baton.notify")


def doorbell_key(tenant_id: str, conversation_id: str) -> str:
    """A conversation's NOTIFY payload and subscription key: its tenant and id. Two tenants'
    conversations with the same id ring different doorbells (a tenant id has no '/')."""
    return f"{tenant_id}/{conversation_id}"


def notify_conversation(*, session: Session, tenant_id: str, conversation_id: str) -> None:
    """Queue a wake-up for the tenant's conversation's streams, sent by PostgreSQL on commit."""
    if session.get_bind().dialect.name == "postgresql":
        key = doorbell_key(tenant_id, conversation_id)
        session.execute(select(func.pg_notify(CHANNEL, key)))


class Subscription:
    """One stream's doorbell: set by a notification, cleared by the stream before it reads."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    def clear(self) -> None:
        self._rung.clear()

    async def wait(self, timeout: float) -> None:
        """Until a notification arrives or `timeout` seconds pass, whichever is first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), timeout=timeout)


class EventWaker:
    """Per worker: listens on PostgreSQL (when given a DSN) and rings the subscribed streams."""

    def __init__(self, *, dsn: str | None, poll_seconds: float, retry_seconds: float = 1.0) -> None:
        self.dsn = dsn
        self.poll_seconds = poll_seconds
        self.retry_seconds = retry_seconds
        self.listening = asyncio.Event()
        self._subscribers: dict[str, set[Subscription]] = {}
        self._task: asyncio.Task[None] | None = None

    @contextmanager
    def subscribe(self, tenant_id: str, conversation_id: str) -> Iterator[Subscription]:
        key = doorbell_key(tenant_id, conversation_id)
        sub = Subscription()
        self._subscribers.setdefault(key, set()).add(sub)
        try:
            yield sub
        finally:
            subs = self._subscribers.get(key, set())
            subs.discard(sub)
            if not subs:
                self._subscribers.pop(key, None)

    def wake(self, key: str) -> None:
        """Ring the streams of one conversation (`key` from `doorbell_key`)."""
        for sub in self._subscribers.get(key, ()):
            sub.ring()

    def wake_all(self) -> None:
        for subs in self._subscribers.values():
            for sub in subs:
                sub.ring()

    async def start(self) -> None:
        if self.dsn is not None:
            self._task = asyncio.create_task(self._listen(self.dsn), name="baton-event-waker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self, dsn: str) -> None:
        """LISTEN for ever; after a lost connection, reconnect and ring every stream once."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self.wake_all()
                    async for note in conn.notifies():
                        self.wake(note.payload)
            except psycopg.Error as exc:
                log.warning(
                    "event listener lost the database (%s); reconnecting", type(exc).__name__
                )
            self.listening.clear()
            await asyncio.sleep(self.retry_seconds)

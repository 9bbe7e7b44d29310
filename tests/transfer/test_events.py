"""The conversation event stream: resume from Last-Event-ID with no gap and no repeat."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import anyio
import httpx
import pytest
from starlette.types import Message

from baton.api.app import create_app
from baton.client import Event, SSEDecoder
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT
from baton.transfer.events import EventStream, read_after
from tests.conftest import LiveServer
from tests.factories.transfer import run_async

CONV = "c-sse"


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    app = create_app(settings.model_copy(update={"require_api_key": False}))
    with LiveServer(app) as live:
        # the bot answered confidently, so no handoff event joins the stream under test
        turn = {
            "turn_id": "t1",
            "role": "user",
            "text": "hello",
            "sent_at": "2026-11-24T10:00:00Z",
            "bot": {"confidence": 0.95, "intent": "greeting"},
        }
        assert httpx.post(f"{live.url}/v1/conversations/{CONV}/turns", json=turn).status_code == 200
        yield live


def factory_of(server: LiveServer) -> SessionFactory:
    return server.server.config.app.state.session_factory  # type: ignore[no-any-return,attr-defined]


def publish(factory: SessionFactory, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        with session_scope(factory) as s:
            repo.add_conversation_event(
                tenant_id=DEFAULT_TENANT,
                session=s,
                conversation_id=CONV,
                type_="handoff.message",
                at=datetime.now(UTC),
                data={"text": f"reply {i}"},
            )


def all_ids(factory: SessionFactory) -> list[int]:
    return [event_id for event_id, _, _ in read_after(factory, DEFAULT_TENANT, CONV, 0)]


def read_events(
    client: httpx.Client, url: str, count: int, headers: dict[str, str] | None = None
) -> list[Event]:
    decoder, out = SSEDecoder(), []
    with client.stream("GET", url, headers=headers or {}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            event = decoder.feed(line)
            if event is not None:
                out.append(event)
                if len(out) == count:
                    break  # leaving the block drops the connection mid-stream
    return out


def test_resume_after_a_dropped_connection_has_no_gap_and_no_repeat(server: LiveServer) -> None:
    factory = factory_of(server)
    url = f"{server.url}/v1/conversations/{CONV}/events"
    publish(factory, 5)
    with httpx.Client(timeout=10) as client:
        first = read_events(client, url, 3)
        publish(factory, 4, start=5)  # written while the client is away
        rest = read_events(client, url, 6, headers={"Last-Event-ID": str(first[-1].id)})
        via_query = read_events(client, f"{url}?last_event_id={first[0].id}", 8)
        bad = client.get(url, headers={"Last-Event-ID": "yesterday"})

    seen = [e.id for e in first + rest]
    assert seen == all_ids(factory) and len(seen) == 9 == len(set(seen))
    assert [e.data["text"] for e in first + rest] == [f"reply {i}" for i in range(9)]
    assert [e.id for e in via_query] == seen[1:]
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "Last-Event-ID"


def test_concurrent_writers_never_open_a_gap_behind_the_reader(
    session_factory: SessionFactory,
) -> None:
    with session_scope(session_factory) as s:
        repo.lock_conversation_row(
            tenant_id=DEFAULT_TENANT,
            session=s,
            conversation_id=CONV,
            now=datetime.now(UTC),
            channel=None,
        )

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        for i in range(15):
            with session_scope(session_factory) as s:
                repo.add_conversation_event(
                    tenant_id=DEFAULT_TENANT,
                    session=s,
                    conversation_id=CONV,
                    type_="x",
                    at=datetime.now(UTC),
                    data={"i": i},
                )
                time.sleep(rng.random() / 200)  # hold the transaction open before commit

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    seen: list[int] = []
    while any(t.is_alive() for t in threads):
        seen += [
            e
            for e, _, _ in read_after(
                session_factory, DEFAULT_TENANT, CONV, seen[-1] if seen else 0
            )
        ]
    for t in threads:
        t.join()
    seen += [
        e for e, _, _ in read_after(session_factory, DEFAULT_TENANT, CONV, seen[-1] if seen else 0)
    ]
    assert seen == all_ids(session_factory)
    assert len(seen) == 60


def test_idle_stream_sends_keepalive_comments(session_factory: SessionFactory) -> None:
    stream = EventStream(
        factory=session_factory,
        tenant_id=DEFAULT_TENANT,
        conversation_id="nobody",
        poll_seconds=0.01,
        keepalive_seconds=0.02,
    )
    frames: list[str] = []

    async def collect() -> list[str]:
        gone = anyio.Event()

        async def receive() -> Message:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                frames.append(message["body"].decode())
                if len(frames) > 10:
                    gone.set()  # the client leaves; the response must end on its own

        await stream.response()({"type": "http", "method": "GET"}, receive, send)
        return frames

    frames = run_async(collect())
    assert frames[0].startswith("retry: ")
    assert ": keep-alive\n\n" in frames
    assert not any(f.startswith("id:") for f in frames)

"""`baton.client` against a live server: the sync and the async client, one core."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from baton.api.app import create_app
from baton.client import AsyncBatonClient, BatonApiError, BatonClient, Event, SSEDecoder
from baton.config import Settings
from baton.domain import BotSignal, Customer
from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope
from tests.conftest import LiveServer
from tests.factories.transfer import run_async


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(create_app(settings.model_copy(update={"require_api_key": False}))) as live:
        yield live


def agent_reply(server: LiveServer, conversation_id: str, text: str) -> None:
    factory: SessionFactory = server.server.config.app.state.session_factory  # type: ignore[attr-defined]
    with session_scope(factory) as s:
        repo.add_conversation_event(
            session=s,
            conversation_id=conversation_id,
            type_="handoff.message",
            at=datetime.now(UTC),
            data={"text": text},
        )


def test_sync_client_sends_turns_asks_for_a_person_and_follows_events(server: LiveServer) -> None:
    with BatonClient(server.url) as baton:
        first = baton.send_turn(
            "c-sync", turn_id="t1", text="where is my parcel?", bot=BotSignal(confidence=0.9)
        )
        assert first.handoff is None
        result = baton.send_turn(
            "c-sync",
            turn_id="t2",
            text="this is useless, get me a human",
            customer=Customer(email="sam@example.com", authenticated=True),
        )
        assert result.handoff is not None and result.message
        again = baton.request_handoff("c-sync", channel="email")
        assert again.handoff is not None and again.handoff.id == result.handoff.id
        agent_reply(server, "c-sync", "Hi Sam, I'm on it.")
        events: list[Event] = []
        for event in baton.events("c-sync"):
            events.append(event)
            if event.type == "handoff.message":
                break
        with pytest.raises(BatonApiError) as err:
            baton.request_handoff("c-unknown")
    assert events[0].type == "handoff.created"
    assert events[0].data["handoff_id"] == result.handoff.id
    assert events[-1].data["text"] == "Hi Sam, I'm on it."
    assert [e.id for e in events] == sorted({e.id for e in events})
    assert (err.value.status, err.value.code) == (404, "conversation_not_found")


def test_async_client_does_the_same_through_the_same_core(server: LiveServer) -> None:
    async def scenario() -> tuple[str, list[Event]]:
        async with AsyncBatonClient(server.url) as baton:
            result = await baton.send_turn("c-async", turn_id="t1", text="I want a real person")
            assert result.handoff is not None
            agent_reply(server, "c-async", "Hello from a person.")
            events = []
            async for event in baton.events("c-async", last_event_id=0):
                events.append(event)
                if event.type == "handoff.message":
                    break
            return result.handoff.id, events

    handoff_id, events = run_async(scenario())
    assert [e.type for e in events] == ["handoff.created", "handoff.message"]
    assert events[0].data["handoff_id"] == handoff_id


def test_decoder_tracks_the_resume_point_and_skips_comments() -> None:
    decoder = SSEDecoder()
    lines = ["retry: 500", ": keep-alive", "", "id: 7", "event: handoff.resolved"]
    lines += ['data: {"handoff_id":"ho_1"}', ""]
    events = [e for e in (decoder.feed(line) for line in lines) if e is not None]
    assert events == [Event(id=7, type="handoff.resolved", data={"handoff_id": "ho_1"})]
    assert decoder.last_event_id == 7 and decoder.retry_seconds == 0.5

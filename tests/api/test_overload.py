"""Load shedding: past the bound a turn is refused 503 overloaded at once; the client fails open."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from baton.api.gate import TurnGate
from baton.client import AsyncBatonClient, BatonApiError, BatonClient, FailedOpen
from baton.metrics import TurnMetrics
from tests.conftest import free_port

_BODY = b'{"conversation_id": "c-1", "turn_id": "t1", "decision": {"action": "continue"}}'


class _Held:
    """A downstream app whose turns wait until released: the store, busy."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered.set()
        await self.release.wait()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": _BODY})


def _client(app: TurnGate, *, fail_open: bool = True) -> AsyncBatonClient:
    transport = httpx.ASGITransport(app=app)
    return AsyncBatonClient(
        "http://baton", api_key="bk_x", transport=transport, fail_open=fail_open
    )


def test_a_turn_past_the_bound_is_refused_at_once_and_the_client_carries_on() -> None:
    asyncio.run(_refused_at_once())


async def _refused_at_once() -> None:
    held, metrics = _Held(), TurnMetrics()
    gate = TurnGate(held, max_waiting=1, metrics=metrics)
    async with _client(gate) as first, _client(gate) as second:
        waiting = asyncio.create_task(first.send_turn("c-1", turn_id="t1", text="hello"))
        await held.entered.wait()
        shed = await second.send_turn("c-2", turn_id="t7", text="hello")
        assert isinstance(shed, FailedOpen)
        assert (shed.error, shed.retry_after, shed.turn_id) == ("overloaded", 1.0, "t7")
        assert shed.conversation_id == "c-2" and shed.decision.action.value == "continue"
        held.release.set()
        answered = await waiting
    assert not isinstance(answered, FailedOpen)
    assert metrics.registry.get_sample_value("baton_overloaded_total") == 1
    assert gate.in_flight == 0


def test_with_fail_open_off_the_client_raises_overloaded() -> None:
    asyncio.run(_raises_overloaded())


async def _raises_overloaded() -> None:
    held = _Held()
    gate = TurnGate(held, max_waiting=1, metrics=TurnMetrics())
    async with _client(gate) as first, _client(gate, fail_open=False) as second:
        waiting = asyncio.create_task(first.send_turn("c-1", turn_id="t1", text="hello"))
        await held.entered.wait()
        with pytest.raises(BatonApiError) as refused:
            await second.send_turn("c-2", turn_id="t2", text="hello")
        held.release.set()
        await waiting
    assert refused.value.status == 503 and refused.value.code == "overloaded"
    assert refused.value.retry_after == 1.0


def test_an_unreachable_baton_fails_open() -> None:
    with BatonClient(f"http://127.0.0.1:{free_port()}", api_key="bk_x") as client:
        result = client.send_turn("c-9", turn_id="t3", text="hello")
    assert isinstance(result, FailedOpen)
    assert (result.error, result.turn_id, result.conversation_id) == ("unreachable", "t3", "c-9")

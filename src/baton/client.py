"""A Python client for the bot-facing API, sync (`BatonClient`) and async (`AsyncBatonClient`).

Both share one core: `_Calls` builds each `httpx.Request` and knows how to parse its answer,
`SSEDecoder` turns stream lines into events. The two clients only differ in how they send,
so a fix in one place is a fix in both.

A turn fails open by default: when Baton answers 503 (`overloaded`, `store_unavailable`), does
not answer within `turn_timeout` seconds, or cannot be reached, `send_turn` returns a
`FailedOpen` result (decision `continue`, `failed_open=True`, `retry_after`) instead of raising,
so the bot carries on answering the customer; it sends the same `turn_id` again later, which
Baton stores once. Pass `fail_open=False` to get the error instead.

Example:
    with BatonClient("http://127.0.0.1:8000", api_key="bk_...") as baton:
        result = baton.send_turn("conv-1", turn_id="t1", text="I need a human")
        for event in baton.events("conv-1"):
            print(event.type, event.data)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import httpx

from baton.domain import Action, BotSignal, Channel, Customer, Decision, Role
from baton.engine import TurnResult

__all__ = [
    "AsyncBatonClient",
    "BatonApiError",
    "BatonClient",
    "Event",
    "FailedOpen",
    "SSEDecoder",
]

T = TypeVar("T")
RECONNECT_SECONDS = 1.0
TURN_TIMEOUT_SECONDS = 2.0


class BatonApiError(Exception):
    """An error answer from Baton, with its stable `code` and the field at fault."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


class FailedOpen(TurnResult):
    """Baton did not take the turn (overloaded, unavailable, too slow): carry on as the bot and
    send the same `turn_id` again after `retry_after` seconds."""

    failed_open: bool = True
    error: str
    retry_after: float


def _failed_open(call: Call[TurnResult], error: str, retry_after: float | None) -> FailedOpen:
    body = json.loads(call.request.content or b"{}")
    conversation_id = call.request.url.path.rstrip("/").split("/")[-2]
    return FailedOpen(
        conversation_id=conversation_id,
        turn_id=str(body.get("turn_id", "")),
        decision=Decision(action=Action.CONTINUE),
        error=error,
        retry_after=retry_after if retry_after is not None else RECONNECT_SECONDS,
    )


def _fails_open(exc: Exception) -> tuple[str, float | None] | None:
    """The error code and wait when `exc` is one a bot should carry on through, else None."""
    if isinstance(exc, BatonApiError):
        return (exc.code, exc.retry_after) if exc.status == 503 else None
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", None
    if isinstance(exc, httpx.TransportError):
        return "unreachable", None
    return None


@dataclass(frozen=True)
class Event:
    """One conversation event: `handoff.created`, `handoff.message`, `handoff.resolved`, …"""

    id: int
    type: str
    data: dict[str, Any]


class SSEDecoder:
    """Server-sent events, one line at a time; remembers the last id to resume from."""

    def __init__(self, last_event_id: int | None = None) -> None:
        self.last_event_id = last_event_id
        self.retry_seconds = RECONNECT_SECONDS
        self._id: int | None = None
        self._type = "message"
        self._data: list[str] = []

    def feed(self, line: str) -> Event | None:
        """Take one line (without its newline); return an event when a blank line ends one."""
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id" and value.isdigit():
            self._id = int(value)
        elif name == "event":
            self._type = value
        elif name == "data":
            self._data.append(value)
        elif name == "retry" and value.isdigit():
            self.retry_seconds = int(value) / 1000
        return None

    def _dispatch(self) -> Event | None:
        event = None
        if self._data:
            data = json.loads("\n".join(self._data))
            event = Event(id=self._id or 0, type=self._type, data=data)
            if self._id is not None:
                self.last_event_id = self._id
        self._id, self._type, self._data = None, "message", []
        return event


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API call, transport-free: the request to send and how to read the answer."""

    request: httpx.Request
    parse: Callable[[httpx.Response], T]


def _raise_for_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        error = {"code": "http_error", "message": response.text[:200], "field": None}
    retry_after = response.headers.get("retry-after")
    raise BatonApiError(
        response.status_code,
        error["code"],
        error["message"],
        error.get("field"),
        float(retry_after) if retry_after and retry_after.isdigit() else None,
    )


def _turn_result(response: httpx.Response) -> TurnResult:
    _raise_for_error(response)
    return TurnResult.model_validate(response.json())


class _Calls:
    """Builds every request the clients send; the one place that knows the API's shape."""

    def __init__(self, base_url: str, api_key: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Request:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return httpx.Request(method, self.base_url + path, headers=headers, **kwargs)

    def send_turn(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        text: str,
        role: Role | str,
        sent_at: datetime | None,
        bot: BotSignal | None,
        customer: Customer | None,
        channel: str | None,
        metadata: dict[str, Any] | None,
    ) -> Call[TurnResult]:
        body: dict[str, Any] = {
            "turn_id": turn_id,
            "role": str(role),
            "text": text,
            "sent_at": (sent_at or datetime.now(UTC)).isoformat(),
            "metadata": metadata or {},
        }
        if bot is not None:
            body["bot"] = bot.model_dump(mode="json", exclude_defaults=True)
        if customer is not None:
            body["customer"] = customer.model_dump(mode="json", exclude_defaults=True)
        if channel is not None:
            body["channel"] = channel
        path = f"/v1/conversations/{conversation_id}/turns"
        return Call(self._request("POST", path, json=body), _turn_result)

    def handoff(
        self,
        conversation_id: str,
        *,
        channel: Channel | str | None,
        decline: bool,
        note: str | None,
        queue: str | None = None,
        priority: int | None = None,
    ) -> Call[TurnResult]:
        body = {
            "channel": str(channel) if channel else None,
            "decline": decline,
            "note": note,
            "queue": queue,
            "priority": priority,
        }
        path = f"/v1/conversations/{conversation_id}/handoff"
        return Call(self._request("POST", path, json=body), _turn_result)

    def events(self, conversation_id: str, last_event_id: int | None) -> httpx.Request:
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        return self._request("GET", f"/v1/conversations/{conversation_id}/events", headers=headers)


class BatonClient:
    """The blocking client; use it as a context manager or call `close()`."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        turn_timeout: float = TURN_TIMEOUT_SECONDS,
        fail_open: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._calls = _Calls(base_url, api_key)
        self._http = httpx.Client(timeout=timeout, transport=transport)
        self.turn_timeout = turn_timeout
        self.fail_open = fail_open

    def __enter__(self) -> BatonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _run(self, call: Call[T]) -> T:
        return call.parse(self._http.send(call.request))

    def send_turn(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        text: str,
        role: Role | str = Role.USER,
        sent_at: datetime | None = None,
        bot: BotSignal | None = None,
        customer: Customer | None = None,
        channel: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> TurnResult:
        """Send one turn; the answer holds the Decision and, when escalated, the handoff.

        Within `turn_timeout` seconds; fails open (`FailedOpen`) unless `fail_open` is off.
        """
        call = self._calls.send_turn(
            conversation_id,
            turn_id=turn_id,
            text=text,
            role=role,
            sent_at=sent_at,
            bot=bot,
            customer=customer,
            channel=channel,
            metadata=metadata,
        )
        call.request.extensions["timeout"] = httpx.Timeout(self.turn_timeout).as_dict()
        try:
            return self._run(call)
        except (BatonApiError, httpx.TransportError) as exc:
            failing = _fails_open(exc) if self.fail_open else None
            if failing is None:
                raise
            return _failed_open(call, *failing)

    def request_handoff(
        self,
        conversation_id: str,
        *,
        channel: Channel | str | None = None,
        note: str | None = None,
        queue: str | None = None,
        priority: int | None = None,
    ) -> TurnResult:
        """Ask for a person, optionally on a chosen (offered) channel; the bot may name the queue,
        ask for a priority (capped by the policy) and leave a note for the agent's brief."""
        call = self._calls.handoff(
            conversation_id,
            channel=channel,
            decline=False,
            note=note,
            queue=queue,
            priority=priority,
        )
        return self._run(call)

    def decline(self, conversation_id: str) -> TurnResult:
        """Decline an offer: the bot carries on."""
        return self._run(
            self._calls.handoff(conversation_id, channel=None, decline=True, note=None)
        )

    def events(
        self, conversation_id: str, *, last_event_id: int | None = None, reconnect: bool = True
    ) -> Iterator[Event]:
        """Follow the conversation's events; on a dropped connection resume where it stopped."""
        decoder = SSEDecoder(last_event_id)
        while True:
            request = self._calls.events(conversation_id, decoder.last_event_id)
            try:
                with self._http.stream(
                    request.method, request.url, headers=request.headers, timeout=None
                ) as response:
                    if not response.is_success:
                        response.read()
                        _raise_for_error(response)
                    for line in response.iter_lines():
                        event = decoder.feed(line)
                        if event is not None:
                            yield event
            except httpx.TransportError:
                if not reconnect:
                    raise
            if not reconnect:
                return
            time.sleep(decoder.retry_seconds)


class AsyncBatonClient:
    """The asyncio client; the same calls as `BatonClient`, awaited."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        turn_timeout: float = TURN_TIMEOUT_SECONDS,
        fail_open: bool = True,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._calls = _Calls(base_url, api_key)
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)
        self.turn_timeout = turn_timeout
        self.fail_open = fail_open

    async def __aenter__(self) -> AsyncBatonClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _run(self, call: Call[T]) -> T:
        return call.parse(await self._http.send(call.request))

    async def send_turn(
        self,
        conversation_id: str,
        *,
        turn_id: str,
        text: str,
        role: Role | str = Role.USER,
        sent_at: datetime | None = None,
        bot: BotSignal | None = None,
        customer: Customer | None = None,
        channel: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> TurnResult:
        """See `BatonClient.send_turn`."""
        call = self._calls.send_turn(
            conversation_id,
            turn_id=turn_id,
            text=text,
            role=role,
            sent_at=sent_at,
            bot=bot,
            customer=customer,
            channel=channel,
            metadata=metadata,
        )
        call.request.extensions["timeout"] = httpx.Timeout(self.turn_timeout).as_dict()
        try:
            return await self._run(call)
        except (BatonApiError, httpx.TransportError) as exc:
            failing = _fails_open(exc) if self.fail_open else None
            if failing is None:
                raise
            return _failed_open(call, *failing)

    async def request_handoff(
        self,
        conversation_id: str,
        *,
        channel: Channel | str | None = None,
        note: str | None = None,
        queue: str | None = None,
        priority: int | None = None,
    ) -> TurnResult:
        """See `BatonClient.request_handoff`."""
        call = self._calls.handoff(
            conversation_id,
            channel=channel,
            decline=False,
            note=note,
            queue=queue,
            priority=priority,
        )
        return await self._run(call)

    async def decline(self, conversation_id: str) -> TurnResult:
        """See `BatonClient.decline`."""
        return await self._run(
            self._calls.handoff(conversation_id, channel=None, decline=True, note=None)
        )

    async def events(
        self, conversation_id: str, *, last_event_id: int | None = None, reconnect: bool = True
    ) -> AsyncIterator[Event]:
        """See `BatonClient.events`."""
        decoder = SSEDecoder(last_event_id)
        while True:
            request = self._calls.events(conversation_id, decoder.last_event_id)
            try:
                async with self._http.stream(
                    request.method, request.url, headers=request.headers, timeout=None
                ) as response:
                    if not response.is_success:
                        await response.aread()
                        _raise_for_error(response)
                    async for line in response.aiter_lines():
                        event = decoder.feed(line)
                        if event is not None:
                            yield event
            except httpx.TransportError:
                if not reconnect:
                    raise
            if not reconnect:
                return
            await asyncio.sleep(decoder.retry_seconds)

"""The webhook transport port: one method, `send`, with the real httpx transport and a fake."""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Protocol

import httpx

from baton.transfer.egress import EgressGuard, WebhookUrlForbidden

RESPONSE_DEADLINE_SECONDS = 15.0


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class WebhookResponse:
    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookTransport(Protocol):
    """Sends one signed webhook; never raises for network failures, it reports them.

    Example:
        class Printer:
            def send(self, request: WebhookRequest) -> WebhookResponse:
                print(request.url, request.body)
                return WebhookResponse(status_code=200)
    """

    def send(self, request: WebhookRequest) -> WebhookResponse: ...


class HttpxTransport:
    """POST over HTTP(S) with a 15 s deadline on each phase (connect, write, response).

    The URL passes the egress guard at connect time and the connection goes to the address the
    guard resolved and judged (the name stays in `Host` and in TLS's SNI and certificate check).
    Redirects are not followed. A failure is recorded as a status code and a short reason of
    our own words: never the response body, never the network library's message (which would
    tell a caller which ports answer).
    """

    def __init__(
        self, *, timeout: float = RESPONSE_DEADLINE_SECONDS, guard: EgressGuard | None = None
    ) -> None:
        self._guard = guard or EgressGuard()
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False)

    def send(self, request: WebhookRequest) -> WebhookResponse:
        try:
            address = self._guard.pin(request.url)
        except WebhookUrlForbidden as exc:
            return WebhookResponse(status_code=None, error=f"refused: {exc.reason}")
        url = httpx.URL(request.url)
        host = url.host
        headers = {**request.headers, "Host": url.netloc.decode("ascii")}
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        pinned = url.copy_with(host=str(address))
        try:
            with self._client.stream(
                "POST", pinned, content=request.body, headers=headers, extensions=extensions
            ) as response:
                return WebhookResponse(
                    status_code=response.status_code, error=_reason(response.status_code)
                )
        except httpx.TimeoutException:
            return WebhookResponse(status_code=None, error="timeout")
        except httpx.ConnectError:
            return WebhookResponse(status_code=None, error="connection failed")
        except httpx.HTTPError:
            return WebhookResponse(status_code=None, error="transport error")

    def close(self) -> None:
        self._client.close()


def _reason(status_code: int) -> str | None:
    """Our short words for a status: None for 2xx, never the receiver's body."""
    if 200 <= status_code < 300:
        return None
    if 300 <= status_code < 400:
        return f"HTTP {status_code}: redirect not followed"
    try:
        return f"HTTP {status_code} {HTTPStatus(status_code).phrase}"
    except ValueError:
        return f"HTTP {status_code}"


@dataclass
class RecordingTransport:
    """A fake for users' tests: records every request and answers `status_code`."""

    status_code: int = 200
    sent: list[WebhookRequest] = field(default_factory=list)

    def send(self, request: WebhookRequest) -> WebhookResponse:
        self.sent.append(request)
        return WebhookResponse(status_code=self.status_code)

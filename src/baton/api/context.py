"""Each request's log context: its request id, tenant and conversation id on every line it logs.

The request id is the caller's `X-Request-ID` when it is a short token (a proxy's or the bot's
own, so one id follows a turn across systems), else a new one; the answer echoes it. The tenant
is the default one until an API key names another (`baton.logs.set_tenant`). This middleware is
the outermost, so uvicorn's access line is logged inside the context too.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Receive, Scope, Send

from baton.api.security import adding_headers
from baton.logs import LogContext, bound

HEADER = "x-request-id"
_TOKEN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CONVERSATION = re.compile(r"^/v1/conversations/([^/]+)")


def request_id(scope: Scope) -> str:
    """The caller's `X-Request-ID` when it is a short token, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            given = bytes(value).decode("latin-1")
            if _TOKEN.match(given):
                return given
    return uuid.uuid4().hex


class RequestContext:
    """Binds a `LogContext` around each HTTP request and answers with its `X-Request-ID`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        match = _CONVERSATION.match(str(scope.get("path", "")))
        context = LogContext(
            request_id=request_id(scope), conversation_id=match.group(1) if match else None
        )
        echo = adding_headers(send, [(HEADER.encode(), context.request_id.encode())])
        with bound(context):
            await self.app(scope, receive, echo)

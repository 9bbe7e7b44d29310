"""Guards against hostile input: a pure ASGI guard that refuses bodies over the configured size
before they are read whole, and a dependency that refuses NUL characters anywhere."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baton.api.errors import error_body
from baton.errors import InvalidRequest


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    raise _TooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            if refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            error_body("payload_too_large", f"the body is over {self.max_bytes} bytes", None)
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised from `receive`: FastAPI re-raises HTTP exceptions met while reading a body, so the
    app's handlers answer 413 instead of FastAPI's generic 400 for an unreadable body."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the body is over {max_bytes} bytes")


_JSON_NUL = b"\\u0000"


async def refuse_nul(request: Request) -> None:
    """Refuse a NUL character in any string the request carries: path, query, a JSON body's
    keys and values at any depth, form fields. PostgreSQL cannot store one, and no field of
    Baton's has a use for it; SQLite would keep it and hand it on to logs and e-mails."""
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if "\x00" in name or "\x00" in str(value):
            raise _nul(name)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        # FastAPI has read the form already (cached); its raw stream is gone.
        for name, field in (await request.form()).multi_items():
            if "\x00" in name or (isinstance(field, str) and "\x00" in field):
                raise _nul(name)
        return
    if "json" not in content_type:
        return
    body = await request.body()
    if _JSON_NUL in body:
        try:
            parsed = json.loads(body)
        except ValueError:
            return  # FastAPI answers malformed JSON itself
        where = _nul_path(parsed)
        if where is not None:
            raise _nul(where)


def _nul_path(value: Any) -> str | None:
    """The dotted path of the first string holding a NUL, keys included, without recursion."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path or None
        elif isinstance(item, dict):
            for key, child in item.items():
                where = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return where.replace("\x00", "\\u0000")
                stack.append((child, where))
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(item))
    return None


def _nul(field: str | None) -> InvalidRequest:
    return InvalidRequest(
        "text must not contain NUL (\\u0000) characters", field=field, code="invalid_value"
    )

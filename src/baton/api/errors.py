"""The one place that turns errors into JSON: `{code, message, field}` with a stable code."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from baton.errors import BatonError, StoreUnavailable

log = logging.getLogger("baton.api")

_PYDANTIC_CODES = {
    "json_invalid": "malformed_json",
    "missing": "missing_field",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "extra_forbidden": "unknown_field",
    "enum": "invalid_value",
    "literal_error": "invalid_value",
    "less_than_equal": "out_of_range",
    "greater_than_equal": "out_of_range",
    "string_too_short": "too_short",
}
_HTTP_CODES = {
    400: "malformed_json",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}
# FastAPI's words when the body is not UTF-8 or is nested past the parser's recursion limit.
_UNPARSABLE = "There was an error parsing the body"


def error_body(code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def _field(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


async def _baton_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BatonError)
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(
        error_body(exc.code, exc.message, exc.field), status_code=exc.status, headers=headers
    )


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    """The database is down, restarting or full: the transaction rolled back; retrying is safe."""
    kind = type(exc.__cause__ or exc).__name__
    log.warning("store unavailable: %s", kind)
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.store_error(tenant=getattr(request.state, "tenant_id", ""), kind=kind)
    return await _baton_error(
        request, StoreUnavailable("the store is unavailable right now; retry shortly")
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0]
    kind = str(first.get("type", ""))
    code = _PYDANTIC_CODES.get(
        kind, "wrong_type" if kind.endswith(("_type", "_parsing")) else "invalid_request"
    )
    message = str(first.get("msg", "invalid request"))
    if code == "malformed_json":
        return JSONResponse(error_body(code, message, None), status_code=400)
    field = _field(tuple(first.get("loc", ())))
    return JSONResponse(error_body(code, message, field), status_code=422)


async def _data_error(_: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold (a NUL character in a query, say): the caller's input."""
    log.info("refused a value the store cannot hold: %s", type(exc.__cause__ or exc).__name__)
    return JSONResponse(
        error_body("invalid_value", "a value in the request cannot be stored", None),
        status_code=422,
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if message == _UNPARSABLE:
        message = "the body is not JSON: it must be UTF-8 and not nested too deeply"
    return JSONResponse(
        error_body(code, message, None),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(
        error_body("internal_error", "Baton hit an unexpected error.", None), status_code=500
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BatonError, _baton_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    for store_error in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(store_error, _store_error)
    app.add_exception_handler(Exception, _unexpected)

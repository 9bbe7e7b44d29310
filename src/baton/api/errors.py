"""The one place that turns errors into JSON: `{code, message, field}` with a stable code."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from baton.errors import BatonError

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
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def error_body(code: str, message: str, field: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def _field(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


async def _baton_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BatonError)
    return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=exc.status)


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


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail), None),
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
    app.add_exception_handler(Exception, _unexpected)

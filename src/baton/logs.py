"""One logging configuration for every entry point: JSON lines or readable lines, with context.

Every process (`baton serve` and each of its worker processes, `worker`, `demo`, `outbox`, …)
calls `configure()` once, before it logs. Baton, uvicorn and SQLAlchemy all log through the
standard library's `logging`; one root handler formats every record with structlog's
`ProcessorFormatter`: JSON lines when `BATON_LOG_FORMAT=json` (for log shippers), readable
lines otherwise (coloured in a terminal). structlog, rather than a JSON formatter of our own,
because it is the maintained library for this, renders both formats from one processor chain,
and leaves every `logging.getLogger(...)` call in the code as it is. The variable is read here,
not in `Settings`, so that a settings error is itself logged in the chosen format.

While a request is handled (`baton.api.context.RequestContext`), a `LogContext` holds its
request id, tenant and conversation id, and every line logged meanwhile carries them.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Any, Literal

import structlog

ENV = "BATON_LOG_FORMAT"
FORMATS = ("console", "json")
DEFAULT_TENANT = "default"
LogFormat = Literal["console", "json"]
_HANDLER = "baton"


@dataclass
class LogContext:
    """What every log line of one request says about it; mutable so later stages can fill in."""

    request_id: str
    tenant: str = DEFAULT_TENANT
    conversation_id: str | None = None


_CURRENT: ContextVar[LogContext | None] = ContextVar("baton_log_context", default=None)


@contextmanager
def bound(context: LogContext) -> Iterator[LogContext]:
    """Every line logged inside the block (and in threads it starts) carries `context`."""
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


def set_tenant(tenant: str) -> None:
    """Name the current request's tenant on its log lines (once the API key has told it)."""
    context = _CURRENT.get()
    if context is not None:
        context.tenant = tenant


def _add_context(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    context = _CURRENT.get()
    if context is not None:
        event.setdefault("request_id", context.request_id)
        event.setdefault("tenant", context.tenant)
        if context.conversation_id is not None:
            event.setdefault("conversation_id", context.conversation_id)
    return event


def formatter(log_format: LogFormat, *, colors: bool = False) -> logging.Formatter:
    """The formatter of every record: timestamp, level, logger, message and request context."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        # plain tracebacks: a rich one would print local variables, secrets among them
        else structlog.dev.ConsoleRenderer(
            colors=colors, exception_formatter=structlog.dev.plain_traceback
        )
    )
    finish: list[Any] = [structlog.processors.format_exc_info] if log_format == "json" else []
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _add_context,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *finish, renderer],
    )


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler on whatever `sys.stderr` is when it writes (test runners and CLIs swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _: IO[str]) -> None:
        return None


def chosen_format(value: str | None = None) -> LogFormat:
    """`value`, else `BATON_LOG_FORMAT`, else `console`; anything else is refused by name."""
    raw = (value or os.environ.get(ENV) or "console").strip().lower()
    if raw == "json":
        return "json"
    if raw == "console":
        return "console"
    raise ValueError(f"{ENV} must be one of {', '.join(FORMATS)}, not {raw!r}")


def configure(
    log_format: str | None = None, *, level: int | str = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Install the one root handler (replacing an earlier one of ours); returns it.

    uvicorn's loggers lose their own handlers and propagate to it, so the access log and the
    server's messages come out in the same format (run uvicorn with `log_config=None`).
    """
    fmt = chosen_format(log_format)
    handler: logging.Handler = _CurrentStderr() if stream is None else logging.StreamHandler(stream)
    handler.set_name(_HANDLER)
    out = stream or sys.stderr
    handler.setFormatter(formatter(fmt, colors=fmt == "console" and out.isatty()))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin
    return handler


def unconfigure(handler: logging.Handler) -> None:
    """Remove a handler `configure` installed (tests)."""
    logging.getLogger().removeHandler(handler)

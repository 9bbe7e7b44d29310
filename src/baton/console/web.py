"""What every console page shares: templates that escape everything, static files, HTML errors."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from baton.domain import INLINE_IMAGE_TYPES
from baton.errors import BatonError, InvalidRequest
from baton.store.tables import DEFAULT_TENANT

_HERE = Path(str(resources.files("baton.console")))


def _duration(seconds: float) -> str:
    seconds = int(abs(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _hhmm(value: datetime | None) -> str:
    return value.strftime("%d %b %H:%M UTC") if value is not None else ""


def sla_text(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "no SLA"
    left = (due - now).total_seconds()
    return f"{_duration(left)} left" if left >= 0 else f"overdue {_duration(left)}"


def sla_state(due: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    if due is None:
        return "none"
    if now >= due:
        return "breach"
    return "warn" if warn_at is not None and now >= warn_at else "ok"


ROLE_LABELS = {"user": "Customer", "bot": "Bot", "agent": "Agent", "system": "System"}
# A case that began as an offer logs `offered` before `created`: the labels say what each was.
EVENT_LABELS = {
    "offered": "opened: a person offered to the customer",
    "created": "queued for a person",
    "declined": "offer declined by the customer",
}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(duration=_duration, iso=_iso, hhmm=_hhmm)
    env.globals.update(
        sla_text=sla_text,
        sla_state=sla_state,
        role_labels=ROLE_LABELS,
        inline_types=sorted(INLINE_IMAGE_TYPES),
    )
    return env


templates = Jinja2Templates(env=_environment())
static = StaticFiles(directory=_HERE / "static")


class NotSignedInError(Exception):
    """No live session: pages redirect to the sign-in form, streams and fetches answer 401."""


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    runtimes = getattr(request.app.state, "runtimes", None)
    agent = context.get("agent")
    tenant = getattr(agent, "tenant_id", None) or DEFAULT_TENANT
    labels = runtimes.policy_for(tenant).desk.labels() if runtimes is not None else {}
    context = {"reason_labels": labels, "event_labels": EVENT_LABELS, **context}
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, exc: BatonError) -> HTMLResponse:
    context = {"status": exc.status, "code": exc.code, "message": exc.message, "signed": None}
    response = render(request, "error.html", context, status_code=exc.status)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


class ConsoleRoute(APIRoute):
    """A console route: Baton errors become an HTML page, a missing session a sign-in redirect."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except NotSignedInError:
                if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                    target = request.url.path
                    return RedirectResponse(f"/console/login?next={target}", status_code=303)
                return HTMLResponse("sign in first", status_code=401)
            except BatonError as exc:
                return error_page(request, exc)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
                message = f"{where}: {first.get('msg', 'invalid input')}"
                return error_page(request, InvalidRequest(message, field=where or None))

        return guarded

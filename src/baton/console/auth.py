"""Sign-in, sign-out, the signed session cookie, and the CSRF check every form goes through."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy.orm import Session

from baton.api.deps import Now, SettingsDep
from baton.config import Settings
from baton.console.live import counts_as_activity, record_activity
from baton.console.throttle import LoginThrottle
from baton.console.web import ConsoleRoute, NotSignedInError, render
from baton.desk import agents, offers, sessions
from baton.desk.sessions import SESSION_HOURS, SignedIn
from baton.errors import Conflict, Forbidden, LoginThrottled
from baton.store.db import SessionFactory, read_scope, session_scope

log = logging.getLogger("baton.console")
COOKIE = "baton_console"
LOGIN_COOKIE = "baton_login"
router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


def _secret(request: Request, settings: Settings) -> str:
    configured = settings.secret_key.get_secret_value()
    if configured:
        return configured
    state = request.app.state
    if not getattr(state, "console_secret", None):
        log.warning("BATON_SECRET_KEY is unset: console sessions end when this process stops")
        state.console_secret = secrets.token_urlsafe(32)
    return str(state.console_secret)


def _signer(request: Request, settings: Settings, purpose: str) -> TimestampSigner:
    return TimestampSigner(_secret(request, settings), salt=f"baton.console.{purpose}")


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.public_url.startswith("https://")


def _set_cookie(
    response: Response, request: Request, settings: Settings, name: str, value: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        secure=_secure(request, settings),
        httponly=True,
        samesite="strict",
    )


def current_session(request: Request, settings: SettingsDep, now: Now) -> SignedIn:
    """The signed-in agent behind the cookie, or NotSignedInError."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise NotSignedInError
    try:
        token = _signer(request, settings, "session").unsign(cookie, max_age=SESSION_HOURS * 3600)
    except BadSignature as exc:
        raise NotSignedInError from exc
    factory: SessionFactory = request.app.state.session_factory
    with read_scope(factory) as session:
        signed = sessions.resolve(session=session, token=token.decode("ascii"), now=now)
    if signed is None:
        raise NotSignedInError
    if counts_as_activity(request):
        record_activity(factory, signed, now)
    return signed


SignedInDep = Annotated[SignedIn, Depends(current_session)]


def _same_origin(request: Request) -> bool:
    """No Origin (an old browser) passes; else it must be this host or the public URL."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    settings: Settings = request.app.state.settings
    public = urlsplit(settings.public_url)
    allowed = {
        f"{request.url.scheme}://{request.headers.get('host', '')}",
        f"{public.scheme}://{public.netloc}",
    }
    return origin in allowed


async def check_csrf(request: Request, signed: SignedInDep) -> SignedIn:
    """Every state-changing console request carries the session's CSRF token and our origin."""
    form = await request.form()
    token = form.get("csrf_token")
    if not isinstance(token, str) or not hmac.compare_digest(token, signed.csrf_token):
        raise Forbidden(
            "the form's security token is missing or stale; reload the page",
            field="csrf_token",
            code="csrf_failed",
        )
    if not _same_origin(request):
        raise Forbidden("the request came from another site", field="origin", code="cross_site")
    return signed


CsrfChecked = Annotated[SignedIn, Depends(check_csrf)]


def safe_next(target: str | None) -> str:
    """Only a console path may follow sign-in, never another site."""
    if target and target.startswith("/console/") and "\\" not in target and "//" not in target:
        return target
    return "/console/inbox"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"signed": None, "login_token": token, "next": safe_next(next), "failed": False},
    )
    signed = _signer(request, settings, "login").sign(token).decode("ascii")
    _set_cookie(response, request, settings, LOGIN_COOKIE, signed, 3600)
    return response


@router.post("/login")
async def login(
    request: Request,
    settings: SettingsDep,
    now: Now,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    login_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password; on success open a session and set its signed cookie.

    The password is verified between two short transactions, never inside one: argon2's cost
    must not hold a database lock (or a pooled connection) while other requests wait for it.
    A sign-in waiting for a hashing slot waits on the event loop, not in a worker thread, so a
    burst of sign-ins cannot take the threads that bot turns need.
    """
    _check_login_token(request, settings, login_token)
    throttle = login_throttle(request)
    address = request.client.host if request.client else "unknown"
    throttle.check(email=email, address=address)
    factory: SessionFactory = request.app.state.session_factory
    found = await anyio.to_thread.run_sync(_stored_hash, factory, email)
    if not await _verify(request, found[1] if found else None, password) or found is None:
        throttle.failed(email=email, address=address)
        context = {"signed": None, "login_token": login_token, "next": safe_next(next)}
        return render(request, "login.html", {**context, "failed": True}, status_code=401)
    throttle.succeeded(email=email)
    token = await anyio.to_thread.run_sync(_sign_in, factory, found, password, now)
    response = RedirectResponse(safe_next(next), status_code=303)
    cookie = _signer(request, settings, "session").sign(token).decode("ascii")
    _set_cookie(response, request, settings, COOKIE, cookie, SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


def login_throttle(request: Request) -> LoginThrottle:
    state = request.app.state
    throttle: LoginThrottle | None = getattr(state, "login_throttle", None)
    if throttle is None:
        throttle = state.login_throttle = LoginThrottle()
    return throttle


def _stored_hash(factory: SessionFactory, email: str) -> tuple[str, str] | None:
    with read_scope(factory) as session:
        return agents.password_hash_of(session=session, email=email)


async def _verify(request: Request, stored: str | None, password: str) -> bool:
    """argon2 in a worker thread, at most `HASH_SLOTS` at once; a long wait is a 429."""
    state = request.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "hash_limiter", None)
    if limiter is None:
        limiter = state.hash_limiter = anyio.CapacityLimiter(agents.HASH_SLOTS)
    with anyio.move_on_after(agents.HASH_WAIT_SECONDS) as waited:
        await limiter.acquire()
    if waited.cancelled_caught:
        raise LoginThrottled("too many sign-ins at once; try again shortly", retry_after=1)
    try:
        return await anyio.to_thread.run_sync(agents.verify_password, stored, password)
    finally:
        limiter.release()


def _sign_in(factory: SessionFactory, found: tuple[str, str], password: str, now: datetime) -> str:
    rehashed = agents.hash_password(password) if agents.needs_rehash(found[1]) else None
    with session_scope(factory) as session:
        return _open_session(session, found, rehashed, now)


def _open_session(
    session: Session, found: tuple[str, str], rehashed: str | None, now: datetime
) -> str:
    """Sign the verified agent in; a password changed since it was read is a conflict."""
    agent = agents.get(session=session, agent_id=found[0])
    if agent is None or agent.password_hash != found[1]:
        raise Conflict("the account changed while signing in; try again", field="password")
    if rehashed is not None:
        agent.password_hash = rehashed
    if agent.presence == agents.Presence.OFFLINE.value:
        agents.set_presence(session=session, agent=agent, presence=agents.Presence.ONLINE)
        agent.presence_at = now
    agent.active_at = now
    token, _ = sessions.open_session(session=session, agent=agent, now=now)
    return token


def _check_login_token(request: Request, settings: Settings, submitted: str) -> None:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    try:
        expected = _signer(request, settings, "login").unsign(cookie, max_age=3600).decode()
    except BadSignature as exc:
        raise Forbidden(
            "the sign-in form expired; reload it", field="csrf_token", code="csrf_failed"
        ) from exc
    if not submitted or not hmac.compare_digest(submitted, expected):
        raise Forbidden(
            "the sign-in form's security token is wrong", field="csrf_token", code="csrf_failed"
        )
    if not _same_origin(request):
        raise Forbidden("the request came from another site", field="origin", code="cross_site")


@router.post("/logout")
def logout(request: Request, signed: CsrfChecked, now: Now) -> Response:
    factory: SessionFactory = request.app.state.session_factory
    with session_scope(factory) as session:
        sessions.close_session(session=session, session_id=signed.session_id, now=now)
        offers.change_presence(
            session=session, agent_id=signed.agent.id, presence="offline", now=now
        )
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response

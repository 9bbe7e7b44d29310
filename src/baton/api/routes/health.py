"""Liveness and readiness for process managers and load balancers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from baton.store.db import SessionFactory, session_scope

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    factory: SessionFactory = request.app.state.session_factory
    try:
        with session_scope(factory) as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "detail": type(exc).__name__}, status_code=503
        )
    runtime = request.app.state.runtime
    body = {"status": "ready", "policy": runtime.policy.name}
    body["detect_mode"] = runtime.detector.models.mode
    if runtime.policy.detect.encoder:
        body["encoder"] = runtime.policy.detect.encoder
    return JSONResponse(body)

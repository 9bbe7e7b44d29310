"""Secrets never reach the logs: API keys (good or bad), the LLM key and the SMTP password, with
the LLM and SMTP servers unreachable and the store failing mid-request, on a real uvicorn with
debug and access logs on."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import text

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT
from tests.conftest import free_port

LLM_KEY = "sk-live-LLMSECRET-0123456789abcdef"
SMTP_PASSWORD = "smtp-PASSWORD-0123456789abcdef"
WRONG_KEY = "bk_WRONGKEY-0123456789abcdef0123456789"
TURN = {"role": "user", "sent_at": "2026-11-24T10:00:00Z"}


def test_no_secret_is_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    closed = free_port()
    leaky = settings.model_copy(
        update={
            "llm_base_url": f"http://127.0.0.1:{closed}/v1",
            "llm_model": "gpt-test",
            "llm_api_key": SecretStr(LLM_KEY),
            "smtp_host": "127.0.0.1",
            "smtp_port": closed,
            "smtp_username": "baton",
            "smtp_password": SecretStr(SMTP_PASSWORD),
            "team_email": "team@example.com",
        }
    )
    caplog.set_level(logging.DEBUG)
    app = create_app(leaky)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="debug", access_log=True)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.02)
    try:
        with session_scope(app.state.session_factory) as session:
            key = repo.create_api_key(
                tenant_id=DEFAULT_TENANT,
                scopes="bot,read,admin",
                session=session,
                name="bot",
                now=datetime.now(UTC),
            )
        base = f"http://127.0.0.1:{port}/v1/conversations/c1"
        good = {"Authorization": f"Bearer {key}"}
        ask = {**TURN, "turn_id": "t1", "text": "I want a human, I'm ana@example.com"}
        assert httpx.post(base + "/turns", json=ask, headers=good).status_code == 200
        assert httpx.post(
            base + "/handoff", json={"channel": "email"}, headers=good
        ).status_code in (
            200,
            422,
        )
        wrong = {"Authorization": f"Bearer {WRONG_KEY}"}
        assert httpx.post(base + "/turns", json=ask, headers=wrong).status_code == 401
        with session_scope(app.state.session_factory) as session:
            session.execute(text("DROP TABLE handoff_events"))
        later = {**TURN, "turn_id": "t2", "text": "still there?"}
        assert httpx.post(base + "/turns", json=later, headers=good).status_code in (200, 500, 503)
        escalate = {**TURN, "turn_id": "t1", "text": "get me a person now"}
        failing = httpx.post(
            f"http://127.0.0.1:{port}/v1/conversations/c2/turns", json=escalate, headers=good
        )
        # SQLite calls a missing table an operational error (503), PostgreSQL a bug (500).
        assert failing.status_code in (500, 503)
        assert failing.json()["error"]["code"] in ("store_unavailable", "internal_error")
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert "POST /v1/conversations/c1/turns" in logged, "the access log was not captured"
    assert "store unavailable" in logged or "unhandled error" in logged
    for secret in (key, WRONG_KEY, LLM_KEY, SMTP_PASSWORD):
        assert secret not in logged
        assert secret[:16] not in logged
    shown = repr(leaky) + str(leaky.model_dump())
    assert LLM_KEY not in shown and SMTP_PASSWORD not in shown

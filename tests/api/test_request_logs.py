"""Log lines of a request carry its request id, tenant and conversation id; JSON mode is JSON."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from baton.api.app import create_app
from baton.config import Settings
from baton.logs import LogContext, bound, configure, formatter, unconfigure
from tests.conftest import LiveServer, free_port

LLM_KEY = "sk-live-LOGSECRET-0123456789abcdef"
TURN = {"role": "user", "sent_at": "2026-11-24T10:00:00Z", "text": "I want a human please"}


@pytest.fixture
def root_level() -> Iterator[None]:
    root, access = logging.getLogger(), logging.getLogger("uvicorn.access")
    levels = root.level, access.level
    yield
    root.setLevel(levels[0])
    access.setLevel(levels[1])


def test_a_requests_json_lines_carry_its_request_id_and_tenant(
    settings: Settings, root_level: None
) -> None:
    # The LLM is unreachable, so the handoff turn logs a warning of its own inside the request.
    app = create_app(
        settings.model_copy(
            update={
                "require_api_key": False,
                "llm_base_url": f"http://127.0.0.1:{free_port()}/v1",
                "llm_model": "gpt-test",
                "llm_api_key": SecretStr(LLM_KEY),
            }
        )
    )
    out = io.StringIO()
    with LiveServer(app) as live:
        handler = configure("json", stream=out)
        logging.getLogger("uvicorn.access").setLevel(logging.INFO)
        try:
            url = f"{live.url}/v1/conversations/c-logs/turns"
            given = httpx.post(
                url, json={**TURN, "turn_id": "t1"}, headers={"X-Request-ID": "req-1"}
            )
            other = httpx.post(url.replace("c-logs", "c-other"), json={**TURN, "turn_id": "t1"})
        finally:
            unconfigure(handler)
    assert given.status_code == other.status_code == 200
    assert given.headers["x-request-id"] == "req-1"
    generated = other.headers["x-request-id"]
    assert len(generated) == 32 and generated != "req-1"

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    mine = [line for line in lines if line.get("request_id") == "req-1"]
    events = [line["event"] for line in mine]
    assert any("POST /v1/conversations/c-logs/turns" in e for e in events), events
    assert any(e.startswith("LLM summary not used") for e in events), events
    assert all(line["tenant"] == "default" for line in mine)
    assert all(line["conversation_id"] == "c-logs" for line in mine)
    theirs = [line for line in lines if line.get("request_id") == generated]
    assert theirs and all(line["conversation_id"] == "c-other" for line in theirs)
    assert LLM_KEY not in out.getvalue() and LLM_KEY[:16] not in out.getvalue()


def render(fmt: Any, message: str) -> str:
    record = logging.LogRecord("baton.test", logging.WARNING, __file__, 1, message, (), None)
    with bound(LogContext(request_id="req-2", conversation_id="c-9")):
        return formatter(fmt).format(record)


def test_readable_lines_carry_the_same_context() -> None:
    line = render("console", "queue closed")
    assert "queue closed" in line and "request_id=req-2" in line and "tenant=default" in line
    assert json.loads(render("json", "queue closed"))["conversation_id"] == "c-9"
    with pytest.raises(ValueError, match="BATON_LOG_FORMAT"):
        configure("xml")

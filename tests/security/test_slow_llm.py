"""No slow call inside a transaction (issue 16, row 5): a model that has not answered holds no
lock; the extractive summary stands until the model's summary replaces it (`brief.updated`)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from baton.api.app import create_app
from baton.brief.llm import summarizer_from_settings
from baton.config import Settings
from baton.engine import Runtime
from baton.policy import load_policy
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT, OutboxRow
from tests.brief.chat_server import ChatServer
from tests.conftest import LiveServer

ESCALATE = {
    "turn_id": "t1",
    "role": "user",
    "text": "I was charged twice for order 4417, I want a human now",
    "sent_at": "2026-11-24T10:00:00Z",
}
PLAIN = {**ESCALATE, "text": "what are your opening hours?", "bot": {"confidence": 0.95}}


def test_a_model_that_has_not_answered_stalls_no_other_turn(settings: Settings) -> None:
    gate = threading.Event()
    with ChatServer(gate=gate) as llm:
        settings = settings.model_copy(
            update={"llm_base_url": llm.base_url, "llm_model": "m", "llm_timeout_seconds": 60}
        )
        summarizer = summarizer_from_settings(settings)
        runtime = Runtime(
            load_policy(None), model_cache_dir=settings.model_cache_dir, summarizer=summarizer
        )
        app = create_app(settings, runtime=runtime)
        with LiveServer(app) as server:
            with session_scope(app.state.session_factory) as session:
                key = repo.create_api_key(
                    session=session,
                    tenant_id=DEFAULT_TENANT,
                    name="bot",
                    scopes="bot,read,admin",
                    now=datetime.now(UTC),
                )
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
                first = client.post("/v1/conversations/c1/turns", json=ESCALATE)
                assert first.status_code == 200, first.text
                handoff_id = first.json()["handoff"]["id"]
                assert llm.asked.wait(timeout=30), "the model was never asked"
                other = client.post("/v1/conversations/c2/turns", json=PLAIN)
                also = client.post(
                    "/v1/conversations/c3/turns", json={**ESCALATE, "text": "get me a person"}
                )
                brief = client.get(f"/v1/handoffs/{handoff_id}/brief").json()
                assert not gate.is_set()  # all answered while the model still had not
                assert (other.status_code, also.status_code) == (200, 200)
                assert brief["summary_source"] == "extractive" and brief["summary"]
                gate.set()
                deadline = time.monotonic() + 60
                while brief["summary_source"] != "llm":
                    assert time.monotonic() < deadline, "the model's summary never arrived"
                    brief = client.get(f"/v1/handoffs/{handoff_id}/brief").json()
                assert "charged twice" in brief["summary"]
        with session_scope(app.state.session_factory) as session:
            topics = list(session.scalars(select(OutboxRow.topic)))
        assert "brief.updated" in topics

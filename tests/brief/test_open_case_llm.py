"""An open case's brief follows the conversation without calling the LLM on every message."""

from __future__ import annotations

from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from tests.api.conftest import authorized
from tests.brief.chat_server import ChatServer

TURN = {"role": "user", "sent_at": "2026-11-24T10:00:00Z"}


def test_the_llm_summarizes_once_and_later_turns_still_reach_the_brief(settings: Settings) -> None:
    with ChatServer() as llm:
        configured = settings.model_copy(
            update={
                "llm_base_url": llm.base_url,
                "llm_model": "loopback-1",
                "llm_timeout_seconds": 2.0,
            }
        )
        with authorized(create_app(configured)) as api:
            url = "/v1/conversations/llm-1/turns"
            first = api.post(url, json={**TURN, "turn_id": "t1", "text": "get me a human"}).json()
            handoff_id = first["handoff"]["id"]
            summary = api.get(f"/v1/handoffs/{handoff_id}/brief").json()
            assert summary["summary_source"] == "llm"
            assert len(llm.requests) == 1

            later = {**TURN, "turn_id": "t2", "text": "my order is ORD-77123, please hurry"}
            api.post(url, json=later)
            brief = api.get(f"/v1/handoffs/{handoff_id}/brief").json()
            assert_brief_followed(api, brief, summary)
            assert len(llm.requests) == 1


def assert_brief_followed(api: TestClient, brief: dict, earlier: dict) -> None:  # type: ignore[type-arg]
    assert [line["turn_id"] for line in brief["transcript"]] == ["t1", "t2"]
    assert "ORD-77123" in {i["value"] for i in brief["identifiers"]}
    assert (brief["summary"], brief["summary_source"]) == (earlier["summary"], "llm")

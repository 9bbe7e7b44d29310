"""The bot's levers on `POST …/handoff`: the queue it names, a capped priority, a note for the
agent; and the same levers from Bot Framework's `handoff.initiate` value and Dialogflow CX's
`liveAgentHandoff` metadata."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.store.tables import HandoffEventRow
from tests.adapters.test_peers import HANDOFF_INITIATE, cx_request, said
from tests.api.conftest import row_counts

CALM = {
    "turn_id": "t1",
    "role": "user",
    "text": "what are your opening hours?",
    "sent_at": "2026-11-24T10:00:00Z",
    "bot": {"confidence": 0.92},
}
NOTE = "Customer confirmed the double charge on order AB-123456; already refunded once."


def handoff(api: TestClient, conversation: str, **body: Any) -> Any:
    return api.post(f"/v1/conversations/{conversation}/handoff", json=body)


def test_the_bot_names_the_queue_and_leaves_a_note_for_the_agent(api: TestClient) -> None:
    api.post("/v1/conversations/lever-1/turns", json=CALM)
    answer = handoff(api, "lever-1", queue="billing", note=NOTE)
    assert answer.status_code == 200, answer.text
    case = answer.json()["handoff"]
    assert case["queue"] == "billing" and case["routing"]["rule"] == "bot"
    brief = api.get(f"/v1/handoffs/{case['id']}/brief").json()
    assert brief["bot_note"] == NOTE


def test_team_is_another_name_for_queue(api: TestClient) -> None:
    api.post("/v1/conversations/lever-2/turns", json=CALM)
    assert handoff(api, "lever-2", team="sales").json()["handoff"]["queue"] == "sales"


def test_an_unknown_queue_is_refused_by_name_and_nothing_is_opened(api: TestClient) -> None:
    api.post("/v1/conversations/lever-3/turns", json=CALM)
    answer = handoff(api, "lever-3", queue="vip-jump-the-line")
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("unknown_queue", "queue")
    assert "vip-jump-the-line" in error["message"] and "billing" in error["message"]
    assert row_counts(api)["handoffs"] == 0


def test_the_priority_a_bot_may_ask_for_is_capped_by_the_policy(api: TestClient) -> None:
    api.post("/v1/conversations/lever-4/turns", json=CALM)
    api.post("/v1/conversations/lever-5/turns", json={**CALM, "turn_id": "t1"})
    modest = handoff(api, "lever-4", priority=35).json()["handoff"]
    greedy = handoff(api, "lever-5", priority=100).json()["handoff"]
    assert modest["priority"] == 35
    assert greedy["priority"] == 50  # the default policy's priority.bot_max
    assert handoff(api, "lever-4", priority=101).status_code == 422


def test_a_queued_case_moves_to_the_bots_queue_with_its_clock(api: TestClient) -> None:
    forced = {**CALM, "text": "I want to talk to a human", "bot": None}
    case = api.post("/v1/conversations/lever-6/turns", json=forced).json()["handoff"]
    assert (case["status"], case["queue"]) == ("queued", "support")
    moved = handoff(api, "lever-6", queue="billing").json()["handoff"]
    assert (moved["id"], moved["queue"], moved["status"]) == (case["id"], "billing", "queued")
    with api.app.state.session_factory() as s:  # type: ignore[attr-defined]
        events = s.scalars(
            select(HandoffEventRow).where(HandoffEventRow.handoff_id == case["id"])
        ).all()
    transfer = [e for e in events if e.type == "transferred"]
    assert [(e.actor, e.data["from_queue"], e.data["to_queue"]) for e in transfer] == [
        ("bot", "support", "billing")
    ]


def test_bot_framework_value_names_the_queue_and_the_note(api: TestClient) -> None:
    initiate = copy.deepcopy(HANDOFF_INITIATE)
    initiate["value"] = {"Skill": "billing", "CustomerTier": "gold", "note": NOTE}
    status = api.post("/v1/adapters/botframework/handoff", json=initiate).json()
    assert status["value"]["state"] == "accepted", status
    case = api.get(f"/v1/handoffs/{status['value']['handoffId']}").json()
    assert case["queue"] == "billing"
    brief = api.get(f"/v1/handoffs/{case['id']}/brief").json()
    assert brief["bot_note"] == NOTE


def test_dialogflow_cx_metadata_names_the_queue(api: TestClient) -> None:
    metadata = {"department": "sales", "priority": "high", "note": "wants an enterprise quote"}
    request = cx_request(
        1,
        "Can I speak to someone about pricing?",
        [said("Connecting you."), {"liveAgentHandoff": {"metadata": metadata}}],
        fulfillmentInfo={"tag": "handoff"},
    )
    answer = api.post("/v1/adapters/dialogflow-cx/webhook", json=request)
    assert answer.status_code == 200, answer.text
    params = answer.json()["sessionInfo"]["parameters"]
    case = api.get(f"/v1/handoffs/{params['baton_handoff_id']}").json()
    assert case["queue"] == "sales"
    brief = api.get(f"/v1/handoffs/{case['id']}/brief").json()
    assert brief["bot_note"] == "wants an enterprise quote"

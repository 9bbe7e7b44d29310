"""Peers' handoff payloads, in the shapes their public documentation gives, open handoffs.

The payloads below were written from the documented schemas (no fetched copies):

* Bot Framework: "Transition conversations from bot to human", the handoff protocol
  (https://learn.microsoft.com/en-us/azure/bot-service/bot-service-design-pattern-handoff-human),
  and the SDK's `EventFactory.createHandoffInitiation` / `createHandoffStatus`
  (https://learn.microsoft.com/en-us/javascript/api/botbuilder/eventfactory): an event activity
  named `handoff.initiate`, agent-hub context in `value`, and an attachment named "Transcript"
  (`application/json`, content `{"activities": [...]}`); the answer is a `handoff.status` event
  whose value holds `state` ("accepted", "failed", "completed") and `message`.
* Dialogflow CX: `WebhookRequest`
  (https://cloud.google.com/dialogflow/cx/docs/reference/rest/v3/WebhookRequest) and the
  `liveAgentHandoff` response message with free-form `metadata`
  (https://cloud.google.com/dialogflow/cx/docs/reference/rest/v3/ResponseMessage#LiveAgentHandoff).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings

USER = {"id": "dl_7f3c2a9e-user", "name": "Jane Doe", "role": "user"}
BOT = {"id": "contoso-support-bot", "name": "Contoso Support", "role": "bot"}
BF_CONVERSATION = {"id": "8a3bRt6Yc2K4z1Qw9LmN0p-us|livechat"}

HANDOFF_INITIATE: dict[str, Any] = {
    "type": "event",
    "name": "handoff.initiate",
    "id": "4c7e2d1a-9b8f-4e3a-a6d5-1f2b3c4d5e6f",
    "timestamp": "2026-11-24T10:06:12.551Z",
    "localTimezone": "Europe/London",
    "channelId": "directline",
    "serviceUrl": "https://directline.botframework.com/",
    "from": BOT,
    "conversation": BF_CONVERSATION,
    "replyToId": "8a3bRt6Yc2K4z1Qw9LmN0p-us|0000004",
    "relatesTo": {
        "activityId": "8a3bRt6Yc2K4z1Qw9LmN0p-us|0000004",
        "user": USER,
        "bot": BOT,
        "conversation": BF_CONVERSATION,
        "channelId": "directline",
        "serviceUrl": "https://directline.botframework.com/",
    },
    "value": {"Skill": "billing", "CustomerTier": "gold"},
    "attachments": [
        {
            "contentType": "application/json",
            "name": "Transcript",
            "content": {
                "activities": [
                    {
                        "type": "message",
                        "id": "8a3bRt6Yc2K4z1Qw9LmN0p-us|0000001",
                        "timestamp": "2026-11-24T10:05:01.103Z",
                        "channelId": "directline",
                        "from": USER,
                        "text": "Hi, I was charged twice for order AB-123456",
                    },
                    {
                        "type": "message",
                        "id": "8a3bRt6Yc2K4z1Qw9LmN0p-us|0000002",
                        "timestamp": "2026-11-24T10:05:02.480Z",
                        "from": BOT,
                        "text": "Sorry about that! Can you tell me the date of the charge?",
                    },
                    {"type": "typing", "from": USER, "timestamp": "2026-11-24T10:05:40.000Z"},
                    {
                        "type": "message",
                        "id": "8a3bRt6Yc2K4z1Qw9LmN0p-us|0000003",
                        "timestamp": "2026-11-24T10:06:10.912Z",
                        "from": USER,
                        "text": "Both on Monday. Please let me talk to a person.",
                    },
                ]
            },
        }
    ],
    "entities": [],
}

CX_AGENT = "projects/contoso-cx/locations/global/agents/5e4d3c2b-1a09"
CX_SESSION = f"{CX_AGENT}/sessions/sess-19f2a7"


def cx_request(n: int, text: str, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "detectIntentResponseId": f"0c4f9b7e-2d1a-4c3b-9e8f-00000000000{n}",
        "languageCode": "en",
        "fulfillmentInfo": {"tag": "baton"},
        "intentInfo": {
            "lastMatchedIntent": f"{CX_AGENT}/intents/7b1c",
            "displayName": "billing.charge_question",
            "confidence": 0.87,
        },
        "pageInfo": {
            "currentPage": f"{CX_AGENT}/flows/00000000-0000-0000-0000-000000000000/pages/3f2e",
            "displayName": "Billing",
        },
        "sessionInfo": {"session": CX_SESSION, "parameters": {"email": "jane@example.com"}},
        "messages": messages,
        "text": text,
        **extra,
    }


def said(text: str) -> dict[str, Any]:
    return {"text": {"text": [text]}, "responseType": "HANDLER_PROMPT", "source": "VIRTUAL_AGENT"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"require_api_key": False}))) as c:
        yield c


def transcript(client: TestClient, handoff_id: str) -> list[tuple[str, str]]:
    brief = client.get(f"/v1/handoffs/{handoff_id}/brief").json()
    return [(line["role"], line["text"]) for line in brief["transcript"]]


def test_bot_framework_handoff_initiate_opens_a_handoff_with_its_transcript(
    client: TestClient,
) -> None:
    answer = client.post("/v1/adapters/botframework/handoff", json=HANDOFF_INITIATE)
    assert answer.status_code == 200, answer.text
    status = answer.json()
    assert (status["type"], status["name"]) == ("event", "handoff.status")
    assert status["value"]["state"] == "accepted"
    assert status["replyToId"] == HANDOFF_INITIATE["id"]
    assert status["conversation"] == BF_CONVERSATION and status["recipient"]["id"] == BOT["id"]
    handoff_id = status["value"]["handoffId"]
    assert transcript(client, handoff_id) == [
        ("user", "Hi, I was charged twice for order AB-123456"),
        ("bot", "Sorry about that! Can you tell me the date of the charge?"),
        ("user", "Both on Monday. Please let me talk to a person."),
    ]
    handoff = client.get(f"/v1/handoffs/{handoff_id}").json()
    assert handoff["status"] == "queued"
    brief = client.get(f"/v1/handoffs/{handoff_id}/brief").json()
    assert {"AB-123456", USER["id"]} <= {i["value"] for i in brief["identifiers"]}

    again = client.post("/v1/adapters/botframework/handoff", json=HANDOFF_INITIATE).json()
    assert again["value"]["handoffId"] == handoff_id  # a retried initiate adds nothing
    assert len(transcript(client, handoff_id)) == 3


def test_bot_framework_rejects_other_events(client: TestClient) -> None:
    other = copy.deepcopy(HANDOFF_INITIATE) | {"name": "handoff.status"}
    answer = client.post("/v1/adapters/botframework/handoff", json=other)
    assert answer.status_code == 422
    assert answer.json()["error"] == {
        "code": "invalid_request",
        "message": "expected an event activity named 'handoff.initiate'",
        "field": "name",
    }


def test_dialogflow_cx_live_agent_handoff_opens_a_handoff_with_the_session_transcript(
    client: TestClient,
) -> None:
    turns = [
        cx_request(1, "Why was I charged twice for order AB-123456?", [said("Let me look.")]),
        cx_request(2, "It was on Monday", [said("I can see two charges on Monday.")]),
        cx_request(
            3,
            "Can I speak to a live agent?",
            [
                said("Connecting you to an agent."),
                {"liveAgentHandoff": {"metadata": {"department": "billing", "priority": "high"}}},
            ],
            fulfillmentInfo={"tag": "handoff"},
        ),
    ]
    answers = [client.post("/v1/adapters/dialogflow-cx/webhook", json=t) for t in turns]
    assert [a.status_code for a in answers] == [200, 200, 200], answers[-1].text
    final = answers[-1].json()
    messages = final["fulfillmentResponse"]["messages"]
    handoff_meta = next(
        m["liveAgentHandoff"]["metadata"] for m in messages if "liveAgentHandoff" in m
    )
    assert handoff_meta["department"] == "billing"
    handoff_id = handoff_meta["baton_handoff_id"]
    assert final["sessionInfo"]["parameters"]["baton_handoff_id"] == handoff_id
    assert messages[0]["text"]["text"][0]  # the customer's confirmation
    assert transcript(client, handoff_id) == [
        ("user", "Why was I charged twice for order AB-123456?"),
        ("bot", "Let me look."),
        ("user", "It was on Monday"),
        ("bot", "I can see two charges on Monday."),
        ("user", "Can I speak to a live agent?"),
        ("bot", "Connecting you to an agent."),
    ]  # an open case's brief follows the conversation: nothing said after escalating is lost
    brief = client.get(f"/v1/handoffs/{handoff_id}/brief").json()
    assert {"jane@example.com", "AB-123456"} <= {i["value"] for i in brief["identifiers"]}

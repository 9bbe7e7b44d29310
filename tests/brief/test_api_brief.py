"""`GET /v1/handoffs/{id}/brief` in JSON, Markdown and text, the ticket endpoint, and no full card
number in the stored brief, its renderings, the webhook outbox or the conversation events."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.api.app import create_app
from baton.config import Settings
from baton.store.tables import ConversationEventRow, HandoffRow, OutboxRow

CARD = "4242 4242 4242 4242"
TURNS = [
    {
        "turn_id": "t1",
        "role": "user",
        "text": f"I was charged twice on my card {CARD} for order AB-123456",
        "sent_at": "2026-11-24T10:00:00Z",
        "customer": {"name": "Ana Lopez", "email": "ana@example.com", "region": "GB"},
        "metadata": {"payment": {"card_number": CARD.replace(" ", "")}},
    },
    {
        "turn_id": "t2",
        "role": "bot",
        "text": "Let me check that order.",
        "sent_at": "2026-11-24T10:00:05Z",
        "bot": {"action": "lookup_order", "action_result": "found", "intent": "request_refund"},
    },
    {
        "turn_id": "t3",
        "role": "user",
        "text": f"It's {CARD}! I want to talk to a human, call me on 07911 123456",
        "sent_at": "2026-11-24T10:01:00Z",
    },
]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"require_api_key": False})
    with TestClient(create_app(settings)) as c:
        yield c


def _handoff(client: TestClient) -> str:
    body: dict[str, object] = {}
    for turn in TURNS:
        r = client.post("/v1/conversations/c1/turns", json=turn)
        assert r.status_code == 200, r.text
        body = r.json()
    handoff = body["handoff"]
    assert isinstance(handoff, dict)
    return str(handoff["id"])


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def test_brief_in_three_formats(client: TestClient) -> None:
    handoff_id = _handoff(client)
    as_json = client.get(f"/v1/handoffs/{handoff_id}/brief")
    assert as_json.status_code == 200
    brief = as_json.json()
    kinds = {(i["kind"], i["value"]) for i in brief["identifiers"]}
    assert {("order", "AB-123456"), ("card", "**** 4242"), ("phone", "+447911123456")} <= kinds
    assert ("email", "ana@example.com") in kinds
    assert 5 <= len(brief["summary"].splitlines()) <= 10

    markdown = client.get(f"/v1/handoffs/{handoff_id}/brief", params={"format": "markdown"})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Case brief")

    text = client.get(f"/v1/handoffs/{handoff_id}/brief", params={"format": "text"})
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("CASE BRIEF")

    bad = client.get(f"/v1/handoffs/{handoff_id}/brief", params={"format": "pdf"})
    assert bad.status_code == 422


def test_ticket_payloads(client: TestClient) -> None:
    handoff_id = _handoff(client)
    zendesk = client.get(f"/v1/handoffs/{handoff_id}/ticket/zendesk")
    assert zendesk.status_code == 200
    assert zendesk.json()["ticket"]["requester"]["email"] == "ana@example.com"
    salesforce = client.get(f"/v1/handoffs/{handoff_id}/ticket/salesforce").json()
    assert salesforce["SuppliedPhone"] == "+447911123456"
    unknown = client.get(f"/v1/handoffs/{handoff_id}/ticket/freshdesk")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["field"] == "system"


def test_no_full_card_number_leaves_through_the_brief_or_a_webhook(client: TestClient) -> None:
    handoff_id = _handoff(client)
    seen = [
        client.get(f"/v1/handoffs/{handoff_id}/brief").text,
        client.get(f"/v1/handoffs/{handoff_id}").text,
        client.get(f"/v1/handoffs/{handoff_id}/brief", params={"format": "markdown"}).text,
        client.get(f"/v1/handoffs/{handoff_id}/brief", params={"format": "text"}).text,
        *(
            client.get(f"/v1/handoffs/{handoff_id}/ticket/{s}").text
            for s in ("zendesk", "hubspot", "salesforce")
        ),
    ]
    with client.app.state.session_factory() as s:  # type: ignore[attr-defined]
        seen.append(json.dumps(s.scalars(select(HandoffRow.brief)).one()))
        seen.append(json.dumps(s.scalars(select(HandoffRow.reasons)).one()))
        outbox = list(s.scalars(select(OutboxRow.payload)))
        events = list(s.scalars(select(ConversationEventRow.data)))
    assert outbox, "the engine writes a webhook row per handoff"
    seen += [json.dumps(p) for p in outbox] + [json.dumps(e) for e in events]
    for out in seen:
        assert _digits(CARD) not in _digits(out)
    assert "**** 4242" in seen[0]

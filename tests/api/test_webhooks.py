"""The webhook admin API: endpoints, secrets, deliveries and manual redelivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import SessionFactory
from baton.transfer.outbox import Worker
from baton.transfer.transport import RecordingTransport
from baton.verify import verify
from tests.factories.transfer import LOOPBACK

TURN = {
    "turn_id": "t1",
    "role": "user",
    "text": "I want a human",
    "sent_at": "2026-11-24T10:00:00Z",
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(
            settings.model_copy(
                update={"require_api_key": False, "webhook_allow_private": LOOPBACK}
            )
        )
    ) as c:
        yield c


def worker(client: TestClient, transport: RecordingTransport) -> Worker:
    factory: SessionFactory = client.app.state.session_factory  # type: ignore[attr-defined]
    return Worker(factory=factory, transport=transport)


def test_endpoint_lifecycle_and_validation(client: TestClient) -> None:
    created = client.post(
        "/v1/webhooks/endpoints",
        json={"url": "https://hooks.example.com/baton", "event_types": ["handoff.resolved"]},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["enabled"] is True
    endpoint = f"/v1/webhooks/endpoints/{body['id']}"

    assert client.get("/v1/webhooks/endpoints").json()["items"][0]["id"] == body["id"]
    assert client.get(f"{endpoint}/secret").json()["secret"] == body["secret"]
    rotated = client.post(f"{endpoint}/rotate-secret").json()["secret"]
    assert (
        rotated != body["secret"] and client.get(f"{endpoint}/secret").json()["secret"] == rotated
    )
    patched = client.patch(endpoint, json={"enabled": False, "event_types": []}).json()
    assert (patched["enabled"], patched["event_types"]) == (False, [])
    assert client.delete(endpoint).status_code == 204
    missing = client.get(endpoint)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "webhook_endpoint_not_found"

    bad_url = client.post("/v1/webhooks/endpoints", json={"url": "ftp://x"})
    assert bad_url.status_code == 422 and bad_url.json()["error"]["field"] == "url"
    bad_type = client.post(
        "/v1/webhooks/endpoints", json={"url": "http://a.example", "event_types": ["handoff.nope"]}
    )
    assert bad_type.status_code == 422
    assert bad_type.json()["error"] == {
        "code": "invalid_request",
        "message": "unknown event types: handoff.nope",
        "field": "event_types",
    }
    assert "webhook.dead_lettered" in client.get("/v1/webhooks/event-types").json()


def test_handoff_webhook_is_delivered_signed_and_can_be_redelivered(client: TestClient) -> None:
    body = client.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/h"}).json()
    handoff_id = client.post("/v1/conversations/c1/turns", json=TURN).json()["handoff"]["id"]
    transport = RecordingTransport()
    worker(client, transport).run_once(now=datetime.now(UTC))

    (request,) = transport.sent
    payload = verify(body=request.body, headers=request.headers, secret=body["secret"])
    assert payload["type"] == "handoff.created"
    assert payload["data"]["handoff_id"] == handoff_id
    (delivery,) = client.get("/v1/webhooks/deliveries?status=delivered").json()["items"]
    assert delivery["message_id"] == request.headers["webhook-id"]

    retried = client.post(f"/v1/webhooks/deliveries/{delivery['id']}/retry").json()
    assert (retried["status"], retried["attempts"]) == ("pending", 0)
    worker(client, transport).run_once(now=datetime.now(UTC))
    assert [r.headers["webhook-id"] for r in transport.sent] == [delivery["message_id"]] * 2

    client.patch(f"/v1/webhooks/endpoints/{body['id']}", json={"enabled": False})
    refused = client.post(f"/v1/webhooks/deliveries/{delivery['id']}/retry")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "webhook_endpoint_disabled"
    unknown = client.post("/v1/webhooks/deliveries/dlv_nope/retry")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "webhook_delivery_not_found"

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_and_readiness(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "policy": "default", "detect_mode": "light"}


def test_openapi_documents_the_bot_api(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert "/v1/conversations/{conversation_id}/turns" in paths
    assert "/v1/conversations/{conversation_id}/handoff" in paths
    assert "/v1/conversations/{conversation_id}/events" in paths


def test_pages_carry_a_strict_content_security_policy(api: TestClient) -> None:
    headers = api.get("/healthz").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"

"""Bad input answers 4xx with a stable code and the field at fault, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import row_counts

GOOD = {"turn_id": "t1", "role": "user", "text": "hello", "sent_at": "2026-11-24T10:00:00Z"}
URL = "/v1/conversations/c1/turns"
EMPTY = {
    "conversations": 0,
    "turns": 0,
    "handoffs": 0,
    "handoff_events": 0,
    "conversation_events": 0,
    "outbox": 0,
}


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in GOOD.items() if k != key}


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b'{"turn_id": "t1", "role": ', 400, "malformed_json", None),
        (_without("text"), 422, "missing_field", "text"),
        ({**GOOD, "role": 7}, 422, "invalid_value", "role"),
        ({**GOOD, "bot": {"confidence": "high"}}, 422, "wrong_type", "bot.confidence"),
        ({**GOOD, "text": "x" * (16 * 1024 + 1)}, 422, "too_long", "text"),
        ({**GOOD, "sent_at": "2026-11-24T10:00:00"}, 422, "invalid_request", "sent_at"),
        ({**GOOD, "sent_at": "0001-01-01T00:00:00+05:00"}, 422, "invalid_request", "sent_at"),
        ({**GOOD, "surprise": 1}, 422, "unknown_field", "surprise"),
    ],
)
def test_bad_turns_are_refused_and_write_nothing(
    api: TestClient, body: Any, status: int, code: str, field: str | None
) -> None:
    if isinstance(body, bytes):
        r = api.post(URL, content=body, headers={"Content-Type": "application/json"})
    else:
        r = api.post(URL, json=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    assert row_counts(api) == EMPTY


def test_an_oversized_body_is_refused_before_it_is_read(api: TestClient) -> None:
    r = api.post(
        URL, content=b"{" + b" " * (300 * 1024) + b"}", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert row_counts(api) == EMPTY


def test_handoff_on_an_unknown_conversation_is_not_found(api: TestClient) -> None:
    r = api.post("/v1/conversations/nobody/handoff", json={})
    assert r.status_code == 404
    assert r.json()["error"] == {
        "code": "conversation_not_found",
        "message": "no conversation 'nobody'",
        "field": "conversation_id",
    }
    assert row_counts(api) == EMPTY


@pytest.mark.parametrize("header", [None, "Bearer bk_wrong", "Basic dXNlcjpwYXNz"])
def test_missing_or_wrong_api_key_is_unauthorized(api: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    api.headers.pop("Authorization")
    r = api.post(URL, json=GOOD, headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.json()["error"]["field"] == "Authorization"
    assert row_counts(api) == EMPTY


def test_an_accepted_turn_survives_a_later_bad_one(api: TestClient) -> None:
    assert api.post(URL, json=GOOD).status_code == 200
    assert api.post(URL, json={**GOOD, "turn_id": "t2", "role": "nobody"}).status_code == 422
    counts = row_counts(api)
    assert (counts["conversations"], counts["turns"]) == (1, 1)

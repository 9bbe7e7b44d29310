from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from baton.api.app import create_app
from baton.config import Settings
from baton.store.tables import HandoffRow, TurnRow

TURN = {
    "turn_id": "t1",
    "role": "user",
    "text": "I want to talk to a human",
    "sent_at": "2026-11-24T10:00:00Z",
}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"require_api_key": False})
    with TestClient(create_app(settings)) as c:
        yield c


def count(client: TestClient, table: type) -> int:
    with client.app.state.session_factory() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_human_request_hands_off(client: TestClient) -> None:
    r = client.post("/v1/conversations/c1/turns", json=TURN)
    assert r.status_code == 200
    body = r.json()
    assert body["decision"]["action"] == "handoff"
    assert [x["code"] for x in body["decision"]["reasons"]] == ["human_requested"]
    assert body["handoff"]["id"].startswith("ho_")


def test_same_turn_twice_is_stored_once(client: TestClient) -> None:
    first = client.post("/v1/conversations/c1/turns", json=TURN).json()
    second = client.post("/v1/conversations/c1/turns", json=TURN).json()
    assert second["replayed"] is True
    assert {**second, "replayed": False} == first
    assert count(client, TurnRow) == 1
    assert count(client, HandoffRow) == 1

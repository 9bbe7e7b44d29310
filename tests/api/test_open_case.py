"""What the customer says after escalating reaches the agent's brief: they never repeat it."""

from __future__ import annotations

from fastapi.testclient import TestClient

TURN = {"role": "user", "sent_at": "2026-11-24T10:00:00Z"}


def test_later_turns_and_identifiers_join_an_open_cases_brief(api: TestClient) -> None:
    url = "/v1/conversations/open-1/turns"
    first = api.post(url, json={**TURN, "turn_id": "t1", "text": "get me a human please"}).json()
    handoff_id = first["handoff"]["id"]
    later = {
        **TURN,
        "turn_id": "t2",
        "text": "it's about invoice INV-20261124, email me at jo@example.com",
    }
    assert api.post(url, json=later).json()["handoff"]["id"] == handoff_id
    brief = api.get(f"/v1/handoffs/{handoff_id}/brief").json()
    assert [line["turn_id"] for line in brief["transcript"]] == ["t1", "t2"]
    assert {"INV-20261124", "jo@example.com"} <= {i["value"] for i in brief["identifiers"]}
    assert brief["reasons"][0]["code"] == "human_requested"

from __future__ import annotations

from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.engine import Runtime
from baton.policy import default_policy
from tests.api.conftest import authorized, row_counts

TURN = {
    "turn_id": "t1",
    "role": "user",
    "text": "I want to talk to a human",
    "sent_at": "2026-11-24T10:00:00Z",
}


def test_human_request_hands_off(api: TestClient) -> None:
    r = api.post("/v1/conversations/c1/turns", json=TURN)
    assert r.status_code == 200
    body = r.json()
    assert body["decision"]["action"] == "handoff"
    assert [x["code"] for x in body["decision"]["reasons"]] == ["human_requested"]
    assert body["handoff"]["id"].startswith("ho_")
    assert body["handoff"]["status"] == "queued"
    assert "support team" in body["message"]


def test_same_turn_twice_is_stored_once(api: TestClient) -> None:
    first = api.post("/v1/conversations/c1/turns", json=TURN).json()
    second = api.post("/v1/conversations/c1/turns", json=TURN).json()
    assert second["replayed"] is True
    assert {**second, "replayed": False} == first
    counts = row_counts(api)
    assert counts["turns"] == 1
    assert counts["handoffs"] == 1
    assert counts["outbox"] == 1


def test_same_turn_id_with_other_text_is_a_conflict_and_the_first_is_kept(api: TestClient) -> None:
    api.post("/v1/conversations/c1/turns", json=TURN)
    r = api.post("/v1/conversations/c1/turns", json={**TURN, "text": "something else"})
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "turn_conflict",
        "message": "turn 't1' was already stored with other content",
        "field": "turn_id",
    }
    assert row_counts(api)["turns"] == 1


def test_a_plain_question_continues(api: TestClient) -> None:
    turn = {**TURN, "text": "what are your opening hours?", "bot": {"confidence": 0.92}}
    body = api.post("/v1/conversations/c2/turns", json=turn).json()
    assert body["decision"]["action"] == "continue"
    assert body["handoff"] is None


def test_an_offer_can_be_taken_on_a_channel(api: TestClient) -> None:
    turn = {**TURN, "text": "hmm", "bot": {"confidence": 0.1, "fallback": True}}
    turn["customer"] = {"email": "ana@example.com", "authenticated": True}
    offered = api.post("/v1/conversations/c3/turns", json=turn).json()
    assert offered["decision"]["action"] == "offer"
    assert offered["handoff"]["status"] == "offered"
    taken = api.post("/v1/conversations/c3/handoff", json={"channel": "email"})
    assert taken.status_code == 200
    assert taken.json()["handoff"]["status"] == "queued"
    assert taken.json()["handoff"]["channel"] == "email"


def test_a_declined_offer_is_not_made_again_at_once(settings: Settings) -> None:
    policy = default_policy()
    patient = policy.model_copy(
        update={"detect": policy.detect.model_copy(update={"failure_streak": 5})}
    )
    low = {**TURN, "text": "hmm", "bot": {"confidence": 0.1, "fallback": True}}
    with authorized(create_app(settings, runtime=Runtime(patient))) as api:
        assert (
            api.post("/v1/conversations/c4/turns", json=low).json()["decision"]["action"] == "offer"
        )
        declined = api.post("/v1/conversations/c4/handoff", json={"decline": True})
        assert declined.status_code == 200
        again = api.post("/v1/conversations/c4/turns", json={**low, "turn_id": "t2"}).json()
        assert again["decision"]["action"] == "continue"
        assert again["handoff"] is None
        twice = api.post("/v1/conversations/c4/handoff", json={"decline": True})
        assert (twice.status_code, twice.json()["error"]["code"]) == (409, "illegal_transition")


PASSCODE = {**TURN, "text": "I forgot my passcode and can't log in"}


def _codes(api: TestClient, conversation: str, turn: dict[str, object]) -> list[str]:
    body = api.post(f"/v1/conversations/{conversation}/turns", json=turn).json()
    return [x["code"] for x in body["decision"]["reasons"]]


def test_identity_required_fires_for_an_unverified_customer(api: TestClient) -> None:
    assert "identity_required" in _codes(api, "unverified", PASSCODE)


def test_identity_required_does_not_fire_for_a_customer_the_bot_verified(api: TestClient) -> None:
    turn = {**PASSCODE, "customer": {"id": "cus_1", "authenticated": True}}
    assert "identity_required" not in _codes(api, "verified", turn)


def test_an_always_person_intent_needs_a_person_even_when_verified(settings: Settings) -> None:
    base = default_policy()
    intents = dict(base.intents)
    intents["passcode_forgotten"] = intents["passcode_forgotten"].model_copy(
        update={"always_person": True}
    )
    policy = base.model_copy(update={"intents": intents})
    runtime = Runtime(policy, model_cache_dir=settings.model_cache_dir)
    with authorized(create_app(settings, runtime=runtime)) as client:
        turn = {**PASSCODE, "customer": {"id": "cus_1", "authenticated": True}}
        assert "identity_required" in _codes(client, "strict", turn)

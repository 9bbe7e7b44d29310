"""`/metrics`: scraped after real turns, a handoff in a queue and an outbox row waiting."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tenants import create_tenant
from tests.api.conftest import authorized

_TURN = {"role": "user", "sent_at": "2026-12-01T10:00:00Z"}


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def test_metrics_expose_turns_decisions_queues_and_the_outbox(settings: Settings) -> None:
    with authorized(create_app(settings)) as api:
        for i, text in enumerate(("where is my parcel?", "I want to talk to a human now")):
            answer = api.post(
                "/v1/conversations/m-1/turns", json={**_TURN, "turn_id": f"t{i}", "text": text}
            )
            assert answer.status_code == 200, answer.text
        api.post("/v1/conversations/m-1/handoff", json={"channel": "chat"})
        scraped = api.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    series = _samples(scraped.text)
    outcomes = {labels["outcome"] for labels, _ in series["baton_turn_seconds_count"]}
    assert outcomes & {"continue", "offer", "handoff"}
    assert all(labels["tenant"] == "default" for labels, _ in series["baton_turn_seconds_count"])
    reasons = {labels["reason"] for labels, _ in series["baton_decisions_total"]}
    assert "human_requested" in reasons
    depth = {labels["queue"]: value for labels, value in series["baton_queue_depth"]}
    assert sum(depth.values()) >= 1
    assert "baton_queue_longest_wait_seconds" in series
    kinds = {labels["kind"] for labels, _ in series["baton_outbox_backlog"]}
    assert "webhook" in kinds
    assert all(value >= 0 for _, value in series["baton_outbox_lag_seconds"])
    for name in ("baton_sla_warnings_total", "baton_sla_breaches_total"):
        assert name in series or not depth  # one row per SLA clock kind once a case is queued
    assert series["baton_overloaded_total"] == [({}, 0.0)]
    assert "# TYPE baton_store_errors_total counter" in scraped.text


def test_metrics_need_an_admin_key_and_show_only_its_tenant(settings: Settings) -> None:
    with authorized(create_app(settings)) as api:
        api.post("/v1/conversations/a-1/turns", json={**_TURN, "turn_id": "t0", "text": "hi"})
        factory = api.app.state.session_factory  # type: ignore[attr-defined]
        with session_scope(factory) as session:
            create_tenant(session=session, tenant_id="other", name="Other", now=datetime.now(UTC))
            bot_only = repo.create_api_key(
                session=session,
                tenant_id="other",
                name="b",
                scopes="bot,read",
                now=datetime.now(UTC),
            )
            admin = repo.create_api_key(
                session=session, tenant_id="other", name="a", scopes="admin", now=datetime.now(UTC)
            )
        anonymous = TestClient(api.app)
        assert anonymous.get("/metrics").status_code == 401
        refused = anonymous.get("/metrics", headers={"Authorization": f"Bearer {bot_only}"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
        theirs = anonymous.get("/metrics", headers={"Authorization": f"Bearer {admin}"})
    assert theirs.status_code == 200
    assert 'tenant="default"' not in theirs.text

"""Rate limits per API key: a burst, then 429 rate_limited with Retry-After; other keys go on."""

from __future__ import annotations

from datetime import UTC, datetime

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT
from tests.api.conftest import authorized

TURN = {"role": "user", "text": "hello", "sent_at": "2026-11-24T10:00:00Z"}


def test_a_key_over_its_rate_gets_429_and_others_do_not(settings: Settings) -> None:
    limited = settings.model_copy(update={"rate_limit_per_minute": 1, "rate_limit_burst": 3})
    with authorized(create_app(limited)) as api:
        url = "/v1/conversations/c1/turns"
        for n in range(3):
            assert api.post(url, json={**TURN, "turn_id": f"t{n}"}).status_code == 200
        refused = api.post(url, json={**TURN, "turn_id": "t3"})
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.json()["error"]["field"] == "Authorization"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        with session_scope(api.app.state.session_factory) as session:  # type: ignore[attr-defined]
            other = repo.create_api_key(
                tenant_id=DEFAULT_TENANT,
                scopes="bot,read,admin",
                session=session,
                name="other-bot",
                now=datetime.now(UTC),
            )
        fresh = api.post(
            "/v1/conversations/c2/turns",
            json={**TURN, "turn_id": "t0"},
            headers={"Authorization": f"Bearer {other}"},
        )
        assert fresh.status_code == 200
        assert api.get("/v1/handoffs").status_code == 429


def test_zero_turns_rate_limits_off(settings: Settings) -> None:
    unlimited = settings.model_copy(update={"rate_limit_per_minute": 0, "rate_limit_burst": 1})
    with authorized(create_app(unlimited)) as api:
        for n in range(5):
            r = api.post("/v1/conversations/c1/turns", json={**TURN, "turn_id": f"t{n}"})
            assert r.status_code == 200

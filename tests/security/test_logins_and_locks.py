"""Throttled sign-ins (issue 16, row 3) and transactions that do not stall the store (row 4)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT
from tests.factories.desk import PASSWORD, make_agent

TURN = {
    "turn_id": "t1",
    "role": "user",
    "text": "I want a human",
    "sent_at": "2026-11-24T10:00:00Z",
}
_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    # The rate limiter leases tokens from the store now and then (a write); off here, so that
    # what is measured is the route's own transaction.
    return create_app(settings.model_copy(update={"rate_limit_per_minute": 0}))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Ada Lovelace")
            key = repo.create_api_key(
                session=session,
                tenant_id=DEFAULT_TENANT,
                name="bot",
                scopes="bot,read,admin",
                now=datetime.now(UTC),
            )
        c.headers["Authorization"] = f"Bearer {key}"
        yield c


def _login(client: TestClient, email: str, password: str) -> int:
    token = _TOKEN.search(client.get("/console/login").text)
    assert token is not None
    r = client.post(
        "/console/login",
        data={"email": email, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )
    if r.status_code == 429:
        assert int(r.headers["Retry-After"]) >= 1
    return r.status_code


def test_forty_wrong_passwords_then_the_right_one_is_throttled(client: TestClient) -> None:
    codes = [_login(client, "ada@example.com", f"guess number {n}") for n in range(40)]
    assert codes[:5] == [401] * 5
    assert 429 in codes and 500 not in codes
    assert _login(client, "ada@example.com", PASSWORD) == 429


def test_one_address_guessing_many_accounts_is_throttled(client: TestClient) -> None:
    codes = [_login(client, f"user{n}@example.com", "a wrong password") for n in range(25)]
    assert codes[:20] == [401] * 20
    assert codes[-1] == 429


def test_the_right_password_first_time_still_signs_in(client: TestClient) -> None:
    assert _login(client, "ada@example.com", "one typo here") == 401
    assert _login(client, "ada@example.com", PASSWORD) == 303


@pytest.fixture
def writer_held(app: FastAPI, client: TestClient, db_url: str) -> Iterator[None]:
    """Another unit of work holds SQLite's write lock (a long write) for the test's duration."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's single-writer lock")
    client.post("/v1/conversations/c1/turns", json=TURN).raise_for_status()
    session = app.state.session_factory()
    session.execute(text("UPDATE conversations SET turn_count = turn_count"))
    try:
        yield
    finally:
        session.rollback()
        session.close()


def test_reads_and_sign_in_do_not_wait_for_a_writer(client: TestClient, writer_held: None) -> None:
    handoffs = client.get("/v1/handoffs")
    assert handoffs.status_code == 200
    (handoff,) = handoffs.json()["items"]
    assert client.get(f"/v1/handoffs/{handoff['id']}/brief").status_code == 200
    assert client.get("/v1/webhooks/deliveries").status_code == 200
    assert _login(client, "ada@example.com", "wrong password!") == 401


def test_a_write_that_cannot_get_the_lock_is_503(client: TestClient, writer_held: None) -> None:
    r = client.post("/v1/conversations/c2/turns", json={**TURN, "turn_id": "t2"})
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "store_unavailable"
    assert r.headers["Retry-After"] == "1"

"""Probe row 2: the exact out-of-range inputs the probe found answer a JSON 4xx, never a 500 or
a stream killed by a traceback. (The range checks in general belong to the hardening issue;
these are the probe's inputs, kept here so the merge shows whether both agree.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import session_scope
from tests.api.conftest import authorized
from tests.console.helpers import sign_in
from tests.factories.desk import make_agent

HUGE = "99999999999999999999"


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with authorized(create_app(settings)) as client:
        turn = {"turn_id": "t1", "role": "user", "text": "hello", "sent_at": "2026-11-24T10:00:00Z"}
        assert client.post("/v1/conversations/c-range/turns", json=turn).status_code == 200
        yield client


def _refused(response: object, field: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert 400 <= status < 500, (status, body)
    assert body["error"]["field"] == field and body["error"]["code"]


def test_week_9999_w52(api: TestClient) -> None:
    _refused(api.get("/v1/analytics/kpis", params={"week": "9999-W52"}), "week")


def test_a_huge_last_event_id_header(api: TestClient) -> None:
    r = api.get("/v1/conversations/c-range/events", headers={"Last-Event-ID": HUGE})
    _refused(r, "Last-Event-ID")


def test_a_huge_last_event_id_query(api: TestClient) -> None:
    r = api.get("/v1/conversations/c-range/events", params={"last_event_id": HUGE})
    _refused(r, "last_event_id")  # the field the caller sent


def test_the_consoles_after(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"require_api_key": False}))
    with TestClient(app) as client:
        with session_scope(app.state.session_factory) as s:
            make_agent(s)
        sign_in(client, "ada@example.com")
        r = client.get("/console/stream", params={"after": HUGE})
    assert r.status_code == 422 and "after" in r.text  # the console's HTML error page

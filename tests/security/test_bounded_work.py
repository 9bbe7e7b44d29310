"""Bounded work per request (issue 16, row 1): every period, page, stream and number has a cap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT
from tests.api.conftest import authorized
from tests.conftest import LiveServer

HUGE = "99999999999999999999"  # 20 digits: more than a BIGINT holds
TURN = {
    "turn_id": "t1",
    "role": "user",
    "text": "I want a human",
    "sent_at": "2026-11-24T10:00:00Z",
}


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with authorized(create_app(settings)) as client:
        yield client


def _error(r: httpx.Response, status: int = 422) -> dict[str, str]:
    assert r.status_code == status, r.text
    error: dict[str, str] = r.json()["error"]
    return error


def test_a_period_of_ten_thousand_years_is_refused_naming_the_cap(api: TestClient) -> None:
    params = {"interval": "day", "since": "0001-01-01", "until": "9999-12-31"}
    error = _error(api.get("/v1/analytics/kpis", params=params))
    assert error["code"] == "period_too_long"
    assert "366 days" in error["message"]
    params = {"interval": "week", "since": "1990-01-01", "until": "2026-01-01"}
    assert "3653 days" in _error(api.get("/v1/analytics/kpis", params=params))["message"]


def test_a_year_of_days_is_still_answered(api: TestClient) -> None:
    params = {"interval": "day", "since": "2025-11-01", "until": "2026-11-01"}
    r = api.get("/v1/analytics/kpis", params=params)
    assert r.status_code == 200, r.text
    assert len(r.json()["series"]) == 365


@pytest.mark.parametrize(
    "params",
    [
        {"week": "9999-W52"},
        {"week": "0001-W01"},
        {"until": "0001-01-01"},
        {"since": "0001-01-01", "until": "0001-01-05"},
    ],
)
def test_dates_at_the_edge_of_the_calendar_are_422(api: TestClient, params: dict[str, str]) -> None:
    assert _error(api.get("/v1/analytics/kpis", params=params))["code"] == "out_of_range"


def test_list_pages_have_a_maximum_and_a_depth(api: TestClient) -> None:
    for path in ("/v1/handoffs", "/v1/webhooks/endpoints", "/v1/webhooks/deliveries"):
        assert _error(api.get(path, params={"limit": 501}))["field"] == "limit"
        assert _error(api.get(path, params={"offset": 10_001}))["field"] == "offset"
        assert _error(api.get(path, params={"offset": HUGE}))["field"] == "offset"


def test_a_page_says_where_the_next_one_starts(api: TestClient) -> None:
    for n in range(3):
        api.post(f"/v1/conversations/c{n}/turns", json=TURN)
    first = api.get("/v1/handoffs", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = api.get("/v1/handoffs", params={"limit": 2, "offset": 2}).json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    seen = {h["id"] for h in first["items"] + rest["items"]}
    assert len(seen) == 3


@pytest.mark.parametrize("value", [HUGE, "-1", "1e3", "0x10"])
def test_event_ids_out_of_range_are_422_in_header_and_query(api: TestClient, value: str) -> None:
    api.post("/v1/conversations/c1/turns", json=TURN)
    url = "/v1/conversations/c1/events"
    header = _error(api.get(url, headers={"Last-Event-ID": value}))
    assert header["field"] == "Last-Event-ID"
    assert header["code"] == "out_of_range"
    assert _error(api.get(url, params={"last_event_id": value}))["field"] == "last_event_id"


class _Stream:
    """One open event stream, read up to its first frame and held until `close`."""

    def __init__(self, client: httpx.Client, url: str) -> None:
        self._cm = client.stream("GET", url)
        self.response = self._cm.__enter__()
        self.lines = self.response.iter_lines()
        if self.response.status_code == 200:
            assert next(self.lines).startswith("retry:")

    def close(self) -> None:
        self._cm.__exit__(None, None, None)


def test_event_streams_per_key_are_capped(settings: Settings) -> None:
    settings = settings.model_copy(update={"max_streams_per_key": 2})
    app = create_app(settings)
    with LiveServer(app) as server:
        with session_scope(app.state.session_factory) as session:
            key = repo.create_api_key(
                session=session,
                tenant_id=DEFAULT_TENANT,
                name="bot",
                scopes="bot,read,admin",
                now=datetime.now(UTC),
            )
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
            client.post("/v1/conversations/c1/turns", json=TURN).raise_for_status()
            url = "/v1/conversations/c1/events"
            held = [_Stream(client, url) for _ in range(2)]
            assert [s.response.status_code for s in held] == [200, 200]
            refused = client.get(url)
            assert _error(refused, 429)["code"] == "too_many_streams"
            assert refused.headers["Retry-After"] == "5"
            held.pop().close()
            deadline = time.monotonic() + 30
            while app.state.stream_slots.open_count(("key", "bot")) >= 2:
                assert time.monotonic() < deadline, "a closed stream kept its slot"
                client.get("/healthz")  # the server notices the client left on its next poll
            held.append(_Stream(client, url))
            assert held[-1].response.status_code == 200
            for stream in held:
                stream.close()

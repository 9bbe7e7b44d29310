"""`GET /v1/analytics/kpis` and `POST /v1/handoffs/{id}/csat` through the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.api.app import create_app
from baton.config import Settings
from baton.store.tables import HandoffEventRow
from tests.learn.test_kpis import seed


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"require_api_key": False})
    with TestClient(create_app(settings)) as c:
        with c.app.state.session_factory.begin() as session:  # type: ignore[attr-defined]
            seed(session)
        yield c


def test_kpis_for_a_week(client: TestClient) -> None:
    r = client.get("/v1/analytics/kpis", params={"week": "2026-W47", "interval": "day"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["overall"]["handoffs"] == 6
    # Episodes with no case at all; a case nobody reached (open or abandoned) is not deflected.
    assert body["deflection_rate"] == 0.5
    assert body["by_queue"]["billing"]["sla_attainment"] == 0.5
    assert len(body["series"]) == 7
    filtered = client.get(
        "/v1/analytics/kpis",
        params={"since": "2026-11-16", "until": "2026-11-23T00:00:00Z", "reason": "urgent"},
    ).json()
    assert filtered["overall"]["handoffs"] == 1


def test_kpis_reject_bad_periods(client: TestClient) -> None:
    r = client.get("/v1/analytics/kpis", params={"since": "2026-11-20", "until": "2026-11-10"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "until"
    r = client.get("/v1/analytics/kpis", params={"since": "2026-11-20T10:00:00"})
    assert r.json()["error"]["field"] == "since"
    r = client.get("/v1/analytics/kpis", params={"week": "2026-W60"})
    assert r.json()["error"]["field"] == "week"
    r = client.get("/v1/analytics/kpis", params={"since": "0001-01-01T00:00:00+05:00"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "since")


def test_csat_is_recorded_once_and_counted(client: TestClient) -> None:
    r = client.post("/v1/handoffs/h4/csat", json={"score": 4, "comment": "quick refund"})
    assert r.status_code == 200, r.text
    assert r.json() == {"handoff_id": "h4", "csat": 4}
    assert client.post("/v1/handoffs/h4/csat", json={"score": 4}).status_code == 200
    again = client.post("/v1/handoffs/h4/csat", json={"score": 1})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "csat_already_recorded"
    with client.app.state.session_factory() as session:  # type: ignore[attr-defined]
        events = session.scalars(
            select(HandoffEventRow).where(
                HandoffEventRow.handoff_id == "h4", HandoffEventRow.type == "csat"
            )
        ).all()
    assert [e.data for e in events] == [{"score": 4, "comment": "quick refund"}]
    k = client.get("/v1/analytics/kpis", params={"week": "2026-W47"}).json()["overall"]
    assert (k["csat"], k["csat_responses"]) == (round(15 / 4, 2), 4)  # 5, 2, 4, 4


def test_csat_refusals(client: TestClient) -> None:
    assert client.post("/v1/handoffs/h6/csat", json={"score": 3}).json()["error"]["code"] == (
        "illegal_transition"
    )  # declined: nobody to rate
    assert client.post("/v1/handoffs/nope/csat", json={"score": 3}).status_code == 404
    bad = client.post("/v1/handoffs/h1/csat", json={"score": 6})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "out_of_range")

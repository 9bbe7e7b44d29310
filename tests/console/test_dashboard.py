"""The supervisors' dashboard: KPIs and titled charts over a seeded week (synthetic data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.desk import agents
from baton.learn.kpis import iso_week
from baton.learn.synthetic import seed_week
from baton.store.db import session_scope
from tests.console.helpers import sign_in
from tests.factories.desk import make_agent, runtime

WEEK = "2026-W47"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"require_api_key": False}))
    with TestClient(app) as c:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Ada Lovelace", queues=("support",))
            make_agent(session, "Sue Perv", queues=(), role=agents.AgentRole.SUPERVISOR)
            seed_week(session=session, runtime=runtime(), week=WEEK, conversations=60, history=0)
        yield c


def test_a_supervisor_sees_the_weeks_kpis_and_charts(client: TestClient) -> None:
    sign_in(client, "sue@example.com")
    start, _ = iso_week(WEEK)
    days = (datetime.now(UTC) - start).days + 1
    page = client.get(f"/console/dashboard?days={days}")
    assert page.status_code == 200
    html = page.text
    for title in (
        "Handoffs per day",
        "Mean time to a person per day",
        "Handoffs and resolutions per queue",
        "Handoffs per reason",
    ):
        assert f"<title>{title}</title>" in html
    assert html.count("<svg") == 4
    assert "Escalation accuracy" in html and "Time to human" in html
    assert "No handoffs in this period." not in html


def test_an_agent_may_not_open_the_dashboard(client: TestClient) -> None:
    sign_in(client, "ada@example.com")
    assert client.get("/console/dashboard").status_code == 403

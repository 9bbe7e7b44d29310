"""The console's server-sent events over a real server: new cases and customer messages arrive."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest

from baton.api.app import create_app
from baton.config import Settings
from baton.store.db import session_scope
from tests.conftest import LiveServer
from tests.factories.desk import PASSWORD, make_agent

ASK = {"role": "user", "text": "I need a human please", "sent_at": "2026-11-24T10:00:00Z"}


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    app = create_app(settings.model_copy(update={"require_api_key": False}))
    with LiveServer(app) as live:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, queues=("support",))
        yield live


def sign_in(client: httpx.Client) -> None:
    form = client.get("/console/login").text
    token = re.search(r'name="login_token" value="([^"]+)"', form)
    assert token is not None
    response = client.post(
        "/console/login",
        data={"email": "ada@example.com", "password": PASSWORD, "login_token": token.group(1)},
    )
    assert response.status_code == 303


def events(response: httpx.Response) -> Iterator[tuple[str, dict[str, object]]]:
    name = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: ") and name is not None:
            yield name, json.loads(line.removeprefix("data: "))
            name = None


def test_a_new_case_and_a_customer_message_stream_in(server: LiveServer) -> None:
    with (
        httpx.Client(base_url=server.url, timeout=10) as agent,
        httpx.Client(base_url=server.url, timeout=10) as api,
    ):
        sign_in(agent)
        follow(agent, api)


def follow(agent: httpx.Client, api: httpx.Client) -> None:
    with agent.stream("GET", "/console/stream") as inbox:
        assert inbox.headers["content-type"].startswith("text/event-stream")
        created = api.post("/v1/conversations/s-1/turns", json={**ASK, "turn_id": "t1"}).json()
        handoff_id = created["handoff"]["id"]
        name, data = next(events(inbox))
        assert (name, data["handoff_id"], data["type"]) == ("case", handoff_id, "created")

    page = agent.get(f"/console/cases/{handoff_id}").text
    last_seq = re.search(r'data-last-seq="(\d+)"', page)
    assert last_seq is not None and last_seq.group(1) == "1"
    url = f"/console/cases/{handoff_id}/stream?after=1&status=queued"
    with agent.stream("GET", url) as case:
        more = {**ASK, "turn_id": "t2", "text": "<b>still</b> there?"}
        api.post("/v1/conversations/s-1/turns", json=more)
        name, data = next(events(case))
        assert name == "turn"
        assert (data["seq"], data["role"], data["text"]) == (2, "user", "<b>still</b> there?")


def test_streams_need_a_session(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as anonymous:
        assert anonymous.get("/console/stream").status_code == 401

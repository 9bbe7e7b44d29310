"""Customer text is untrusted: script tags, event handlers and javascript: links render as text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.desk import agents, knowledge
from baton.domain import BotSignal, Role, Turn
from baton.engine import process_turn
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT
from tests.console.helpers import assert_inert, sign_in
from tests.factories.desk import NOW, make_agent, open_case, runtime

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.title='pwned'\">"
LINK = '<a href="javascript:alert(1)">click</a> [docs](javascript:alert(2)) javascript:alert(3)'
HOSTILE = f"{SCRIPT} {IMG} {LINK}"
RAW = ("<script>", "<img", '<a href="javascript', 'href="javascript')


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"require_api_key": False}))


@pytest.fixture
def case(app: FastAPI, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app) as client:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, f"Ada {SCRIPT}", email="ada@example.com")
            make_agent(session, f"Bo {IMG}", email="bo@example.com")
            make_agent(session, "Sue Perv", queues=(), role=agents.AgentRole.ADMIN)
            bot_turn = Turn(
                turn_id="b0",
                role=Role.BOT,
                text=f"bot says {LINK}",
                sent_at=NOW,
                bot=BotSignal(action=f"lookup {IMG}", action_result=SCRIPT, intent=IMG[:100]),
            )
            process_turn(
                session,
                tenant_id=DEFAULT_TENANT,
                runtime=runtime(),
                conversation_id="x-1",
                turn=bot_turn,
                customer=None,
                now=NOW,
            )
            handoff = open_case(
                session,
                "x-1",
                f"I want a human. {HOSTILE} order ORD-12345",
                customer={"name": f"Eve {SCRIPT}", "email": "eve@x.io", "tier": IMG[:60]},
                at=NOW + timedelta(seconds=5),
            )
            later_turn = Turn(
                turn_id="u2", role=Role.USER, text=LINK, sent_at=NOW + timedelta(seconds=9)
            )
            process_turn(
                session,
                tenant_id=DEFAULT_TENANT,
                runtime=runtime(),
                conversation_id="x-1",
                turn=later_turn,
                customer=None,
                now=NOW + timedelta(seconds=9),
            )
            folder = tmp_path / "kb"
            folder.mkdir()
            (folder / "human.md").write_text(
                f"# Talking to a human {SCRIPT}\n\nhuman order help {IMG}\n\n## Reply\n\n"
                f"Hi {{customer_name}} {LINK}\n"
            )
            knowledge.load(
                tenant_id=DEFAULT_TENANT,
                session=session,
                articles=knowledge.read_folder(folder),
                now=NOW,
            )
            handoff_id = handoff.id
        yield client, handoff_id


def check(html: str) -> None:
    assert_inert(html)
    for raw in RAW:
        assert raw not in html.replace('<script src="/console/static/console.js" defer>', "")
    assert "&lt;script&gt;" in html or "&lt;img" in html or "javascript:alert" in html


def test_every_view_renders_hostile_text_as_text(case: tuple[TestClient, str]) -> None:
    client, handoff_id = case
    csrf = sign_in(client, "ada@example.com")
    inbox = client.get("/console/inbox").text
    check(inbox)
    assert "&lt;script&gt;document.title=" in inbox
    check(client.get("/console/inbox/fragment").text)
    client.post(f"/console/cases/{handoff_id}/accept", data={"csrf_token": csrf})
    page = client.get(f"/console/cases/{handoff_id}").text
    check(page)
    assert "javascript:alert(3)" in page  # shown, as text
    if client.app.state.engine.dialect.name == "sqlite":  # type: ignore[attr-defined]
        # The KB reply, filled and escaped. PostgreSQL's English text search does not match this
        # brief to the article (an open item of session 3); the page is still checked inert.
        assert "Hi Eve &lt;a href=" in page
    check(client.get("/console/kb", params={"q": "human"}).text)
    check(client.get("/console/kb/human").text)
    missing = client.get("/console/kb/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert missing.status_code == 404
    check(missing.text)


def test_saved_ticket_fields_and_exports_stay_inert(case: tuple[TestClient, str]) -> None:
    client, handoff_id = case
    csrf = sign_in(client, "ada@example.com")
    client.post(f"/console/cases/{handoff_id}/accept", data={"csrf_token": csrf})
    saved = client.post(
        f"/console/cases/{handoff_id}/ticket",
        data={
            "csrf_token": csrf,
            "subject": HOSTILE,
            "category": IMG,
            "priority": "<b>hi</b>",
            "description": LINK,
            "requester": SCRIPT,
            "tags": f"{IMG}, ok",
        },
    )
    assert saved.status_code == 200
    check(saved.text)
    export = client.get(f"/console/cases/{handoff_id}/ticket.json")
    assert export.headers["content-type"] == "application/json"
    assert export.headers["x-content-type-options"] == "nosniff"
    assert export.headers["content-disposition"].startswith("attachment;")
    assert export.json()["subject"] == HOSTILE
    client.post(f"/console/cases/{handoff_id}/reply", data={"csrf_token": csrf, "text": HOSTILE})
    check(client.get(f"/console/cases/{handoff_id}").text)


def test_team_page_escapes_agent_names(case: tuple[TestClient, str]) -> None:
    client, _ = case
    sign_in(client, "sue@example.com")
    check(client.get("/console/agents").text)
